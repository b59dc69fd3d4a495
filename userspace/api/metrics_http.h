/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_METRICS_HTTP_H
#define WHOFLOW_METRICS_HTTP_H

#include <stddef.h>

struct metrics_http;

/* Serves GET /metrics on ADDR:PORT (libmicrohttpd, its own thread); -1 having said why. */
int metrics_http__start(struct metrics_http **out, const char *listen);
/* Replaces what /metrics answers with text (malloc'd; the server frees it). */
void metrics_http__publish(struct metrics_http *m, char *text, size_t len);
void metrics_http__stop(struct metrics_http *m);

#endif
