// SPDX-License-Identifier: GPL-2.0-only
/* The API's HTTP side: libmicrohttpd, the token, parameters, the answer (see api.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "api.h"
#include "api_int.h"
#include "db_store.h"
#include "log.h"
#include "mhd.h"
#include "token.h"

#define API_POOL 16

/*
 * Requests that query the store at once, at most; the others wait their turn
 * (API_TURN_S at most, then 503). Each runs on a connection thread of low
 * priority (API_NICE), but the scheduler weighs threads, not processes: fifty
 * clients' threads together would outweigh the store's writer and the ring
 * readers, and events would be lost to questions about them.
 */
#define API_RUNNING 2
#define API_TURN_S 10

struct api {
	struct MHD_Daemon *d;
	char token[160];
	char db_path[PATH_MAX];
	bool allow_write;
	/* serve's connections to the store, opened before the privileges go */
	pthread_mutex_t lock;
	pthread_cond_t freed;
	sqlite3 *pool[API_POOL];
	bool busy[API_POOL];
	size_t npool;
	sem_t running; /* turns to query the store: API_RUNNING */
};

/* A pooled connection, waiting a few seconds at most for one; NULL: none came. */
static sqlite3 *pool__take(struct api *a, int *slot)
{
	struct timespec until;
	sqlite3 *db = NULL;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&a->lock);
	while (!db) {
		for (size_t i = 0; i < a->npool && !db; i++)
			if (!a->busy[i]) {
				a->busy[i] = true;
				db = a->pool[i];
				*slot = (int)i;
			}
		if (!db && pthread_cond_timedwait(&a->freed, &a->lock, &until))
			break;
	}
	pthread_mutex_unlock(&a->lock);
	return db;
}

static void pool__give(struct api *a, int slot)
{
	pthread_mutex_lock(&a->lock);
	a->busy[slot] = false;
	pthread_cond_signal(&a->freed);
	pthread_mutex_unlock(&a->lock);
}

/* Opens the pool's connections and reads through each once, so that the store, its WAL
 * and its shared memory are open before the rights to open them go; then publishes them
 * at once (a monitor's API may already be answering with connections of its own). */
