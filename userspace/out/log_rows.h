/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_LOG_ROWS_H
#define WHOFLOW_LOG_ROWS_H

/*
 * The log files' text lines (--log-dir): one file per event type, columns in
 * the fixed order of log_schemas (docs/events.md lists them), ' | ' between
 * columns, '|' '\' and control bytes in a value escaped ("\|", "\\", "\n",
 * "\xNN"), '-' for a value that is absent. Correlation ids join the files:
 * session_uid, process_uid (the process's entity id), parent_process_uid,
 * network_uid (the flow id), dns_conversation_uid (a query and its answer).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "event.h"

enum log_kind {
	LOG_PROCESS,
	LOG_NETWORK,
	LOG_DNS,
	LOG_TLS,
	LOG_HTTP,
	LOG_ENV,
	LOG_SIGMA,
	LOG_DROP,
	LOG_FILE,
	LOG_BINARY,
	LOG__N,
};

struct log_col {
	const char *name, *meaning;
};

struct log_schema {
	const char *file; /* "process.log" */
	const char *what; /* what it holds */
	const struct log_col *cols;
	size_t ncols;
};

extern const struct log_schema log_schemas[LOG__N];

/* A growing buffer of whole lines. */
struct row_buf {
	char *buf;
	size_t len, cap;
	uint64_t lines; /* lines in buf */
	bool oom;
};

void row_buf__free(struct row_buf *b);
/* Appends one line (s without its newline). */
void row_buf__line(struct row_buf *b, const char *s, size_t n);
/* "# col | col ...\n": a file's first line. */
void log_rows__header(struct row_buf *b, enum log_kind k);
/* Appends ev's lines to the buffers of the files it belongs to (an exec with
 * --env also has env.log lines). */
void log_rows__event(struct row_buf bufs[LOG__N], const struct event *ev, const char *session_uid);
/* --legend: every file, every column, what it means. */
void log_rows__legend(FILE *f);
/* The file an event's JSON object goes to. */
enum log_kind log_rows__kind(const struct event *ev);

#endif
