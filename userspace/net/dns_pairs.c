// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>
#include "dns_pairs.h"

#define PAIRS_SLOTS 8192
#define PAIRS_PROBE 8
#define PAIRS_EXPIRE_NS (30ull * 1000000000ull)

struct pair {
	char flow_id[17];
	uint16_t id;
	uint64_t ts; /* 0: free */
};

struct dns_pairs {
	struct pair slots[PAIRS_SLOTS];
};

static size_t pairs__hash(const char *flow_id, uint16_t id)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *c = flow_id; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	h = (h ^ id) * 1099511628211ull;
	return h % PAIRS_SLOTS;
}

struct dns_pairs *dns_pairs__new(void)
{
	return calloc(1, sizeof(struct dns_pairs));
}

void dns_pairs__free(struct dns_pairs *p)
{
	free(p);
}

void dns_pairs__query(struct dns_pairs *p, const char *flow_id, uint16_t id, uint64_t ts)
{
	size_t h = pairs__hash(flow_id, id), victim = h;

	for (size_t i = 0; i < PAIRS_PROBE; i++) {
		struct pair *s = &p->slots[(h + i) % PAIRS_SLOTS];

		if (!s->ts || ts - s->ts > PAIRS_EXPIRE_NS ||
		    (s->id == id && !strcmp(s->flow_id, flow_id))) {
			victim = (h + i) % PAIRS_SLOTS;
			break;
		}
		if (s->ts < p->slots[victim].ts)
			victim = (h + i) % PAIRS_SLOTS;
	}
	memcpy(p->slots[victim].flow_id, flow_id, sizeof(p->slots[victim].flow_id));
	p->slots[victim].flow_id[16] = '\0';
	p->slots[victim].id = id;
	p->slots[victim].ts = ts;
}

bool dns_pairs__answer(struct dns_pairs *p, const char *flow_id, uint16_t id, uint64_t *query_ns)
{
	size_t h = pairs__hash(flow_id, id);

	for (size_t i = 0; i < PAIRS_PROBE; i++) {
		struct pair *s = &p->slots[(h + i) % PAIRS_SLOTS];

		if (s->ts && s->id == id && !strcmp(s->flow_id, flow_id)) {
			*query_ns = s->ts;
			s->ts = 0;
			return true;
		}
	}
	return false;
}
