/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_STRHASH_H
#define WHOFLOW_STRHASH_H

#include <stdint.h>

/* FNV-1a of a NUL-terminated string: the tables keyed by container id. */
static inline uint32_t str__hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

#endif