static int pool__open(struct api *a)
{
	sqlite3 *p[API_POOL] = { 0 };

	for (size_t i = 0; i < API_POOL; i++) {
		if (sqlite3_open_v2(a->db_path, &p[i], SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		    sqlite3_exec(p[i], "SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1)", NULL,
				 NULL, NULL) != SQLITE_OK) {
			pr_warn("cannot read the store %s: %s\n", a->db_path, sqlite3_errmsg(p[i]));
			for (size_t j = 0; j <= i; j++)
				sqlite3_close(p[j]);
			return -1;
		}
		sqlite3_busy_timeout(p[i], 5000);
	}
	pthread_mutex_lock(&a->lock);
	memcpy(a->pool, p, sizeof(p));
	__atomic_store_n(&a->npool, API_POOL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int api__open_pool(struct api *a)
{
	return a && !__atomic_load_n(&a->npool, __ATOMIC_ACQUIRE) ? pool__open(a) : 0;
}

/* One connection's request: its body as it arrives. */
struct conn {
	char body[API_RULE_MAX + 1];
	size_t len;
	bool too_big;
	char values[API_BODY_MAX + 256]; /* a JSON body's values, as strings */
};

void api__error(struct api_req *r, int status, const char *param, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = status;
	json__reset(&r->out);
	json__obj_open(&r->out, NULL);
	json__str(&r->out, "error", msg);
	if (param)
		json__str(&r->out, "parameter", param);
	json__obj_close(&r->out);
}

static enum MHD_Result api__param(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	struct api_req *r = cls;

	if (r->nparams >= sizeof(r->params) / sizeof(r->params[0])) {
		r->status = 400;
		return MHD_NO;
	}
	r->params[r->nparams++] = (struct api_param){ k, v ? v : "" };
	return MHD_YES;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A JSON string (no escapes but \" and \\) or a bare number/literal, copied to *out. */
static const char *body__value(const char *p, char **out, char *end)
{
	char *o = *out;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			else if (*p == '\\' || (unsigned char)*p < 0x20)
				return NULL;
			if (o + 1 >= end)
				return NULL;
			*o++ = *p;
		}
		if (*p++ != '"')
			return NULL;
	} else {
		while (*p && strchr("-+.0123456789eEtruefalsn", *p) && o + 1 < end)
			*o++ = *p++;
		if (o == *out)
			return NULL;
	}
	*o++ = '\0';
	*out = o;
	return p;
}

/* POST bodies are flat JSON objects: their members become parameters. */
static int body__params(struct api_req *r, struct conn *c)
{
	char *out = c->values, *end = c->values + sizeof(c->values);
	const char *p;

	c->body[c->len] = '\0';
	p = skip_ws(c->body);
	if (*p++ != '{')
		return -1;
	for (p = skip_ws(p); *p != '}';) {
		char *k = out, *v;

		if (*p != '"' || !(p = body__value(p, &out, end)))
			return -1;
		p = skip_ws(p);
		if (*p++ != ':')
			return -1;
		v = out;
		if (!(p = body__value(skip_ws(p), &out, end)))
			return -1;
		if (r->nparams >= sizeof(r->params) / sizeof(r->params[0]))
			return -1;
		if (strcmp(v, "null"))
			r->params[r->nparams++] = (struct api_param){ k, v };
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p != '}')
			return -1;
	}
	return *skip_ws(p + 1) ? -1 : 0;
}

/* Compares without stopping at the first difference: the time says nothing of the token. */
static bool token__equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return !d;
}

static bool api__authorized(struct api *a, struct MHD_Connection *c)
{
	const char *h = mhd.lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	return h && !strncmp(h, "Bearer ", 7) && token__equal(h + 7, a->token);
}

static enum MHD_Result api__reply_as(struct MHD_Connection *c, int status, const char *body,
				     size_t len, const char *type)
{
	struct MHD_Response *resp =
		mhd.create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	mhd.add_response_header(resp, "Content-Type", type);
	/* The UI loads nothing from anywhere else, and nothing may frame it (swagger-ui
	 * sets styles inline and draws icons from data: URLs). */
	mhd.add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; style-src 'self' 'unsafe-inline'; "
				"img-src 'self' data:; frame-ancestors 'none'");
	mhd.add_response_header(resp, "X-Content-Type-Options", "nosniff");
	mhd.add_response_header(resp, "Cache-Control", "no-store");
	if (status == 401)
		mhd.add_response_header(resp, "WWW-Authenticate", "Bearer");
	ret = mhd.queue_response(c, (unsigned int)status, resp);
	mhd.destroy_response(resp);
	return ret;
}

static enum MHD_Result api__reply(struct MHD_Connection *c, int status, const char *body,
				  size_t len)
{
	return api__reply_as(c, status, body, len, "application/json");
}

static const char docs_missing[] =
	"<!doctype html><title>whoflow API</title><p>This whoflow was built without swagger-ui-dist: "
	"run <code>make deps</code> (it installs it from npm) and build again. The contract is at "
	"<a href=\"/openapi.json\">/openapi.json</a>.";

