/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SIGMA_INT_H
#define WHOFLOW_SIGMA_INT_H

/* The compiled form of Sigma rules, shared by the detection stage's files. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include "sigma.h"

#define SIGMA_KEYWORDS (-1) /* an item of unkeyed values: matched against every field */

enum sv_kind {
	SV_GLOB, /* a string with * and ? wildcards (contains/startswith/endswith are its shapes) */
	SV_RE, /* a regular expression, searched (unanchored) */
	SV_CIDR,
	SV_NUM, /* lt, lte, gt, gte */
	SV_EXISTS,
	SV_NULL, /* the field is absent or empty */
	SV_FIELDREF, /* equal to another field of the same event */
};

enum sv_shape { SV_EXACT, SV_PREFIX, SV_SUFFIX, SV_CONTAINS, SV_GENERAL };

/* One value a field is compared with, compiled. */
struct sv {
	enum sv_kind kind;
	bool cased; /* case-sensitive (cased, and encoded values) */
	bool neq; /* the comparison is negated */
	/* SV_GLOB: bytes, and per byte 0 (literal), '*' or '?'; lowercased unless cased */
	uint8_t *pat, *wild;
	size_t n;
	enum sv_shape shape;
	size_t lit_off, lit_len; /* the literal part, for the simple shapes */
	pcre2_code *re;
	pcre2_match_data *md;
	uint8_t addr[16];
	int family, prefix;
	double num;
	char op; /* '<', 'l' (<=), '>', 'g' (>=) */
	bool exists;
	int ref; /* SV_FIELDREF: the other field */
};

/* `field|modifiers: values`: any value (all with |all) matches the field. */
struct sigma_item {
	int field; /* enum sigma_field, or SIGMA_KEYWORDS */
	struct sv *v;
	size_t nv;
	bool all;
};

/* A map of items: all must match. */
struct sigma_map {
	struct sigma_item *it;
	size_t n;
	uint64_t fields; /* the fields its items read */
};

/* A search identifier: a map, or a list of maps (any), or a keyword list. */
struct sigma_search {
	char *name;
	struct sigma_map *maps;
	size_t nmaps;
};

enum cond_op { C_ID, C_AND, C_OR, C_NOT, C_ONE_OF, C_ALL_OF };

struct cond {
	enum cond_op op;
	struct cond *a, *b;
	int *ids; /* C_ID: one search; C_ONE_OF, C_ALL_OF: the searches the pattern names */
	size_t nids;
};

struct sigma_rule {
	struct sigma_rule_info info;
	char *strs[8]; /* info's strings, owned */
	char **tags;
	enum sigma_cat cat;
	struct sigma_search *s;
	size_t ns;
	struct cond **conds; /* a list of conditions: any */
	size_t nconds;
	uint64_t fields; /* every field it reads */
};

/* Whether events of cat carry the field (sigma_fields.c). */
bool sigma_field__in(enum sigma_field f, enum sigma_cat cat);

/* Compiling values (sigma_value.c). The YAML scalar, its tag-less kind, the modifiers. */
struct sv_mods {
	const char *names[16];
	size_t n;
};

/*
 * Compiles one YAML value with the modifiers into out (several values when a
 * modifier expands it: windash, base64offset). Returns 0, or a message saying
 * why the rule cannot be used: *skip is set when the rule is valid Sigma that
 * whoflow does not support (then it is skipped, not broken).
 */
const char *sv__compile(const char *value, bool is_null, const struct sv_mods *m, int field,
			struct sv **out, size_t *nout, bool *all, bool *skip);
void sv__free(struct sv *v);
bool sv__match(const struct sv *v, const struct sigma_bag *b, int field);

/* Conditions (sigma_cond.c). */
const char *cond__parse(const char *text, const struct sigma_rule *r, struct cond **out,
			bool *skip);
void cond__free(struct cond *c);
bool cond__eval(const struct cond *c, const struct sigma_rule *r, const struct sigma_bag *b,
		bool positive, uint64_t *fields);

/* Rules from YAML (sigma_rule.c). */
typedef void (*sigma_rule_fn)(void *ctx, struct sigma_rule *r);
/* Reads every document of one file; each rule compiled goes to fn, every verdict to report. */
void sigma_rules__read(const char *text, size_t len, const char *file, sigma_rule_fn fn,
		       void *fnctx, sigma_report_fn report, void *ctx, struct sigma_counts *counts);
void sigma_rule__free(struct sigma_rule *r);

#endif
