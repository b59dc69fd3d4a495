/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OWNER_SWEEP_H
#define WHOFLOW_OWNER_SWEEP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Owners of released sockets (marked by the kernel's sock_release hook) are
 * deleted once they have been seen released for hold_ns: long enough for every
 * record and flow that names the socket to have been printed. Without this the
 * LRU owner table fills with dead sockets, which then evict live ones.
 */
struct owner_sweep {
	struct released_owner {
		uint64_t cookie;
		uint64_t first_seen; /* when a sweep first saw it released */
	} *v;
	size_t n, cap;
};

/* One pass over the owner table (fd); returns how many owners it deleted. */
size_t owner_sweep__run(struct owner_sweep *s, int fd, uint64_t now, uint64_t hold_ns);
void owner_sweep__free(struct owner_sweep *s);

#endif