/* The UI's files: open to all, as they hold no data. NULL: not one of them. */
static const char *ui__file(const char *url, const char **type)
{
	static const struct {
		const char *url, *type, *body;
	} files[] = {
		{ "/docs", "text/html; charset=utf-8", api_ui_docs_html },
		{ "/docs/init.js", "text/javascript; charset=utf-8", api_ui_docs_js },
		{ "/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8",
		  api_docs_bundle_js },
		{ "/docs/swagger-ui.css", "text/css; charset=utf-8", api_docs_css },
		{ "/", "text/html; charset=utf-8", api_ui_index_html },
		{ "/ui/app.js", "text/javascript; charset=utf-8", api_ui_app_js },
		{ "/ui/style.css", "text/css; charset=utf-8", api_ui_style_css },
		{ "/ui/icon.svg", "image/svg+xml", api_ui_icon_svg },
	};

	if (!api_docs_built && !strncmp(url, "/docs", 5)) {
		*type = "text/html; charset=utf-8";
		return docs_missing;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!strcmp(url, files[i].url)) {
			*type = files[i].type;
			return files[i].body;
		}
	}
	return NULL;
}

/* A rule upload's body is YAML, as large as API_RULE_MAX; any other is a flat JSON object. */
static bool api__raw_body(const char *method, const char *url)
{
	return !strcmp(method, "POST") && !strcmp(url, "/api/rules");
}

/* Waits for a turn to query the store (see API_RUNNING); false: none came in time. */
static bool api__turn(struct api *a)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += API_TURN_S;
	while (sem_timedwait(&a->running, &until))
		if (errno != EINTR)
			return false;
	return true;
}

/* The request's answer from the store: a pooled connection, or one of its own. */
static void api__query(struct api *a, struct api_req *r)
{
	if (__atomic_load_n(&a->npool, __ATOMIC_ACQUIRE)) {
		int slot = -1;

		r->db = pool__take(a, &slot);
		if (!r->db) {
			api__error(r, 503, NULL,
				   "every connection to the store is busy: try again");
			return;
		}
		routes__dispatch(r);
		r->db = NULL;
		pool__give(a, slot);
		return;
	}
	if (sqlite3_open_v2(a->db_path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		api__error(r, 503, NULL, "cannot open the store: %s", sqlite3_errmsg(r->db));
		return;
	}
	sqlite3_busy_timeout(r->db, 5000);
	routes__dispatch(r);
}

static void api__serve(struct api *a, struct MHD_Connection *c, struct conn *st, struct api_req *r)
{
	bool raw = api__raw_body(r->method, r->path);

	if (st->too_big) {
		api__error(r, raw ? 413 : 400, "body", "the body is larger than %d bytes",
			   raw ? API_RULE_MAX : API_BODY_MAX);
		return;
	}
	if (!api__authorized(a, c)) {
		api__error(r, 401, NULL, "a bearer token is needed (Authorization: Bearer TOKEN)");
		return;
	}
	mhd.get_connection_values(c, MHD_GET_ARGUMENT_KIND, api__param, r);
	if (r->status == 400) {
		api__error(r, 400, NULL, "too many parameters");
		return;
	}
	r->db_path = a->db_path;
	r->allow_write = a->allow_write;
	if (raw) {
		st->body[st->len] = '\0';
		r->body = st->body;
		r->body_len = st->len;
	} else if (!strcmp(r->method, "POST") && st->len && body__params(r, st)) {
		api__error(r, 400, "body",
			   "the body is not a flat JSON object of strings and numbers");
		return;
	}
	if (!api__turn(a)) {
		api__error(r, 503, NULL, "the store is busy answering others: try again");
		return;
	}
	api__query(a, r);
	sem_post(&a->running);
}

static enum MHD_Result api__handler(void *cls, struct MHD_Connection *c, const char *url,
				    const char *method, const char *version, const char *upload,
				    size_t *upload_size, void **con_cls)
{
	struct api *a = cls;
	struct conn *st = *con_cls;
	struct api_req r = { .method = method, .path = url, .status = 200 };
	const char *ui, *type;
	enum MHD_Result ret;

	if (!st) {
		/* A connection's thread yields to the ring-buffer readers and the store's
		 * writer: however many clients ask at once, no event waits for them. */
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), API_NICE);
		st = calloc(1, sizeof(*st));
		*con_cls = st;
		return st ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		if (st->len + *upload_size >
		    (api__raw_body(method, url) ? API_RULE_MAX : API_BODY_MAX))
			st->too_big = true;
		else
			memcpy(st->body + st->len, upload, *upload_size), st->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/openapi.json"))
		return api__reply(c, 200, api_openapi_json, strlen(api_openapi_json));
	if (!strcmp(method, "GET") && (ui = ui__file(url, &type)))
		return api__reply_as(c, 200, ui, strlen(ui), type);
	json__init(&r.out);
	if (!strcmp(url, "/health") && strcmp(method, "GET")) {
		api__error(&r, 405, NULL, "%s is not allowed here (GET)", method);
	} else if (!strcmp(url, "/health")) {
		json__obj_open(&r.out, NULL);
		json__str(&r.out, "status", "ok");
		json__i64(&r.out, "schema_version", DB_SCHEMA_VERSION);
		json__obj_close(&r.out);
	} else {
		api__serve(a, c, st, &r);
	}
	sqlite3_close(r.db);
	ret = api__reply(c, r.out.oom ? 500 : r.status, r.out.buf ? r.out.buf : "{}",
			 r.out.buf ? r.out.len : 2);
	json__free(&r.out);
	return ret;
}

