// SPDX-License-Identifier: GPL-2.0-only
/*
 * The endpoints that change things, on only with --api-allow-write: rules
 * (uploaded, enabled, disabled, deleted: files in the first --rules directory,
 * detect/rule_admin.c) and alert triage (a row of alert_triage in the store,
 * written on a connection of the request's own; the event stays as reported).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_query.h"
#include "rule_admin.h"

static bool writes__allowed(struct api_req *r)
{
	if (r->allow_write)
		return true;
	api__error(r, 403, NULL,
		   "the API is read only: start the monitor with --api-allow-write to change "
		   "rules and alerts");
	return false;
}

static void writes__method(struct api_req *r, const char *allowed)
{
	api__error(r, 405, NULL, "%s is not allowed here (%s)", r->method, allowed);
}

/* POST /api/rules: the body is one Sigma rule (YAML). */
static void rules__add(struct api_req *r)
{
	static const char *const none[] = { NULL };
	struct rule_added a;
	char err[600];
	int status;

	if (params__only(r, none) || !writes__allowed(r))
		return;
	if (!r->body_len) {
		api__error(r, 400, "body", "the body is empty: send one Sigma rule as YAML");
		return;
	}
	status = rule_admin__add(r->body, r->body_len, &a, err, sizeof(err));
	if (status >= 300) {
		api__error(r, status, status == 400 ? "body" : NULL, "%s", err);
		return;
	}
	r->status = status;
	json__obj_open(&r->out, NULL);
	json__str(&r->out, "id", a.id);
	json__str(&r->out, "title", a.title);
	json__str(&r->out, "category", a.category);
	json__str(&r->out, "file", a.file);
	json__bool(&r->out, "enabled", true);
	json__obj_close(&r->out);
}

/* /api/rules/{id}, /api/rules/{id}/enable, /api/rules/{id}/disable */
static void rules__one(struct api_req *r, const char *rest)
{
	static const char *const none[] = { NULL };
	const char *slash = strchr(rest, '/');
	char id[128], file[4200], err[600];
	bool del = !slash, on = slash && !strcmp(slash, "/enable");
	int status;

	if (slash && strcmp(slash, "/enable") && strcmp(slash, "/disable")) {
		api__error(r, 404, NULL, "no such endpoint: %s (see /openapi.json)", r->path);
		return;
	}
	if (del ? strcmp(r->method, "DELETE") : strcmp(r->method, "POST")) {
		writes__method(r, del ? "DELETE" : "POST");
		return;
	}
	if (params__only(r, none) || !writes__allowed(r))
		return;
	snprintf(id, sizeof(id), "%.*s", (int)(slash ? slash - rest : (long)strlen(rest)), rest);
	status = del ? rule_admin__delete(id, file, sizeof(file), err, sizeof(err)) :
		       rule_admin__enable(id, on, file, sizeof(file), err, sizeof(err));
	if (status >= 300) {
		api__error(r, status, NULL, "%s", err);
		return;
	}
	json__obj_open(&r->out, NULL);
	json__str(&r->out, "id", id);
	json__str(&r->out, "file", file);
	if (del)
		json__bool(&r->out, "deleted", true);
	else
		json__bool(&r->out, "enabled", on);
	json__obj_close(&r->out);
}

static const char *const triage_states[] = { "new", "acknowledged", "resolved", NULL };

static bool triage__state(const char *s)
{
	for (int i = 0; triage_states[i]; i++)
		if (!strcmp(s, triage_states[i]))
			return true;
	return false;
}

/* A row of alert_triage from column col on: its status, note and time changed. */
static void triage__fields(struct json *j, sqlite3_stmt *st, int col)
{
	out__col(j, "status", st, col);
	out__col(j, "note", st, col + 1);
	out__time(j, "changed", st, col + 2);
}

/* {"event_id", "status", "note", "changed"}: what alert_triage holds, or "new". */
static void triage__answer(struct api_req *r, sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;

	json__obj_open(&r->out, NULL);
	json__str(&r->out, "event_id", id);
	if (sqlite3_prepare_v2(db,
			       "SELECT status, note, changed_ts FROM alert_triage WHERE "
			       "event_id = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		api__error(r, 500, NULL, "the store refused a query: %s", sqlite3_errmsg(db));
		return;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		triage__fields(&r->out, st, 0);
	} else {
		json__str(&r->out, "status", "new");
		json__null(&r->out, "note");
		json__null(&r->out, "changed");
	}
	sqlite3_finalize(st);
	json__obj_close(&r->out);
}

static bool triage__alert_exists(struct api_req *r, sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;
	bool found;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM events WHERE event_id = ? AND type = 'alert'", -1,
			       &st, NULL) != SQLITE_OK) {
		api__error(r, 500, NULL, "the store refused a query: %s", sqlite3_errmsg(db));
		return false;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!found)
		api__error(r, 404, NULL, "no alert %s in the store", id);
	return found;
}

