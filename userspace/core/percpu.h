/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PERCPU_H
#define WHOFLOW_PERCPU_H

#include <stdint.h>
#include <linux/types.h>

/*
 * The counters of a per-CPU array map of __u64 (keys 0 to n-1), each summed
 * over the CPUs into out[key]. fd < 0, or a key the map refuses: 0.
 */
void percpu__sum(int fd, uint64_t *out, __u32 n);

#endif
