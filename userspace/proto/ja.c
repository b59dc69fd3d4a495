// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "digest.h"
#include "ja.h"
#include "tls.h"

/*
 * A string that grows as a fingerprint's lists need (a hello may carry tens of
 * thousands of values); oom once an allocation failed: the result is then not
 * given at all rather than given cut.
 */
struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb__put(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256) + n;
		char *ns = realloc(b->s, cap);

		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb__num(struct sb *b, const char *fmt, unsigned int v)
{
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), fmt, v);

	if (n > 0)
		sb__put(b, tmp, (size_t)n);
}

static char *sb__take(struct sb *b)
{
	if (b->oom) {
		free(b->s);
		return NULL;
	}
	return b->s ? b->s : strdup("");
}

/* Appends the non-GREASE values of a list, joined by sep, in the given format. */
static void sb__list(struct sb *b, const uint16_t *v, size_t n, const char *fmt, char sep)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (tls__is_grease(v[i]))
			continue;
		if (!first)
			sb__put(b, &sep, 1);
		first = false;
		sb__num(b, fmt, v[i]);
	}
}

static void md__hex(enum digest_alg alg, const char *s, size_t n, char *out, size_t hexlen)
{
	unsigned char d[32] = { 0 };

	digest__once(alg, s, n, d);
	hex__encode(d, hexlen / 2, out);
}

char *ja3__compute(const struct tls_client_hello *ch, char md5[33])
{
	struct sb b = {};
	char *s;

	md5[0] = '\0';
	if (ch->ja3_none)
		return NULL;
	sb__num(&b, "%u,", ch->legacy_version);
	sb__list(&b, ch->ciphers.v, ch->ciphers.n, "%u", '-');
	sb__put(&b, ",", 1);
	sb__list(&b, ch->extensions.v, ch->extensions.n, "%u", '-');
	if (ch->has_overrun_ext && !tls__is_grease(ch->overrun_ext)) {
		if (ch->extensions.n)
			sb__put(&b, "-", 1);
		sb__num(&b, "%u", ch->overrun_ext);
	}
	sb__put(&b, ",", 1);
	sb__list(&b, ch->groups.v, ch->groups.n, "%u", '-');
	sb__put(&b, ",", 1);
	for (size_t i = 0; i < ch->npoint_formats; i++)
		sb__num(&b, i ? "-%u" : "%u", ch->point_formats[i]);
	s = sb__take(&b);
	if (s)
		md__hex(DIGEST_MD5, s, strlen(s), md5, 32);
	return s;
}

static const char *ja4__version(const struct tls_client_hello *ch)
{
	uint16_t v = ch->sslv2 ? 0x0002 : ch->legacy_version, best = 0;
	bool has_sv = false;

	for (size_t i = 0; i < ch->extensions.n; i++)
		has_sv |= ch->extensions.v[i] == 43;
	if (has_sv) {
		for (size_t i = 0; i < ch->versions.n; i++)
			if (!tls__is_grease(ch->versions.v[i]) && ch->versions.v[i] > best)
				best = ch->versions.v[i];
		v = best;
	}
	switch (v) {
	case 0x0304:
		return "13";
	case 0x0303:
		return "12";
	case 0x0302:
		return "11";
	case 0x0301:
		return "10";
	case 0x0300:
		return "s3";
	case 0x0002:
		return "s2";
	}
	return "00";
}

static char alpn__char(uint8_t b)
{
	return b < 0x80 ? (char)b : '9';
}

static size_t count__non_grease(const struct tls_u16_list *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += !tls__is_grease(l->v[i]);
	return n > 99 ? 99 : n;
}

static int u16__cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The list sorted, without GREASE (and without SNI and ALPN when drop_sni_alpn), joined. */
static void sb__sorted(struct sb *b, const struct tls_u16_list *l, bool drop_sni_alpn)
{
	uint16_t *sorted = malloc((l->n + 1) * sizeof(*sorted));
	size_t n = 0;

	if (!sorted) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		uint16_t v = l->v[i];

		if (tls__is_grease(v) || (drop_sni_alpn && (v == 0 || v == 16)))
			continue;
		sorted[n++] = v;
	}
	qsort(sorted, n, sizeof(*sorted), u16__cmp);
	sb__list(b, sorted, n, "%04x", ',');
	free(sorted);
}

static void hash12(const char *s, size_t n, char out[13])
{
	if (!n) {
		strcpy(out, "000000000000");
		return;
	}
	md__hex(DIGEST_SHA256, s, n, out, 12);
}

char *ja4__compute(const struct tls_client_hello *ch, char ja4[JA4_MAX])
{
	/* SSLv2: FoxIO's code reads its version and nothing else. */
	static const struct tls_u16_list none;
	const struct tls_u16_list *ciphers = ch->sslv2 ? &none : &ch->ciphers,
				  *exts = ch->sslv2 ? &none : &ch->extensions,
				  *sigs = ch->sslv2 ? &none : &ch->sig_algs;
	struct sb c = {}, e = {}, r = {};
	char first[16], h1[13], h2[13];
	bool sni = false;

	ja4[0] = '\0';
	if (ch->ja4_none)
		return NULL;
	for (size_t i = 0; i < exts->n; i++)
		sni |= exts->v[i] == 0;
	snprintf(first, sizeof(first), "t%s%c%02zu%02zu%c%c", ja4__version(ch), sni ? 'd' : 'i',
		 count__non_grease(ciphers), count__non_grease(exts),
		 !ch->sslv2 && ch->nalpn && ch->alpn0_len ? alpn__char(ch->alpn0_first) : '0',
		 !ch->sslv2 && ch->nalpn && ch->alpn0_len > 1 ? alpn__char(ch->alpn0_last) : '0');
	sb__sorted(&c, ciphers, false);
	sb__sorted(&e, exts, true);
	if (count__non_grease(sigs)) {
		sb__put(&e, "_", 1);
		sb__list(&e, sigs->v, sigs->n, "%04x", ',');
	}
	hash12(c.s ? c.s : "", c.len, h1);
	hash12(e.s ? e.s : "", e.len, h2);
	snprintf(ja4, JA4_MAX, "%s_%s_%s", first, h1, h2);
	sb__put(&r, first, strlen(first));
	sb__put(&r, "_", 1);
	sb__put(&r, c.s ? c.s : "", c.len);
	sb__put(&r, "_", 1);
	sb__put(&r, e.s ? e.s : "", e.len);
	if (c.oom || e.oom)
		r.oom = true;
	free(c.s);
	free(e.s);
	if (r.oom)
		ja4[0] = '\0';
	return sb__take(&r);
}
