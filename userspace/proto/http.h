/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_HTTP_H
#define WHOFLOW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An HTTP/1.x request head, from the bytes of the segment that starts it.
 * Strings keep printable ASCII; other bytes become \xNN. On a fault the request
 * is marked malformed and keeps what was parsed before it.
 */
struct http_request {
	char method[16];
	char target[2048]; /* as sent: origin-form "/p?q" or absolute-form "http://h/p" */
	char version[16]; /* "1.1" */
	char host[256]; /* Host header, or the authority of an absolute-form target */
	char user_agent[512];
	char path[2048];
	char query[2048];
	char domain[256]; /* host without port */
	int port; /* from Host, 0 when absent */
	bool has_host, has_user_agent, has_query;
	bool headers_complete; /* the blank line ending the head was in the bytes */
	bool malformed;
	const char *malformed_reason;
};

int http__parse_request(const uint8_t *b, size_t n, struct http_request *r);

#endif
