// SPDX-License-Identifier: GPL-2.0-only
/* The container options (see parse_container.h). */
#include <stdio.h>
#include <string.h>
#include "ctr_meta.h"
#include "options.h"
#include "parse_container.h"

const char *const container_labels_default[] = {
	"com.docker.compose.project",
	"com.docker.compose.service",
	"app",
	"app.kubernetes.io/name",
};
const unsigned int container_labels_default_n =
	sizeof(container_labels_default) / sizeof(container_labels_default[0]);

static int parse__socket(const char **dst, const char *opt, const char *arg,
			 usage_error_fn usage_error)
{
	char fmt[96];

	if (arg[0] != '/') {
		snprintf(fmt, sizeof(fmt), "bad %s '%%s' (an absolute path to a unix socket)", opt);
		return usage_error(fmt, arg);
	}
	*dst = arg;
	return 0;
}

int parse_container__option(struct config *cfg, int opt, const char *arg,
			    usage_error_fn usage_error)
{
	switch (opt) {
	case OPT_POD:
		return strlist__add(&cfg->filter.pods, arg) ? 2 : 0;
	case OPT_K8S_NAMESPACE:
		return strlist__add(&cfg->filter.k8s_namespaces, arg) ? 2 : 0;
	case OPT_DOCKER_SOCKET:
		return parse__socket(&cfg->docker_socket, "--docker-socket", arg, usage_error);
	case OPT_PODMAN_SOCKET:
		return parse__socket(&cfg->podman_socket, "--podman-socket", arg, usage_error);
	case OPT_CONTAINERD_SOCKET:
		return parse__socket(&cfg->containerd_socket, "--containerd-socket", arg,
				     usage_error);
	case OPT_NO_CONTAINER_META:
		cfg->no_container_meta = true;
		return 0;
	case OPT_CONTAINER_LABEL:
		if (!*arg || strlen(arg) >= CTR_LABEL_KEY_MAX)
			return usage_error("bad --container-label '%s' (a label key, under 96 bytes)",
					   arg);
		if (cfg->container_labels.n >= CTR_LABELS_MAX)
			return usage_error("too many --container-label (16 at most): '%s'", arg);
		return strlist__add(&cfg->container_labels, arg) ? 2 : 0;
	}
	return -1;
}
