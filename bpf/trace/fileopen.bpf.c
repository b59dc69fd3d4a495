// SPDX-License-Identifier: GPL-2.0-only
/*
 * --files: opens for writing. fanotify says when a file is written to and
 * closed after writing, but not when it is opened for writing (its open
 * notification is for every open, reads included, and carries no flags). The
 * raw sys_exit tracepoint (no kprobe, no tracefs needed) sees every syscall's
 * end: the open calls that returned a descriptor of a regular file opened for
 * writing ship the descriptor and the file's identity; the agent joins them
 * to fanotify's records by process and inode. Every other syscall leaves at
 * the first comparison.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fileopen_events.h"

char LICENSE[] SEC("license") = "GPL";

#define FMODE_WRITE_ 0x2
#define S_IFMT_ 00170000
#define S_IFREG_ 0100000

/* whoflow's own opens (its log files, its store) are not reported. */
const volatile __u32 self_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} file_opens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_FILEOPEN_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} fileopen_stats SEC(".maps");

/* The syscall's number: where each architecture's entry code keeps it. */
static __always_inline long sys__nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return regs->syscallno;
#else
	return -1;
#endif
}

static __always_inline bool sys__is_open(long nr)
{
#if defined(__TARGET_ARCH_x86)
	return nr == 257 /* openat */ || nr == 2 /* open */ || nr == 85 /* creat */ ||
	       nr == 437 /* openat2 */;
#else
	return nr == 56 /* openat */ || nr == 437 /* openat2 */;
#endif
}

SEC("tp_btf/sys_exit")
int BPF_PROG(wf_file_open, struct pt_regs *regs, long ret)
{
	struct task_struct *task;
	struct fdtable *fdt;
	struct wf_file_open *e;
	struct file **fds, *f;
	struct inode *inode;
	__u32 zero = 0, mode;
	__u64 *lost;

	if (ret < 0 || !sys__is_open(sys__nr(regs)))
		return 0;
	task = bpf_get_current_task_btf();
	if (task->tgid == self_tgid)
		return 0;
	fdt = BPF_CORE_READ(task, files, fdt);
	fds = BPF_CORE_READ(fdt, fd);
	if (ret >= BPF_CORE_READ(fdt, max_fds) || bpf_probe_read_kernel(&f, sizeof(f), &fds[ret]) ||
	    !f)
		return 0;
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	if (!(BPF_CORE_READ(f, f_mode) & FMODE_WRITE_) || (mode & S_IFMT_) != S_IFREG_)
		return 0;
	e = bpf_ringbuf_reserve(&file_opens, sizeof(*e), 0);
	if (!e) {
		lost = bpf_map_lookup_elem(&fileopen_stats, &zero);
		if (lost)
			*lost += 1;
		return 0;
	}
	e->tgid = task->tgid;
	e->fd = ret;
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->flags = BPF_CORE_READ(f, f_flags);
	e->gen = BPF_CORE_READ(inode, i_generation);
	e->pad = 0;
	/* The agent reads this ring on its files timer: no wakeup per open. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	return 0;
}
