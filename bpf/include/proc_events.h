/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI between bpf/trace/proc.bpf.c and userspace/proc.c. Types only: include
 * vmlinux.h (BPF side) or <linux/types.h> (user side) before this header.
 * All integers are host byte order. Times are CLOCK_BOOTTIME nanoseconds.
 */
#ifndef WHOFLOW_PROC_EVENTS_H
#define WHOFLOW_PROC_EVENTS_H

#define WF_PROC_COMM_LEN 16
#define WF_PROC_PATH_LEN 256
/* Command lines and environments are cut at this many bytes; a flag says so. */
#define WF_PROC_ARGS_LEN 4096

enum proc_event_kind {
	WF_PROC_EVENT_EXEC = 1,
	WF_PROC_EVENT_FORK = 2,
	WF_PROC_EVENT_EXIT = 3,
	/* Follows its EXEC record when the agent asked for environments. */
	WF_PROC_EVENT_ENV = 4,
};

enum proc_loss_cause {
	WF_PROC_LOSS_RINGBUF = 0, /* bpf_ringbuf_output() failed: buffer full */
	WF_PROC_LOSS_READ = 1, /* user memory (argv/env) could not be read */
	WF_PROC_LOSS__MAX,
};

enum proc_exec_flags {
	WF_PROC_EXEC_TRUNCATED = 1, /* data[] holds only the first WF_PROC_ARGS_LEN bytes */
};

struct proc_event_hdr {
	__u32 kind; /* enum proc_event_kind */
	__u32 pid; /* thread group id, what ps calls PID */
	__u32 tid; /* the thread that triggered the event */
	__u32 ppid; /* real parent's thread group id */
	__u64 ts_ns; /* when the event happened */
	__u64 start_ns; /* thread group leader's start_boottime */
	__u64 cgroup_id; /* cgroup v2 id (inode number of the cgroup directory) */
	__u32 uid;
	__u32 gid;
	char comm[WF_PROC_COMM_LEN];
	char pcomm[WF_PROC_COMM_LEN]; /* real parent's comm */
	__u32 exec_gen; /* the process image: execs since fork (see struct wf_proc_image) */
	__u32 pad;
};

struct proc_exec_event {
	struct proc_event_hdr hdr;
	__u32 flags; /* enum proc_exec_flags */
	__u32 data_len; /* bytes used in data[]; records are cut to fit */
	/* The image's inode and device (the kernel's dev_t): the agent reading
	 * /proc/PID/exe later knows whether it is still this image. */
	__u64 image_ino;
	__u32 image_dev;
	__u32 pad;
	char filename[WF_PROC_PATH_LEN]; /* bprm->interp: the image actually run */
	char data[WF_PROC_ARGS_LEN]; /* NUL-separated argv (EXEC) or envp (ENV) */
};

struct proc_exit_event {
	struct proc_event_hdr hdr;
	__u32 exit_status; /* wait(2) status: code << 8, or the signal number */
	__u32 pad;
};

/*
 * -w with process selectors the kernel cannot judge from a socket's owner alone
 * (--tree, --exe, --cmdline, --ppid, --container, --cgroup-path): the agent
 * judges each process image and leaves its verdict where the classifiers look
 * it up. An image is a process between two execs: gen counts the execs since
 * fork, kept by the process tracker in the kernel, so a verdict about an image
 * that exec'd since can never be applied to the new one.
 */
#define WF_PROC_IMAGES 65536

struct wf_proc_image {
	__u32 tgid;
	__u32 gen;
};

struct wf_proc_verdict {
	__u64 start_ns; /* tells a reused pid apart (/proc gives clock ticks: compared loosely) */
	__u64 cgroup_id; /* holds in this cgroup only (0: any): a moved process is judged again */
	__u8 selected;
	__u8 pad[7];
};

#endif
