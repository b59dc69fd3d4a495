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
/* The host's BPF file system (mounted at /sys/fs/bpf when missing), as this
 * process can reach it. 0 when found. */
int mounts__bpffs(char *out, size_t outsz);
/* The same, but never mounts: -ENOENT when the host has none, -EACCES when it
 * cannot be reached from here (said when warn). */
int mounts__bpffs_lookup(char *out, size_t outsz, bool warn);
/* Removes the temporary mount point, if mounts__cgroup2() made one. */
void mounts__cleanup(void);
/* cgroup2 mounted by whoflow on a directory of its own, which the cleanup removes. */
bool mounts__made_own(void);

#endif
