/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SINK_H
#define WHOFLOW_SINK_H

/*
 * The sink stage: where selected, joined events go. A sink is a table of five
 * operations; a new output is one file defining its sink_ops and one row in
 * the table (sinks.c). Several sinks can be open at once.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "event.h"
#include "json.h"

struct sink;

struct sink_ops {
	const char *name;
	/* 0, or -errno with the reason said on stderr. */
	int (*open)(struct sink *s, const struct config *cfg);
	void (*write)(struct sink *s, const struct event *ev);
	/* Writes out what is buffered; a failed write sets s->failed. */
	void (*flush)(struct sink *s);
	void (*close)(struct sink *s);
	/* SIGHUP: files moved away (logrotate) are written anew; NULL: nothing to do. */
	void (*reopen)(struct sink *s);
	/* Events it could not write and goes on without (a full disk): how many, and
	 * where in words; NULL: it has none (a failed write stops it instead). */
	uint64_t (*losses)(const struct sink *s, char *what, size_t n);
};

struct sink {
	const struct sink_ops *ops;
	FILE *f;
	struct json j;
	char host[256];
	void *priv; /* the sink's own state (the capture file) */
	/* Its stats: */
	uint64_t written; /* events written */
	bool failed; /* a write failed (closed pipe, full disk) */
	int err; /* the errno of the first failed write */
	bool done; /* wants nothing more (-c packets written, -W's last file full) */
};

extern const struct sink_ops sink_text_ops, sink_json_ops, sink_pcapng_ops, sink_logdir_ops,
	sink_table_ops, sink_syslog_ops, sink_db_ops, sink_udp_ops, sink_ipfix_ops,
	sink_nats_ops;

/* The sink called name in the table, or NULL. */
const struct sink_ops *sinks__find(const char *name);

/* The ECS JSON object of an event in s->j (s->host names the host): false when the event
 * has none (packets) or memory ran out. */
void sink_json__init(struct sink *s);
bool sink_json__render(struct sink *s, const struct event *ev);
/* The same, rendered once per event for every sink that writes JSON (NULL: none). The
 * pipeline forgets the last one before each event; object_free at the end. */
const struct json *sink_json__object(const struct event *ev);
void sink_json__forget(void);
void sink_json__object_free(void);

/* A write failed with err (an errno): the sink stops, the first reason is kept. */
void sink__failed(struct sink *s, int err);

/* For sinks that write lines to standard output (text, JSON). */
int sink__open_stdout(struct sink *s, const struct config *cfg);
void sink__flush_stdout(struct sink *s);
void sink__close_stdout(struct sink *s);

#endif
