// SPDX-License-Identifier: GPL-2.0-only
/* Long flows' reporting periods: a chained hash by flow key, mirrored in a map. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "flow_base.h"

struct fb_entry {
	struct fb_entry *next;
	struct flow_key k;
	struct wf_flow_base v;
};

struct flow_bases {
	int fd;
	size_t n, nbuckets; /* nbuckets: a power of two */
	struct fb_entry **buckets;
};

/* FNV-1a over the key's bytes (its padding is zero: keys come from the kernel). */
static size_t fb__hash(const struct flow_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return (size_t)(h ^ (h >> 32));
}

static struct fb_entry **fb__slot(const struct flow_bases *b, const struct flow_key *k)
{
	struct fb_entry **e = &b->buckets[fb__hash(k) & (b->nbuckets - 1)];

	while (*e && memcmp(&(*e)->k, k, sizeof(*k)))
		e = &(*e)->next;
	return e;
}

static int fb__grow(struct flow_bases *b)
{
	size_t nb = b->nbuckets * 2;
	struct fb_entry **nbk = calloc(nb, sizeof(*nbk));

	if (!nbk)
		return -ENOMEM;
	for (size_t i = 0; i < b->nbuckets; i++)
		for (struct fb_entry *e = b->buckets[i], *next; e; e = next) {
			size_t h = fb__hash(&e->k) & (nb - 1);

			next = e->next;
			e->next = nbk[h];
			nbk[h] = e;
		}
	free(b->buckets);
	b->buckets = nbk;
	b->nbuckets = nb;
	return 0;
}

static int fb__put(struct flow_bases *b, const struct flow_key *k, const struct wf_flow_base *v)
{
	struct fb_entry **slot = fb__slot(b, k), *e;

	if (*slot) {
		(*slot)->v = *v;
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->k = *k;
	e->v = *v;
	*slot = e;
	b->n++;
	return b->n > b->nbuckets ? fb__grow(b) : 0;
}

struct flow_bases *flow_bases__new(int fd)
{
	struct flow_bases *b = calloc(1, sizeof(*b));
	struct flow_key k, next;
	struct wf_flow_base v;
	void *prev = NULL;

	if (!b)
		return NULL;
	b->fd = fd;
	b->nbuckets = 64;
	b->buckets = calloc(b->nbuckets, sizeof(*b->buckets));
	if (!b->buckets) {
		free(b);
		return NULL;
	}
	/* A restarted agent over pinned maps: the periods its predecessor began. */
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(fd, &k, &v) && fb__put(b, &k, &v)) {
			flow_bases__free(b);
			return NULL;
		}
	}
	return b;
}

void flow_bases__free(struct flow_bases *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nbuckets; i++)
		for (struct fb_entry *e = b->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	free(b->buckets);
	free(b);
}

const struct wf_flow_base *flow_bases__get(const struct flow_bases *b, const struct flow_key *k)
{
	struct fb_entry **slot;

	if (!b || !b->n)
		return NULL;
	slot = fb__slot(b, k);
	return *slot ? &(*slot)->v : NULL;
}

int flow_bases__set(struct flow_bases *b, const struct flow_key *k, const struct wf_flow_base *v)
{
	int err = fb__put(b, k, v);

	if (err)
		return err;
	return b->fd >= 0 && bpf_map_update_elem(b->fd, k, v, BPF_ANY) ? -errno : 0;
}

void flow_bases__del(struct flow_bases *b, const struct flow_key *k)
{
	struct fb_entry **slot, *e;

	if (!b || !b->n)
		return;
	slot = fb__slot(b, k);
	e = *slot;
	if (!e)
		return;
	*slot = e->next;
	free(e);
	b->n--;
	if (b->fd >= 0)
		bpf_map_delete_elem(b->fd, k);
}

size_t flow_bases__count(const struct flow_bases *b)
{
	return b ? b->n : 0;
}
