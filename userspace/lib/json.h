/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_JSON_H
#define WHOFLOW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A small streaming JSON writer into a growable buffer. Objects and arrays nest;
 * the writer inserts commas itself. Strings are validated as UTF-8: bytes that
 * are not valid UTF-8 become U+FFFD, so every line is valid JSON.
 */
struct json {
	char *buf;
	size_t len, cap;
	int depth;
	bool need_comma[32];
	bool oom;
};

void json__init(struct json *j);
void json__reset(struct json *j);
void json__free(struct json *j);

void json__obj_open(struct json *j, const char *key); /* key NULL inside arrays / at top */
void json__obj_close(struct json *j);
void json__arr_open(struct json *j, const char *key);
void json__arr_close(struct json *j);
void json__str(struct json *j, const char *key, const char *val);
void json__strn(struct json *j, const char *key, const char *val, size_t len);
void json__u64(struct json *j, const char *key, uint64_t val);
void json__i64(struct json *j, const char *key, int64_t val);
void json__bool(struct json *j, const char *key, bool val);
void json__null(struct json *j, const char *key);
/* A value already in JSON (an object the store kept), written as it is. */
void json__raw(struct json *j, const char *key, const char *text, size_t len);

/* Appends s (len bytes) as the body of a JSON string, without quotes. */
void json__escape(struct json *j, const char *s, size_t len);

#endif
