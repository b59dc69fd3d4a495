/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CTR_SOURCE_H
#define WHOFLOW_CTR_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include "ctr_meta.h"

/* One runtime the meta stage asks (meta/ctr_api.c, meta/ctr_files.c). */
enum ctr_lookup {
	CTR_FOUND,
	CTR_NOT_FOUND,
	CTR_UNREACHABLE,
	CTR_GARBAGE,
};

struct ctr_source {
	const char *name; /* "docker", "podman", "containerd" */
	const char *path; /* its socket */
	const struct ctr_allow *allow;
	enum ctr_lookup (*lookup)(struct ctr_source *s, const char *id, struct ctr_meta *out);
	void *priv;
};

/* Docker Engine API (Docker, or Podman's compatible service) on a unix socket. */
int ctr_api__init(struct ctr_source *s, const char *name, const char *path,
		  const struct ctr_allow *allow);
/*
 * Follows GET /events until *stop, reconnecting after a failure; each
 * container event's metadata goes to emit (bad lines to garbage).
 */
void ctr_api__watch(struct ctr_source *s, atomic_bool *stop,
		    void (*emit)(const struct ctr_meta *m), void (*garbage)(void));

/* containerd: the OCI bundles it writes for each task, beside its socket. */
int ctr_files__init(struct ctr_source *s, const char *socket_path, const struct ctr_allow *allow);

#endif
