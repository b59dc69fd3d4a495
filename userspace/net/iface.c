// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include <net/if_arp.h>
#include "attach.h"
#include "netns.h"
#include "iface.h"
#include "log.h"

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

/* Whether whoflow's classifier sits on the ingress hook: a TCX link, or a clsact
 * filter with its handle and priority. */
static bool iface__has_whoflow(unsigned int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIORITY);

	return attach__tcx_has_whoflow(ifindex) || bpf_tc_query(&hook, &opts) == 0;
}

static void iface__print(const struct iface *i, const char *ns)
{
	printf("%u\t%s\t%s\t%s\t%s\t%s\n", i->ifindex, i->name, ns, i->up ? "up" : "down",
	       i->loopback ? "loopback" :
	       i->no_l2	   ? "no-l2" :
			     "ethernet",
	       iface__has_whoflow(i->ifindex) ? "attached" : "-");
}

int iface__print_list(const char *netns)
{
	int self = -1, target = -1, n, rc = 0;
	struct iface *list = NULL;
	struct stat st;
	char ns[64];

	if (netns) {
		target = netns__open(netns);
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (target < 0 || self < 0 || setns(target, CLONE_NEWNET)) {
			pr_say(
				"cannot enter network namespace '%s' (see 'ip netns list')\n",
				netns);
			rc = 1;
			goto cleanup;
		}
	}
	if (stat("/proc/thread-self/ns/net", &st))
		st.st_ino = 0;
	snprintf(ns, sizeof(ns), "%s%snet:[%lu]", netns ? netns : "", netns ? "=" : "",
		 (unsigned long)st.st_ino);
	n = iface__list(&list);
	if (n < 0) {
		pr_say( "cannot list interfaces: %s\n", strerror(-n));
		rc = 1;
		goto cleanup;
	}
	printf("INDEX\tNAME\tNETNS\tSTATE\tLINK\tWHOFLOW\n");
	for (int i = 0; i < n; i++)
		iface__print(&list[i], ns);
cleanup:
	if (self >= 0) {
		setns(self, CLONE_NEWNET);
		close(self);
	}
	if (target >= 0)
		close(target);
	free(list);
	return rc;
}
