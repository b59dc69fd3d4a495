// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sigma conditions: or, and, not (least to most binding), parentheses,
 * `1 of PATTERN`, `all of PATTERN` (a pattern with * wildcards over the
 * search identifiers), `1 of them`, `all of them` (identifiers starting with
 * an underscore left out). Aggregations (`| count() > N`) and `near` need more
 * than one event: a rule using them is skipped, and says so.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sigma_int.h"

struct lexer {
	const char *p;
	char tok[128];
	const struct sigma_rule *r;
	const char *err;
	bool skip;
};

/* The next token: a parenthesis, a pipe, or a word. */
static void lex__next(struct lexer *l)
{
	size_t n = 0;

	while (isspace((unsigned char)*l->p))
		l->p++;
	if (*l->p == '(' || *l->p == ')' || *l->p == '|') {
		l->tok[0] = *l->p++;
		l->tok[1] = '\0';
		return;
	}
	while (*l->p && !isspace((unsigned char)*l->p) && *l->p != '(' && *l->p != ')' &&
	       *l->p != '|') {
		if (n + 1 < sizeof(l->tok))
			l->tok[n++] = *l->p;
		l->p++;
	}
	l->tok[n] = '\0';
}

static bool lex__is(const struct lexer *l, const char *word)
{
	return !strcasecmp(l->tok, word);
}

static struct cond *cond__new(enum cond_op op, struct cond *a, struct cond *b)
{
	struct cond *c = calloc(1, sizeof(*c));

	if (c) {
		c->op = op;
		c->a = a;
		c->b = b;
	}
	return c;
}

static void lex__fail(struct lexer *l, const char *why, bool skip)
{
	static __thread char msg[200];

	if (l->err)
		return;
	snprintf(msg, sizeof(msg), "condition: %s", why);
	l->err = msg;
	l->skip = skip;
}

static struct cond *parse__or(struct lexer *l);

/* `1 of X`, `all of X`: the searches X names (them: every one not starting with _). */
static struct cond *parse__of(struct lexer *l, bool all)
{
	struct cond *c;
	bool them;

	lex__next(l);
	if (!lex__is(l, "of")) {
		lex__fail(l, "\"of\" expected after \"1\" or \"all\"", false);
		return NULL;
	}
	lex__next(l);
	them = lex__is(l, "them");
	c = cond__new(all ? C_ALL_OF : C_ONE_OF, NULL, NULL);
	if (!c || !(c->ids = calloc(l->r->ns + 1, sizeof(*c->ids)))) {
		lex__fail(l, "out of memory", false);
		return c;
	}
	for (size_t i = 0; i < l->r->ns; i++) {
		const char *name = l->r->s[i].name;

		if (them ? name[0] != '_' : !fnmatch(l->tok, name, 0))
			c->ids[c->nids++] = (int)i;
	}
	if (!c->nids) {
		static __thread char why[180];

		snprintf(why, sizeof(why), "\"%s\" names no search identifier", l->tok);
		lex__fail(l, why, false);
	}
	lex__next(l);
	return c;
}

static struct cond *parse__primary(struct lexer *l)
{
	struct cond *c;

	if (lex__is(l, "(")) {
		lex__next(l);
		c = parse__or(l);
		if (!lex__is(l, ")"))
			lex__fail(l, "\")\" expected", false);
		lex__next(l);
		return c;
	}
	if (lex__is(l, "1") || lex__is(l, "any") || lex__is(l, "all"))
		return parse__of(l, lex__is(l, "all"));
	if (!l->tok[0] || lex__is(l, ")") || lex__is(l, "and") || lex__is(l, "or")) {
		lex__fail(l, l->tok[0] ? "a search identifier expected" : "it ends too early", false);
		return NULL;
	}
	for (size_t i = 0; i < l->r->ns; i++) {
		if (strcmp(l->r->s[i].name, l->tok))
			continue;
		c = cond__new(C_ID, NULL, NULL);
		if (c && (c->ids = malloc(sizeof(*c->ids)))) {
			c->ids[0] = (int)i;
			c->nids = 1;
		}
		lex__next(l);
		return c;
	}
	{
		static __thread char why[180];

		snprintf(why, sizeof(why), "\"%s\" is not a search identifier of the detection",
			 l->tok);
		lex__fail(l, why, false);
	}
	return NULL;
}

