// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tls.h"
#include "textesc.h"

struct rd {
	const uint8_t *b;
	size_t n, pos;
};

static bool rd__u8(struct rd *r, uint8_t *v)
{
	if (r->pos + 1 > r->n)
		return false;
	*v = r->b[r->pos++];
	return true;
}

static bool rd__u16(struct rd *r, uint16_t *v)
{
	if (r->pos + 2 > r->n)
		return false;
	*v = (uint16_t)(r->b[r->pos] << 8 | r->b[r->pos + 1]);
	r->pos += 2;
	return true;
}

/* A length-prefixed sub-block (prefix of lenbytes bytes) as its own reader. */
static bool rd__block(struct rd *r, int lenbytes, struct rd *sub)
{
	size_t len = 0;

	for (int i = 0; i < lenbytes; i++) {
		uint8_t b;

		if (!rd__u8(r, &b))
			return false;
		len = len << 8 | b;
	}
	if (r->pos + len > r->n)
		return false;
	sub->b = r->b + r->pos;
	sub->n = len;
	sub->pos = 0;
	r->pos += len;
	return true;
}

/* The first fault names the hello's malformed_reason; later ones only mark it. */
static void ch__fault(struct tls_client_hello *ch, const char *why)
{
	if (!ch->malformed_reason)
		ch->malformed_reason = why;
	ch->malformed = true;
}

static void list__add(struct tls_u16_list *l, uint16_t v)
{
	if (l->cut)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		uint16_t *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv) {
			l->cut = true;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = v;
}

/* Every whole 16-bit value of the block; false when a byte is left over. */
static bool rd__u16_list(struct rd *r, struct tls_u16_list *l)
{
	uint16_t v;

	while (rd__u16(r, &v))
		list__add(l, v);
	return r->pos == r->n;
}

/*
 * A length-prefixed list inside an extension, read as far as the extension
 * holds it (as tshark and ja3.py's parser read it): 1 on a fault (length past
 * the extension, odd length), 2 when not even the length is there, else 0.
 */
static int ext__list(struct rd *e, int lenbytes, struct tls_u16_list *l)
{
	struct rd list;
	size_t len = 0;
	uint8_t b;

	for (int i = 0; i < lenbytes; i++) {
		if (!rd__u8(e, &b))
			return 2;
		len = len << 8 | b;
	}
	list = (struct rd){ e->b + e->pos, len <= e->n - e->pos ? len : e->n - e->pos, 0 };
	e->pos += list.n;
	if (!rd__u16_list(&list, l))
		return 2;
	return len > list.n ? 1 : 0;
}

static void ext__sni(struct rd *e, struct tls_client_hello *ch)
{
	struct rd list, name;
	uint8_t type;

	ch->has_sni = true;
	if (e->n == 0)
		return; /* empty server_name: allowed in ServerHello-like echoes */
	if (!rd__block(e, 2, &list)) {
		ch__fault(ch, "server_name list runs past its extension");
		return;
	}
	while (list.pos < list.n) {
		if (!rd__u8(&list, &type) || !rd__block(&list, 2, &name)) {
			ch__fault(ch, "server_name entry runs past its list");
			return;
		}
		if (type == 0 && !ch->sni[0])
			textesc__ascii(ch->sni, sizeof(ch->sni), name.b, name.n);
	}
}

static void ext__alpn(struct rd *e, struct tls_client_hello *ch)
{
	struct rd list, proto;

	if (!rd__block(e, 2, &list)) {
		ch__fault(ch, "ALPN list runs past its extension");
		return;
	}
	while (list.pos < list.n) {
		if (!rd__block(&list, 1, &proto)) {
			ch__fault(ch, "ALPN protocol runs past its list");
			return;
		}
		if (ch->nalpn == 0) {
			ch->alpn0_len = proto.n;
			ch->alpn0_first = proto.n ? proto.b[0] : 0;
			ch->alpn0_last = proto.n ? proto.b[proto.n - 1] : 0;
		}
		if (ch->nalpn < TLS_ALPN_MAX)
			textesc__ascii(ch->alpn[ch->nalpn++], sizeof(ch->alpn[0]), proto.b,
				       proto.n);
		else
			ch->alpn_cut = true;
	}
}

static void ext__key_share(struct rd *e, struct tls_client_hello *ch)
{
	struct rd list, key;
	uint16_t group;

	if (!rd__block(e, 2, &list)) {
		ch__fault(ch, "key_share list runs past its extension");
		return;
	}
	while (list.pos < list.n) {
		if (!rd__u16(&list, &group) || !rd__block(&list, 2, &key)) {
			ch__fault(ch, "key_share entry runs past its list");
			return;
		}
		list__add(&ch->key_shares, group);
	}
}

