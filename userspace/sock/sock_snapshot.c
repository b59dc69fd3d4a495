// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sockets that existed before the hooks were attached: sock_diag lists them
 * (with the same cookie the hooks use) in every network namespace a process is
 * in, and /proc/PID/fd names the processes holding them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "proc_table.h"
#include "sock.h"
#include "sock.skel.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* inode -> the process holding it (the longest-running one if several share it). */
struct inode_owner {
	unsigned long inode;
	pid_t pid;
	uint64_t start_ns;
};

struct snap {
	struct sock_tracker *s;
	const struct proc_table *procs;
	struct inode_owner *io;
	size_t nio, capio;
	uint64_t netns;
};

static int io__cmp(const void *a, const void *b)
{
	const struct inode_owner *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static void snap__add_inode(struct snap *sn, unsigned long inode, pid_t pid, uint64_t start)
{
	if (sn->nio == sn->capio) {
		size_t cap = sn->capio ? sn->capio * 2 : 1024;
		struct inode_owner *n = realloc(sn->io, cap * sizeof(*n));

		if (!n)
			return;
		sn->io = n;
		sn->capio = cap;
	}
	sn->io[sn->nio++] = (struct inode_owner){ inode, pid, start };
}

static void snap__scan_fds(struct snap *sn, pid_t pid, uint64_t start)
{
	char path[64], link[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		unsigned long inode;
		ssize_t n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);

		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) == 1)
			snap__add_inode(sn, inode, pid, start);
	}
	closedir(dir);
}

/* Sorted by inode, the earliest-started holder first among equals. */
static int io__cmp_start(const void *a, const void *b)
{
	const struct inode_owner *x = a, *y = b;
	int c = io__cmp(a, b);

	return c ? c : (x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns);
}

static const struct inode_owner *snap__holder(const struct snap *sn, unsigned long inode)
{
	struct inode_owner key = { .inode = inode };

	const struct inode_owner *h = bsearch(&key, sn->io, sn->nio, sizeof(*h), io__cmp);

	while (h && h > sn->io && (h - 1)->inode == inode)
		h--;
	return h;
}

static void snap__key(struct wf_tuple_key *k, const struct inet_diag_msg *m, int proto, bool remote)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->lport = ntohs(m->id.idiag_sport);
	k->rport = remote ? ntohs(m->id.idiag_dport) : 0;
	if (m->idiag_family == AF_INET ||
	    (m->id.idiag_src[0] == 0 && m->id.idiag_src[1] == 0 &&
	     m->id.idiag_src[2] == htonl(0xffff))) {
		bool mapped = m->idiag_family == AF_INET6;

		k->family = 4;
		memcpy(k->laddr, &m->id.idiag_src[mapped ? 3 : 0], 4);
		if (remote)
			memcpy(k->raddr, &m->id.idiag_dst[mapped ? 3 : 0], 4);
		return;
	}
	k->family = 6;
	memcpy(k->laddr, m->id.idiag_src, 16);
	if (remote)
		memcpy(k->raddr, m->id.idiag_dst, 16);
}

