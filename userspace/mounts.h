/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MOUNTS_H
#define WHOFLOW_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

/* Copies the first mount point of fstype listed in /proc/mounts. 0 when found. */
int mounts__find(const char *fstype, char *out, size_t outsz);

/*
 * Finds cgroup2. When it is not mounted in this view (`ip netns exec` gives its
 * command a fresh /sys), whoflow moves itself into a private mount namespace and
 * mounts it there, so nothing changes for the rest of the host.
 */
int mounts__cgroup2(char *out, size_t outsz);

bool mounts__is_cgroup2(const char *path);
/* Removes the temporary mount point, if mounts__cgroup2() made one. */
void mounts__cleanup(void);

#endif
