// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sigma values and their modifiers, compiled to matchers: wildcard strings
 * (case-insensitive unless |cased), regular expressions (pcre2, JIT when it
 * can), CIDR prefixes, numeric comparisons, existence, field references. The
 * transforming modifiers (windash, utf16*, wide, base64, base64offset,
 * contains, startswith, endswith) apply in the order the rule writes them, as
 * the Sigma specification says.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sigma_int.h"

/* A string being built: bytes, and per byte 0 (literal) or a wildcard ('*', '?'). */
struct sstr {
	uint8_t *b, *w;
	size_t n;
	bool cased; /* made by an encoding: bytes compare exactly */
};

#define SSTR_MAX 625 /* windash of four dashes: 5^4 variants */

struct slist {
	struct sstr s[SSTR_MAX];
	size_t n;
};

static bool sstr__put(struct sstr *s, uint8_t b, uint8_t w)
{
	uint8_t *nb = realloc(s->b, s->n + 1), *nw;

	if (!nb)
		return false;
	s->b = nb;
	nw = realloc(s->w, s->n + 1);
	if (!nw)
		return false;
	s->w = nw;
	s->b[s->n] = b;
	s->w[s->n++] = w;
	return true;
}

static void sstr__free(struct sstr *s)
{
	free(s->b);
	free(s->w);
	*s = (struct sstr){ 0 };
}

static void slist__free(struct slist *l)
{
	for (size_t i = 0; i < l->n; i++)
		sstr__free(&l->s[i]);
	l->n = 0;
}

/*
 * A rule's string: * and ? are wildcards; a backslash makes the wildcard or
 * backslash after it plain, and is itself plain before anything else (the
 * specification's escaping rules).
 */
static bool sstr__parse(const char *v, struct sstr *s)
{
	for (size_t i = 0; v[i]; i++) {
		uint8_t c = (uint8_t)v[i];
		bool ok;

		if (c == '\\' && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\'))
			ok = sstr__put(s, (uint8_t)v[++i], 0);
		else if (c == '*' || c == '?')
			ok = sstr__put(s, c, c);
		else
			ok = sstr__put(s, c, 0);
		if (!ok)
			return false;
	}
	return true;
}

static bool sstr__has_wild(const struct sstr *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->w[i])
			return true;
	return false;
}

/* contains, startswith, endswith: wildcards at the ends that lack one. */
static bool sstr__wrap(struct sstr *s, bool front, bool back)
{
	if (front && !(s->n && s->w[0] == '*')) {
		if (!sstr__put(s, '*', '*'))
			return false;
		memmove(s->b + 1, s->b, s->n - 1);
		memmove(s->w + 1, s->w, s->n - 1);
		s->b[0] = s->w[0] = '*';
	}
	if (back && !(s->n && s->w[s->n - 1] == '*'))
		return sstr__put(s, '*', '*');
	return true;
}

static bool is_word(const struct sstr *s, size_t i)
{
	return i < s->n && !s->w[i] && (isalnum(s->b[i]) || s->b[i] == '_');
}

/* windash: each dash or slash that starts a flag (after a non-word character, before a word
 * character) in all five spellings: -, /, en dash, em dash, horizontal bar. */
static const char *sstr__windash(const struct sstr *in, struct slist *out)
{
	static const char *const dash[] = { "-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95" };
	size_t pos[8], k = 0, total = 1;

	for (size_t i = 0; i < in->n; i++) {
		if (in->w[i] || (in->b[i] != '-' && in->b[i] != '/'))
			continue;
		if ((i > 0 && is_word(in, i - 1)) || !is_word(in, i + 1))
			continue;
		if (k == 4)
			return "windash on more than four flags (625 variants) is not supported";
		pos[k++] = i;
	}
	for (size_t i = 0; i < k; i++)
		total *= 5;
	if (out->n + total > SSTR_MAX)
		return "the values expand to more than 625 strings";
	for (size_t v = 0; v < total; v++) {
		struct sstr *s = &out->s[out->n++];
		size_t code = v, p = 0;

		for (size_t i = 0; i < in->n; i++) {
			if (p < k && pos[p] == i) {
				const char *d = dash[code % 5];

				code /= 5;
				p++;
				for (; *d; d++)
					if (!sstr__put(s, (uint8_t)*d, 0))
						return "out of memory";
				continue;
			}
			if (!sstr__put(s, in->b[i], in->w[i]))
				return "out of memory";
		}
	}
	return NULL;
}

