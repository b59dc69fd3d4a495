// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Docker Engine API over its unix socket (Docker, and Podman's compatible
 * service), with libcurl: GET /containers/{id}/json for a container first
 * seen, GET /events for what happens next. libcurl is loaded when a runtime
 * socket is in use (lib/dynlib.c), so a host without one does not map it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* Calls go through pointers: libcurl's type-checking macros cannot wrap them. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include "ctr_json.h"
#include "ctr_source.h"
#include "dynlib.h"
#include "log.h"

#define API_BODY_MAX (1u << 20) /* an inspect answer is a few KiB */
#define API_LINE_MAX (64u << 10)
#define API_TIMEOUT_MS 2000 /* a slow runtime: counted unreachable, asked again later */
#define API_RETRY_MS 2000

static struct {
	__typeof__(curl_global_init) *curl_global_init;
	__typeof__(curl_easy_init) *curl_easy_init;
	__typeof__(curl_easy_setopt) *curl_easy_setopt;
	__typeof__(curl_easy_perform) *curl_easy_perform;
	__typeof__(curl_easy_getinfo) *curl_easy_getinfo;
	__typeof__(curl_easy_cleanup) *curl_easy_cleanup;
	__typeof__(curl_easy_strerror) *curl_easy_strerror;
} c;

static int curl__load(void)
{
	static void *lib;
	static int rc = 1;
	static const struct dynlib_call calls[] = {
		DYNLIB_CALL(c, curl_global_init),  DYNLIB_CALL(c, curl_easy_init),
		DYNLIB_CALL(c, curl_easy_setopt),  DYNLIB_CALL(c, curl_easy_perform),
		DYNLIB_CALL(c, curl_easy_getinfo), DYNLIB_CALL(c, curl_easy_cleanup),
		DYNLIB_CALL(c, curl_easy_strerror),
	};

	if (rc != 1)
		return rc;
	rc = dynlib__load(&lib, "libcurl.so.4", "libcurl4", NULL, calls,
			  sizeof(calls) / sizeof(calls[0]));
	if (!rc && c.curl_global_init(CURL_GLOBAL_NOTHING))
		rc = -1;
	return rc;
}

struct body {
	char *buf;
	size_t len;
	bool too_big;
};

static size_t body__write(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *nb;

	if (b->len + add > API_BODY_MAX) {
		b->too_big = true;
		return 0;
	}
	nb = realloc(b->buf, b->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, data, add);
	b->buf = nb;
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

static CURL *api__handle(const struct ctr_source *s, const char *url)
{
	CURL *h = c.curl_easy_init();

	if (!h)
		return NULL;
	c.curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, s->path);
	c.curl_easy_setopt(h, CURLOPT_URL, url);
	c.curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	c.curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 500L);
	/* Only the local socket: never a redirect, never a proxy from the environment. */
	c.curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	c.curl_easy_setopt(h, CURLOPT_PROXY, "");
	return h;
}

static enum ctr_lookup api__lookup(struct ctr_source *s, const char *id, struct ctr_meta *out)
{
	struct body b = { 0 };
	char url[256];
	long status = 0;
	enum ctr_lookup rc;
	CURL *h;
	CURLcode err;

	/* Runtimes' ids are hex: nothing else goes into the URL. */
	if (!*id || strspn(id, "0123456789abcdefABCDEF") != strlen(id) || strlen(id) > 128)
		return CTR_NOT_FOUND;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	if (!(h = api__handle(s, url)))
		return CTR_UNREACHABLE;
	c.curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)API_TIMEOUT_MS);
	c.curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body__write);
	c.curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	err = c.curl_easy_perform(h);
	if (err == CURLE_OK)
		c.curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	c.curl_easy_cleanup(h);
	if (b.too_big)
		rc = CTR_GARBAGE;
	else if (err != CURLE_OK)
		rc = CTR_UNREACHABLE;
	else if (status == 404)
		rc = CTR_NOT_FOUND;
	else if (status != 200)
		rc = CTR_UNREACHABLE;
	else
		rc = ctr_json__inspect(b.buf ? b.buf : "", b.len, s->allow, out) == CTR_JSON_OK ?
			     CTR_FOUND :
			     CTR_GARBAGE;
	if (rc == CTR_FOUND)
		out->source = s->name;
	free(b.buf);
	return rc;
}

int ctr_api__init(struct ctr_source *s, const char *name, const char *path,
		  const struct ctr_allow *allow)
{
	if (curl__load())
		return 1;
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->path = path;
	s->allow = allow;
	s->lookup = api__lookup;
	return 0;
}

/* The event stream: lines of JSON, cut anywhere by the transfer. */
struct stream {
	struct ctr_source *s;
	atomic_bool *stop;
	void (*emit)(const struct ctr_meta *m);
	void (*garbage)(void);
	char line[API_LINE_MAX];
	size_t len;
	bool overlong; /* the current line passed API_LINE_MAX: dropped whole */
};

static void stream__line(struct stream *st)
{
	struct ctr_meta m;
	int rc;

	if (!st->len)
		return;
	rc = ctr_json__event(st->line, st->len, st->s->allow, &m);
	if (rc == CTR_JSON_OK) {
		m.source = st->s->name;
		st->emit(&m);
	} else if (rc == CTR_JSON_BAD) {
		st->garbage();
	}
}

static size_t stream__write(char *data, size_t size, size_t n, void *arg)
{
	struct stream *st = arg;
	size_t total = size * n;

	for (size_t i = 0; i < total; i++) {
		if (data[i] == '\n') {
			if (st->overlong)
				st->garbage();
			else
				stream__line(st);
			st->len = 0;
			st->overlong = false;
		} else if (st->len < sizeof(st->line)) {
			st->line[st->len++] = data[i];
		} else {
			st->overlong = true;
		}
	}
	return total;
}

/* Called by libcurl at least once a second, also when nothing comes: leaves on stop. */
static int stream__progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d)
{
	struct stream *st = arg;

	return atomic_load(st->stop) ? 1 : 0;
}

static void sleep__ms(atomic_bool *stop, unsigned int ms)
{
	struct timespec ts = { 0, 50 * 1000000 };

	for (unsigned int t = 0; t < ms && !atomic_load(stop); t += 50)
		nanosleep(&ts, NULL);
}

void ctr_api__watch(struct ctr_source *s, atomic_bool *stop,
		    void (*emit)(const struct ctr_meta *m), void (*garbage)(void))
{
	/* filters={"type":["container"]} */
	static const char url[] =
		"http://localhost/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D";
	struct stream *st = calloc(1, sizeof(*st));
	bool said = false;

	if (!st)
		return;
	st->s = s;
	st->stop = stop;
	st->emit = emit;
	st->garbage = garbage;
	while (!atomic_load(stop)) {
		CURL *h = api__handle(s, url);
		CURLcode err;

		if (!h)
			break;
		st->len = 0;
		st->overlong = false;
		c.curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, stream__write);
		c.curl_easy_setopt(h, CURLOPT_WRITEDATA, st);
		c.curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		c.curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stream__progress);
		c.curl_easy_setopt(h, CURLOPT_XFERINFODATA, st);
		err = c.curl_easy_perform(h);
		c.curl_easy_cleanup(h);
		if (atomic_load(stop))
			break;
		if (!said)
			pr_info("%s events at %s: %s; trying again every %u ms\n", s->name,
				s->path, c.curl_easy_strerror(err), API_RETRY_MS);
		said = true;
		sleep__ms(stop, API_RETRY_MS);
	}
	free(st);
}
