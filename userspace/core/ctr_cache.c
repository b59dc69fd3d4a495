// SPDX-License-Identifier: GPL-2.0-only
/* The container metadata cache (see ctr_cache.h): a chained hash by id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ctr_cache.h"
#include "strhash.h"

#define CTR_BUCKETS 1024
#define CTR_REFRESH_NS (300ull * 1000000000ull) /* a runtime without events: asked again */
#define CTR_RETRY_NS (30ull * 1000000000ull) /* not found, or the runtime did not answer */

struct ctr_entry {
	struct ctr_meta m;
	bool known; /* m holds an answer */
	uint64_t asked_ns, updated_ns;
	uint64_t used; /* the cache's use count when last found: the LRU order */
	struct ctr_entry *next;
};

static struct {
	struct ctr_entry *buckets[CTR_BUCKETS];
	size_t n, max;
	uint64_t uses;
	ctr_ask_fn ask;
	void *ctx;
	struct ctr_cache_stats st;
} cache;

static uint64_t now__ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned int id__hash(const char *id)
{
	return str__hash(id) % CTR_BUCKETS;
}

void ctr_cache__init(size_t max_entries, ctr_ask_fn ask, void *ctx)
{
	ctr_cache__free();
	/* Two lookups for one event (its two ends) must not evict each other. */
	cache.max = max_entries && max_entries < 16 ? 16 : max_entries;
	cache.ask = ask;
	cache.ctx = ctx;
}

void ctr_cache__free(void)
{
	for (size_t i = 0; i < CTR_BUCKETS; i++)
		while (cache.buckets[i]) {
			struct ctr_entry *e = cache.buckets[i];

			cache.buckets[i] = e->next;
			free(e);
		}
	memset(&cache, 0, sizeof(cache));
}

static struct ctr_entry *entry__find(const char *id)
{
	for (struct ctr_entry *e = cache.buckets[id__hash(id)]; e; e = e->next)
		if (!strcmp(e->m.id, id))
			return e;
	return NULL;
}

static void entry__unlink(struct ctr_entry *victim)
{
	struct ctr_entry **pp = &cache.buckets[id__hash(victim->m.id)];

	while (*pp != victim)
		pp = &(*pp)->next;
	*pp = victim->next;
	free(victim);
	cache.n--;
}

/* Full: the least recently used entry goes (a scan; it happens once per new container). */
static void cache__evict(void)
{
	struct ctr_entry *victim = NULL;

	for (size_t i = 0; i < CTR_BUCKETS; i++)
		for (struct ctr_entry *e = cache.buckets[i]; e; e = e->next)
			if (!victim || e->used < victim->used)
				victim = e;
	if (victim) {
		entry__unlink(victim);
		cache.st.evicted++;
	}
}

static struct ctr_entry *entry__add(const char *id, uint64_t now)
{
	struct ctr_entry *e;
	unsigned int b = id__hash(id);

	if (cache.n >= cache.max)
		cache__evict();
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->m.id, sizeof(e->m.id), "%s", id);
	e->used = ++cache.uses;
	e->next = cache.buckets[b];
	cache.buckets[b] = e;
	cache.n++;
	return e;
}

/* Ask once per period: a refused ask (full queue) is tried again on the next event. */
static void entry__ask(struct ctr_entry *e, const char *runtime, uint64_t now)
{
	uint64_t wait = e->known && !e->m.exited ? CTR_REFRESH_NS : CTR_RETRY_NS;

	if (e->known && e->m.exited)
		return; /* what the runtime said last stays */
	if (e->asked_ns && now - e->asked_ns < wait)
		return;
	if (e->known && now - e->updated_ns < CTR_REFRESH_NS)
		return;
	if (cache.ask(cache.ctx, e->m.id, runtime))
		e->asked_ns = now;
}

const struct ctr_meta *ctr_cache__find(const struct container *c)
{
	struct ctr_entry *e;
	uint64_t now;

	/* LXC's and systemd-nspawn's ids are their names already: no runtime to ask. */
	if (!cache.max || !c->id[0] || !c->runtime || !strcmp(c->runtime, "lxc") ||
	    !strcmp(c->runtime, "systemd-nspawn"))
		return NULL;
	now = now__ns();
	e = entry__find(c->id);
	if (!e && !(e = entry__add(c->id, now))) {
		cache.st.misses++;
		return NULL;
	}
	e->used = ++cache.uses;
	entry__ask(e, c->runtime, now);
	if (!e->known) {
		cache.st.misses++;
		return NULL;
	}
	cache.st.hits++;
	return &e->m;
}

static bool meta__differs(const struct ctr_meta *a, const struct ctr_meta *b)
{
	return strcmp(a->name, b->name) || strcmp(a->image_name, b->image_name) ||
	       strcmp(a->image_tag, b->image_tag) || strcmp(a->pod_name, b->pod_name) ||
	       strcmp(a->pod_namespace, b->pod_namespace) || a->nlabels != b->nlabels ||
	       memcmp(a->labels, b->labels, sizeof(a->labels[0]) * a->nlabels);
}

bool ctr_cache__put(const struct ctr_meta *m)
{
	uint64_t now = now__ns();
	struct ctr_entry *e;
	bool changed;

	if (!cache.max || !m->id[0])
		return false;
	e = entry__find(m->id);
	if (!e && !(e = entry__add(m->id, now)))
		return false;
	changed = !e->known || meta__differs(&e->m, m);
	/* An event stream's last word (exited) outlives a late answer that it runs. */
	if (e->known && e->m.exited && !m->exited && !changed)
		return false;
	e->m = *m;
	e->known = true;
	e->updated_ns = now;
	return changed;
}

void ctr_cache__stats(struct ctr_cache_stats *st)
{
	*st = cache.st;
	st->entries = cache.n;
}