/* The next code point of UTF-8 text (an invalid byte stands for itself). */
static uint32_t utf8__next(const uint8_t *b, size_t n, size_t *i)
{
	uint8_t c = b[*i];
	int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	uint32_t cp = more == 3 ? c & 7 : more == 2 ? c & 15 : more == 1 ? c & 31 : c;

	if (more && *i + (size_t)more >= n) { /* cut short: the byte stands for itself */
		(*i)++;
		return c;
	}
	for (int k = 1; k <= more; k++)
		cp = cp << 6 | (b[*i + k] & 0x3f);
	*i += 1 + (size_t)more;
	return cp;
}

static bool utf16__put(struct sstr *o, uint16_t u, bool be)
{
	return sstr__put(o, be ? u >> 8 : u & 0xff, 0) && sstr__put(o, be ? u & 0xff : u >> 8, 0);
}

/* utf16le, utf16be, utf16 (with a byte order mark), wide: plain strings only. */
static const char *sstr__utf16(struct sstr *s, bool be, bool bom)
{
	struct sstr o = { 0 };

	if (sstr__has_wild(s))
		return "UTF-16 encoding of a value with wildcards is not supported";
	if (bom && !utf16__put(&o, 0xfeff, be))
		return "out of memory";
	for (size_t i = 0; i < s->n;) {
		uint32_t cp = utf8__next(s->b, s->n, &i);
		bool ok = cp < 0x10000 ? utf16__put(&o, (uint16_t)cp, be) :
					 utf16__put(&o, (uint16_t)(0xd800 + ((cp - 0x10000) >> 10)), be) &&
					 utf16__put(&o, (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff)), be);

		if (!ok) {
			sstr__free(&o);
			return "out of memory";
		}
	}
	sstr__free(s);
	*s = o;
	return NULL;
}

static size_t b64__encode(const uint8_t *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);

		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static bool sstr__from(struct sstr *s, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!sstr__put(s, (uint8_t)b[i], 0))
			return false;
	s->cased = true;
	return true;
}

/*
 * base64 (the value encoded), base64offset (the three encodings of the value at
 * offsets 0, 1 and 2 of a longer text, cut to the characters that do not
 * depend on its neighbours, as pySigma cuts them).
 */
static const char *sstr__base64(const struct sstr *in, bool offset, struct slist *out)
{
	static const int start[] = { 0, 2, 3 }, end[] = { 0, -3, -2 };
	size_t n = in->n;
	uint8_t *buf = malloc(n + 3);
	char *enc = malloc((n + 3) / 3 * 4 + 8);
	const char *err = NULL;

	if (sstr__has_wild(in))
		err = "base64 of a value with wildcards is not possible";
	else if (!buf || !enc)
		err = "out of memory";
	for (int i = 0; !err && i < (offset ? 3 : 1); i++) {
		size_t len;
		int e;

		memset(buf, ' ', (size_t)i);
		memcpy(buf + i, in->b, n);
		len = b64__encode(buf, n + (size_t)i, enc);
		e = offset ? end[(n + (size_t)i) % 3] : 0;
		if (out->n == SSTR_MAX)
			err = "the values expand to more than 625 strings";
		else if ((long)len + e - start[offset ? i : 0] > 0 &&
			 !sstr__from(&out->s[out->n++], enc + start[offset ? i : 0],
				     len + (size_t)(long)e - (size_t)start[offset ? i : 0]))
			err = "out of memory";
	}
	free(buf);
	free(enc);
	return err;
}

