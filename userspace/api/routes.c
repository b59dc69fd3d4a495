// SPDX-License-Identifier: GPL-2.0-only
/* The API's endpoints: parameters checked, SQL with bound values only, JSON out (see api.h). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "api_query.h"
#include "detect.h"
#include "timeconv.h"

/* -- events -------------------------------------------------------------------------- */

static const char *const event_types[] = { "exec", "fork",  "exit", "flow", "dns", "tls",
					   "http", "alert", "drop", "file", NULL };

/* status (alerts only): new, acknowledged or resolved. */
static bool route__status_ok(struct api_req *r, const char *type)
{
	const char *s = param(r, "status");

	if (!type || strcmp(type, "alert")) {
		api__error(r, 400, "status", "status filters alerts only (type=alert, /api/alerts)");
		return false;
	}
	if (strcmp(s, "new") && strcmp(s, "acknowledged") && strcmp(s, "resolved")) {
		api__error(r, 400, "status", "status is one of new, acknowledged, resolved");
		return false;
	}
	return true;
}

static void route__events(struct api_req *r, const char *type, const char *entity)
{
	static const char *const allowed[] = { "type",	"pid",	 "command", "entity_id", "name",
					       "since", "until", "limit",   "cursor",	 "status",
					       NULL };
	const char *t = type ? type : param(r, "type");
	int64_t pid, limit, cursor, since, until, got = 0, last = 0;
	bool has_pid, has_cursor, known = !t;
	struct q q = { 0 };
	char **ids = NULL;
	sqlite3_stmt *st;

	if (params__only(r, allowed + (type ? 1 : 0)) ||
	    param__int(r, "pid", 1, INT32_MAX, 0, &pid, &has_pid) ||
	    param__int(r, "limit", 1, API_LIMIT_MAX, API_LIMIT_DEFAULT, &limit, NULL) ||
	    param__int(r, "cursor", 1, INT64_MAX, 0, &cursor, &has_cursor) ||
	    param__time(r, "since", &since) || param__time(r, "until", &until))
		return;
	for (const char *const *e = event_types; t && *e; e++)
		if (!strcmp(*e, t))
			known = true, t = *e;
	if (!known) {
		api__error(r, 400, "type",
			   "'type' must be one of exec, fork, exit, flow, dns, tls, http, alert, drop");
		return;
	}
	if (param(r, "status") && !route__status_ok(r, t))
		return;
	if (!entity)
		entity = param(r, "entity_id");
	if (entity && !is_entity(entity)) {
		api__error(r, entity == param(r, "entity_id") ? 400 : 404, "entity_id",
			   "an entity id is 32 hex digits");
		return;
	}
	/* Alerts come with their triage: the page's event ids are kept for it. */
	if (t && !strcmp(t, "alert") && !(ids = calloc((size_t)limit, sizeof(*ids)))) {
		api__error(r, 500, NULL, "out of memory");
		return;
	}
	q__sql(&q, "SELECT id, json, event_id FROM events");
	/* A rarer type is read through its own index unless a more selective one applies;
	 * t is one of event_types' own strings by now, never what the client sent. */
	if (t && strcmp(t, "dns") && !entity && !param(r, "name")) {
		q__sql(&q, " INDEXED BY events_");
		q__sql(&q, t);
	} else if ((since || until) && !entity && !param(r, "name") &&
		   q__narrow_window(r->db, since, until)) {
		/* A window with few events in it, read through the time index and sorted: a
		 * walk back by id, filtered on time, read the whole store when the newest
		 * events fall outside the window (since= a moment ago, nothing new since). */
		q__sql(&q, " INDEXED BY events_ts");
	}
	q__sql(&q, " WHERE 1");
	if (t) {
		q__sql(&q, " AND type = '");
		q__sql(&q, t);
		q__sql(&q, "'");
	}
	/* pid and command through the process table: its index, not a scan of the events */
	if (has_pid)
		q__and_i(&q, "entity_id IN (SELECT entity_id FROM processes WHERE pid = ?)", pid);
	if (param(r, "command"))
		q__and_s(&q, "entity_id IN (SELECT entity_id FROM processes WHERE comm = ?)",
			 param(r, "command"));
	if (entity)
		q__and_s(&q, "entity_id = ?", entity);
	if (param(r, "name"))
		q__and_s(&q, "name = ?", param(r, "name"));
	/* Triage (writes.c): an alert nobody marked is new. */
	if (param(r, "status") && !strcmp(param(r, "status"), "new"))
		q__sql(&q, " AND event_id NOT IN (SELECT event_id FROM alert_triage WHERE status != "
			   "'new')");
	else if (param(r, "status"))
		q__and_s(&q, "event_id IN (SELECT event_id FROM alert_triage WHERE status = ?)",
			 param(r, "status"));
	if (since)
		q__and_i(&q, "ts >= ?", since);
	if (until)
		q__and_i(&q, "ts <= ?", until);
	if (has_cursor)
		q__and_i(&q, "id < ?", cursor);
	q__and_i(&q, "1 ORDER BY id DESC LIMIT ?", limit);
	if (!(st = q__prepare(r, &q))) {
		free(ids);
		return;
	}
	json__obj_open(&r->out, NULL);
	json__arr_open(&r->out, "items");
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		json__raw(&r->out, NULL, (const char *)sqlite3_column_text(st, 1),
			  (size_t)sqlite3_column_bytes(st, 1));
		if (ids && got < limit)
			ids[got] = strdup((const char *)sqlite3_column_text(st, 2));
		got++;
	}
	sqlite3_finalize(st);
	json__arr_close(&r->out);
	if (!ids || !triage__page(r, ids, got))
		out__list_cursor(r, last, got, limit);
	for (int64_t i = 0; ids && i < got; i++)
		free(ids[i]);
	free(ids);
}

