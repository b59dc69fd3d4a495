/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_TLS_SESSION_H
#define WHOFLOW_TLS_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "ja.h"
#include "tls.h"
#include "event.h"

struct chunk_event;
struct event_out;

#define TLS_HELLOS_MAX 4 /* ClientHellos per connection (HelloRetryRequest makes two) */

struct tls_sessions;

struct tls_sessions *tls_sessions__new(struct event_out *out);
typedef void (*tls_hello_fn)(void *ctx, const struct tls_view *v);
/* Called with each ClientHello as soon as it is whole (its view may lack the server's). */
void tls_sessions__on_hello(struct tls_sessions *t, tls_hello_fn fn, void *ctx);
void tls_sessions__free(struct tls_sessions *t);
/* Adds one chunk of stream; reports what completes. ifname names e->ifindex. */
void tls_sessions__chunk(struct tls_sessions *t, const struct chunk_event *e, size_t len,
			 const char *flow_id, const char *ifname);
/* Reports hellos left waiting for a ServerHello past the timeout (all of them with all). */
void tls_sessions__expire(struct tls_sessions *t, uint64_t now_ns, bool all);
uint64_t tls_sessions__reported(const struct tls_sessions *t);

#endif