/* Applies one transforming modifier to every string of l. */
static const char *slist__apply(struct slist *l, const char *mod)
{
	struct slist *next;
	const char *err = NULL;
	bool wd = !strcmp(mod, "windash"), b64 = !strcmp(mod, "base64"),
	     b64o = !strcmp(mod, "base64offset");

	if (!strcmp(mod, "contains") || !strcmp(mod, "startswith") || !strcmp(mod, "endswith")) {
		for (size_t i = 0; i < l->n; i++)
			if (!sstr__wrap(&l->s[i], mod[0] != 's', mod[0] != 'e'))
				return "out of memory";
		return NULL;
	}
	if (!strcmp(mod, "utf16le") || !strcmp(mod, "wide") || !strcmp(mod, "utf16be") ||
	    !strcmp(mod, "utf16")) {
		for (size_t i = 0; !err && i < l->n; i++)
			err = sstr__utf16(&l->s[i], !strcmp(mod, "utf16be"), !strcmp(mod, "utf16"));
		return err;
	}
	if (!wd && !b64 && !b64o)
		return NULL;
	next = calloc(1, sizeof(*next));
	if (!next)
		return "out of memory";
	for (size_t i = 0; !err && i < l->n; i++)
		err = wd ? sstr__windash(&l->s[i], next) : sstr__base64(&l->s[i], b64o, next);
	slist__free(l);
	*l = *next;
	free(next);
	return err;
}

static bool mod__is(const struct sv_mods *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->names[i], name))
			return true;
	return false;
}

/* The string as a compiled wildcard value (pattern lowercased unless cased). */
static bool sv__glob(struct sv *v, struct sstr *s, bool cased)
{
	size_t stars = 0, q = 0;

	v->kind = SV_GLOB;
	v->cased = cased || s->cased;
	v->pat = s->b;
	v->wild = s->w;
	v->n = s->n;
	*s = (struct sstr){ 0 };
	if (!v->pat && !(v->pat = calloc(1, 1)))
		return false;
	for (size_t i = 0; i < v->n; i++) {
		stars += v->wild && v->wild[i] == '*';
		q += v->wild && v->wild[i] == '?';
		if (!v->cased && v->wild && !v->wild[i])
			v->pat[i] = v->pat[i] >= 'A' && v->pat[i] <= 'Z' ? v->pat[i] + 32 : v->pat[i];
	}
	v->shape = SV_GENERAL;
	v->lit_off = 0;
	v->lit_len = v->n;
	if (q)
		return true;
	if (!stars)
		v->shape = SV_EXACT;
	else if (stars == 1 && v->wild[v->n - 1] == '*')
		v->shape = SV_PREFIX, v->lit_len = v->n - 1;
	else if (stars == 1 && v->wild[0] == '*')
		v->shape = SV_SUFFIX, v->lit_off = 1, v->lit_len = v->n - 1;
	else if (stars == 2 && v->n >= 2 && v->wild[0] == '*' && v->wild[v->n - 1] == '*')
		v->shape = SV_CONTAINS, v->lit_off = 1, v->lit_len = v->n - 2;
	return true;
}

static const char *sv__regex(struct sv *v, const char *value, const struct sv_mods *m)
{
	uint32_t opts = 0;
	int err;
	PCRE2_SIZE off;

	for (size_t i = 0; i < m->n; i++)
		opts |= !strcmp(m->names[i], "i")   ? PCRE2_CASELESS :
			!strcmp(m->names[i], "m")   ? PCRE2_MULTILINE :
			!strcmp(m->names[i], "s")   ? PCRE2_DOTALL :
						      0;
	v->kind = SV_RE;
	v->re = pcre2_compile((PCRE2_SPTR)value, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (!v->re) {
		static __thread char msg[160];
		PCRE2_UCHAR why[100];

		pcre2_get_error_message(err, why, sizeof(why));
		snprintf(msg, sizeof(msg), "bad regular expression at offset %zu: %s", (size_t)off,
			 (const char *)why);
		return msg;
	}
	pcre2_jit_compile(v->re, PCRE2_JIT_COMPLETE); /* where the JIT is there; plain otherwise */
	v->md = pcre2_match_data_create_from_pattern(v->re, NULL);
	return v->md ? NULL : "out of memory";
}

static const char *sv__cidr(struct sv *v, const char *value)
{
	char addr[64];
	const char *slash = strchr(value, '/');
	int max;

	v->kind = SV_CIDR;
	snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - value) : (int)strlen(value),
		 value);
	v->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	max = v->family == AF_INET6 ? 128 : 32;
	if (inet_pton(v->family, addr, v->addr) != 1)
		return "bad CIDR address";
	v->prefix = slash ? atoi(slash + 1) : max;
	if (v->prefix < 0 || v->prefix > max)
		return "bad CIDR prefix length";
	return NULL;
}

