/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_NETNS_H
#define WHOFLOW_NETNS_H

/* Opens a network namespace by name (/run/netns/NAME) or path; -errno on failure. */
int netns__open(const char *name_or_path);
/*
 * Index of interface name inside the namespace netns_fd (-1: the agent's own),
 * entering it only for the lookup. 0 when there is no such interface.
 */
unsigned int netns__ifindex(int netns_fd, const char *name);

#endif
