/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PARSE_CONTAINER_H
#define WHOFLOW_PARSE_CONTAINER_H

#include "config.h"
#include "parse_export.h"

/* The label keys reported when no --container-label is given. */
extern const char *const container_labels_default[];
extern const unsigned int container_labels_default_n;

/*
 * --pod, --k8s-namespace, --docker-socket, --podman-socket,
 * --containerd-socket, --container-label and --no-container-metadata into
 * cfg: 0, 2 after a usage error, or -1 when opt is none of them.
 */
int parse_container__option(struct config *cfg, int opt, const char *arg,
			    usage_error_fn usage_error);

#endif
