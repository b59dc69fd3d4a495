/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DNS_FRAG_H
#define WHOFLOW_DNS_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_event;
struct chunk_event;
struct dns_frags;

/*
 * UDP DNS messages split into IP fragments: the first fragment arrives as a
 * DNS record marked first_fragment, the later ones as DNS_FRAG chunks placed
 * by datagram offset. The whole message is handed to fn once complete, or,
 * after a timeout, with what arrived (it then decodes as malformed).
 */
typedef void (*dns_frag_fn)(const struct dns_event *e, size_t len, void *ctx);

struct dns_frags *dns_frags__new(dns_frag_fn fn, void *ctx);
void dns_frags__free(struct dns_frags *d);
void dns_frags__first(struct dns_frags *d, const struct dns_event *e, size_t len);
void dns_frags__chunk(struct dns_frags *d, const struct chunk_event *c, size_t len);
void dns_frags__expire(struct dns_frags *d, uint64_t now_ns, bool all);

#endif
