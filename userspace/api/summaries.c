// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-process summaries ebpf-server's users call: connections (flows) and
 * packet drops, counted per process over a recent window.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "api_query.h"

void route__connection_summary(struct api_req *r)
{
	static const char *const allowed[] = { "pid", "command", "duration_seconds", NULL };
	int64_t pid, dur, n = 0;
	bool has_pid;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) || param__int(r, "pid", 1, INT32_MAX, 0, &pid, &has_pid) ||
	    param__int(r, "duration_seconds", 1, 365 * 86400, 60, &dur, NULL))
		return;
	q__sql(&q, "SELECT count(*) FROM events INDEXED BY events_flow WHERE type = 'flow'");
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

void route__list_connections(struct api_req *r)
{
	static const char *const allowed[] = { "duration_seconds", NULL };
	int64_t dur, pids = 0, total = 0;
	bool has_dur;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) ||
	    param__int(r, "duration_seconds", 1, 365 * 86400, 0, &dur, &has_dur))
		return;
	q__sql(&q,
	       "SELECT pid, count(*) FROM events INDEXED BY events_flow WHERE type = 'flow' AND "
	       "pid IS NOT NULL");
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

/* -- binaries ------------------------------------------------------------------------ */

/* The Sigma rules the agent runs (--rules beside --api); none with serve. */

/* Drops are stored one row per kind and window: their packets are the rows' counts. */
#define DROP_PACKETS "coalesce(sum(json_extract(json, '$.whoflow.drop.count')), 0)"

void route__drop_summary(struct api_req *r)
{
	static const char *const allowed[] = { "pid", "command", "duration_seconds", NULL };
	int64_t pid, dur, n = 0;
	bool has_pid;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) || param__int(r, "pid", 1, INT32_MAX, 0, &pid, &has_pid) ||
	    param__int(r, "duration_seconds", 1, 365 * 86400, 60, &dur, NULL))
		return;
	q__sql(&q, "SELECT " DROP_PACKETS " FROM events INDEXED BY events_drop WHERE type = 'drop'");
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

void route__list_drops(struct api_req *r)
{
	static const char *const allowed[] = { "duration_seconds", NULL };
	int64_t dur, pids = 0, total = 0;
	bool has_dur;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) ||
	    param__int(r, "duration_seconds", 1, 365 * 86400, 0, &dur, &has_dur))
		return;
	q__sql(&q, "SELECT pid, " DROP_PACKETS " FROM events INDEXED BY events_drop WHERE "
		   "type = 'drop' AND pid IS NOT NULL");
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
