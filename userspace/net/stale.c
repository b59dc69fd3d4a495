// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "log.h"
#include "netns.h"
#include "stale.h"
#include "xdp.h"
#include <linux/if_link.h>

#define MARK_DIR "/run/whoflow"

static void mark__path(char *buf, size_t sz, unsigned int ifindex)
{
	snprintf(buf, sz, MARK_DIR "/clsact.%llu.%u", (unsigned long long)netns__cookie(), ifindex);
}

void clsact_mark__set(unsigned int ifindex)
{
	char path[128];
	int fd;

	mkdir(MARK_DIR, 0700);
	mark__path(path, sizeof(path), ifindex);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		pr_info("cannot mark the clsact qdisc as whoflow's (%s: %m): if whoflow dies, "
			"'whoflow detach --stale' will leave that qdisc\n",
			path);
	else
		close(fd);
}

bool clsact_mark__exists(unsigned int ifindex)
{
	char path[128];

	mark__path(path, sizeof(path), ifindex);
	return access(path, F_OK) == 0;
}

void clsact_mark__clear(unsigned int ifindex)
{
	char path[128];

	mark__path(path, sizeof(path), ifindex);
	unlink(path);
}

/* Whether some process holds a file descriptor of the program (its fdinfo says so). */
static bool prog__held(__u32 id)
{
	char want[32], path[600], line[128];
	DIR *proc = opendir("/proc"), *fds;
	struct dirent *p, *f;
	bool held = false;

	if (!proc)
		return true; /* cannot tell: never call it stale */
	snprintf(want, sizeof(want), "prog_id:\t%u\n", id);
	while (!held && (p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", p->d_name);
		fds = opendir(path);
		while (fds && !held && (f = readdir(fds))) {
			FILE *fi;

			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", p->d_name, f->d_name);
			fi = fopen(path, "re");
			while (fi && fgets(line, sizeof(line), fi))
				if (!strcmp(line, want)) {
					held = true;
					break;
				}
			if (fi)
				fclose(fi);
		}
		if (fds)
			closedir(fds);
	}
	closedir(proc);
	return held;
}

/* Our filter's program on one hook, 0 when there is none. */
static __u32 filter__prog(unsigned int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = WF_TC_HANDLE, .priority = WF_TC_PRIORITY);

	return bpf_tc_query(&hook, &opts) ? 0 : opts.prog_id;
}

/* whoflow's XDP program attached to the interface (directly: libxdp's dispatcher
 * is refused on hardened kernels), else 0; *skb: in generic mode. */
static __u32 xdp__ours(unsigned int ifindex, bool *skb)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), id;
	bool ours;
	int fd;

	if (bpf_xdp_query((int)ifindex, 0, &q) || q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	*skb = q.attach_mode == XDP_ATTACHED_SKB;
	id = q.prog_id ? q.prog_id : q.skb_prog_id ? q.skb_prog_id : q.drv_prog_id;
	fd = id ? bpf_prog_get_fd_by_id(id) : -1;
	if (fd < 0)
		return 0;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strncmp(info.name, "wf_xdp_ingress", sizeof(info.name));
	close(fd);
	return ours ? id : 0;
}

static bool prog__kept(__u32 id, const __u32 *keep, size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] == id)
			return true;
	return prog__held(id);
}

int stale__scan(struct stale_tc **out, const __u32 *keep, size_t nkeep)
{
	struct iface *list;
	int n = iface__list(&list), count = 0;

	*out = NULL;
	if (n < 0)
		return n;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out) {
		free(list);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct stale_tc s = { .iface = list[i] };

		s.prog_in = filter__prog(list[i].ifindex, BPF_TC_INGRESS);
		s.prog_out = filter__prog(list[i].ifindex, BPF_TC_EGRESS);
		s.prog_xdp = xdp__ours(list[i].ifindex, &s.xdp_skb);
		if (s.prog_in && prog__kept(s.prog_in, keep, nkeep))
			s.prog_in = 0;
		if (s.prog_out && prog__kept(s.prog_out, keep, nkeep))
			s.prog_out = 0;
		if (s.prog_xdp && prog__kept(s.prog_xdp, keep, nkeep))
			s.prog_xdp = 0;
		s.qdisc_marked = clsact_mark__exists(list[i].ifindex) &&
				 attach__clsact_exists(list[i].ifindex);
		/* A qdisc a whoflow made is stale alone only when no filter uses it. */
		if (!s.prog_in && !s.prog_out && !s.prog_xdp &&
		    (!s.qdisc_marked || !attach__clsact_unused(list[i].ifindex)))
			continue;
		(*out)[count++] = s;
	}
	free(list);
	return count;
}

int stale__remove(const struct stale_tc *s)
{
	struct tc_attachment a = { .iface = s->iface, .ingress = s->prog_in != 0,
				   .egress = s->prog_out != 0, .created_qdisc = s->qdisc_marked };

	/* The same removal as a monitor's at exit: exactly our filters, and the
	 * qdisc only when whoflow made it and no other filter uses it. */
	attach__tc_detach(&a);
	if (s->prog_xdp) {
		int fd = bpf_prog_get_fd_by_id(s->prog_xdp);

		if (fd >= 0) {
			xdp__detach(fd, s->iface.ifindex, s->iface.name, s->xdp_skb);
			close(fd);
		}
	}
	return 0;
}

void stale__describe(const struct stale_tc *s, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "%s (ifindex %u):", s->iface.name, s->iface.ifindex);

	if (s->prog_in && n < (int)sz)
		n += snprintf(buf + n, sz - n, " filter 0x%x on ingress (program %u, held by nobody)",
			      WF_TC_HANDLE, s->prog_in);
	if (s->prog_out && n < (int)sz)
		n += snprintf(buf + n, sz - n, " filter 0x%x on egress (program %u, held by nobody)",
			      WF_TC_HANDLE, s->prog_out);
	if (s->prog_xdp && n < (int)sz)
		n += snprintf(buf + n, sz - n, " XDP program wf_xdp_ingress (program %u, held by nobody)",
			      s->prog_xdp);
	if (s->qdisc_marked && n < (int)sz)
		snprintf(buf + n, sz - n, " clsact qdisc a whoflow made");
}
