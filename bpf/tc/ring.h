/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * When a ring record wakes the agent. By default (libbpf's and the kernel's)
 * a record wakes the reader whenever it had caught up, which for a reader that
 * keeps up is every record: an irq_work and, in a VM, a self-IPI that exits to
 * the hypervisor, microseconds on the packet's path. Here a record wakes the
 * agent when the data waiting crosses a multiple of the agent's step (a
 * sixteenth of the ring): one wakeup per step's worth of records, whether the
 * agent sleeps or already reads. Two CPUs' records may straddle a crossing
 * unseen (each reads the level before its own record goes in); the next
 * multiple wakes it then. The agent's poll timeout (100 ms) collects what
 * stays below the first step.
 * (Forcing a wakeup for every record past some level instead cost DNS packets
 * 1-2 µs each under load: docs/performance.md.)
 */
#ifndef WHOFLOW_TC_RING_H
#define WHOFLOW_TC_RING_H

/* What a record of size bytes takes in the ring: an 8-byte header, 8-byte aligned. */
#define RING_TAKES(size) ((((size) + 7) & ~7ull) + 8)

static __always_inline __u64 ring__crossing(__u64 before, __u64 after, __u32 step_shift)
{
	return (before >> step_shift) != (after >> step_shift) ? BPF_RB_FORCE_WAKEUP :
								 BPF_RB_NO_WAKEUP;
}

/* For bpf_ringbuf_output() of size bytes. step_shift 0: the kernel's default. */
static __always_inline __u64 ring__flags(void *rb, __u32 step_shift, __u64 size)
{
	__u64 avail;

	if (!step_shift)
		return 0; /* the tests': wake when the reader caught up */
	avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
	return ring__crossing(avail, avail + RING_TAKES(size), step_shift);
}

/* For the submit of a reserved record: the level already holds it (reservations are serialized). */
static __always_inline __u64 ring__flags_reserved(void *rb, __u32 step_shift, __u64 size)
{
	__u64 avail;

	if (!step_shift)
		return 0;
	avail = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA);
	return ring__crossing(avail - RING_TAKES(size), avail, step_shift);
}

#endif
