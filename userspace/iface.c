// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if_arp.h>
#include "iface.h"

static int iface__fill(int sock, const char *name, struct iface *out)
{
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	snprintf(out->name, sizeof(out->name), "%s", name);
	if (ioctl(sock, SIOCGIFINDEX, &ifr))
		return -errno;
	out->ifindex = ifr.ifr_ifindex;
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -errno;
	out->up = ifr.ifr_flags & IFF_UP;
	out->loopback = ifr.ifr_flags & IFF_LOOPBACK;
	if (ioctl(sock, SIOCGIFHWADDR, &ifr))
		return -errno;
	/* Loopback has an all-zero Ethernet header in skbs, so it counts as L2. */
	out->no_l2 = ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
		     ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK;
	return 0;
}

int iface__get(const char *name, struct iface *out)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (sock < 0)
		return -errno;
	err = iface__fill(sock, name, out);
	close(sock);
	return err == -ENODEV || err == -ENXIO ? -ENODEV : err;
}

int iface__list(struct iface **out)
{
	struct if_nameindex *names = if_nameindex(), *n;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), count = 0;

	*out = NULL;
	if (!names || sock < 0) {
		int err = -errno;

		if (names)
			if_freenameindex(names);
		if (sock >= 0)
			close(sock);
		return err;
	}
	for (n = names; n->if_index; n++)
		count++;
	*out = calloc(count ? count : 1, sizeof(**out));
	count = 0;
	for (n = names; *out && n->if_index; n++)
		if (!iface__fill(sock, n->if_name, &(*out)[count]))
			count++; /* vanished between the two calls: skipped */
	if_freenameindex(names);
	close(sock);
	return *out ? count : -ENOMEM;
}
