/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_TLS_JSON_H
#define WHOFLOW_TLS_JSON_H

#include "event.h"
#include "json.h"

/* A TLS event's ECS part (tls.*): the version and cipher chosen, the client's hello and fingerprints. */
void tls_json__ecs(struct json *j, const struct tls_view *tv);
/* Its whoflow.* part: owner, flow, every list of the hello as sent, the ServerHello, faults. */
void tls_json__whoflow(struct json *j, const struct tls_view *tv, const struct owner_view *ov);

#endif