/* The type modifiers: each makes the value something other than a string. */
static const char *sv__typed(struct sv *v, const char *value, const struct sv_mods *m, bool *done)
{
	char *end;

	*done = true;
	if (mod__is(m, "re"))
		return sv__regex(v, value, m);
	if (mod__is(m, "cidr"))
		return sv__cidr(v, value);
	if (mod__is(m, "exists")) {
		v->kind = SV_EXISTS;
		v->exists = !strcasecmp(value, "true") || !strcasecmp(value, "yes");
		return v->exists || !strcasecmp(value, "false") || !strcasecmp(value, "no") ?
			       NULL :
			       "exists takes true or false";
	}
	if (mod__is(m, "fieldref")) {
		v->kind = SV_FIELDREF;
		v->ref = sigma_field__find(value);
		return v->ref < 0 ? "fieldref names a field whoflow's events lack" : NULL;
	}
	for (size_t i = 0; i < m->n; i++) {
		const char *op = m->names[i];

		if (strcmp(op, "lt") && strcmp(op, "lte") && strcmp(op, "gt") && strcmp(op, "gte"))
			continue;
		v->kind = SV_NUM;
		v->op = op[0] == 'l' ? (op[2] ? 'l' : '<') : (op[2] ? 'g' : '>');
		v->num = strtod(value, &end);
		return end == value || *end ? "a numeric modifier needs a number" : NULL;
	}
	*done = false;
	return NULL;
}

static const char *const known_mods[] = {
	"contains", "startswith", "endswith", "all",	 "cased", "re",	      "i",	   "m",
	"s",	    "cidr",	  "base64",   "base64offset", "utf16le", "utf16be", "utf16", "wide",
	"windash",  "exists",	  "lt",	      "lte",	      "gt",	 "gte",	    "fieldref", "neq",
};

static const char *mods__check(const struct sv_mods *m, bool *skip)
{
	static __thread char msg[96];

	for (size_t i = 0; i < m->n; i++) {
		bool known = false;

		for (size_t k = 0; k < sizeof(known_mods) / sizeof(known_mods[0]); k++)
			known |= !strcmp(m->names[i], known_mods[k]);
		if (known)
			continue;
		*skip = true;
		snprintf(msg, sizeof(msg), "the |%s modifier is not supported%s", m->names[i],
			 !strcmp(m->names[i], "expand") ? " (placeholders need definitions)" : "");
		return msg;
	}
	return NULL;
}

const char *sv__compile(const char *value, bool is_null, const struct sv_mods *m, int field,
			struct sv **out, size_t *nout, bool *all, bool *skip)
{
	struct slist *l;
	const char *err = mods__check(m, skip);
	struct sv one = { .neq = mod__is(m, "neq") };
	bool done;