static int triage__write(sqlite3 *db, const char *id, const char *status, const char *note)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
			       "INSERT INTO alert_triage(event_id, status, note, changed_ts) "
			       "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(event_id) DO UPDATE SET "
			       "status = excluded.status, note = excluded.note, "
			       "changed_ts = excluded.changed_ts",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (note)
		sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now_ns());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int triage__page(struct api_req *r, char *const *ids, int64_t n)
{
	size_t len = 96 + 2 * (size_t)n;
	sqlite3_stmt *st = NULL;
	char *sql = malloc(len);

	json__arr_open(&r->out, "triage");
	if (n && sql) {
		int at = snprintf(sql, len, "SELECT event_id, status, note, changed_ts FROM "
					    "alert_triage WHERE event_id IN (");

		for (int64_t i = 0; i < n; i++)
			at += snprintf(sql + at, len - (size_t)at, i ? ",?" : "?");
		snprintf(sql + at, len - (size_t)at, ")");
		if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
			st = NULL;
	}
	for (int64_t i = 0; st && i < n; i++)
		sqlite3_bind_text(st, (int)i + 1, ids[i] ? ids[i] : "", -1, SQLITE_STATIC);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		json__obj_open(&r->out, NULL);
		out__col(&r->out, "event_id", st, 0);
		triage__fields(&r->out, st, 1);
		json__obj_close(&r->out);
	}
	json__arr_close(&r->out);
	sqlite3_finalize(st);
	free(sql);
	if (n && !st) {
		api__error(r, 500, NULL, "the store refused a query: %s",
			   sql ? sqlite3_errmsg(r->db) : "out of memory");
		return -1;
	}
	return 0;
}

/* GET and POST /api/alerts/{event_id}/triage */
static void alerts__triage(struct api_req *r, const char *id)
{
	static const char *const none[] = { NULL }, *const body[] = { "status", "note", NULL };
	const char *status = param(r, "status"), *note = param(r, "note");
	bool post = !strcmp(r->method, "POST");
	sqlite3 *db = NULL;

	if (!post && strcmp(r->method, "GET"))
		return writes__method(r, "GET POST");
	if (params__only(r, post ? body : none) || (post && !writes__allowed(r)))
		return;
	if (post && (!status || !triage__state(status))) {
		api__error(r, 400, "status", "status is one of new, acknowledged, resolved");
		return;
	}
	if (post && note && strlen(note) > 1000) {
		api__error(r, 400, "note", "the note is longer than 1000 bytes");
		return;
	}
	if (!post) {
		if (triage__alert_exists(r, r->db, id))
			triage__answer(r, r->db, id);
		return;
	}
	if (sqlite3_open_v2(r->db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		api__error(r, 503, NULL, "cannot open the store for writing: %s",
			   sqlite3_errmsg(db));
	} else {
		sqlite3_busy_timeout(db, 5000);
		if (triage__alert_exists(r, db, id)) {
			if (triage__write(db, id, status, note))
				api__error(r, 503, NULL, "cannot write the store: %s",
					   sqlite3_errmsg(db));
			else
				triage__answer(r, db, id);
		}
	}
	sqlite3_close(db);
}

bool writes__dispatch(struct api_req *r, const char *p)
{
	size_t n;

	if (!strcmp(p, "rules") && !strcmp(r->method, "POST")) {
		rules__add(r);
		return true;
	}
	if (!strncmp(p, "rules/", 6) && p[6]) {
		rules__one(r, p + 6);
		return true;
	}
	n = strlen(p);
	if (!strncmp(p, "alerts/", 7) && n > 7 + 7 && !strcmp(p + n - 7, "/triage")) {
		char id[128];

		snprintf(id, sizeof(id), "%.*s", (int)(n - 7 - 7), p + 7);
		if (strchr(id, '/')) {
			api__error(r, 404, NULL, "no such endpoint: %s (see /openapi.json)",
				   r->path);
			return true;
		}
		alerts__triage(r, id);
		return true;
	}
	return false;
}
