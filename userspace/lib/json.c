// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

void json__init(struct json *j)
{
	memset(j, 0, sizeof(*j));
}

void json__reset(struct json *j)
{
	j->len = 0;
	j->depth = 0;
	j->need_comma[0] = false;
	j->oom = false;
}

void json__free(struct json *j)
{
	free(j->buf);
	json__init(j);
}

/* Grows the buffer to hold n more bytes (and a NUL), then appends them. */
static void json__grow(struct json *j, const char *s, size_t n)
{
	size_t cap = j->cap ? j->cap : 1024;
	char *b;

	while (cap < j->len + n + 1)
		cap *= 2;
	b = realloc(j->buf, cap);
	if (!b) {
		j->oom = true;
		return;
	}
	j->buf = b;
	j->cap = cap;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

/* Called for every piece of every event: the common case stays inline. */
static inline __attribute__((always_inline)) void json__put(struct json *j, const char *s,
							    size_t n)
{
	if (__builtin_expect(j->len + n + 1 > j->cap, 0)) {
		json__grow(j, s, n);
		return;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static inline __attribute__((always_inline)) void json__putc(struct json *j, char c)
{
	if (__builtin_expect(j->len + 2 > j->cap, 0)) {
		json__grow(j, &c, 1);
		return;
	}
	j->buf[j->len++] = c;
	j->buf[j->len] = '\0';
}

/* Length of the valid UTF-8 sequence at s, or 0 when the bytes are not one. */
static size_t utf8__seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Bytes that go into a JSON string as they are: printable ASCII but '"' and '\\'. A table:
 * one load a byte instead of five comparisons (escaping is the pipeline's largest
 * cost after the store, perf showed). */
static const unsigned char json_plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

void json__escape(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char tmp[8];
	size_t i = 0, l;

	while (i < n) {
		unsigned char c = s[i];
		size_t run = i;

		/* Printable ASCII that needs no escape goes in runs, not byte by byte. */
		while (run < n && json_plain[s[run]])
			run++;
		if (run > i) {
			json__put(j, str + i, run - i);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			json__putc(j, '\\');
			json__putc(j, c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *esc = c == '\n' ? "\\n" :
					  c == '\t' ? "\\t" :
					  c == '\r' ? "\\r" :
						      NULL;

			if (!esc) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				esc = tmp;
			}
			json__put(j, esc, strlen(esc));
			i++;
		} else if ((l = utf8__seq_len(s + i, n - i)) > 0) {
			json__put(j, (const char *)s + i, l);
			i += l;
		} else {
			json__put(j, "\xef\xbf\xbd", 3); /* U+FFFD */
			i++;
		}
	}
}

static void json__key(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		json__putc(j, ',');
	j->need_comma[j->depth] = true;
	if (key) {
		json__putc(j, '"');
		json__escape(j, key, strlen(key));
		json__put(j, "\":", 2);
	}
}

static void json__open(struct json *j, const char *key, char c)
{
	json__key(j, key);
	json__putc(j, c);
	if (j->depth < (int)(sizeof(j->need_comma) - 1))
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void json__close(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	json__putc(j, c);
}

void json__obj_open(struct json *j, const char *key)
{
	json__open(j, key, '{');
}

void json__obj_close(struct json *j)
{
	json__close(j, '}');
}

void json__arr_open(struct json *j, const char *key)
{
	json__open(j, key, '[');
}

void json__arr_close(struct json *j)
{
	json__close(j, ']');
}

void json__strn(struct json *j, const char *key, const char *val, size_t len)
{
	json__key(j, key);
	json__putc(j, '"');
	json__escape(j, val, len);
	json__putc(j, '"');
}

void json__str(struct json *j, const char *key, const char *val)
{
	json__strn(j, key, val ? val : "", val ? strlen(val) : 0);
}

/* Decimal digits of val, written backwards from the end of a 24-byte buffer:
 * every event has a dozen numbers, and snprintf costs more than the rest. */
static void json__digits(struct json *j, uint64_t val, bool neg)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + val % 10);
		val /= 10;
	} while (val);
	if (neg)
		*--p = '-';
	json__put(j, p, (size_t)(tmp + sizeof(tmp) - p));
}

void json__u64(struct json *j, const char *key, uint64_t val)
{
	json__key(j, key);
	json__digits(j, val, false);
}

void json__i64(struct json *j, const char *key, int64_t val)
{
	json__key(j, key);
	/* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
	json__digits(j, val < 0 ? (uint64_t)0 - (uint64_t)val : (uint64_t)val, val < 0);
}

void json__null(struct json *j, const char *key)
{
	json__key(j, key);
	json__put(j, "null", 4);
}

void json__bool(struct json *j, const char *key, bool val)
{
	json__key(j, key);
	json__put(j, val ? "true" : "false", val ? 4 : 5);
}

void json__raw(struct json *j, const char *key, const char *text, size_t len)
{
	json__key(j, key);
	json__put(j, text, len);
}