static void api__done(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

int api__address(const char *listen, struct sockaddr_storage *ss, unsigned int *flags)
{
	char host[64];
	const char *port = strrchr(listen, ':');
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	long p;

	if (!port || (size_t)(port - listen) >= sizeof(host))
		return -1;
	p = strtol(port + 1, NULL, 10);
	if (p < 1 || p > 65535 || strspn(port + 1, "0123456789") != strlen(port + 1))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(port - listen), listen);
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		host[strlen(host) - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*flags |= MHD_USE_IPv6;
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0 : -1;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)p);
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -1;
}

int api__check_listen(const char *listen)
{
	struct sockaddr_storage ss;
	unsigned int flags = 0;

	return api__address(listen, &ss, &flags);
}

int api__start(struct api **out, const struct api_config *cfg)
{
	struct api *a = calloc(1, sizeof(*a));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	struct sockaddr_storage ss;
	char abs[PATH_MAX];

	if (!a)
		return -1;
	snprintf(a->db_path, sizeof(a->db_path), "%s", cfg->db_path);
	a->allow_write = cfg->allow_write;
	if (api__address(cfg->listen, &ss, &flags)) {
		pr_warn("bad --api '%s': ADDR:PORT or [ADDR6]:PORT, an address and port 1-65535\n",
			cfg->listen);
		free(a);
		return -1;
	}
	if (token__load(cfg->token_file, a->token, sizeof(a->token), abs, sizeof(abs))) {
		free(a);
		return -1;
	}
	db_store__config();
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->freed, NULL);
	sem_init(&a->running, 0, API_RUNNING);
	if (mhd__load() || (cfg->pool && pool__open(a))) {
		for (size_t i = 0; i < a->npool; i++)
			sqlite3_close(a->pool[i]);
		free(a);
		return -1;
	}
	a->d = mhd.start_daemon(flags, 0, NULL, NULL, api__handler, a, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				MHD_OPTION_NOTIFY_COMPLETED, api__done, NULL, MHD_OPTION_END);
	if (!a->d) {
		pr_warn("cannot serve the API on %s: %m (is the port taken?)\n", cfg->listen);
		for (size_t i = 0; i < a->npool; i++)
			sqlite3_close(a->pool[i]);
		free(a);
		return -1;
	}
	pr_say("API on http://%s/ reading %s; its token is in %s\n", cfg->listen, cfg->db_path,
	       abs);
	*out = a;
	return 0;
}

void api__stop(struct api *a)
{
	if (!a)
		return;
	mhd.stop_daemon(a->d);
	for (size_t i = 0; i < a->npool; i++)
		sqlite3_close(a->pool[i]);
	sem_destroy(&a->running);
	free(a);
}
