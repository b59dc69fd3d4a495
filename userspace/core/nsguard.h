/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_NSGUARD_H
#define WHOFLOW_NSGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The --netns namespaces, watched for `ip netns del`. The agent's link watch
 * (a netlink socket made inside) keeps a namespace alive, so a deleted one
 * would live on, with its interfaces and our classifiers, until the agent
 * stops: each is held here by an fd until its name goes, then let go.
 */
struct nsguard {
	const char *name;
	int fd;
	uint64_t dev, ino; /* the namespace's identity: a new one under the same name is not it */
};

/* Opens a guard per name; 0, or -errno (the namespace cannot be opened). */
int nsguard__open(struct nsguard *g, const char *name);
/* Whether the name no longer names the namespace opened (deleted, or replaced). */
bool nsguard__deleted(const struct nsguard *g);
void nsguard__close(struct nsguard *g);

#endif
