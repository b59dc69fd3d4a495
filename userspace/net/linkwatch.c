// SPDX-License-Identifier: GPL-2.0-only
/* Interfaces that appear, change or go away, from rtnetlink (libnl-3). */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include "linkwatch.h"
#include "log.h"
#include "netns.h"

static int linkwatch__on_msg(struct nl_msg *msg, void *arg)
{
	struct linkwatch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct ifinfomsg *ifi;
	struct nlattr *name;
	struct link_info l = { 0 };

	if ((h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) ||
	    !nlmsg_valid_hdr(h, sizeof(*ifi)))
		return NL_OK;
	ifi = nlmsg_data(h);
	name = nlmsg_find_attr(h, sizeof(*ifi), IFLA_IFNAME);
	l.ifindex = ifi->ifi_index;
	if (name)
		nla_strlcpy(l.name, name, sizeof(l.name));
	l.up = ifi->ifi_flags & IFF_UP;
	l.loopback = ifi->ifi_flags & IFF_LOOPBACK;
	l.no_l2 = ifi->ifi_type != ARPHRD_ETHER && ifi->ifi_type != ARPHRD_LOOPBACK;
	w->fn(w->ctx, h->nlmsg_type == RTM_DELLINK ? LINK_GONE : LINK_NEW, &l);
	return NL_OK;
}

int linkwatch__open(struct linkwatch *w, const char *netns, link_fn fn, void *ctx)
{
	int self, err;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->fn = fn;
	w->ctx = ctx;
	w->sk = nl_socket_alloc();
	if (!w->sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, linkwatch__on_msg, w);
	/* A netlink socket belongs to the namespace it was made in. */
	err = netns__enter(netns, &self);
	if (!err) {
		err = nl_connect(w->sk, NETLINK_ROUTE) ? -EIO : 0;
		netns__leave(self);
	}
	if (!err && nl_socket_add_membership(w->sk, RTNLGRP_LINK))
		err = -EIO;
	if (!err && nl_socket_set_nonblocking(w->sk))
		err = -EIO;
	if (err) {
		pr_warn("cannot watch interfaces appearing%s%s: %s; only those present now are "
			"watched\n",
			netns ? " in " : "", netns ? netns : "", strerror(-err));
		linkwatch__close(w);
		return err;
	}
	w->fd = nl_socket_get_fd(w->sk);
	return 0;
}

void linkwatch__process(struct linkwatch *w)
{
	/* Non-blocking: returns once the queue is empty (-NLE_AGAIN). */
	for (int i = 0; w->sk && i < 1024; i++)
		if (nl_recvmsgs_default(w->sk) < 0)
			break;
}

void linkwatch__close(struct linkwatch *w)
{
	if (w->sk)
		nl_socket_free(w->sk);
	w->sk = NULL;
	w->fd = -1;
}
