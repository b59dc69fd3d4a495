// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process tracker: raw tracepoints on exec, fork and exit feed one ring buffer.
 * Raw tracepoints need neither kprobes nor tracefs, so this works on hosts under
 * lockdown and inside `ip netns exec`, where tracefs is hidden.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "proc_events.h"
#include "proc_verdict_maps.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the agent before load. */
const volatile bool scope_enabled = false; /* only report tasks under scope_cgroup[0] */
const volatile bool want_env = false;
const volatile bool track_images = false; /* -w judges process images (proc_verdict_maps.h) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by the agent (-B) */
} proc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scope_cgroup SEC(".maps");

/* Per-CPU so that counting a loss never contends; the agent sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_PROC_LOSS__MAX);
	__type(key, __u32);
	__type(value, __u64);
} proc_losses SEC(".maps");

/* An exec record is 4.4 KiB: far over the 512-byte stack, so it is built here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct proc_exec_event);
} exec_scratch SEC(".maps");

static __always_inline void loss__count(__u32 cause)
{
	__u64 *n = bpf_map_lookup_elem(&proc_losses, &cause);

	if (n)
		*n += 1;
}

/* Kernel threads are not processes a user started; they only add noise. */
#define PF_KTHREAD 0x00200000

static __always_inline bool task__is_kthread(struct task_struct *task)
{
	return BPF_CORE_READ(task, flags) & PF_KTHREAD;
}

static __always_inline bool scope__contains_current(void)
{
	if (!scope_enabled)
		return true;
	return bpf_current_task_under_cgroup(&scope_cgroup, 0) == 1;
}

static __always_inline void hdr__fill(struct proc_event_hdr *h, __u32 kind,
				      struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	__u64 ugid = bpf_get_current_uid_gid();

	h->kind = kind;
	h->pid = BPF_CORE_READ(task, tgid);
	h->tid = BPF_CORE_READ(task, pid);
	h->ppid = BPF_CORE_READ(parent, tgid);
	h->ts_ns = bpf_ktime_get_boot_ns();
	h->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->uid = (__u32)ugid;
	h->gid = ugid >> 32;
	BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
	BPF_CORE_READ_STR_INTO(&h->pcomm, parent, comm);
}

static __always_inline void output__send(void *rec, __u64 size)
{
	if (bpf_ringbuf_output(&proc_events, rec, size, 0))
		loss__count(WF_PROC_LOSS_RINGBUF);
}

/* Copies [start, end) of the task's user memory into e->data, cut at WF_PROC_ARGS_LEN. */
static __always_inline void exec__read_user(struct proc_exec_event *e, unsigned long start,
					    unsigned long end)
{
	__u64 len = end > start ? end - start : 0;

	e->flags = 0;
	if (len > WF_PROC_ARGS_LEN) {
		len = WF_PROC_ARGS_LEN;
		e->flags |= WF_PROC_EXEC_TRUNCATED;
	}
	e->data_len = len;
	if (len && bpf_probe_read_user(e->data, len & (WF_PROC_ARGS_LEN * 2 - 1), (void *)start)) {
		e->data_len = 0;
		loss__count(WF_PROC_LOSS_READ);
	}
}

static __always_inline void exec__send(struct proc_exec_event *e)
{
	__u64 size =
		offsetof(struct proc_exec_event, data) + (e->data_len & (WF_PROC_ARGS_LEN * 2 - 1));

	if (size > sizeof(*e))
		size = sizeof(*e);
	output__send(e, size);
}

/*
 * A new image: its verdict is not the old one's. Kept for every task, in scope
 * or not (a task can join the scope later). The old image's verdict is removed
 * too, so that a full generation table cannot leave it in force.
 */
static __always_inline __u32 image__next(__u32 tgid)
{
	struct wf_proc_image old = { .tgid = tgid };
	__u32 *gen, next;

	if (!track_images)
		return 0;
	gen = bpf_map_lookup_elem(&proc_gen, &tgid);
	old.gen = gen ? *gen : 0;
	next = old.gen + 1;
	bpf_map_delete_elem(&proc_verdicts, &old);
	bpf_map_update_elem(&proc_gen, &tgid, &next, BPF_ANY);
	return next;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(proc_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u32 zero = 0, gen = image__next(BPF_CORE_READ(task, tgid));
	struct proc_exec_event *e;

	if (!scope__contains_current())
		return 0;
	e = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!e)
		return 0;
	hdr__fill(&e->hdr, WF_PROC_EVENT_EXEC, task);
	e->hdr.exec_gen = gen;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, interp));
	e->image_ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	e->image_dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	/*
	 * The ENV record goes first, with the same header: the agent keeps it until
	 * the EXEC with the same timestamp arrives, so a lost ENV never holds up an EXEC.
	 */
	if (want_env) {
		e->hdr.kind = WF_PROC_EVENT_ENV;
		exec__read_user(e, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end));
		exec__send(e);
		e->hdr.kind = WF_PROC_EVENT_EXEC;
	}
	/* argv lives in the new image's stack: user memory of current, readable here. */
	exec__read_user(e, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end));
	exec__send(e);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(proc_fork, struct task_struct *parent, struct task_struct *child)
{
	struct proc_event_hdr h = {};

	__u32 tgid = BPF_CORE_READ(child, tgid);

	/* New threads also pass here; only a new thread group is a new process. */
	if (BPF_CORE_READ(child, pid) != tgid || task__is_kthread(child))
		return 0;
	/* Generation 0: whatever a process with this pid did before is not this one. */
	if (track_images)
		bpf_map_delete_elem(&proc_gen, &tgid);
	if (!scope__contains_current())
		return 0;
	hdr__fill(&h, WF_PROC_EVENT_FORK, child);
	output__send(&h, sizeof(h));
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(proc_exit, struct task_struct *task)
{
	struct proc_exit_event e = {};

	/*
	 * do_exit() decrements signal->live before this tracepoint: zero means the
	 * last thread of the group is leaving, i.e. the process ends. Reading it keeps
	 * us independent of the group_dead argument that only newer kernels pass.
	 */
	if (BPF_CORE_READ(task, signal, live.counter) != 0 || task__is_kthread(task))
		return 0;
	if (!scope__contains_current())
		return 0;
	hdr__fill(&e.hdr, WF_PROC_EVENT_EXIT, task);
	if (track_images) {
		__u32 tgid = e.hdr.pid, *gen = bpf_map_lookup_elem(&proc_gen, &tgid);

		e.hdr.exec_gen = gen ? *gen : 0;
	}
	e.exit_status = BPF_CORE_READ(task, exit_code);
	output__send(&e, sizeof(e));
	return 0;
}