	*all |= mod__is(m, "all");
	if (err)
		return err;
	if (is_null) {
		one.kind = SV_NULL;
		done = true;
	} else {
		err = sv__typed(&one, value, m, &done);
		if (err) {
			sv__free(&one);
			return err;
		}
	}
	if (done) {
		struct sv *nv = realloc(*out, (*nout + 1) * sizeof(**out));

		if (!nv) {
			sv__free(&one);
			return "out of memory";
		}
		*out = nv;
		(*out)[(*nout)++] = one;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return "out of memory";
	l->n = 1;
	if (!sstr__parse(value, &l->s[0]))
		err = "out of memory";
	/* Keywords are searched in the whole event: an implicit contains. */
	if (!err && field == SIGMA_KEYWORDS)
		err = slist__apply(l, "contains");
	for (size_t i = 0; !err && i < m->n; i++)
		err = slist__apply(l, m->names[i]);
	for (size_t i = 0; !err && i < l->n; i++) {
		struct sv *nv = realloc(*out, (*nout + 1) * sizeof(**out));

		if (!nv) {
			err = "out of memory";
			break;
		}
		*out = nv;
		(*out)[*nout] = (struct sv){ .neq = one.neq };
		if (!sv__glob(&(*out)[*nout], &l->s[i], mod__is(m, "cased")))
			err = "out of memory";
		(*nout)++;
	}
	slist__free(l);
	free(l);
	return err;
}

void sv__free(struct sv *v)
{
	free(v->pat);
	free(v->wild);
	if (v->md)
		pcre2_match_data_free(v->md);
	if (v->re)
		pcre2_code_free(v->re);
}

/* The pattern is lowercased unless cased: compare it with the value's lowercase copy. */
static bool glob__general(const struct sv *v, const uint8_t *s, size_t n)
{
	size_t p = 0, i = 0, star = (size_t)-1, mark = 0;

	while (i < n) {
		if (p < v->n && (v->wild[p] == '?' || (!v->wild[p] && s[i] == v->pat[p]))) {
			p++;
			i++;
		} else if (p < v->n && v->wild[p] == '*') {
			star = p++;
			mark = i;
		} else if (star != (size_t)-1) {
			p = star + 1;
			i = ++mark;
		} else {
			return false;
		}
	}
	while (p < v->n && v->wild[p] == '*')
		p++;
	return p == v->n;
}

static bool glob__match(const struct sv *v, const char *str, const char *lower, size_t n)
{
	const uint8_t *s = (const uint8_t *)(v->cased ? str : lower), *lit = v->pat + v->lit_off;
	size_t m = v->lit_len;

	switch (v->shape) {
	case SV_EXACT:
		return n == m && !memcmp(s, lit, m);
	case SV_PREFIX:
		return n >= m && !memcmp(s, lit, m);
	case SV_SUFFIX:
		return n >= m && !memcmp(s + n - m, lit, m);
	case SV_CONTAINS:
		return !m || memmem(s, n, lit, m);
	default:
		return glob__general(v, s, n);
	}
}

static bool cidr__match(const struct sv *v, const char *str)
{
	uint8_t a[16];
	int full = v->prefix / 8, rest = v->prefix % 8;

	if (inet_pton(v->family, str, a) != 1)
		return false;
	if (memcmp(a, v->addr, (size_t)full))
		return false;
	return !rest || ((a[full] ^ v->addr[full]) & (0xff << (8 - rest))) == 0;
}

static bool num__match(const struct sv *v, const char *str)
{
	char *end;
	double d = strtod(str, &end);

	if (end == str)
		return false;
	switch (v->op) {
	case '<':
		return d < v->num;
	case 'l':
		return d <= v->num;
	case '>':
		return d > v->num;
	default:
		return d >= v->num;
	}
}

static bool one__match(const struct sv *v, const struct sigma_bag *b, int field, uint8_t i)
{
	const char *s = b->f[field].v[i];

	switch (v->kind) {
	case SV_GLOB:
		return glob__match(v, s, b->f[field].lv[i], b->f[field].len[i]);
	case SV_RE:
		return pcre2_match(v->re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, v->md, NULL) >= 0;
	case SV_CIDR:
		return cidr__match(v, s);
	case SV_NUM:
		return num__match(v, s);
	case SV_FIELDREF:
		for (uint8_t i = 0; i < b->f[v->ref].n; i++)
			if (!strcasecmp(s, b->f[v->ref].v[i]))
				return true;
		return false;
	default:
		return false;
	}
}

static bool field__match(const struct sv *v, const struct sigma_bag *b, int field)
{
	const uint8_t n = b->f[field].n;

	if (v->kind == SV_EXISTS)
		return (n > 0) == v->exists;
	if (v->kind == SV_NULL)
		return !n || !b->f[field].v[0][0];
	for (uint8_t i = 0; i < n; i++)
		if (one__match(v, b, field, i))
			return true;
	return false;
}

bool sv__match(const struct sv *v, const struct sigma_bag *b, int field)
{
	bool m = false;

	if (field != SIGMA_KEYWORDS) {
		m = field__match(v, b, field);
	} else {
		for (int f = 0; f < SF__COUNT && !m; f++)
			m = b->f[f].n && field__match(v, b, f);
	}
	return v->neq ? !m : m;
}
