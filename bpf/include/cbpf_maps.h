/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The filter expression: the compiled programs and the interpreter's state.
 */
#ifndef WHOFLOW_CBPF_MAPS_H
#define WHOFLOW_CBPF_MAPS_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * WF_CBPF_MAX);
	__type(key, __u32);
	__type(value, struct cbpf_insn);
} cbpf_prog SEC(".maps");

/* The interpreter's registers, memory and packet window, per CPU. */
struct cbpf_state {
	__u32 A, X, pc, base, plen, verdict, len, data_len;
	__u32 M[16];
	__u8 data[WF_CBPF_WINDOW + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cbpf_state);
} cbpf_scratch SEC(".maps");

#endif