static void ext__point_formats(struct rd *e, struct tls_client_hello *ch)
{
	size_t len;
	uint8_t n, f;

	if (!rd__u8(e, &n)) {
		ch__fault(ch, "ec_point_formats is empty");
		ch->ja3_none = true; /* ja3.py's parser fails on it */
		return;
	}
	len = n <= e->n - e->pos ? n : e->n - e->pos;
	if (len < n)
		ch__fault(ch, "ec_point_formats runs past its extension");
	for (size_t i = 0; i < len && rd__u8(e, &f); i++)
		ch->point_formats[ch->npoint_formats++] = f;
}

static void ext__groups(struct rd *e, struct tls_client_hello *ch)
{
	int st = ext__list(e, 2, &ch->groups);

	if (st)
		ch__fault(ch, "supported_groups runs past its extension or has an odd length");
	/* ja3.py reads what is there, and fails on a missing length or an odd one. */
	if (st == 2)
		ch->ja3_none = true;
}

static void ch__extension(uint16_t type, struct rd *e, struct tls_client_hello *ch)
{
	switch (type) {
	case 0:
		ext__sni(e, ch);
		break;
	case 10:
		ext__groups(e, ch);
		break;
	case 11:
		/* Formats of several ec_point_formats extensions would overflow the array. */
		if (!ch->npoint_formats)
			ext__point_formats(e, ch);
		break;
	case 13:
		if (ext__list(e, 2, &ch->sig_algs))
			ch__fault(ch, "signature_algorithms runs past its extension");
		break;
	case 16:
		ext__alpn(e, ch);
		break;
	case 43:
		if (ext__list(e, 1, &ch->versions))
			ch__fault(ch, "supported_versions runs past its extension");
		break;
	case 51:
		ext__key_share(e, ch);
		break;
	}
}

/*
 * The extension list. An extension whose length runs past the list ends it:
 * its type is kept apart (ja3.py counts it, tshark does not) and its content
 * read as far as it goes.
 */
static void ch__extension_list(struct rd *exts, struct tls_client_hello *ch)
{
	while (exts->pos < exts->n) {
		struct rd e;
		uint16_t type, len;

		if (!rd__u16(exts, &type) || !rd__u16(exts, &len)) {
			ch__fault(ch, "extension header runs past the extension list");
			ch->ja3_none = true;
			return;
		}
		e = (struct rd){ exts->b + exts->pos, len, 0 };
		if (len > exts->n - exts->pos) {
			ch__fault(ch, "extension runs past the extension list");
			e.n = exts->n - exts->pos;
			ch->has_overrun_ext = true;
			ch->overrun_ext = type;
			ch__extension(type, &e, ch);
			return;
		}
		exts->pos += len;
		list__add(&ch->extensions, type);
		ch__extension(type, &e, ch);
	}
}

static void ch__extensions(struct rd *r, struct tls_client_hello *ch)
{
	size_t rest = r->n - r->pos;
	struct rd exts;

	if (rest == 0)
		return; /* no extensions at all: a valid (old) hello */
	if (!rd__block(r, 2, &exts)) {
		ch__fault(ch, "extensions run past the hello");
		/* ja3.py's parser looks at extensions only when 6 bytes are left. */
		ch->ja3_none = rest >= 6;
		return;
	}
	ch__extension_list(&exts, ch);
}

static void ch__body(struct rd *r, struct tls_client_hello *ch)
{
	struct rd sid, ciphers, comp;
	uint8_t c;

	if (!rd__u16(r, &ch->legacy_version) || r->pos + 32 > r->n) {
		ch__fault(ch, "hello shorter than its fixed fields");
		ch->ja3_none = ch->ja4_none = true;
		return;
	}
	r->pos += 32; /* random */
	if (!rd__block(r, 1, &sid)) {
		ch__fault(ch, "session id runs past the hello");
		ch->ja3_none = ch->ja4_none = true;
		return;
	}
	if (sid.n > 32) {
		/* tshark stops here (JA4 from nothing: none); ja3.py reads on. */
		ch__fault(ch, "session id longer than 32 bytes");
		ch->ja4_none = true;
	}
	if (!rd__block(r, 2, &ciphers)) {
		ch__fault(ch, "cipher suites run past the hello");
		ch->ja3_none = ch->ja4_none = true;
		return;
	}
	/* An odd length: tshark reads the whole suites (JA4 counts them), ja3.py fails. */
	if (!rd__u16_list(&ciphers, &ch->ciphers)) {
		ch__fault(ch, "cipher suites have an odd length");
		ch->ja3_none = true;
	}
	if (r->pos == r->n) {
		ch__fault(ch, "compression methods missing");
		ch->ja3_none = true;
		return;
	}
	/* Past the hello: both references stop, with the suites they read. */
	if (!rd__block(r, 1, &comp)) {
		ch__fault(ch, "compression methods run past the hello");
		return;
	}
	while (rd__u8(&comp, &c))
		ch->compression[ch->ncompression++] = c;
	ch__extensions(r, ch);
}

