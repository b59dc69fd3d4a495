// SPDX-License-Identifier: GPL-2.0-only
/* Named network namespaces deleted under the agent (see nsguard.h). */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "netns.h"
#include "nsguard.h"

int nsguard__open(struct nsguard *g, const char *name)
{
	struct stat st;

	g->name = name;
	g->fd = netns__open(name);
	if (g->fd < 0)
		return g->fd;
	if (fstat(g->fd, &st)) {
		int err = -errno;

		nsguard__close(g);
		return err;
	}
	g->dev = st.st_dev;
	g->ino = st.st_ino;
	return 0;
}

bool nsguard__deleted(const struct nsguard *g)
{
	char path[300];
	struct stat st;

	if (g->fd < 0)
		return false;
	snprintf(path, sizeof(path), "%s%s", g->name[0] == '/' ? "" : "/run/netns/", g->name);
	return stat(path, &st) || st.st_dev != g->dev || st.st_ino != g->ino;
}

void nsguard__close(struct nsguard *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}
