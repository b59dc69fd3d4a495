// SPDX-License-Identifier: GPL-2.0-only
/* The XDP ingress program, through libxdp. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"
#include "xdp.h"

/* libxdp's messages sit one level lower than ours, as libbpf's do. */
static int xdp__print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	int ours = level == LIBXDP_WARN ? LOG_INFO : level == LIBXDP_INFO ? LOG_DEBUG :
									 LOG_LIBBPF_DEBUG;

	/* libxdp's messages carry their own "libxdp: " prefix. */
	return log__vlib(ours, fmt, ap);
}

void xdp__init_logging(void)
{
	libxdp_set_print(xdp__print);
}

static __u32 xdp__prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

bool xdp__attached(int prog_fd, unsigned int ifindex)
{
	struct xdp_program *p = xdp_program__from_fd(prog_fd);
	bool yes;

	if (libxdp_get_error(p))
		return false;
	yes = xdp_program__is_attached(p, (int)ifindex) != XDP_MODE_UNSPEC;
	xdp_program__close(p);
	return yes;
}

/* Someone else's XDP program on the interface: its id, else 0. */
static __u32 xdp__foreign(int prog_fd, unsigned int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)ifindex, 0, &q) || q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	if (xdp__attached(prog_fd, ifindex))
		return 0;
	return q.prog_id ? q.prog_id : q.skb_prog_id ? q.skb_prog_id : q.drv_prog_id;
}

int xdp__attach(int prog_fd, unsigned int ifindex, const char *ifname, bool skb_mode)
{
	__u32 other = xdp__foreign(prog_fd, ifindex);
	struct xdp_program *p;
	char msg[128];
	int err;

	if (other) {
		pr_warn("%s already has an XDP program (id %u) that whoflow did not load; whoflow "
			"does not displace it%s. Attach in TC mode instead (without --xdp)\n",
			ifname, other,
			" (libxdp's dispatcher, which could run both, needs freplace programs)");
		return -EBUSY;
	}
	p = xdp_program__from_fd(prog_fd);
	err = libxdp_get_error(p);
	if (!err) {
		err = xdp_program__attach(p, (int)ifindex, skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
		xdp_program__close(p);
	}
	if (!err)
		return 0;
	libxdp_strerror(err, msg, sizeof(msg));
	if (!skb_mode && (err == -EOPNOTSUPP || err == -EINVAL))
		pr_warn("cannot attach XDP in native mode to %s: %s. The driver may not support "
			"native XDP: try --xdp-mode skb\n",
			ifname, msg);
	else
		pr_warn("cannot attach XDP to %s: %s. Attach in TC mode instead (without --xdp)\n",
			ifname, msg);
	return err;
}

void xdp__detach(int prog_fd, unsigned int ifindex, const char *ifname, bool skb_mode)
{
	struct xdp_program *p;
	int err;

	if (!xdp__attached(prog_fd, ifindex)) {
		pr_info("whoflow's XDP program is no longer on %s (id %u); nothing to remove\n",
			ifname, xdp__prog_id(prog_fd));
		return;
	}
	p = xdp_program__from_fd(prog_fd);
	if (libxdp_get_error(p))
		return;
	err = xdp_program__detach(p, (int)ifindex, skb_mode ? XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
	if (err) {
		char msg[128];

		libxdp_strerror(err, msg, sizeof(msg));
		pr_warn("cannot remove whoflow's XDP program from %s: %s\n", ifname, msg);
	}
	xdp_program__close(p);
}
