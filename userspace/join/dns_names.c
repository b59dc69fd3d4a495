// SPDX-License-Identifier: GPL-2.0-only
/*
 * The names processes resolved, by the addresses the answers gave them: a
 * flow's destination.domain (and Sigma's DestinationHostname) is the name the
 * initiating process itself asked for, in its own network namespace, never
 * another process's answer. A lossy cache of fixed size: a newer answer takes
 * the slot of an older one; entries older than an hour are not used.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "dns_names.h"
#include "flow_events.h"

#define SLOTS 4096
#define MAX_AGE_NS (3600ull * 1000000000ull)

struct slot {
	uint64_t netns, start_ns, ts;
	uint32_t tgid;
	uint8_t family, addr[16];
	char *name;
};

static struct slot *slots;

static size_t slot__index(uint64_t netns, uint32_t tgid, uint64_t start, uint8_t family,
			  const uint8_t *addr)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *parts[] = { (const uint8_t *)&netns, (const uint8_t *)&tgid,
				   (const uint8_t *)&start, addr };
	const size_t lens[] = { sizeof(netns), sizeof(tgid), sizeof(start), family == 6 ? 16u : 4u };

	for (size_t p = 0; p < 4; p++)
		for (size_t i = 0; i < lens[p]; i++)
			h = (h ^ parts[p][i]) * 1099511628211ull;
	return h % SLOTS;
}

static void names__learn_one(const struct wf_owner *o, const char *qname, const char *data,
			     uint16_t type, uint64_t ts)
{
	uint8_t addr[16] = { 0 };
	uint8_t family = type == 28 ? 6 : 4;
	struct slot *s;
	char *name;

	if (inet_pton(family == 6 ? AF_INET6 : AF_INET, data, addr) != 1)
		return;
	s = &slots[slot__index(o->netns, o->tgid, o->start_ns, family, addr)];
	name = strdup(qname);
	if (!name)
		return;
	free(s->name);
	*s = (struct slot){ .netns = o->netns, .start_ns = o->start_ns, .ts = ts, .tgid = o->tgid,
			    .family = family, .name = name };
	memcpy(s->addr, addr, sizeof(addr));
}

void dns_names__learn(const struct event *ev)
{
	const struct dns_msg *m = &ev->dns->msg;
	const struct wf_owner *o = &ev->owner.o;

	if (!m->response || !m->nquestions || !ev->owner.known || !o->tgid)
		return;
	if (!slots && !(slots = calloc(SLOTS, sizeof(*slots))))
		return;
	for (size_t i = 0; i < m->nrrs[DNS_SECTION_ANSWER]; i++) {
		const struct dns_rr *rr = &m->rrs[DNS_SECTION_ANSWER][i];

		if (rr->type == 1 || rr->type == 28)
			names__learn_one(o, m->questions[0].name, rr->data, rr->type,
					 ev->rec->ts_ns);
	}
}

const char *dns_names__find(const struct wf_owner *o, uint8_t family, const uint8_t *addr,
			    uint64_t now)
{
	const struct slot *s;

	if (!slots || !o->tgid)
		return NULL;
	s = &slots[slot__index(o->netns, o->tgid, o->start_ns, family, addr)];
	if (!s->name || s->netns != o->netns || s->tgid != o->tgid || s->start_ns != o->start_ns ||
	    s->family != family || memcmp(s->addr, addr, family == 6 ? 16 : 4) ||
	    (now > s->ts && now - s->ts > MAX_AGE_NS))
		return NULL;
	return s->name;
}

void dns_names__free(void)
{
	for (size_t i = 0; slots && i < SLOTS; i++)
		free(slots[i].name);
	free(slots);
	slots = NULL;
}
