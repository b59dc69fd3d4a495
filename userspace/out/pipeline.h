/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PIPELINE_H
#define WHOFLOW_PIPELINE_H

/*
 * The path every event takes once a source made it: join, select, sinks.
 *   network events: join (id, endpoints, owner) -> select -> sinks
 *   process events: select -> join (id, derived fields, hashes) -> sinks
 * -c is counted here, once, for every kind.
 */
#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "detect.h"
#include "event.h"
#include "sink.h"

struct owner_ctx;

#define PIPELINE_SINKS_MAX 8

struct pipeline {
	struct event_out base; /* what sources are given */
	const struct config *cfg;
	const struct owner_ctx *owners; /* joins network events with processes */
	struct sink sinks[PIPELINE_SINKS_MAX];
	size_t nsinks;
	uint64_t emitted; /* events selected and handed to the sinks (-c counts these) */
	uint64_t filtered; /* events the selectors left out */
	uint64_t packets_filtered; /* -w: packet copies the process selectors left out */
	bool failed; /* a sink's write failed (closed pipe, full disk): stop */
	int failed_err; /* why (an errno), and which sink, kept past pipeline__free */
	const char *failed_sink;
	/* What the sinks could not write, as they said it when they closed. */
	uint64_t closed_lost;
	char closed_what[512];
	/*
	 * Written out before the record that made it is released: on attach's
	 * pinned rings, which the next agent reads again after a SIGKILL, an event
	 * is then printed at least once (a double keeps its event.id).
	 */
	bool flush_each;
	struct detect *detect; /* --rules: the Sigma rules, NULL without */
	struct detect_stats detect_stats; /* kept when it closes, for the summary */
	/* For --metrics: what was emitted, by kind; DNS answers by rcode; TLS by version. */
	uint64_t by_kind[EVENT_FILE + 1];
	uint64_t dns_rcode[24]; /* the last one: any other */
	uint64_t tls_version[7]; /* unknown, SSL 3.0, TLS 1.0, 1.1, 1.2, 1.3, no answer */
};

/* Opens the sinks cfg asks for: text or JSON, or with -w the capture file (events
 * are then counted, not printed, as with tcpdump; -c counts packets written). */
int pipeline__init(struct pipeline *p, const struct config *cfg);
void pipeline__flush(struct pipeline *p);
void pipeline__free(struct pipeline *p);
/* SIGHUP: every sink with files reopens those moved away. */
void pipeline__reopen(struct pipeline *p);
/* The open sink called name, or NULL. */
struct sink *pipeline__sink(struct pipeline *p, const char *name);
/* Events sinks could not write and went on without (log files on a full disk):
 * the count, and per sink and file in words. */
uint64_t pipeline__losses(const struct pipeline *p, char *what, size_t n);
/* 0, or the errno of the write that stopped a sink (*sink: its name; EPIPE: a reader that
 * went away, as `| head` does, which ends a run cleanly). */
int pipeline__failure(const struct pipeline *p, const char **sink);
/* The rules' counts and alerts (also after pipeline__free). */
void pipeline__detect_stats(const struct pipeline *p, struct detect_stats *st);
/* With --rules: "summary: rules usable=N ... alerts=N" on stderr (before the summary line). */
void pipeline__say_rules(const struct pipeline *p);
/* -c reached, or a write failed. */
bool pipeline__done(const struct pipeline *p);

#endif