void tls__client_hello_free(struct tls_client_hello *ch)
{
	struct tls_u16_list *lists[] = { &ch->ciphers, &ch->extensions, &ch->groups,
					 &ch->sig_algs, &ch->versions, &ch->key_shares };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		free(lists[i]->v);
	free(ch->sslv2_specs);
	memset(ch, 0, sizeof(*ch));
}

int tls__client_hello(const uint8_t *b, size_t n, struct tls_client_hello *ch)
{
	struct rd r = { b, n, 0 };

	memset(ch, 0, sizeof(*ch));
	ch__body(&r, ch);
	return ch->malformed ? -1 : 0;
}

/*
 * SSLv2 CLIENT-HELLO (RFC 6101 appendix E.2): 2-byte length with the top bit
 * set, type 1, version, then lengths of the 3-byte cipher specs, session id and
 * challenge. The specs are kept as sent; those of the V3 form (0x00XXXX) are
 * TLS suites and are listed as ciphers too. Neither reference fingerprints
 * them (ja3.py reads TLS records only; FoxIO's code sees no suites).
 */
int tls__sslv2_client_hello(const uint8_t *b, size_t n, struct tls_client_hello *ch)
{
	struct rd r = { b, n, 0 };
	uint16_t len, cs_len, sid_len, chal_len;
	uint8_t type;

	memset(ch, 0, sizeof(*ch));
	ch->sslv2 = true;
	ch->ja3_none = true;
	if (!rd__u16(&r, &len) || !(len & 0x8000) || !rd__u8(&r, &type) || type != 1 ||
	    !rd__u16(&r, &ch->legacy_version) || !rd__u16(&r, &cs_len) || !rd__u16(&r, &sid_len) ||
	    !rd__u16(&r, &chal_len) || cs_len % 3 || r.pos + cs_len > r.n) {
		ch->malformed = true;
		ch->malformed_reason = "not a complete SSLv2 client hello";
		ch->ja4_none = true;
		return -1;
	}
	ch->sslv2_specs = malloc((cs_len / 3 + 1) * sizeof(*ch->sslv2_specs));
	for (size_t i = 0; i < cs_len; i += 3) {
		const uint8_t *s = b + r.pos + i;

		if (ch->sslv2_specs)
			ch->sslv2_specs[ch->nsslv2_specs++] =
				(uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
		if (!s[0])
			list__add(&ch->ciphers, (uint16_t)(s[1] << 8 | s[2]));
	}
	return 0;
}

static const char *sh__extensions(struct rd *r, struct tls_server_hello *sh)
{
	struct rd exts, e, list, proto;
	uint16_t type;

	if (r->pos == r->n)
		return NULL;
	if (!rd__block(r, 2, &exts))
		return "extensions run past the hello";
	while (exts.pos < exts.n) {
		if (!rd__u16(&exts, &type) || !rd__block(&exts, 2, &e))
			return "extension runs past the extension list";
		if (type == 43 && !rd__u16(&e, &sh->selected_version))
			return "supported_versions runs past its extension";
		if (type == 16) {
			if (!rd__block(&e, 2, &list) || !rd__block(&list, 1, &proto))
				return "ALPN runs past its extension";
			textesc__ascii(sh->alpn, sizeof(sh->alpn), proto.b, proto.n);
		}
	}
	return NULL;
}

int tls__server_hello(const uint8_t *b, size_t n, struct tls_server_hello *sh)
{
	/* SHA-256("HelloRetryRequest"), the random of every HelloRetryRequest. */
	static const uint8_t hrr[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11,
					 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
					 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
					 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };
	struct rd r = { b, n, 0 }, sid;
	uint8_t comp;

	memset(sh, 0, sizeof(*sh));
	if (!rd__u16(&r, &sh->legacy_version) || r.pos + 32 > r.n)
		sh->malformed_reason = "hello shorter than its fixed fields";
	else if ((sh->hello_retry = !memcmp(b + r.pos, hrr, 32)), r.pos += 32,
		 !rd__block(&r, 1, &sid))
		sh->malformed_reason = "session id runs past the hello";
	else if (!rd__u16(&r, &sh->cipher) || !rd__u8(&r, &comp))
		sh->malformed_reason = "cipher suite runs past the hello";
	else
		sh->malformed_reason = sh__extensions(&r, sh);
	sh->malformed = sh->malformed_reason != NULL;
	return sh->malformed ? -1 : 0;
}

/* Handshake bytes gathered across records, at most this many. */
#define TLS_HS_MAX 65536

long tls__walk_handshakes(const uint8_t *s, size_t n, uint8_t type,
			  void (*fn)(const uint8_t *body, size_t len, void *ctx), void *ctx,
			  bool *more_wanted)
{
	static uint8_t hs[TLS_HS_MAX];
	size_t pos = 0, hs_len = 0, used = 0;

	*more_wanted = false;
	if (n < 1 || (s[0] != 22 && s[0] != 20))
		return -1;
	while (pos + 5 <= n) {
		size_t rec_len = (size_t)(s[pos + 3] << 8 | s[pos + 4]);

		if (s[pos + 1] != 3 || (s[pos] != 22 && s[pos] != 20))
			return (long)
				pos; /* application data or alert: the handshake part is over */
		if (pos + 5 + rec_len > n) {
			*more_wanted = true;
			return (long)pos;
		}
		if (s[pos] == 22 && hs_len + rec_len <= sizeof(hs)) {
			memcpy(hs + hs_len, s + pos + 5, rec_len);
			hs_len += rec_len;
		}
		pos += 5 + rec_len;
		/* Hand out every complete message gathered so far. */
		while (used + 4 <= hs_len) {
			size_t mlen = (size_t)hs[used + 1] << 16 | hs[used + 2] << 8 | hs[used + 3];

			if (used + 4 + mlen > hs_len)
				break;
			if (hs[used] == type)
				fn(hs + used + 4, mlen, ctx);
			used += 4 + mlen;
		}
	}
	*more_wanted = used < hs_len || pos < n;
	return (long)pos;
}

const char *tls__version_name(uint16_t v, char *buf, size_t n)
{
	switch (v) {
	case 0x0304:
		return "TLS 1.3";
	case 0x0303:
		return "TLS 1.2";
	case 0x0302:
		return "TLS 1.1";
	case 0x0301:
		return "TLS 1.0";
	case 0x0300:
		return "SSL 3.0";
	case 0x0002:
		return "SSL 2.0";
	}
	snprintf(buf, n, "0x%04x", v);
	return buf;
}

struct tls_code_name {
	uint16_t v;
	const char *name;
};

/* A registry's name for v; GREASE values, and those it lacks, by number. */
static const char *tls__code_name(const struct tls_code_name *names, size_t count, uint16_t v,
				  char *buf, size_t n)
{
	if (tls__is_grease(v)) {
		snprintf(buf, n, "GREASE_0x%04x", v);
		return buf;
	}
	for (size_t i = 0; i < count; i++)
		if (names[i].v == v)
			return names[i].name;
	snprintf(buf, n, "0x%04x", v);
	return buf;
}

const char *tls__cipher_name(uint16_t v, char *buf, size_t n)
{
	static const struct tls_code_name names[] = {
		{ 0x1301, "TLS_AES_128_GCM_SHA256" },
		{ 0x1302, "TLS_AES_256_GCM_SHA384" },
		{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
		{ 0x1304, "TLS_AES_128_CCM_SHA256" },
		{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
		{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
		{ 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
		{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
		{ 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
		{ 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
		{ 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
		{ 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
		{ 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
		{ 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
		{ 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
		{ 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
		{ 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
		{ 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
		{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
		{ 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
		{ 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
		{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
		{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
		{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
		{ 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
		{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
		{ 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
		{ 0x5600, "TLS_FALLBACK_SCSV" },
	};

	return tls__code_name(names, sizeof(names) / sizeof(names[0]), v, buf, n);
}

const char *tls__group_name(uint16_t v, char *buf, size_t n)
{
	static const struct tls_code_name names[] = {
		{ 23, "secp256r1" },	     { 24, "secp384r1" },	{ 25, "secp521r1" },
		{ 29, "x25519" },	     { 30, "x448" },		{ 256, "ffdhe2048" },
		{ 257, "ffdhe3072" },	     { 258, "ffdhe4096" },	{ 259, "ffdhe6144" },
		{ 260, "ffdhe8192" },	     { 0x11eb, "SecP256r1MLKEM768" },
		{ 0x11ec, "X25519MLKEM768" }, { 0x6399, "X25519Kyber768Draft00" },
	};

	return tls__code_name(names, sizeof(names) / sizeof(names[0]), v, buf, n);
}
