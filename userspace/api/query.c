// SPDX-License-Identifier: GPL-2.0-only
/* What the API's endpoints share: parameters checked, queries with bound values, JSON pieces. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api_query.h"
#include "timeconv.h"

/* -- parameters ---------------------------------------------------------------------- */

const char *param(const struct api_req *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (!strcmp(r->params[i].name, name))
			return r->params[i].value;
	return NULL;
}

/* 0, or -1 with a 400 naming the first parameter the endpoint does not take. */
int params__only(struct api_req *r, const char *const *allowed)
{
	for (size_t i = 0; i < r->nparams; i++) {
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, r->params[i].name);
		if (!ok) {
			api__error(r, 400, r->params[i].name, "unknown parameter '%s'",
				   r->params[i].name);
			return -1;
		}
	}
	return 0;
}

/* An integer in [min, max]; absent: def (has stays false). */
int param__int(struct api_req *r, const char *name, int64_t min, int64_t max, int64_t def,
		      int64_t *out, bool *has)
{
	const char *v = param(r, name);
	char *end;
	long long x;

	*out = def;
	if (has)
		*has = v != NULL;
	if (!v)
		return 0;
	x = strtoll(v, &end, 10);
	if (!*v || *end || x < min || x > max) {
		api__error(r, 400, name, "'%s' must be a whole number from %" PRId64 " to %" PRId64,
			   name, min, max);
		return -1;
	}
	*out = x;
	return 0;
}

/* RFC 3339 in UTC (2026-12-01T13:00:00Z, a fraction allowed) or seconds since the epoch. */
int param__time(struct api_req *r, const char *name, int64_t *ns)
{
	const char *v = param(r, name);
	struct tm tm = { 0 };
	char frac[16] = "", z[4] = "";
	int n = 0;

	*ns = 0;
	if (!v)
		return 0;
	if (*v && strspn(v, "0123456789") == strlen(v) && strlen(v) <= 11) {
		*ns = strtoll(v, NULL, 10) * 1000000000;
		return 0;
	}
	if (sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 6 &&
	    (sscanf(v + n, ".%9[0-9]%3s", frac, z) == 2 || sscanf(v + n, "%3s", z) == 1) &&
	    !strcmp(z, "Z") && tm.tm_mon >= 1 && tm.tm_mon <= 12 && tm.tm_mday >= 1 &&
	    tm.tm_mday <= 31 && tm.tm_hour < 24 && tm.tm_min < 60 && tm.tm_sec <= 60) {
		long long f = 0;

		for (int i = 0; i < 9; i++)
			f = f * 10 + (frac[i] ? frac[i] - '0' : 0);
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		*ns = (int64_t)timegm(&tm) * 1000000000 + f;
		return 0;
	}
	api__error(r, 400, name,
		   "'%s' must be a time: RFC 3339 in UTC (2026-12-01T13:00:00Z) "
		   "or seconds since the epoch",
		   name);
	return -1;
}

bool is_entity(const char *v)
{
	return v && strlen(v) == 32 && strspn(v, "0123456789abcdef") == 32;
}

/* -- queries ------------------------------------------------------------------------- */


void q__sql(struct q *q, const char *s)
{
	q->len += (size_t)snprintf(q->sql + q->len, sizeof(q->sql) - q->len, "%s", s);
}

/* " AND <cond>" with its one value, bound (never pasted into the SQL). */
void q__and_s(struct q *q, const char *cond, const char *v)
{
	q__sql(q, " AND ");
	q__sql(q, cond);
	q->b[q->n].is_int = false;
	q->b[q->n++].s = v;
}

void q__and_i(struct q *q, const char *cond, int64_t v)
{
	q__sql(q, " AND ");
	q__sql(q, cond);
	q->b[q->n].is_int = true;
	q->b[q->n++].i = v;
}

sqlite3_stmt *q__prepare(struct api_req *r, struct q *q)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(r->db, q->sql, -1, &st, NULL) != SQLITE_OK) {
		api__error(r, 500, NULL, "the store refused a query: %s", sqlite3_errmsg(r->db));
		return NULL;
	}
	for (int i = 0; i < q->n; i++) {
		if (q->b[i].is_int)
			sqlite3_bind_int64(st, i + 1, q->b[i].i);
		else
			sqlite3_bind_text(st, i + 1, q->b[i].s, -1, SQLITE_STATIC);
	}
	return st;
}

bool q__narrow_window(sqlite3 *db, int64_t since, int64_t until)
{
	sqlite3_stmt *st;
	bool narrow = false;

	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM (SELECT 1 FROM events INDEXED BY events_ts "
			       "WHERE ts >= ? AND ts <= ? LIMIT ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, since);
	sqlite3_bind_int64(st, 2, until ? until : INT64_MAX);
	sqlite3_bind_int(st, 3, Q_NARROW_ROWS);
	if (sqlite3_step(st) == SQLITE_ROW)
		narrow = sqlite3_column_int(st, 0) < Q_NARROW_ROWS;
	sqlite3_finalize(st);
	return narrow;
}

void out__time(struct json *j, const char *key, sqlite3_stmt *st, int col)
{
	char ts[40];

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		json__null(j, key);
		return;
	}
	timeconv__rfc3339((uint64_t)sqlite3_column_int64(st, col), ts, sizeof(ts));
	json__str(j, key, ts);
}

void out__col(struct json *j, const char *key, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL:
		json__null(j, key);
		break;
	case SQLITE_INTEGER:
		json__i64(j, key, sqlite3_column_int64(st, col));
		break;
	default:
		json__str(j, key, (const char *)sqlite3_column_text(st, col));
	}
}

/* Lists: {"items": [...], "next_cursor": "ID" or null}, newest first. */
void out__list_end(struct api_req *r, int64_t last_id, int64_t got, int64_t limit)
{
	json__arr_close(&r->out);
	out__list_cursor(r, last_id, got, limit);
}

void out__list_cursor(struct api_req *r, int64_t last_id, int64_t got, int64_t limit)
{
	char cur[24];

	if (got == limit && last_id > 1) {
		snprintf(cur, sizeof(cur), "%" PRId64, last_id);
		json__str(&r->out, "next_cursor", cur);
	} else {
		json__null(&r->out, "next_cursor");
	}
	json__obj_close(&r->out);
}

void out__now(struct json *j, const char *key)
{
	struct timespec ts;
	char buf[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	timeconv__rfc3339((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec, buf,
			  sizeof(buf));
	json__str(j, key, buf);
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
