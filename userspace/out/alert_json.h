/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_ALERT_JSON_H
#define WHOFLOW_ALERT_JSON_H

#include "event.h"
#include "json.h"

/* An alert event's fields, inside its JSON object (event.kind alert; docs/events.md). */
void alert_json__body(struct json *j, const struct event *ev, const char *host);

#endif
