/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DNS_TCP_H
#define WHOFLOW_DNS_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chunk_event;
struct dns_event;
struct dns_tcp;

/*
 * DNS over TCP: each direction's payload is placed by sequence number and cut
 * into its 2-byte length-prefixed messages, which may span segments. Each
 * complete message is handed to fn as a struct dns_event, as UDP ones are.
 */
typedef void (*dns_tcp_fn)(const struct dns_event *e, size_t len, void *ctx);

struct dns_tcp *dns_tcp__new(dns_tcp_fn fn, void *ctx);
void dns_tcp__free(struct dns_tcp *d);
void dns_tcp__chunk(struct dns_tcp *d, const struct chunk_event *e, size_t len,
		    const char *flow_id);
/* Forgets streams idle for 30 s (all of them with all). */
void dns_tcp__expire(struct dns_tcp *d, uint64_t now_ns, bool all);

#endif
