// SPDX-License-Identifier: GPL-2.0-only
/*
 * whoflow rules check DIR...: every rule's verdict on one line, then the
 * counts; exit 1 when a rule is broken.
 * whoflow rules test RULES EVENTS: the rules evaluated on recorded events
 * (whoflow --json lines), each alert printed as a JSON line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cmd_rules.h"
#include "json.h"
#include "log.h"
#include "sigma.h"
#include "sigma_jsonl.h"

static const char *const verdicts[] = { "usable", "skipped", "broken" };

static void check__report(void *ctx, const char *file, int line, const char *title,
			  enum sigma_verdict v, const char *why)
{
	if (v == SIGMA_USABLE)
		printf("%s:%d: %s: usable\n", file, line, title ? title : "");
	else
		printf("%s:%d: %s%s%s: %s\n", file, line, title ? title : "", title ? ": " : "",
		       verdicts[v], why);
}

static int rules__check(int n, char **dirs)
{
	struct sigma_set *s;
	struct sigma_counts c;

	if (!n) {
		fprintf(stderr, "whoflow rules check: name a directory or file of rules\n");
		return 2;
	}
	s = sigma_set__load((const char *const *)dirs, (size_t)n, check__report, NULL);
	if (!s) {
		fprintf(stderr, "whoflow rules check: out of memory\n");
		return 1;
	}
	c = sigma_set__counts(s);
	printf("%u usable, %u skipped, %u broken, in %u files\n", c.usable, c.skipped, c.broken,
	       c.files);
	sigma_set__free(s);
	return c.broken ? 1 : 0;
}

/* Broken and skipped rules are said on stderr; the alerts go to stdout. */
static void test__report(void *ctx, const char *file, int line, const char *title,
			 enum sigma_verdict v, const char *why)
{
	if (v != SIGMA_USABLE)
		fprintf(stderr, "whoflow: %s:%d: %s%s%s: %s\n", file, line, title ? title : "",
			title ? ": " : "", verdicts[v], why);
}

struct test_run {
	const struct sigma_set *set;
	const struct sigma_bag *b;
	enum sigma_cat cat;
	const char *event_id;
	unsigned long line;
	unsigned long alerts;
	struct json j;
};

static void test__match(void *ctx, const struct sigma_rule_info *r, uint64_t fields)
{
	struct test_run *t = ctx;

	json__reset(&t->j);
	json__obj_open(&t->j, NULL);
	json__u64(&t->j, "line", t->line);
	json__obj_open(&t->j, "rule");
	if (r->id)
		json__str(&t->j, "id", r->id);
	json__str(&t->j, "name", r->title);
	if (r->level)
		json__str(&t->j, "level", r->level);
	json__str(&t->j, "file", r->file);
	json__obj_close(&t->j);
	json__obj_open(&t->j, "event");
	if (t->event_id)
		json__str(&t->j, "id", t->event_id);
	json__str(&t->j, "category", sigma_cat__name(t->cat));
	json__obj_close(&t->j);
	json__obj_open(&t->j, "matched");
	for (int f = 0; f < SF__COUNT; f++)
		if ((fields & 1ull << f) && t->b->f[f].n)
			json__str(&t->j, sigma_field__name((enum sigma_field)f), t->b->f[f].v[0]);
	json__obj_close(&t->j);
	json__obj_close(&t->j);
	printf("%.*s\n", (int)t->j.len, t->j.buf);
	t->alerts++;
}

static void test__bag(void *ctx, enum sigma_cat cat, struct sigma_bag *b)
{
	struct test_run *t = ctx;

	t->b = b;
	t->cat = cat;
	sigma_set__eval(t->set, cat, b, test__match, t);
}

static int rules__test(int n, char **args)
{
	struct test_run t = { 0 };
	struct sigma_set *s;
	char *line = NULL;
	size_t cap = 0;
	unsigned long bad = 0;
	FILE *in;

	if (n != 2) {
		fprintf(stderr, "whoflow rules test: RULES (a file or directory) and EVENTS (whoflow "
				"--json lines, - for stdin) expected\n");
		return 2;
	}
	in = strcmp(args[1], "-") ? fopen(args[1], "re") : stdin;
	if (!in) {
		fprintf(stderr, "whoflow rules test: cannot read %s: %s\n", args[1], strerror(errno));
		return 1;
	}
	s = sigma_set__load((const char *const *)args, 1, test__report, NULL);
	json__init(&t.j);
	if (!s) {
		fprintf(stderr, "whoflow rules test: out of memory\n");
		return 1;
	}
	t.set = s;
	while (getline(&line, &cap, in) > 0) {
		struct json_object *ev = json_tokener_parse(line);

		t.line++;
		if (!ev) {
			bad++;
			continue;
		}
		t.event_id = json_object_get_string(json_object_object_get(
			json_object_object_get(ev, "event"), "id"));
		sigma_jsonl__event(ev, test__bag, &t);
		json_object_put(ev);
	}
	fprintf(stderr, "whoflow: %lu events read, %lu alerts, %lu lines not JSON\n",
		t.line - bad, t.alerts, bad);
	free(line);
	json__free(&t.j);
	sigma_set__free(s);
	if (in != stdin)
		fclose(in);
	return 0;
}

int cmd__rules(struct config *cfg)
{
	if (cfg->nexpr >= 1 && !strcmp(cfg->expr[0], "check"))
		return rules__check(cfg->nexpr - 1, cfg->expr + 1);
	if (cfg->nexpr >= 1 && !strcmp(cfg->expr[0], "test"))
		return rules__test(cfg->nexpr - 1, cfg->expr + 1);
	fprintf(stderr, "whoflow rules: check DIR... or test RULES EVENTS (whoflow rules --help)\n");
	return 2;
}
