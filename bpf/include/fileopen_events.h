/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI between bpf/trace/fileopen.bpf.c and userspace/file/file_open.c: types
 * only. Include vmlinux.h (BPF) or <linux/types.h> (user) first.
 */
#ifndef WHOFLOW_FILEOPEN_EVENTS_H
#define WHOFLOW_FILEOPEN_EVENTS_H

/* A regular file opened for writing: who, which descriptor, which file. */
struct wf_file_open {
	__u32 tgid;
	__u32 fd;
	__u64 ino;
	__u32 dev; /* the kernel's dev_t (major << 20 | minor) */
	__u32 flags; /* the open's flags as the file keeps them (O_APPEND...) */
	__u32 gen; /* the inode's generation: a reused inode number is another file */
	__u32 pad;
};

enum wf_fileopen_stat {
	WF_FILEOPEN_RING_FULL = 0, /* an open not shipped: the ring was full */
	WF_FILEOPEN_STAT__MAX,
};

#endif
