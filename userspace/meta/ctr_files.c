// SPDX-License-Identifier: GPL-2.0-only
/*
 * containerd: its API is gRPC, but for each task it writes the OCI bundle it
 * hands to the runtime, and the CRI puts the pod's and the container's names
 * in that bundle's annotations. Reading config.json there answers what the
 * API would, with no gRPC stack: <state>/io.containerd.runtime.v2.task/<ns>/<id>/
 * where <state> is the socket's directory (/run/containerd), or its daemon/
 * subdirectory (the containerd that dockerd starts itself). Docker's own
 * namespace (moby) is left to the Docker API, which knows the names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctr_json.h"
#include "ctr_source.h"

#define BUNDLE_MAX (1u << 20)
#define TASKS "io.containerd.runtime.v2.task"

struct files {
	char state[2][PATH_MAX];
};

/* The whole file, NUL-terminated; NULL when it cannot be read or is too big. */
static char *file__read(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = malloc(BUNDLE_MAX + 1);
	while (buf && n < BUNDLE_MAX && (r = read(fd, buf + n, BUNDLE_MAX - n)) > 0)
		n += r;
	close(fd);
	if (!buf || n >= BUNDLE_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static enum ctr_lookup files__in_ns(struct ctr_source *s, const char *tasks, const char *ns,
				    const char *id, struct ctr_meta *out)
{
	char path[PATH_MAX];
	size_t len = 0;
	char *buf;
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s/%s/config.json", tasks, ns, id) >=
	    (int)sizeof(path))
		return CTR_NOT_FOUND;
	if (!(buf = file__read(path, &len)))
		return errno == ENOENT ? CTR_NOT_FOUND : CTR_GARBAGE;
	rc = ctr_json__oci_config(buf, len, id, s->allow, out);
	free(buf);
	if (rc == CTR_JSON_BAD)
		return CTR_GARBAGE;
	if (rc == CTR_JSON_IGNORED)
		return CTR_NOT_FOUND;
	out->source = s->name;
	return CTR_FOUND;
}

static enum ctr_lookup files__lookup(struct ctr_source *s, const char *id, struct ctr_meta *out)
{
	struct files *f = s->priv;
	enum ctr_lookup best = CTR_NOT_FOUND;

	for (int i = 0; i < 2; i++) {
		char tasks[PATH_MAX + 40];
		struct dirent *d;
		DIR *dir;

		snprintf(tasks, sizeof(tasks), "%s/" TASKS, f->state[i]);
		if (!(dir = opendir(tasks)))
			continue;
		while ((d = readdir(dir))) {
			enum ctr_lookup rc;

			if (d->d_name[0] == '.' || !strcmp(d->d_name, "moby"))
				continue;
			rc = files__in_ns(s, tasks, d->d_name, id, out);
			if (rc == CTR_FOUND) {
				closedir(dir);
				return rc;
			}
			if (rc == CTR_GARBAGE)
				best = rc;
		}
		closedir(dir);
	}
	return best;
}

int ctr_files__init(struct ctr_source *s, const char *socket_path, const struct ctr_allow *allow)
{
	struct files *f = calloc(1, sizeof(*f));
	const char *slash = strrchr(socket_path, '/');
	int n = slash ? (int)(slash - socket_path) : 1;

	if (!f)
		return 1;
	memset(s, 0, sizeof(*s));
	snprintf(f->state[0], sizeof(f->state[0]), "%.*s", n, slash ? socket_path : ".");
	snprintf(f->state[1], sizeof(f->state[1]), "%.*s/daemon", n, slash ? socket_path : ".");
	s->name = "containerd";
	s->path = socket_path;
	s->allow = allow;
	s->lookup = files__lookup;
	s->priv = f;
	return 0;
}
