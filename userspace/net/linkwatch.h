/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_LINKWATCH_H
#define WHOFLOW_LINKWATCH_H

#include <stdbool.h>

struct nl_sock;

enum link_change {
	LINK_NEW, /* appeared, or changed (name, up/down) */
	LINK_GONE,
};

struct link_info {
	unsigned int ifindex;
	char name[16];
	bool up;
	bool loopback;
	bool no_l2; /* no Ethernet header */
};

typedef void (*link_fn)(void *ctx, enum link_change change, const struct link_info *l);

/* Link events of one network namespace (RTNLGRP_LINK), through libnl-3. */
struct linkwatch {
	struct nl_sock *sk;
	int fd;
	link_fn fn;
	void *ctx;
};

/* netns: watch that namespace (NULL: our own); the socket stays bound to it. */
int linkwatch__open(struct linkwatch *w, const char *netns, link_fn fn, void *ctx);
/* Handles every event queued; never blocks. */
void linkwatch__process(struct linkwatch *w);
void linkwatch__close(struct linkwatch *w);

#endif
