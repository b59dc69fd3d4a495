// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_sched.h>
#include <netlink/netlink.h>
#include <netlink/route/classifier.h>
#include "attach.h"
#include "log.h"
#include "stale.h"

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

/* TCX (Linux 6.6): newer than the UAPI headers this builds against. */
#define WF_BPF_TCX_INGRESS 46
#define WF_BPF_TCX_EGRESS 47
#define WF_BPF_F_BEFORE (1U << 3)
#define WF_BPF_F_AFTER (1U << 4)

static int attach__tcx_link(struct tc_attachment *a, int prog_fd, bool ingress)
{
	/* libbpf 1.1 has no bpf_program__attach_tcx: the link API takes it as it is.
	 * No relative program: BEFORE puts ours first, AFTER last. */
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .flags = ingress ? WF_BPF_F_BEFORE : WF_BPF_F_AFTER);
	int fd = bpf_link_create(prog_fd, (int)a->iface.ifindex,
				 (enum bpf_attach_type)(ingress ? WF_BPF_TCX_INGRESS :
								  WF_BPF_TCX_EGRESS),
				 &opts);

	return fd < 0 ? -errno : fd;
}

static void attach__tcx_close(struct tc_attachment *a)
{
	if (a->link_in > 0)
		close(a->link_in);
	if (a->link_out > 0)
		close(a->link_out);
	a->link_in = a->link_out = -1;
}

/* 0, or the error; -EINVAL/-EOPNOTSUPP say this kernel has no TCX. */
static int attach__tcx(struct tc_attachment *a, int ingress_fd, int egress_fd)
{
	int in = attach__tcx_link(a, ingress_fd, true), out = -1;

	if (in >= 0)
		out = attach__tcx_link(a, egress_fd, false);
	if (in < 0 || out < 0) {
		int err = in < 0 ? in : out;

		if (in >= 0)
			close(in);
		return err;
	}
	a->link_in = in;
	a->link_out = out;
	a->tcx = a->ingress = a->egress = true;
	return 0;
}

/* The programs on a TCX hook: calls fn on each id until it says stop. */
static bool attach__tcx_any(unsigned int ifindex, bool ingress, bool (*fn)(__u32 id, const void *arg),
			    const void *arg)
{
	__u32 ids[64], cnt = 64;

	/* The query takes the interface index where a file descriptor would be. */
	if (bpf_prog_query((int)ifindex,
			   (enum bpf_attach_type)(ingress ? WF_BPF_TCX_INGRESS : WF_BPF_TCX_EGRESS), 0,
			   NULL, ids, &cnt))
		return false;
	for (__u32 i = 0; i < cnt && i < 64; i++)
		if (fn(ids[i], arg))
			return true;
	return false;
}

static bool attach__is_id(__u32 id, const void *arg)
{
	return id == *(const __u32 *)arg;
}

static bool attach__is_named(__u32 id, const void *arg)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ours;

	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, arg, sizeof(info.name));
	close(fd);
	return ours;
}

bool attach__tcx_has_prog(unsigned int ifindex, bool ingress, __u32 prog_id)
{
	return prog_id && attach__tcx_any(ifindex, ingress, attach__is_id, &prog_id);
}

bool attach__tcx_has_whoflow(unsigned int ifindex)
{
	return attach__tcx_any(ifindex, true, attach__is_named, "wf_tc_ingress");
}

static bool attach__no_tcx(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUP;
}

int attach__tc_mode(struct tc_attachment *a, int ingress_fd, int egress_fd, enum tc_mode mode)
{
	int err;

	if (mode == TC_MODE_CLSACT)
		return attach__tc(a, ingress_fd, egress_fd);
	err = attach__tcx(a, ingress_fd, egress_fd);
	if (!err)
		return 0;
	if (mode == TC_MODE_AUTO && attach__no_tcx(err)) {
		pr_info("%s: no TCX in this kernel (%s): clsact filters instead, which a killed "
			"monitor leaves behind (see whoflow status)\n",
			a->iface.name, strerror(-err));
		return attach__tc(a, ingress_fd, egress_fd);
	}
	pr_warn("cannot attach the classifiers to %s with TCX links: %s%s\n", a->iface.name,
		strerror(-err),
		attach__no_tcx(err) ? " (TCX needs Linux 6.6; try --tc-mode clsact)" : "");
	return err;
}

int attach__tc(struct tc_attachment *a, int ingress_fd, int egress_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)a->iface.ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_create(&hook);

	/* -EEXIST: someone else's clsact; we add our filters and leave it theirs,
	 * unless a whoflow made it (marked): then it is ours to remove. */
	if (err && err != -EEXIST) {
		pr_warn("cannot add a clsact qdisc to %s: %s\n", a->iface.name, strerror(-err));
		return err;
	}
	a->created_qdisc = !err || clsact_mark__exists(a->iface.ifindex);
	if (!err)
		clsact_mark__set(a->iface.ifindex);
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

bool attach__clsact_exists(unsigned int ifindex)
{
	struct nl_sock *sk = nl_socket_alloc();
	int in = -1;

	if (sk && !nl_connect(sk, NETLINK_ROUTE))
		in = attach__count_filters(sk, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	nl_socket_free(sk);
	return in >= 0;
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

	if (a->tcx) {
		/* Closing the last reference detaches the link. */
		attach__tcx_close(a);
		a->tcx = a->ingress = a->egress = false;
		return;
	}
	if (a->ingress)
		attach__remove(a, BPF_TC_INGRESS);
	if (a->egress)
		attach__remove(a, BPF_TC_EGRESS);
	a->ingress = a->egress = false;
	/* Ours, and nobody added a filter since: it goes, else it stays theirs. */
	if (a->created_qdisc && attach__clsact_unused(a->iface.ifindex)) {
		bpf_tc_hook_destroy(&hook);
		clsact_mark__clear(a->iface.ifindex);
	} else if (a->created_qdisc)
		pr_info("left the clsact qdisc on %s: other filters use it\n", a->iface.name);
	a->created_qdisc = false;
}

void attach__forget(struct tc_attachment *a)
{
	attach__tcx_close(a);
	if (a->created_qdisc)
		clsact_mark__clear(a->iface.ifindex);
	a->tcx = a->ingress = a->egress = a->created_qdisc = false;
}
