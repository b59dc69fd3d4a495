/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FLOW_BASE_H
#define WHOFLOW_FLOW_BASE_H

/*
 * Long flows' reporting periods (struct wf_flow_base): in agent memory for the
 * scan (no system call per flow), written through to the flow_base map for a
 * restarted agent.
 */
#include <stddef.h>
#include <linux/types.h>
#include "flow_events.h"

struct flow_bases;

/* Reads what fd (the flow_base map) holds. NULL: out of memory. */
struct flow_bases *flow_bases__new(int fd);
void flow_bases__free(struct flow_bases *b);
const struct wf_flow_base *flow_bases__get(const struct flow_bases *b, const struct flow_key *k);
/* 0, or -errno when the map refused it (memory still has it). */
int flow_bases__set(struct flow_bases *b, const struct flow_key *k, const struct wf_flow_base *v);
void flow_bases__del(struct flow_bases *b, const struct flow_key *k);
size_t flow_bases__count(const struct flow_bases *b);

#endif
