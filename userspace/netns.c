// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "netns.h"

int netns__open(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

unsigned int netns__ifindex(int netns_fd, const char *name)
{
	unsigned int idx;
	int self;

	if (netns_fd < 0)
		return if_nametoindex(name);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(netns_fd, CLONE_NEWNET)) {
		if (self >= 0)
			close(self);
		return 0;
	}
	idx = if_nametoindex(name);
	/* Back home: the agent itself never stays in another namespace. */
	setns(self, CLONE_NEWNET);
	close(self);
	return idx;
}
