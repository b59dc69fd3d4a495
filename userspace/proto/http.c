// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http.h"
#include "textesc.h"

/* Length of the line at b (without CRLF or LF); -1 when no line end is in n bytes. */
static long line__len(const uint8_t *b, size_t n)
{
	const uint8_t *lf = memchr(b, '\n', n);

	if (!lf)
		return -1;
	return (long)(lf - b) - (lf > b && lf[-1] == '\r');
}

static const char *http__request_line(const uint8_t *b, size_t len, struct http_request *r)
{
	const uint8_t *sp1 = memchr(b, ' ', len), *sp2;

	if (!sp1 || sp1 == b || (size_t)(sp1 - b) >= sizeof(r->method))
		return "bad request method";
	textesc__ascii(r->method, sizeof(r->method), b, sp1 - b);
	sp2 = memchr(sp1 + 1, ' ', len - (sp1 + 1 - b));
	if (!sp2 || sp2 == sp1 + 1)
		return "bad request target";
	textesc__ascii(r->target, sizeof(r->target), sp1 + 1, sp2 - sp1 - 1);
	if (len - (sp2 + 1 - b) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return "not an HTTP/1.x request line";
	textesc__ascii(r->version, sizeof(r->version), sp2 + 6, 3);
	return NULL;
}

static void value__trim(const uint8_t **v, size_t *n)
{
	while (*n && (**v == ' ' || **v == '\t'))
		(*v)++, (*n)--;
	while (*n && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

static const char *http__header(const uint8_t *b, size_t len, struct http_request *r)
{
	const uint8_t *colon = memchr(b, ':', len), *v;
	size_t name_len, n;

	if (!colon || colon == b)
		return "header line without a name";
	name_len = colon - b;
	v = colon + 1;
	n = len - name_len - 1;
	value__trim(&v, &n);
	if (name_len == 4 && !strncasecmp((const char *)b, "host", 4) && !r->has_host) {
		textesc__ascii(r->host, sizeof(r->host), v, n);
		r->has_host = true;
	} else if (name_len == 10 && !strncasecmp((const char *)b, "user-agent", 10)) {
		textesc__ascii(r->user_agent, sizeof(r->user_agent), v, n);
		r->has_user_agent = true;
	}
	return NULL;
}

/* "host:port", "[v6]:port" or "host": the domain and port of url.* */
static void http__authority(struct http_request *r)
{
	char *h = r->host, *end;

	if (h[0] == '[') {
		end = strchr(h, ']');
		if (!end)
			return;
		snprintf(r->domain, sizeof(r->domain), "%.*s", (int)(end - h - 1), h + 1);
		if (end[1] == ':')
			r->port = atoi(end + 2);
		return;
	}
	end = strrchr(h, ':');
	snprintf(r->domain, sizeof(r->domain), "%.*s", end ? (int)(end - h) : (int)strlen(h), h);
	if (end)
		r->port = atoi(end + 1);
}

/* Path and query from the target; an absolute-form target also names the host. */
static void http__target(struct http_request *r)
{
	char *t = r->target, *q;

	/* CONNECT names host:port (authority form), no path: a tunnel's far end. */
	if (!strcmp(r->method, "CONNECT")) {
		if (!r->has_host) {
			snprintf(r->host, sizeof(r->host), "%.*s", (int)sizeof(r->host) - 1, t);
			r->has_host = true;
		}
		return;
	}
	if (!strncasecmp(t, "http://", 7) || !strncasecmp(t, "https://", 8)) {
		char *auth = strstr(t, "//") + 2, *slash = strchr(auth, '/');

		if (!r->has_host) {
			snprintf(r->host, sizeof(r->host), "%.*s",
				 slash ? (int)(slash - auth) : (int)strlen(auth), auth);
			r->has_host = true;
		}
		t = slash ? slash : (char *)"/";
	}
	q = strchr(t, '?');
	snprintf(r->path, sizeof(r->path), "%.*s", q ? (int)(q - t) : (int)strlen(t), t);
	if (q) {
		snprintf(r->query, sizeof(r->query), "%s", q + 1);
		r->has_query = true;
	}
}

int http__parse_request(const uint8_t *b, size_t n, struct http_request *r)
{
	size_t pos = 0;
	long len = line__len(b, n);

	memset(r, 0, sizeof(*r));
	r->malformed_reason = len < 0 ? "request line incomplete" : http__request_line(b, len, r);
	if (r->malformed_reason) {
		r->malformed = true;
		return -1;
	}
	pos = (size_t)len + 1 + (len >= 0 && b[len] == '\r');
	while (pos < n && (len = line__len(b + pos, n - pos)) >= 0) {
		if (len == 0) {
			r->headers_complete = true;
			break;
		}
		r->malformed_reason = http__header(b + pos, len, r);
		if (r->malformed_reason)
			break;
		pos += (size_t)len + 1 + (b[pos + len] == '\r');
	}
	http__target(r);
	if (r->has_host)
		http__authority(r);
	r->malformed = r->malformed_reason != NULL;
	return r->malformed ? -1 : 0;
}
