/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DNS_PAIRS_H
#define WHOFLOW_DNS_PAIRS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Queries waiting for their answer, keyed by (flow id, DNS id), so each answer
 * reports its round-trip time. Fixed size: when full, the oldest slot in a
 * probe window is reused (that query then gets no RTT). Entries expire.
 */
struct dns_pairs;

struct dns_pairs *dns_pairs__new(void);
void dns_pairs__free(struct dns_pairs *p);
void dns_pairs__query(struct dns_pairs *p, const char *flow_id, uint16_t id, uint64_t ts_ns);
/* The query's time for an answer (and forgets it); false when unknown. */
bool dns_pairs__answer(struct dns_pairs *p, const char *flow_id, uint16_t id, uint64_t *query_ns);

#endif
