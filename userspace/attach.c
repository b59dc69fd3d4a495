// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include "attach.h"
#include "log.h"

static int attach__one(struct tc_attachment *a, enum bpf_tc_attach_point point, int fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->iface.ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIORITY,
		    .prog_fd = fd, .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_attach(&hook, &opts);

	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot attach the %s classifier to %s: %s\n",
			point == BPF_TC_INGRESS ? "ingress" : "egress", a->iface.name, msg);
	}
	return err;
}

static void attach__remove(struct tc_attachment *a, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->iface.ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIORITY);
	int err = bpf_tc_detach(&hook, &opts);

	/* Gone with its interface already: nothing left to remove. */
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		pr_warn("cannot remove whoflow's filter from %s: %s\n", a->iface.name,
			strerror(-err));
}

int attach__tc(struct tc_attachment *a, int ingress_fd, int egress_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->iface.ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_create(&hook);

	/* -EEXIST: someone else's clsact; we add our filters and leave it theirs. */
	if (err && err != -EEXIST) {
		pr_warn("cannot add a clsact qdisc to %s: %s\n", a->iface.name, strerror(-err));
		return err;
	}
	a->created_qdisc = !err;
	err = attach__one(a, BPF_TC_INGRESS, ingress_fd);
	a->ingress = !err;
	if (!err) {
		err = attach__one(a, BPF_TC_EGRESS, egress_fd);
		a->egress = !err;
	}
	if (err)
		attach__tc_detach(a);
	return err;
}

/* Filters on one clsact hook (whoever's), -1 when they cannot be listed. */
static int attach__count_filters(struct nl_sock *sk, int ifindex, uint32_t parent)
{
	struct nl_cache *cache;
	int n;

	if (rtnl_cls_alloc_cache(sk, ifindex, parent, &cache) < 0)
		return -1;
	n = nl_cache_nitems(cache);
	nl_cache_free(cache);
	return n;
}

bool attach__clsact_unused(unsigned int ifindex)
{
	struct nl_sock *sk = nl_socket_alloc();
	int in = -1, eg = -1;

	if (sk && !nl_connect(sk, NETLINK_ROUTE)) {
		in = attach__count_filters(sk, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
		eg = attach__count_filters(sk, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	}
	nl_socket_free(sk);
	return in == 0 && eg == 0;
}

void attach__tc_detach(struct tc_attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->iface.ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	if (a->ingress)
		attach__remove(a, BPF_TC_INGRESS);
	if (a->egress)
		attach__remove(a, BPF_TC_EGRESS);
	a->ingress = a->egress = false;
	/* Ours, and nobody added a filter since: it goes, else it stays theirs. */
	if (a->created_qdisc && attach__clsact_unused(a->iface.ifindex))
		bpf_tc_hook_destroy(&hook);
	else if (a->created_qdisc)
		pr_info("left the clsact qdisc on %s: other filters use it\n", a->iface.name);
	a->created_qdisc = false;
}
