// SPDX-License-Identifier: GPL-2.0-only
/* Stable event ids from kernel records (see event_id.h). */
#include <stdio.h>
#include <string.h>
#include "event_id.h"

static uint64_t seed = 0x9e3779b97f4a7c15ull;

/* MurmurHash3's finalizer: every input bit moves every output bit. */
static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* A word at a time: a few nanoseconds for a record's identifying bytes. */
static uint64_t hash64(uint64_t h, const unsigned char *p, size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = mix64(h ^ w);
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = mix64(h ^ w ^ ((uint64_t)n << 56));
	}
	return h;
}

void event_id__seed(const char *boot_id)
{
	seed = hash64(0x9e3779b97f4a7c15ull, (const unsigned char *)boot_id, strlen(boot_id));
}

void event_id__make(char out[EVENT_ID_LEN], uint64_t ts_ns, uint32_t kind, const void *a, size_t na,
		    const void *b, size_t nb)
{
	uint64_t h = hash64(mix64(seed ^ kind), (const unsigned char *)&ts_ns, sizeof(ts_ns));

	h = hash64(h, a, na);
	if (nb)
		h = hash64(h, b, nb);
	snprintf(out, EVENT_ID_LEN, "%016llx%016llx", (unsigned long long)ts_ns,
		 (unsigned long long)h);
}
