// SPDX-License-Identifier: GPL-2.0-only
/* Per-CPU counter maps summed over the CPUs (percpu.h). */
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "percpu.h"

void percpu__sum(int fd, uint64_t *out, __u32 n)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1];

	memset(out, 0, sizeof(*out) * n);
	for (__u32 k = 0; fd >= 0 && ncpu > 0 && k < n; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
}
