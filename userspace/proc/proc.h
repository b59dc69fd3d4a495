/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PROC_TRACKER_H
#define WHOFLOW_PROC_TRACKER_H

#include <limits.h>
#include <stdint.h>
#include <linux/types.h>
#include "proc_events.h"
#include "binkeep.h"
#include "proc_table.h"

struct config;
struct event_out;
struct proc_bpf;
struct loop;

/* The process tracker: bpf/trace/proc.bpf.c plus the process table it feeds. */
struct proc_tracker {
	struct proc_bpf *skel;
	struct proc_table table;
	struct proc_table exited; /* processes that exited less than PROC_EXITED_KEEP_NS ago */
	const struct config *cfg;
	struct event_out *out;
	int scope_fd; /* --cgroup directory, -1 for the whole host */
	char cgroup_mount[PATH_MAX];
	char scope_path[PATH_MAX]; /* the scope, relative to cgroup_mount: "/" or "/a/b" */
	char boot_id[40];
	uint64_t seen[WF_PROC_EVENT_ENV + 1]; /* records received, by kind */
	uint64_t printed[WF_PROC_EVENT_ENV + 1]; /* events written, by kind */
	bool judge_images; /* -w: leave a verdict per process image for the classifiers */
	struct binkeep *keep; /* --preserve-binaries, NULL without */
};

/* open -> configure -> load; prints what failed. judge_images: -w with selectors
 * only the agent can judge (filter__needs_images), on classifiers it loads itself. */
int proc_tracker__load(struct proc_tracker *t, const struct config *cfg, struct event_out *out,
		       const char *cgroup_mount, bool judge_images);
/* Attaches the tracepoints and gives the loop the ring buffer. */
int proc_tracker__attach(struct proc_tracker *t, struct loop *l);
/* Reads processes that already run from /proc. */
void proc_tracker__snapshot(struct proc_tracker *t);
/* Detaches the hooks (the loop then drains what they queued). */
void proc_tracker__detach(struct proc_tracker *t);
void proc_tracker__losses(const struct proc_tracker *t, uint64_t out[WF_PROC_LOSS__MAX]);
void proc_tracker__destroy(struct proc_tracker *t);
/* -w's verdict maps (see struct wf_proc_image), -1 when not judging images. */
int proc_tracker__gen_fd(const struct proc_tracker *t);
int proc_tracker__verdicts_fd(const struct proc_tracker *t);
/* Judges every process in the table (after the snapshot). */
void proc_tracker__judge_all(struct proc_tracker *t);
/* Judges again the processes of one container (its name became known or changed). */
void proc_tracker__judge_container(struct proc_tracker *t, const char *id);

/* Fills the pieces every source (event or /proc) derives the same way. */
void proc_tracker__derive(struct proc_tracker *t, struct proc_info *p);
/* How long an exited process stays known: its last packets and late replies. */
#define PROC_EXITED_KEEP_NS (120ull * 1000000000ull)
void proc_tracker__expire(struct proc_tracker *t, uint64_t now_ns);
/* The process with this pid that started at start_ns (0: any), running or
 * recently exited; *reused when the pid now names another process. */
const struct proc_info *proc_tracker__lookup(const struct proc_tracker *t, pid_t pid,
					     uint64_t start_ns, bool *reused);
/* p's parent (by ppid, started no later than p), running or recently exited; NULL if unknown. */
const struct proc_info *proc_tracker__parent(const struct proc_tracker *t,
					     const struct proc_info *p);
bool proc_tracker__in_scope(const struct proc_tracker *t, const char *cgroup_path);

#endif
