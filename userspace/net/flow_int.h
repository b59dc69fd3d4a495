/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FLOW_INT_H
#define WHOFLOW_FLOW_INT_H

/* Between the flow tracker's files (flow.c, flow_attach.c, flow_records.c) only. */
#include <stddef.h>
#include "event.h"

struct dns_event;
struct flow_tracker;

/* A whole DNS message reassembled from TCP (dns_tcp's callback). */
void flow__on_dns_tcp_msg(const struct dns_event *e, size_t len, void *ctx);
/* A ClientHello as soon as it is whole (tls_sessions' callback): -w's name selection. */
void flow__on_hello(void *ctx, const struct tls_view *v);

#endif
