/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CONTAINER_H
#define WHOFLOW_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#define CONTAINER_ID_MAX 128

struct container {
	char id[CONTAINER_ID_MAX]; /* "" when the path names no container */
	const char *runtime; /* static string, NULL when id is "" */
};

/*
 * Recognises a container from a cgroup path (v1 or v2, cgroupfs or systemd
 * driver layouts) by walking components from the leaf up, so that a container's
 * own sub-cgroups (systemd inside podman, for one) still resolve to it.
 */
bool container__from_cgroup_path(const char *path, struct container *c);

/*
 * Picks the path to use from the text of /proc/PID/cgroup: the cgroup v2 line
 * ("0::/path") when present, else name=systemd's, else the first v1 line.
 * Returns the length copied into out, or -1 when nothing was found.
 */
int container__cgroup_from_proc(const char *text, char *out, size_t outsz);

#endif
