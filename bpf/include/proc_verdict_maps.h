/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process-image verdicts of -w (see struct wf_proc_image), defined
 * identically in bpf/trace/proc.bpf.c (which keeps the generations) and
 * bpf/tc/flow.bpf.c (which reads both maps). The agent creates them once, with
 * the process tracker, and hands the same maps to the classifiers. BPF only.
 */
#ifndef WHOFLOW_PROC_VERDICT_MAPS_H
#define WHOFLOW_PROC_VERDICT_MAPS_H

#include "proc_events.h"

/* tgid -> execs since fork (absent: 0). Entries go when the agent forgets an
 * exited process, or when the pid is forked again. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WF_PROC_IMAGES);
	__type(key, __u32);
	__type(value, __u32);
} proc_gen SEC(".maps");

/* LRU: verdicts about images long gone make room by themselves. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WF_PROC_IMAGES);
	__type(key, struct wf_proc_image);
	__type(value, struct wf_proc_verdict);
} proc_verdicts SEC(".maps");

#endif
