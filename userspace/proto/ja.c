// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "ja.h"
#include "tls.h"

/* Appends the non-GREASE values of a list, joined by sep, in the given format. */
static size_t list__join(const uint16_t *v, size_t n, const char *fmt, char sep, char *out,
			 size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (tls__is_grease(v[i]))
			continue;
		if (len && len + 1 < outsz)
			out[len++] = sep;
		len += snprintf(out + len, len < outsz ? outsz - len : 0, fmt, v[i]);
		if (len >= outsz)
			len = outsz - 1;
	}
	out[len] = '\0';
	return len;
}

void ja3__compute(const struct tls_client_hello *ch, char *str, size_t strsz, char md5[33])
{
	char c[2048], e[1024], g[1024], f[512] = "";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t fl = 0;

	list__join(ch->ciphers.v, ch->ciphers.n, "%u", '-', c, sizeof(c));
	list__join(ch->extensions.v, ch->extensions.n, "%u", '-', e, sizeof(e));
	list__join(ch->groups.v, ch->groups.n, "%u", '-', g, sizeof(g));
	for (size_t i = 0; i < ch->npoint_formats && fl + 5 < sizeof(f); i++)
		fl += snprintf(f + fl, sizeof(f) - fl, "%s%u", i ? "-" : "", ch->point_formats[i]);
	snprintf(str, strsz, "%u,%s,%s,%s,%s", ch->legacy_version, c, e, g, f);
	EVP_Digest(str, strlen(str), md, &mdlen, EVP_md5(), NULL);
	for (unsigned int i = 0; i < mdlen; i++)
		sprintf(md5 + 2 * i, "%02x", md[i]);
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

/* A sorted copy without GREASE (and without SNI and ALPN when drop_sni_alpn). */
static size_t list__sorted(const struct tls_u16_list *l, bool drop_sni_alpn, uint16_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		uint16_t v = l->v[i];

		if (tls__is_grease(v) || (drop_sni_alpn && (v == 0 || v == 16)))
			continue;
		out[n++] = v;
	}
	qsort(out, n, sizeof(*out), u16__cmp);
	return n;
}

static void hash12(const char *s, char out[13])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!*s) {
		strcpy(out, "000000000000");
		return;
	}
	EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL);
	for (int i = 0; i < 6; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

void ja4__compute(const struct tls_client_hello *ch, char ja4[JA4_MAX], char *ja4_r, size_t rsz)
{
	uint16_t sorted[TLS_LIST_MAX];
	char first[16], ciphers[TLS_LIST_MAX * 5 + 1], exts[TLS_LIST_MAX * 10 + 8], h1[13], h2[13];
	bool sni = false;
	size_t n, len;

	for (size_t i = 0; i < ch->extensions.n; i++)
		sni |= ch->extensions.v[i] == 0;
	snprintf(first, sizeof(first), "t%s%c%02zu%02zu%c%c", ja4__version(ch), sni ? 'd' : 'i',
		 count__non_grease(&ch->ciphers), count__non_grease(&ch->extensions),
		 ch->nalpn && ch->alpn0_len ? alpn__char(ch->alpn0_first) : '0',
		 ch->nalpn && ch->alpn0_len > 1 ? alpn__char(ch->alpn0_last) : '0');
	n = list__sorted(&ch->ciphers, false, sorted);
	list__join(sorted, n, "%04x", ',', ciphers, sizeof(ciphers));
	n = list__sorted(&ch->extensions, true, sorted);
	len = list__join(sorted, n, "%04x", ',', exts, sizeof(exts));
	if (count__non_grease(&ch->sig_algs)) {
		exts[len++] = '_';
		list__join(ch->sig_algs.v, ch->sig_algs.n, "%04x", ',', exts + len,
			   sizeof(exts) - len);
	}
	hash12(ciphers, h1);
	hash12(exts, h2);
	snprintf(ja4, JA4_MAX, "%s_%s_%s", first, h1, h2);
	snprintf(ja4_r, rsz, "%s_%s_%s", first, ciphers, exts);
}
