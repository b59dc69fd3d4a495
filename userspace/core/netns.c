// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "netns.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

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

int netns__enter_fd(int target, int *self)
{
	*self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*self < 0 || setns(target, CLONE_NEWNET)) {
		int err = -errno;

		if (*self >= 0)
			close(*self);
		*self = -1;
		return err;
	}
	return 0;
}

int netns__enter(const char *name, int *self)
{
	int target, err;

	*self = -1;
	if (!name || !*name)
		return 0;
	target = netns__open(name);
	if (target < 0)
		return target;
	err = netns__enter_fd(target, self);
	close(target);
	return err;
}

void netns__leave(int self)
{
	if (self < 0)
		return;
	setns(self, CLONE_NEWNET);
	close(self);
}

uint64_t netns__cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
			cookie = 0;
		close(fd);
	}
	return cookie;
}

void netns__current_name(char *out, size_t outsz)
{
	struct stat self, st;
	struct dirent *d;
	DIR *dir;

	out[0] = '\0';
	if (stat("/proc/self/ns/net", &self))
		return;
	if (!stat("/proc/1/ns/net", &st) && st.st_ino == self.st_ino)
		return; /* the host's own: "" */
	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		char path[300];

		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		if (d->d_name[0] != '.' && !stat(path, &st) && st.st_ino == self.st_ino &&
		    st.st_dev == self.st_dev) {
			snprintf(out, outsz, "%s", d->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
}
