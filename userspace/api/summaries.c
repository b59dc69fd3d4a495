// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-process summaries ebpf-server's users call: connections (flows) and
 * packet drops, counted per process over a recent window. The two pairs differ
 * only in what they count, over which rows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "api_query.h"

/* What a pair of summaries counts: an SQL count over its type's rows (own index). */
struct counted {
	const char *count; /* e.g. "count(*)" */
	const char *from; /* "FROM events INDEXED BY ... WHERE type = '...'" */
};

static const struct counted connections = {
	"count(*)", "FROM events INDEXED BY events_flow WHERE type = 'flow'"
};

/* Drops are stored one row per kind and window: their packets are the rows' counts. */
static const struct counted drops = { "coalesce(sum(json_extract(json, '$.whoflow.drop.count')), 0)",
				      "FROM events INDEXED BY events_drop WHERE type = 'drop'" };

/* {count, pid, command, duration_seconds, query_time} over the last duration_seconds. */
static void summary(struct api_req *r, const struct counted *c)
{
	static const char *const allowed[] = { "pid", "command", "duration_seconds", NULL };
	int64_t pid, dur, n = 0;
	bool has_pid;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) || param__int(r, "pid", 1, INT32_MAX, 0, &pid, &has_pid) ||
	    param__int(r, "duration_seconds", 1, 365 * 86400, 60, &dur, NULL))
		return;
	q__sql(&q, "SELECT ");
	q__sql(&q, c->count);
	q__sql(&q, " ");
	q__sql(&q, c->from);
	if (has_pid)
		q__and_i(&q, "pid = ?", pid);
	if (param(r, "command"))
		q__and_s(&q, "comm = ?", param(r, "command"));
	q__and_i(&q, "ts >= ?", now_ns() - dur * 1000000000);
	if (!(st = q__prepare(r, &q)))
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	json__obj_open(&r->out, NULL);
	json__i64(&r->out, "count", n);
	if (has_pid)
		json__i64(&r->out, "pid", pid);
	else
		json__null(&r->out, "pid");
	if (param(r, "command"))
		json__str(&r->out, "command", param(r, "command"));
	else
		json__null(&r->out, "command");
	json__i64(&r->out, "duration_seconds", dur);
	out__now(&r->out, "query_time");
	json__obj_close(&r->out);
}

/* {total_pids, total_events, events_by_pid, query_time}, over everything or the last seconds. */
static void by_pid(struct api_req *r, const struct counted *c)
{
	static const char *const allowed[] = { "duration_seconds", NULL };
	int64_t dur, pids = 0, total = 0;
	bool has_dur;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) ||
	    param__int(r, "duration_seconds", 1, 365 * 86400, 0, &dur, &has_dur))
		return;
	q__sql(&q, "SELECT pid, ");
	q__sql(&q, c->count);
	q__sql(&q, " ");
	q__sql(&q, c->from);
	q__sql(&q, " AND pid IS NOT NULL");
	if (has_dur)
		q__and_i(&q, "ts >= ?", now_ns() - dur * 1000000000);
	q__sql(&q, " GROUP BY pid ORDER BY pid");
	if (!(st = q__prepare(r, &q)))
		return;
	json__obj_open(&r->out, NULL);
	json__obj_open(&r->out, "events_by_pid");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)sqlite3_column_int64(st, 0));
		json__i64(&r->out, key, sqlite3_column_int64(st, 1));
		pids++;
		total += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	json__obj_close(&r->out);
	json__i64(&r->out, "total_pids", pids);
	json__i64(&r->out, "total_events", total);
	out__now(&r->out, "query_time");
	json__obj_close(&r->out);
}

void route__connection_summary(struct api_req *r)
{
	summary(r, &connections);
}

void route__list_connections(struct api_req *r)
{
	by_pid(r, &connections);
}

void route__drop_summary(struct api_req *r)
{
	summary(r, &drops);
}

void route__list_drops(struct api_req *r)
{
	by_pid(r, &drops);
}
