/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FILE_JSON_H
#define WHOFLOW_FILE_JSON_H

#include "event.h"
#include "json.h"

/* A FILE event's fields, inside its JSON object (event.category file; docs/events.md). */
void file_json__body(struct json *j, const struct event *ev, const char *host);

#endif
