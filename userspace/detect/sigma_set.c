// SPDX-License-Identifier: GPL-2.0-only
/*
 * A set of Sigma rules: loaded from directories (*.yml, *.yaml, subfolders
 * included), indexed by the category of events each reads, evaluated on one
 * event at a time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sigma_int.h"

struct sigma_set {
	struct sigma_rule **rules;
	size_t n, cap;
	struct sigma_rule **bycat[SIGMA_CAT__COUNT];
	size_t ncat[SIGMA_CAT__COUNT];
	struct sigma_counts counts;
	bool oom;
};

static void set__add(void *ctx, struct sigma_rule *r)
{
	struct sigma_set *s = ctx;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct sigma_rule **nr = realloc(s->rules, cap * sizeof(*nr));

		if (!nr) {
			s->oom = true;
			sigma_rule__free(r);
			return;
		}
		s->rules = nr;
		s->cap = cap;
	}
	s->rules[s->n++] = r;
}

/* The per-category index, once every rule is in. */
static int set__index(struct sigma_set *s)
{
	for (int c = 0; c < SIGMA_CAT__COUNT; c++) {
		s->bycat[c] = calloc(s->n + 1, sizeof(*s->bycat[c]));
		if (!s->bycat[c])
			return -1;
		for (size_t i = 0; i < s->n; i++)
			if (s->rules[i]->cat == (enum sigma_cat)c)
				s->bycat[c][s->ncat[c]++] = s->rules[i];
	}
	return 0;
}

static char *file__read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void set__file(struct sigma_set *s, const char *path, sigma_report_fn report, void *ctx)
{
	size_t len = 0;
	char *text = file__read(path, &len);
	char why[128];

	s->counts.files++;
	if (!text) {
		snprintf(why, sizeof(why), "cannot read it: %s", strerror(errno));
		s->counts.broken++;
		report(ctx, path, 0, NULL, SIGMA_BROKEN, why);
		return;
	}
	sigma_rules__read(text, len, path, set__add, s, report, ctx, &s->counts);
	free(text);
}

static bool name__is_rule(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 4 && !strcmp(name + n - 4, ".yml")) ||
				  (n > 5 && !strcmp(name + n - 5, ".yaml")));
}

static int name__cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's rule files and subfolders, in name order (the same order on every load). */
static void set__dir(struct sigma_set *s, const char *dir, int depth, sigma_report_fn report,
		     void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		char why[128];

		snprintf(why, sizeof(why), "cannot open the directory: %s", strerror(errno));
		s->counts.broken++;
		report(ctx, dir, 0, NULL, SIGMA_BROKEN, why);
		return;
	}
	while ((e = readdir(d))) {
		char **nn;

		if (e->d_name[0] == '.' || !(nn = realloc(names, (n + 1) * sizeof(*names))))
			continue;
		names = nn;
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) >= 0)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name__cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st))
			; /* gone since it was listed */
		else if (S_ISDIR(st.st_mode) && depth < 16)
			set__dir(s, names[i], depth + 1, report, ctx);
		else if (S_ISREG(st.st_mode) && name__is_rule(strrchr(names[i], '/') + 1))
			set__file(s, names[i], report, ctx);
		free(names[i]);
	}
	free(names);
}

static struct sigma_set *set__done(struct sigma_set *s)
{
	if (s->oom || set__index(s)) {
		sigma_set__free(s);
		return NULL;
	}
	return s;
}

struct sigma_set *sigma_set__load(const char *const *dirs, size_t ndirs, sigma_report_fn report,
				  void *ctx)
{
	struct sigma_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	for (size_t i = 0; i < ndirs; i++) {
		struct stat st;

		if (!stat(dirs[i], &st) && S_ISREG(st.st_mode))
			set__file(s, dirs[i], report, ctx);
		else
			set__dir(s, dirs[i], 0, report, ctx);
	}
	return set__done(s);
}

struct sigma_set *sigma_set__load_file(const char *path, sigma_report_fn report, void *ctx)
{
	return sigma_set__load(&path, 1, report, ctx);
}

struct sigma_set *sigma_set__load_text(const char *text, const char *name, sigma_report_fn report,
				       void *ctx)
{
	struct sigma_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->counts.files = 1;
	sigma_rules__read(text, strlen(text), name, set__add, s, report, ctx, &s->counts);
	return set__done(s);
}

struct sigma_counts sigma_set__counts(const struct sigma_set *s)
{
	return s ? s->counts : (struct sigma_counts){ 0 };
}

size_t sigma_set__rules_for(const struct sigma_set *s, enum sigma_cat cat)
{
	return s ? s->ncat[cat] : 0;
}

void sigma_set__each(const struct sigma_set *s,
		     void (*fn)(void *ctx, const struct sigma_rule_info *r, enum sigma_cat cat),
		     void *ctx)
{
	for (size_t i = 0; s && i < s->n; i++)
		fn(ctx, &s->rules[i]->info, s->rules[i]->cat);
}

unsigned int sigma_set__disable(struct sigma_set *s,
				bool (*off)(void *ctx, const struct sigma_rule_info *r), void *ctx)
{
	unsigned int n = 0;

	for (size_t i = 0; s && i < s->n; i++) {
		s->rules[i]->info.disabled = off(ctx, &s->rules[i]->info);
		n += s->rules[i]->info.disabled;
	}
	return n;
}

void sigma_set__free(struct sigma_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		sigma_rule__free(s->rules[i]);
	for (int c = 0; c < SIGMA_CAT__COUNT; c++)
		free(s->bycat[c]);
	free(s->rules);
	free(s);
}

size_t sigma_set__eval(const struct sigma_set *s, enum sigma_cat cat, struct sigma_bag *b,
		       sigma_match_fn fn, void *ctx)
{
	size_t hits = 0;

	if (!s || !s->ncat[cat] || sigma_bag__prepare(b))
		return 0;
	for (size_t i = 0; s && i < s->ncat[cat]; i++) {
		const struct sigma_rule *r = s->bycat[cat][i];

		if (r->info.disabled)
			continue;
		for (size_t c = 0; c < r->nconds; c++) {
			uint64_t fields = 0;

			if (!cond__eval(r->conds[c], r, b, true, &fields))
				continue;
			hits++;
			fn(ctx, &r->info, fields);
			break;
		}
	}
	return hits;
}
