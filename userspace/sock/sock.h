/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SOCK_H
#define WHOFLOW_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "sock_events.h"

struct config;
struct sock_bpf;
struct bpf_link;
struct proc_table;

/* The socket owner tables, shared with the packet classifiers. */
struct owner_maps {
	int owners, tuples, tuples_any;
	int tuple_ports; /* which local ports the tuple tables have held (one bit each) */
	int tcp_health; /* TCP connections' health by cookie (-1: none) */
	int scope; /* the watched cgroup (sock_scope), -1: no --cgroup */
};

/* bpf/cgroup/sock.bpf.c: who owns each socket. */
struct sock_tracker {
	struct sock_bpf *skel;
	struct bpf_link *links[24];
	size_t nlinks;
	int cgroup_fd; /* where the cgroup hooks hang: --cgroup, or the cgroup2 root */
	bool scoped; /* sock_scope holds --cgroup */
	uint64_t snapshot_sockets; /* sockets found at start and given an owner */
	uint64_t *ports; /* the tuple_ports map, mapped: the snapshot marks its sockets' ports */
};

/* open -> configure -> load. scope_fd: --cgroup's directory, or -1 for the host. */
int sock_tracker__load(struct sock_tracker *s, const struct config *cfg, int scope_fd,
		       const char *cgroup_mount);
void sock_tracker__maps(const struct sock_tracker *s, struct owner_maps *m);
int sock_tracker__attach(struct sock_tracker *s);
/* Sockets that existed before the hooks: owners from sock_diag and /proc. */
void sock_tracker__snapshot(struct sock_tracker *s, const struct proc_table *procs);
void sock_tracker__stats(const struct sock_tracker *s, uint64_t out[WF_SOCK_STAT__MAX]);
void sock_tracker__destroy(struct sock_tracker *s);

#endif