static struct cond *parse__not(struct lexer *l)
{
	if (lex__is(l, "not")) {
		lex__next(l);
		return cond__new(C_NOT, parse__not(l), NULL);
	}
	return parse__primary(l);
}

static struct cond *parse__and(struct lexer *l)
{
	struct cond *c = parse__not(l);

	while (!l->err && lex__is(l, "and")) {
		lex__next(l);
		c = cond__new(C_AND, c, parse__not(l));
	}
	return c;
}

static struct cond *parse__or(struct lexer *l)
{
	struct cond *c = parse__and(l);

	while (!l->err && lex__is(l, "or")) {
		lex__next(l);
		c = cond__new(C_OR, c, parse__and(l));
	}
	return c;
}

const char *cond__parse(const char *text, const struct sigma_rule *r, struct cond **out,
			bool *skip)
{
	struct lexer l = { .p = text, .r = r };

	lex__next(&l);
	*out = parse__or(&l);
	if (!l.err && lex__is(&l, "|"))
		lex__fail(&l, "aggregations (| count() ...) need several events; not supported", true);
	else if (!l.err && lex__is(&l, "near"))
		lex__fail(&l, "near needs several events; not supported", true);
	else if (!l.err && l.tok[0])
		lex__fail(&l, "unexpected words at its end", false);
	if (!l.err && !*out)
		lex__fail(&l, "out of memory", false);
	*skip = l.skip;
	return l.err;
}

void cond__free(struct cond *c)
{
	if (!c)
		return;
	cond__free(c->a);
	cond__free(c->b);
	free(c->ids);
	free(c);
}

static bool item__eval(const struct sigma_item *it, const struct sigma_bag *b)
{
	for (size_t i = 0; i < it->nv; i++) {
		bool m = sv__match(&it->v[i], b, it->field);

		if (it->all && !m)
			return false;
		if (!it->all && m)
			return true;
	}
	return it->all;
}

static bool search__eval(const struct sigma_search *s, const struct sigma_bag *b, bool positive,
			 uint64_t *fields)
{
	for (size_t m = 0; m < s->nmaps; m++) {
		const struct sigma_map *map = &s->maps[m];
		bool ok = true;

		for (size_t i = 0; ok && i < map->n; i++)
			ok = item__eval(&map->it[i], b);
		if (ok) {
			if (positive)
				*fields |= map->fields;
			return true;
		}
	}
	return false;
}

bool cond__eval(const struct cond *c, const struct sigma_rule *r, const struct sigma_bag *b,
		bool positive, uint64_t *fields)
{
	switch (c->op) {
	case C_ID:
		return search__eval(&r->s[c->ids[0]], b, positive, fields);
	case C_NOT:
		return !cond__eval(c->a, r, b, !positive, fields);
	case C_AND:
		return cond__eval(c->a, r, b, positive, fields) &&
		       cond__eval(c->b, r, b, positive, fields);
	case C_OR:
		return cond__eval(c->a, r, b, positive, fields) ||
		       cond__eval(c->b, r, b, positive, fields);
	case C_ONE_OF:
		for (size_t i = 0; i < c->nids; i++)
			if (search__eval(&r->s[c->ids[i]], b, positive, fields))
				return true;
		return false;
	case C_ALL_OF:
		for (size_t i = 0; i < c->nids; i++)
			if (!search__eval(&r->s[c->ids[i]], b, positive, fields))
				return false;
		return true;
	}
	return false;
}
