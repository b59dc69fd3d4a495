/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_API_INT_H
#define WHOFLOW_API_INT_H

/* What the server (server.c) hands an endpoint (routes.c), and how it answers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "json.h"

#define API_LIMIT_MAX 1000
#define API_LIMIT_DEFAULT 100
#define API_BODY_MAX 4096
#define API_RULE_MAX 65536 /* POST /api/rules: one Sigma rule as YAML */
#define API_NICE 10 /* the connection threads' niceness (see server.c) */

struct api_param {
	const char *name, *value;
};

struct api_req {
	const char *method, *path;
	struct api_param params[32]; /* query string, then a JSON body's members (POST) */
	size_t nparams;
	sqlite3 *db; /* read only, this request's own */
	const char *db_path; /* the store, for the writes (--api-allow-write) */
	bool allow_write;
	const char *body; /* POST /api/rules: the raw body (YAML), body_len bytes */
	size_t body_len;
	/* The answer: */
	int status;
	struct json out;
};

/* Answers req: the endpoint's JSON, or an error naming what was wrong. */
void routes__dispatch(struct api_req *r);
/* The endpoints that change things (writes.c): true when p (after /api/) was one of them,
 * answered. */
bool writes__dispatch(struct api_req *r, const char *p);
/* "triage": [...], the alert_triage rows of these n alerts (those nobody marked are new and
 * have none), so that a list of alerts answers its triage in the same request. 0, or -1
 * after answering the error. */
int triage__page(struct api_req *r, char *const *ids, int64_t n);
/* A 4xx or 5xx answer: {"error": message, "parameter": param (when one is to blame)}. */
void api__error(struct api_req *r, int status, const char *param, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The embedded OpenAPI document, and the web UI's files. */
extern const char api_openapi_json[];
extern const char api_ui_index_html[], api_ui_app_js[], api_ui_style_css[], api_ui_icon_svg[];
extern const char api_ui_docs_html[], api_ui_docs_js[];
/* swagger-ui-dist, when the build had it (docs.c). */
extern const char api_docs_bundle_js[], api_docs_css[];
extern const bool api_docs_built;

#endif