/* One socket sock_diag listed: give it its holder as owner, and index it. */
static void snap__socket(struct snap *sn, const struct inet_diag_msg *m, int proto)
{
	const struct inode_owner *h = snap__holder(sn, m->idiag_inode);
	uint64_t cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	const struct proc_info *p;
	struct wf_owner o = { 0 };
	struct wf_tuple_val v = { .cookie = cookie, .netns = sn->netns };
	struct wf_tuple_key k;
	bool connected = m->id.idiag_dport != 0;

	if (!h || !cookie)
		return;
	p = proc_table__find(sn->procs, h->pid);
	o.cookie = cookie;
	o.netns = sn->netns;
	o.tgid = o.tid = h->pid;
	o.uid = m->idiag_uid;
	o.how = WF_OWN_SNAPSHOT;
	o.family = m->idiag_family == AF_INET6 ? 6 : 4;
	o.proto = proto;
	if (p) {
		o.start_ns = p->start_ns;
		o.cgroup_id = p->cgroup_id;
		memcpy(o.comm, p->comm, sizeof(o.comm));
	}
	/* NOEXIST: a hook that saw the socket since knows better. */
	if (bpf_map_update_elem(bpf_map__fd(sn->s->skel->maps.owners), &cookie, &o, BPF_NOEXIST) &&
	    errno != EEXIST)
		return;
	sn->s->snapshot_sockets++;
	if (proto == IPPROTO_TCP && !connected)
		return; /* a listener: its connections are indexed by themselves */
	snap__key(&k, m, proto, connected);
	/* As the hooks do (tuple_port__mark): the bit before the entries. */
	__atomic_fetch_or(&sn->s->ports[k.lport / 64], 1ull << (k.lport % 64), __ATOMIC_SEQ_CST);
	k.netns = sn->netns;
	bpf_map_update_elem(bpf_map__fd(sn->s->skel->maps.tuples), &k, &v, BPF_NOEXIST);
	if (connected) {
		k.netns = 0;
		bpf_map_update_elem(bpf_map__fd(sn->s->skel->maps.tuples_any), &k, &v, BPF_NOEXIST);
	}
}

static int snap__dump(struct snap *sn, int nl, int family, int proto)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = { .nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		  .r = { .sdiag_family = family, .sdiag_protocol = proto, .idiag_states = ~0u } };
	static char buf[32768];

	if (send(nl, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n <= 0)
			return n < 0 ? -errno : 0;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -EINVAL;
			if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				snap__socket(sn, NLMSG_DATA(h), proto);
		}
	}
}

/* Lists this thread's current network namespace. */
static void snap__netns(struct snap *sn)
{
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	socklen_t len = sizeof(sn->netns);

	if (nl < 0)
		return;
	if (getsockopt(nl, SOL_SOCKET, SO_NETNS_COOKIE, &sn->netns, &len) == 0) {
		static const int fams[] = { AF_INET, AF_INET6 }, protos[] = { IPPROTO_TCP, IPPROTO_UDP };

		for (int f = 0; f < 2; f++)
			for (int p = 0; p < 2; p++)
				if (snap__dump(sn, nl, fams[f], protos[p]))
					pr_debug("sock_diag dump failed (family %d, protocol %d)\n",
						 fams[f], protos[p]);
	}
	close(nl);
}

/* Every network namespace some process is in, by inode, once. */
static size_t snap__namespaces(pid_t *pids, unsigned long *inodes, size_t max)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	size_t n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < max) {
		pid_t pid = atoi(d->d_name);
		char path[64];
		struct stat st;
		size_t i;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		if (stat(path, &st))
			continue;
		for (i = 0; i < n && inodes[i] != st.st_ino; i++)
			;
		if (i == n) {
			inodes[n] = st.st_ino;
			pids[n++] = pid;
		}
	}
	closedir(dir);
	return n;
}

void sock_tracker__snapshot(struct sock_tracker *s, const struct proc_table *procs)
{
	enum { MAX_NS = 4096 };
	struct snap sn = { .s = s, .procs = procs };
	static pid_t pids[MAX_NS];
	static unsigned long inodes[MAX_NS];
	const struct proc_info *p;
	size_t i, n;
	int self;

	proc_table__for_each(procs, p, i)
		snap__scan_fds(&sn, p->pid, p->start_ns);
	qsort(sn.io, sn.nio, sizeof(*sn.io), io__cmp_start);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	n = snap__namespaces(pids, inodes, MAX_NS);
	for (i = 0; self >= 0 && i < n; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/net", pids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!setns(fd, CLONE_NEWNET))
			snap__netns(&sn);
		close(fd);
	}
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET))
			pr_warn("cannot return to the agent's network namespace: %m\n");
		close(self);
	}
	free(sn.io);
	pr_info("socket snapshot: %lu sockets in %zu network namespaces had owners\n",
		(unsigned long)s->snapshot_sockets, n);
}
