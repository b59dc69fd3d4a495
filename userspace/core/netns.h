/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_NETNS_H
#define WHOFLOW_NETNS_H

#include <stddef.h>
#include <stdint.h>

/* Opens a network namespace by name (/run/netns/NAME) or path; -errno on failure. */
int netns__open(const char *name_or_path);
/*
 * Index of interface name inside the namespace netns_fd (-1: the agent's own),
 * entering it only for the lookup. 0 when there is no such interface.
 */
unsigned int netns__ifindex(int netns_fd, const char *name);

/* Enters a named namespace for link operations; *self restores with netns__leave.
 * An empty or NULL name stays here. */
int netns__enter(const char *name, int *self);
void netns__leave(int self);
/* The same, into the namespace an open fd names (one whose name may be gone). */
int netns__enter_fd(int fd, int *self);
/* The current network namespace's cookie (SO_NETNS_COOKIE), 0 if unknown. */
uint64_t netns__cookie(void);
/* The /run/netns name of the current namespace; "" for the host's (or unnamed). */
void netns__current_name(char *out, size_t outsz);

#endif
