/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_API_QUERY_H
#define WHOFLOW_API_QUERY_H

/* Between the API's endpoint files (routes.c, summaries.c): see query.c. */
#include "api_int.h"

/* A query's SQL and its bound values (never pasted into the SQL). */
struct q {
	char sql[1024];
	size_t len;
	struct {
		bool is_int;
		int64_t i;
		const char *s;
	} b[16];
	int n;
};

const char *param(const struct api_req *r, const char *name);
/* 0, or -1 with a 400 naming the first parameter the endpoint does not take. */
int params__only(struct api_req *r, const char *const *allowed);
/* An integer in [min, max]; absent: def (has stays false). */
int param__int(struct api_req *r, const char *name, int64_t min, int64_t max, int64_t def,
	       int64_t *out, bool *has);
/* RFC 3339 in UTC (2026-12-01T13:00:00Z, a fraction allowed) or seconds since the epoch. */
int param__time(struct api_req *r, const char *name, int64_t *ns);
bool is_entity(const char *v);
void q__sql(struct q *q, const char *s);
/* " AND <cond>" with its one value, bound. */
void q__and_s(struct q *q, const char *cond, const char *v);
void q__and_i(struct q *q, const char *cond, int64_t v);
sqlite3_stmt *q__prepare(struct api_req *r, struct q *q);
/* Fewer than Q_NARROW_ROWS events fall between since and until (0: open), counted on the
 * time index alone. */
#define Q_NARROW_ROWS 10000
bool q__narrow_window(sqlite3 *db, int64_t since, int64_t until);
void out__time(struct json *j, const char *key, sqlite3_stmt *st, int col);
void out__col(struct json *j, const char *key, sqlite3_stmt *st, int col);
/* Lists: {"items": [...], "next_cursor": "ID" or null}, newest first. */
void out__list_end(struct api_req *r, int64_t last_id, int64_t got, int64_t limit);
/* The same, once the items' array is closed and other fields written after it. */
void out__list_cursor(struct api_req *r, int64_t last_id, int64_t got, int64_t limit);
void out__now(struct json *j, const char *key);
int64_t now_ns(void);

/* The per-process summaries (summaries.c). */
void route__connection_summary(struct api_req *r);
void route__list_connections(struct api_req *r);
void route__drop_summary(struct api_req *r);
void route__list_drops(struct api_req *r);

#endif
