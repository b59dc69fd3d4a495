/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PROC_INFO_H
#define WHOFLOW_PROC_INFO_H

/* What whoflow knows about a process: the type every stage reads (the table is proc/proc_table.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "container.h"

enum proc_source {
	PROC_SOURCE_SNAPSHOT, /* read from /proc at startup */
	PROC_SOURCE_FORK, /* seen being forked; still running its parent's image */
	PROC_SOURCE_EXEC, /* seen exec'ing */
	PROC_SOURCE_EXIT_ONLY, /* first seen when it exited */
};

/* Everything whoflow knows about one process (thread group). */
struct proc_info {
	pid_t pid, tid, ppid;
	uint64_t start_ns; /* CLOCK_BOOTTIME */
	uint64_t exit_ns;
	uint64_t cgroup_id;
	uint32_t exec_gen; /* execs since fork, as the kernel counts them (-w's image verdicts) */
	uid_t uid;
	gid_t gid;
	int exit_status; /* wait(2) status */
	bool exited;
	bool in_tree; /* selected by --tree: a root or a descendant of one */
	enum proc_source source;
	char comm[16];
	char pcomm[16];
	char *exe;
	char *cwd;
	char *args; /* NUL-separated argv */
	size_t args_len;
	/* args as one command line (cmdline__dup), made at its first use by
	 * proc_info__cmdline: every network event repeats its owner's. Whatever
	 * changes args calls proc_info__forget_cmdline. */
	char *cmdline;
	bool args_truncated;
	char *env; /* NUL-separated envp, only with --env */
	size_t env_len;
	bool env_truncated;
	uint64_t env_ts; /* event time of the ENV record that env came from */
	char *cgroup_path;
	/* Shared by every process of one container (proc_info__container): a
	 * host's thousands of processes sit in a few containers, and an id of
	 * 128 bytes in each entry was a quarter of it. NULL: none. */
	const struct container *container;
	char entity_id[48];
	char md5[33];
	char sha256[65];
	unsigned char bin_status; /* --preserve-binaries: enum binkeep_status of its last exec */
	uint64_t image_ino; /* its image, as the exec record names it (0: not known) */
	dev_t image_dev; /* the same, as stat(2) gives st_dev */
	struct proc_info *next; /* hash chain */
};

/* Its command line, formatted once per argv (NULL: no arguments, or out of memory). */
const char *proc_info__cmdline(const struct proc_info *p);
/* args changed (or p goes): the command line made from them goes too. */
void proc_info__forget_cmdline(struct proc_info *p);

/* Its container: never NULL (an empty id when it is in none). */
const struct container *proc_info__container(const struct proc_info *p);
/* Sets it to c (copied into the shared one with its id; an empty id: none). */
void proc_info__set_container(struct proc_info *p, const struct container *c);
/* p takes from's container (a fork). */
void proc_info__share_container(struct proc_info *p, const struct proc_info *from);
/* p goes: its share of its container goes too. */
void proc_info__drop_container(struct proc_info *p);

#endif
