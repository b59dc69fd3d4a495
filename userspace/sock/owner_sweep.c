// SPDX-License-Identifier: GPL-2.0-only
/* Deletes the owners of sockets released a while ago (see owner_sweep.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "owner_sweep.h"
#include "sock_events.h"

#define SWEEP_BATCH 1024

static int released__cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct released_owner *)a)->cookie,
		 y = ((const struct released_owner *)b)->cookie;

	return x < y ? -1 : x > y;
}

/* When an earlier sweep first saw this cookie released; 0: it did not. */
static uint64_t released__first_seen(const struct owner_sweep *s, uint64_t cookie)
{
	struct released_owner key = { .cookie = cookie }, *hit;

	hit = s->n ? bsearch(&key, s->v, s->n, sizeof(*s->v), released__cmp) : NULL;
	return hit ? hit->first_seen : 0;
}

static int released__push(struct released_owner **v, size_t *n, size_t *cap, uint64_t cookie,
			  uint64_t first)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct released_owner *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = (struct released_owner){ .cookie = cookie, .first_seen = first };
	return 0;
}

/* Every released owner in the table: appended to *out (cookie, first seen). */
static void sweep__collect(const struct owner_sweep *s, int fd, uint64_t now,
			   struct released_owner **out, size_t *n, size_t *cap)
{
	__u64 keys[SWEEP_BATCH], batch = 0;
	struct wf_owner vals[SWEEP_BATCH];
	bool first = true;

	for (;;) {
		__u32 count = SWEEP_BATCH;
		int err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, vals,
					       &count, NULL);

		first = false;
		err = err ? -errno : 0;
		for (__u32 i = 0; i < count && (!err || err == -ENOENT); i++) {
			uint64_t seen = released__first_seen(s, keys[i]);

			if (vals[i].released &&
			    released__push(out, n, cap, keys[i], seen ? seen : now))
				return;
		}
		if (err)
			return; /* -ENOENT: the whole table was read */
	}
}

size_t owner_sweep__run(struct owner_sweep *s, int fd, uint64_t now, uint64_t hold_ns)
{
	struct released_owner *next = NULL;
	size_t n = 0, cap = 0, kept = 0, deleted = 0;

	if (fd < 0)
		return 0;
	sweep__collect(s, fd, now, &next, &n, &cap);
	for (size_t i = 0; i < n; i++) {
		if (now - next[i].first_seen >= hold_ns &&
		    !bpf_map_delete_elem(fd, &next[i].cookie))
			deleted++;
		else
			next[kept++] = next[i];
	}
	qsort(next, kept, sizeof(*next), released__cmp);
	free(s->v);
	s->v = next;
	s->n = kept;
	s->cap = cap;
	return deleted;
}

void owner_sweep__free(struct owner_sweep *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
