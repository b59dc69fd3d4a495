/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CGROUP_PATH_H
#define WHOFLOW_CGROUP_PATH_H

#include <stdint.h>

/*
 * Maps cgroup v2 ids (what bpf_get_current_cgroup_id() returns: the inode
 * number of the cgroup's directory) to paths relative to the cgroup2 mount.
 */
int cgroup_path__init(const char *mountpoint);
/* "/system.slice/foo.service", or NULL when no such cgroup exists (any more). */
const char *cgroup_path__lookup(uint64_t id);
/* Id of the cgroup directory at an absolute path, 0 on error. */
uint64_t cgroup_path__id_of(const char *abs_path);
void cgroup_path__free(void);

#endif
