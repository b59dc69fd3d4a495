/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_QUIC_SESSION_H
#define WHOFLOW_QUIC_SESSION_H

/*
 * QUIC connections' Initial crypto streams: the datagrams the kernel ships
 * (WF_PKT_EVENT_QUIC) are opened (proto/quic.c), their CRYPTO frames put in
 * place by offset, across packets and datagrams, and the ClientHello, once
 * whole, reported as a TLS event of the flow.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct chunk_event;
struct event_out;
struct quic_sessions;

struct quic_stats {
	uint64_t hellos; /* ClientHellos reported */
	uint64_t undecryptable; /* Initial packets whose authentication failed */
	uint64_t malformed; /* Initial packets whose frames did not parse */
	uint64_t incomplete; /* connections whose hello never came whole (a gap never filled) */
};

struct quic_sessions *quic_sessions__new(struct event_out *out);
void quic_sessions__free(struct quic_sessions *q);
/* One datagram of a flow (flow_id), seen on ifname. */
void quic_sessions__datagram(struct quic_sessions *q, const struct chunk_event *e, size_t len,
			     const char *flow_id, const char *ifname);
/* Forgets connections older than a few seconds (all: every one), counting the incomplete. */
void quic_sessions__expire(struct quic_sessions *q, uint64_t now_ns, bool all);
void quic_sessions__stats(const struct quic_sessions *q, struct quic_stats *out);

#endif
