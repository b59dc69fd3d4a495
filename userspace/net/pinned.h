/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PINNED_H
#define WHOFLOW_PINNED_H

#include <limits.h>
#include <stdbool.h>

struct config;

/*
 * whoflow's pinned state under <bpffs>/whoflow: the classifiers (progs/), their
 * maps (maps/), the socket hooks' links and maps (links/, sock/). While it
 * exists the classifiers keep counting and buffering with no agent running.
 */
struct pinned {
	char dir[PATH_MAX];
	int prog_ingress, prog_egress, prog_xdp;
	int attachments, iface_flags, pkt_stats, iface_stats;
};

/* <bpffs>/whoflow, mounting bpffs when may_mount and it is missing (*mounted). */
int pinned__dir(char *out, size_t outsz, bool may_mount, bool *mounted);
bool pinned__exists(const char *dir);
/* Whether pins exist, looking quietly (no mount, no warning); fills dir. */
bool pinned__find(char *dir, size_t dirsz);
/* Loads the classifiers and socket hooks with cfg's settings, attaches the
 * hooks to --cgroup (or the cgroup2 root) and pins everything. */
int pinned__create(struct pinned *p, const struct config *cfg, const char *dir,
		   const char *cgroup_mount, bool mounted);
int pinned__open(struct pinned *p, const char *dir);
void pinned__close(struct pinned *p);
/* Unpins everything (the socket hooks detach with their links) and removes dir. */
void pinned__destroy(const char *dir);

#endif
