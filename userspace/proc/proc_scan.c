// SPDX-License-Identifier: GPL-2.0-only
/*
 * Startup snapshot: processes that already run are read from /proc so that the
 * table is complete from the first event. Any entry that cannot be read, or
 * vanishes while being read, is skipped: startup never fails because of one.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup_path.h"
#include "config.h"
#include "filter.h"
#include "container.h"
#include "log.h"
#include "proc.h"
#include "timeconv.h"

#define PF_KTHREAD 0x00200000

/* Reads at most cap bytes of a /proc file; returns the length or -1. */
static ssize_t procfs__read(pid_t pid, const char *name, char *buf, size_t cap)
{
	char path[64];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)total < cap && (n = read(fd, buf + total, cap - total)) > 0)
		total += n;
	close(fd);
	return total;
}

static char *procfs__link(pid_t pid, const char *name)
{
	char path[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* /proc/PID/stat: comm may hold spaces and ')', so parse from the last ')'. */
static int scan__stat(pid_t pid, struct proc_info *p, unsigned long *flags)
{
	unsigned long long start_ticks;
	char buf[1024], *open_paren, *close_paren;
	ssize_t n = procfs__read(pid, "stat", buf, sizeof(buf) - 1);
	size_t clen;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -1;
	clen = close_paren - open_paren - 1;
	if (clen >= sizeof(p->comm))
		clen = sizeof(p->comm) - 1;
	memcpy(p->comm, open_paren + 1, clen);
	p->comm[clen] = '\0';
	/* Fields after comm: state ppid pgrp session tty tpgid flags ... starttime(22) */
	if (sscanf(close_paren + 2,
		   "%*c %d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d "
		   "%*d %*d %*d %*d %llu",
		   &p->ppid, flags, &start_ticks) != 3)
		return -1;
	p->start_ns = start_ticks * (1000000000ull / timeconv__ticks_per_sec());
	return 0;
}

static void scan__ids(pid_t pid, struct proc_info *p)
{
	char buf[4096], *line;
	ssize_t n = procfs__read(pid, "status", buf, sizeof(buf) - 1);

	if (n <= 0)
		return;
	buf[n] = '\0';
	if ((line = strstr(buf, "\nUid:")))
		p->uid = strtoul(line + 5, NULL, 10);
	if ((line = strstr(buf, "\nGid:")))
		p->gid = strtoul(line + 5, NULL, 10);
}

static void scan__bytes(pid_t pid, const char *name, char **dst, size_t *dst_len, bool *trunc)
{
	char buf[WF_PROC_ARGS_LEN + 1];
	ssize_t n = procfs__read(pid, name, buf, sizeof(buf));

	if (n <= 0)
		return;
	*trunc = n > WF_PROC_ARGS_LEN;
	proc_info__set_bytes(dst, dst_len, buf, *trunc ? WF_PROC_ARGS_LEN : (size_t)n);
}

static void scan__cgroup(struct proc_tracker *t, pid_t pid, struct proc_info *p)
{
	char buf[8192], path[PATH_MAX], abs[PATH_MAX * 2];
	ssize_t n = procfs__read(pid, "cgroup", buf, sizeof(buf) - 1);

	if (n <= 0)
		return;
	buf[n] = '\0';
	if (container__cgroup_from_proc(buf, path, sizeof(path)) < 0)
		return;
	proc_info__set_str(&p->cgroup_path, path);
	snprintf(abs, sizeof(abs), "%s%s", t->cgroup_mount, path);
	p->cgroup_id = cgroup_path__id_of(abs);
}

static void scan__parent_comm(struct proc_info *p)
{
	ssize_t n = procfs__read(p->ppid, "comm", p->pcomm, sizeof(p->pcomm) - 1);

	p->pcomm[n > 0 ? n : 0] = '\0';
	p->pcomm[strcspn(p->pcomm, "\n")] = '\0';
}

static void scan__one(struct proc_tracker *t, pid_t pid)
{
	struct proc_info tmp = { .pid = pid, .tid = pid };
	unsigned long flags = 0;
	struct proc_info *p;

	if (scan__stat(pid, &tmp, &flags) || (flags & PF_KTHREAD))
		return;
	scan__cgroup(t, pid, &tmp);
	if (!proc_tracker__in_scope(t, tmp.cgroup_path)) {
		free(tmp.cgroup_path);
		return;
	}
	p = proc_table__get(&t->table, pid); /* new: the caller skips pids events told us of */
	if (!p) {
		free(tmp.cgroup_path);
		return;
	}
	*p = (struct proc_info){ .pid = pid,
				 .tid = pid,
				 .ppid = tmp.ppid,
				 .start_ns = tmp.start_ns,
				 .cgroup_id = tmp.cgroup_id,
				 .cgroup_path = tmp.cgroup_path,
				 .next = p->next,
				 .source = PROC_SOURCE_SNAPSHOT };
	memcpy(p->comm, tmp.comm, sizeof(p->comm));
	scan__ids(pid, p);
	scan__bytes(pid, "cmdline", &p->args, &p->args_len, &p->args_truncated);
	proc_info__forget_cmdline(p);
	if (t->cfg->env)
		scan__bytes(pid, "environ", &p->env, &p->env_len, &p->env_truncated);
	p->exe = procfs__link(pid, "exe");
	p->cwd = procfs__link(pid, "cwd");
	scan__parent_comm(p);
	proc_tracker__derive(t, p);
}

/* --tree roots may be ancestors of processes met before them in /proc order. */
static void scan__mark_trees(struct proc_tracker *t)
{
	struct proc_info *p;
	size_t i;

	if (!t->cfg->filter.trees.n)
		return;
	proc_table__for_each(&t->table, p, i) {
		const struct proc_info *a = p;

		for (int depth = 0; a && depth < 256 && !p->in_tree; depth++) {
			p->in_tree = pidlist__contains(&t->cfg->filter.trees, a->pid) || a->in_tree;
			a = a->ppid != a->pid ? proc_table__find(&t->table, a->ppid) : NULL;
		}
	}
}

void proc_tracker__snapshot(struct proc_tracker *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t before = t->table.count;

	if (!d) {
		pr_warn("cannot read /proc (%m): processes started before whoflow will lack "
			"details\n");
		return;
	}
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (!proc_table__find(&t->table, pid))
			scan__one(t, pid);
	}
	closedir(d);
	scan__mark_trees(t);
	pr_info("process table: %zu processes read from /proc\n", t->table.count - before);
}