/* -- processes ----------------------------------------------------------------------- */

#define PROC_SELECT                                                                          \
	"SELECT entity_id, pid, ppid, parent_entity_id, comm, exe, command_line, cwd, uid, " \
	"user, gid, container_id, container_name, container_image, pod, k8s_namespace, "   \
	"cgroup, md5, sha256, start_ts, exit_ts, exit_code, rowid FROM processes"
#define PROC_ROWID 22 /* its column: after those out__process reads */

static void out__process(struct json *j, sqlite3_stmt *st)
{
	static const char *const cols[] = {
		"entity_id", "pid",	   "ppid",	   "parent_entity_id",
		"comm",	     "executable", "command_line", "cwd",
		"uid",	     "user",	   "gid",	   "container_id",
		"container_name", "container_image", "pod", "k8s_namespace",
		"cgroup",    "md5",	   "sha256"
	};

	for (int i = 0; i < 19; i++)
		out__col(j, cols[i], st, i);
	out__time(j, "start", st, 19);
	out__time(j, "end", st, 20);
	out__col(j, "exit_code", st, 21);
}

static void route__processes(struct api_req *r)
{
	static const char *const allowed[] = { "pid",	"comm",	 "exe",	  "container",
					       "pod",	"k8s_namespace", "user",  "since",
					       "until", "limit", "cursor", NULL };
	int64_t pid, limit, cursor, since, until, got = 0, last = 0;
	bool has_pid, has_cursor;
	struct q q = { 0 };
	sqlite3_stmt *st;

	if (params__only(r, allowed) || param__int(r, "pid", 1, INT32_MAX, 0, &pid, &has_pid) ||
	    param__int(r, "limit", 1, API_LIMIT_MAX, API_LIMIT_DEFAULT, &limit, NULL) ||
	    param__int(r, "cursor", 1, INT64_MAX, 0, &cursor, &has_cursor) ||
	    param__time(r, "since", &since) || param__time(r, "until", &until))
		return;
	q__sql(&q, PROC_SELECT " WHERE 1");
	if (has_pid)
		q__and_i(&q, "pid = ?", pid);
	if (param(r, "comm"))
		q__and_s(&q, "comm = ?", param(r, "comm"));
	if (param(r, "exe"))
		q__and_s(&q, "exe = ?", param(r, "exe"));
	if (param(r, "container"))
		q__and_s(&q,
			 "EXISTS (SELECT 1 FROM (SELECT ? AS v) WHERE instr(container_id, v) = 1 "
			 "OR container_name = v)",
			 param(r, "container"));
	if (param(r, "pod"))
		q__and_s(&q, "pod = ?", param(r, "pod"));
	if (param(r, "k8s_namespace"))
		q__and_s(&q, "k8s_namespace = ?", param(r, "k8s_namespace"));
	if (param(r, "user"))
		q__and_s(&q, "user = ?", param(r, "user"));
	if (since)
		q__and_i(&q, "coalesce(exit_ts, seen_ts) >= ?", since);
	if (until)
		q__and_i(&q, "start_ts <= ?", until);
	if (has_cursor)
		q__and_i(&q, "rowid < ?", cursor);
	q__and_i(&q, "1 ORDER BY rowid DESC LIMIT ?", limit);
	if (!(st = q__prepare(r, &q)))
		return;
	json__obj_open(&r->out, NULL);
	json__arr_open(&r->out, "items");
	while (sqlite3_step(st) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, PROC_ROWID);
		json__obj_open(&r->out, NULL);
		out__process(&r->out, st);
		json__obj_close(&r->out);
		got++;
	}
	sqlite3_finalize(st);
	out__list_end(r, last, got, limit);
}

/* The tree under a process: rows of (depth-first order, parent index), children nested. */
struct tree_node {
	char entity[33];
	int parent; /* index, -1: the root */
	size_t rowid;
};

