// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "cmdline.h"

size_t cmdline__each(const char *buf, size_t len, void (*fn)(const char *arg, size_t n, void *ctx),
		     void *ctx)
{
	size_t i = 0, count = 0;

	while (i < len) {
		const char *nul = memchr(buf + i, '\0', len - i);
		size_t n = nul ? (size_t)(nul - (buf + i)) : len - i;

		if (fn)
			fn(buf + i, n, ctx);
		count++;
		i += n + 1;
	}
	return count;
}

size_t cmdline__count(const char *buf, size_t len)
{
	return cmdline__each(buf, len, NULL, NULL);
}

/* A bounded appender that keeps counting past the end, as snprintf does. */
struct sbuf {
	char *out;
	size_t size, len;
};

static void sbuf__put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len < b->size) {
		size_t room = b->size - b->len - 1;

		memcpy(b->out + b->len, s, n < room ? n : room);
	}
	b->len += n;
	if (b->size)
		b->out[b->len < b->size ? b->len : b->size - 1] = '\0';
}

static bool byte__is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("_@%+=:,./-", c);
}

/* True when s is valid UTF-8 without control characters, so '...' shows it faithfully. */
static bool word__is_printable(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len = s[i] < 0x80	   ? 1 :
			     (s[i] & 0xe0) == 0xc0 ? 2 :
			     (s[i] & 0xf0) == 0xe0 ? 3 :
			     (s[i] & 0xf8) == 0xf0 ? 4 :
						     0;

		if (len == 0 || i + len > n || (len == 1 && (s[i] < 0x20 || s[i] == 0x7f)))
			return false;
		if (len == 2 && s[i] < 0xc2)
			return false; /* overlong */
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

static void word__quote_ansi(struct sbuf *b, const unsigned char *s, size_t n)
{
	char tmp[8];

	sbuf__put(b, "$'", 2);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\') {
			tmp[0] = '\\';
			tmp[1] = s[i];
			sbuf__put(b, tmp, 2);
		} else if (s[i] < 0x20 || s[i] >= 0x7f) {
			sbuf__put(b, tmp, snprintf(tmp, sizeof(tmp), "\\x%02x", s[i]));
		} else {
			sbuf__put(b, (const char *)s + i, 1);
		}
	}
	sbuf__put(b, "'", 1);
}

static void word__quote(struct sbuf *b, const char *s, size_t n)
{
	bool plain = n > 0;

	for (size_t i = 0; i < n && plain; i++)
		plain = byte__is_plain((unsigned char)s[i]);
	if (plain) {
		sbuf__put(b, s, n);
		return;
	}
	if (!word__is_printable((const unsigned char *)s, n)) {
		word__quote_ansi(b, (const unsigned char *)s, n);
		return;
	}
	sbuf__put(b, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'')
			sbuf__put(b, "'\\''", 4);
		else
			sbuf__put(b, s + i, 1);
	}
	sbuf__put(b, "'", 1);
}

size_t cmdline__quote_word(const char *s, size_t n, char *out, size_t outsz)
{
	struct sbuf b = { out, outsz, 0 };

	if (outsz)
		out[0] = '\0';
	word__quote(&b, s, n);
	return b.len;
}

static void format__one(const char *arg, size_t n, void *ctx)
{
	struct sbuf *b = ctx;

	if (b->len)
		sbuf__put(b, " ", 1);
	word__quote(b, arg, n);
}

size_t cmdline__format(const char *buf, size_t len, char *out, size_t outsz)
{
	struct sbuf b = { out, outsz, 0 };

	if (outsz)
		out[0] = '\0';
	cmdline__each(buf, len, format__one, &b);
	return b.len;
}

char *cmdline__dup(const char *buf, size_t len)
{
	size_t n = cmdline__format(buf, len, NULL, 0);
	char *out = malloc(n + 1);

	if (out)
		cmdline__format(buf, len, out, n + 1);
	return out;
}

/* The arguments joined by single spaces, unquoted, as Sysmon reports a command line. */
char *cmdline__join(const char *buf, size_t len)
{
	char *out = malloc(len + 1);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[n++] = buf[i] ? buf[i] : ' ';
	/* argv's last NUL is a terminator, not a separator. */
	if (n && !buf[len - 1])
		n--;
	out[n] = '\0';
	return out;
}