static void out__children(struct api_req *r, sqlite3 *db, const struct tree_node *n, size_t nn,
			  int at, int depth)
{
	sqlite3_stmt *st;

	json__arr_open(&r->out, "children");
	for (size_t i = 0; i < nn; i++) {
		if (n[i].parent != at)
			continue;
		if (sqlite3_prepare_v2(db, PROC_SELECT " WHERE rowid = ?", -1, &st, NULL) !=
		    SQLITE_OK)
			break;
		sqlite3_bind_int64(st, 1, (int64_t)n[i].rowid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json__obj_open(&r->out, NULL);
			out__process(&r->out, st);
			if (depth < 64)
				out__children(r, db, n, nn, (int)i, depth + 1);
			json__obj_close(&r->out);
		}
		sqlite3_finalize(st);
	}
	json__arr_close(&r->out);
}

/* Every descendant (at most 10000), breadth first, each with its parent's index. */
static size_t tree__collect(sqlite3 *db, const char *root, struct tree_node *n, size_t max)
{
	size_t nn = 0;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db,
			       "SELECT entity_id, rowid FROM processes WHERE parent_entity_id = ?"
			       " AND entity_id != parent_entity_id",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	for (size_t at = 0, first = 1; first || at < nn; first = 0) {
		const char *parent = first ? root : n[at].entity;
		int pidx = first ? -1 : (int)at;

		sqlite3_bind_text(st, 1, parent, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW && nn < max) {
			snprintf(n[nn].entity, sizeof(n[nn].entity), "%s",
				 (const char *)sqlite3_column_text(st, 0));
			n[nn].parent = pidx;
			n[nn++].rowid = (size_t)sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (!first)
			at++;
	}
	sqlite3_finalize(st);
	return nn;
}

static void route__process(struct api_req *r, const char *entity)
{
	static const char *const none[] = { NULL };
	char cur[33];
	struct tree_node *nodes;
	sqlite3_stmt *st;
	size_t nn;

	if (params__only(r, none))
		return;
	if (!is_entity(entity)) {
		api__error(r, 404, NULL, "no process %s (an entity id is 32 hex digits)", entity);
		return;
	}
	if (sqlite3_prepare_v2(r->db, PROC_SELECT " WHERE entity_id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		api__error(r, 500, NULL, "the store refused a query: %s", sqlite3_errmsg(r->db));
		return;
	}
	sqlite3_bind_text(st, 1, entity, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		api__error(r, 404, NULL, "no process %s in the store", entity);
		return;
	}
	json__obj_open(&r->out, NULL);
	json__obj_open(&r->out, "process");
	out__process(&r->out, st);
	json__obj_close(&r->out);
	snprintf(cur, sizeof(cur), "%s",
		 sqlite3_column_type(st, 3) == SQLITE_NULL ?
			 "" :
			 (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	/* ancestors, the parent first */
	json__arr_open(&r->out, "ancestors");
	for (int depth = 0; cur[0] && depth < 64; depth++) {
		if (sqlite3_prepare_v2(r->db, PROC_SELECT " WHERE entity_id = ?", -1, &st, NULL) !=
		    SQLITE_OK)
			break;
		sqlite3_bind_text(st, 1, cur, -1, SQLITE_TRANSIENT);
		cur[0] = '\0';
		if (sqlite3_step(st) == SQLITE_ROW) {
			json__obj_open(&r->out, NULL);
			out__process(&r->out, st);
			json__obj_close(&r->out);
			if (sqlite3_column_type(st, 3) != SQLITE_NULL)
				snprintf(cur, sizeof(cur), "%s",
					 (const char *)sqlite3_column_text(st, 3));
		}
		sqlite3_finalize(st);
	}
	json__arr_close(&r->out);
	nodes = calloc(10000, sizeof(*nodes));
	nn = nodes ? tree__collect(r->db, entity, nodes, 10000) : 0;
	out__children(r, r->db, nodes, nn, -1, 0);
	free(nodes);
	json__obj_close(&r->out);
}

static void route__rules(struct api_req *r)
{
	static const char *const allowed[] = { NULL };
	static const char none[] = "{\"detection\":false,\"counts\":{\"usable\":0,\"skipped\":0,"
				   "\"broken\":0,\"files\":0,\"disabled\":0},\"writable\":false,"
				   "\"items\":[]}";
	size_t len = 0;
	char *text;

	if (params__only(r, allowed))
		return;
	text = detect__rules_json(&len);
	json__raw(&r->out, NULL, text ? text : none, text ? len : sizeof(none) - 1);
	free(text);
}

static void route__binaries(struct api_req *r)
{
	static const char *const allowed[] = { "limit", NULL };
	int64_t limit;
	sqlite3_stmt *st, *ps;

	if (params__only(r, allowed) ||
	    param__int(r, "limit", 1, API_LIMIT_MAX, API_LIMIT_DEFAULT, &limit, NULL))
		return;
	if (sqlite3_prepare_v2(
		    r->db,
		    "SELECT sha256, min(md5), min(exe), count(*), max(binary_copy) FROM processes "
		    "WHERE sha256 IS NOT NULL GROUP BY sha256 ORDER BY max(start_ts) DESC LIMIT ?",
		    -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		    r->db,
		    "SELECT entity_id, pid, start_ts FROM processes WHERE sha256 = ? ORDER "
		    "BY start_ts DESC LIMIT 100",
		    -1, &ps, NULL) != SQLITE_OK) {
		api__error(r, 500, NULL, "the store refused a query: %s", sqlite3_errmsg(r->db));
		return;
	}
	sqlite3_bind_int64(st, 1, limit);
	json__obj_open(&r->out, NULL);
	json__arr_open(&r->out, "items");
	while (sqlite3_step(st) == SQLITE_ROW) {
		json__obj_open(&r->out, NULL);
		out__col(&r->out, "sha256", st, 0);
		out__col(&r->out, "md5", st, 1);
		out__col(&r->out, "executable", st, 2);
		out__col(&r->out, "process_count", st, 3);
		/* --preserve-binaries: the copy an exec of it was kept as (the directory's
		 * index.json says what is there now: the cap may have removed it since). */
		json__bool(&r->out, "preserved", sqlite3_column_type(st, 4) != SQLITE_NULL);
		out__col(&r->out, "copy", st, 4);
		json__arr_open(&r->out, "processes");
		sqlite3_bind_text(ps, 1, (const char *)sqlite3_column_text(st, 0), -1,
				  SQLITE_TRANSIENT);
		while (sqlite3_step(ps) == SQLITE_ROW) {
			json__obj_open(&r->out, NULL);
			out__col(&r->out, "entity_id", ps, 0);
			out__col(&r->out, "pid", ps, 1);
			out__time(&r->out, "start", ps, 2);
			json__obj_close(&r->out);
		}
		sqlite3_reset(ps);
		json__arr_close(&r->out);
		json__obj_close(&r->out);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ps);
	json__arr_close(&r->out);
	json__obj_close(&r->out);
}

/* -- dispatch ------------------------------------------------------------------------ */

static bool method_is(struct api_req *r, const char *allowed)
{
	size_t n = strlen(r->method);

	for (const char *a = allowed; *a; a += strcspn(a, " "), a += *a == ' ')
		if (!strncmp(a, r->method, n) && (a[n] == ' ' || !a[n]))
			return true;
	api__error(r, 405, NULL, "%s is not allowed here (%s)", r->method, allowed);
	return false;
}

void routes__dispatch(struct api_req *r)
{
	static const char *const typed[] = { "flows", "flow",  "dns",	 "dns",	  "tls",   "tls",
					     "http",  "http",  "alerts", "alert", "drops", "drop",
					     "files", "file",  NULL };
	const char *p = r->path;

	if (!strncmp(p, "/api/", 5))
		p += 5;
	else
		goto none;
	if (!strcmp(p, "connection-summary")) {
		if (method_is(r, "GET POST"))
			route__connection_summary(r);
		return;
	}
	if (!strcmp(p, "packet-drop-summary")) {
		if (method_is(r, "GET POST"))
			route__drop_summary(r);
		return;
	}
	if (writes__dispatch(r, p))
		return;
	if (!method_is(r, "GET"))
		return;
	if (!strcmp(p, "events"))
		return route__events(r, NULL, NULL);
	for (int i = 0; typed[i]; i += 2)
		if (!strcmp(p, typed[i]))
			return route__events(r, typed[i + 1], NULL);
	if (!strcmp(p, "processes"))
		return route__processes(r);
	if (!strncmp(p, "processes/", 10)) {
		char id[64];
		const char *rest = p + 10, *slash = strchr(rest, '/');

		snprintf(id, sizeof(id), "%.*s", (int)(slash ? slash - rest : (long)strlen(rest)),
			 rest);
		if (!slash)
			return route__process(r, id);
		if (!strcmp(slash, "/events")) {
			if (!is_entity(id)) {
				api__error(r, 404, NULL,
					   "no process %s (an entity id is 32 hex digits)", id);
				return;
			}
			return route__events(r, NULL, id);
		}
	}
	if (!strcmp(p, "list-connections"))
		return route__list_connections(r);
	if (!strcmp(p, "list-packet-drops"))
		return route__list_drops(r);
	if (!strcmp(p, "binaries"))
		return route__binaries(r);
	if (!strcmp(p, "rules"))
		return route__rules(r);
none:
	api__error(r, 404, NULL, "no such endpoint: %s (see /openapi.json)", r->path);
}
