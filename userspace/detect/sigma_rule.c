// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sigma rule files, read with libyaml's document API (every node knows its
 * line, for messages), into compiled rules. Each document of a file is one
 * rule. A rule whose log source whoflow does not feed, or that needs a
 * feature single events cannot give, is skipped with the reason; a rule that
 * is not valid Sigma is broken, with the line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#include "sigma_int.h"

struct reader {
	yaml_document_t *d;
	const char *file;
	const char *err;
	int err_line;
	bool skip;
	char msg[256];
};

static yaml_node_t *ynode(struct reader *rd, int id)
{
	return yaml_document_get_node(rd->d, id);
}

static int yline(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

static const char *yscalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* YAML's null: ~, null, or nothing, unquoted. */
static bool ynull(const yaml_node_t *n)
{
	const char *v = yscalar(n);

	return v && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcasecmp(v, "null"));
}

static yaml_node_t *yget(struct reader *rd, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = yscalar(ynode(rd, p->key));

		if (k && !strcmp(k, key))
			return ynode(rd, p->value);
	}
	return NULL;
}

static void fail(struct reader *rd, const yaml_node_t *at, bool skip, const char *fmt,
		 const char *arg)
{
	if (rd->err)
		return;
	snprintf(rd->msg, sizeof(rd->msg), fmt, arg ? arg : "");
	rd->err = rd->msg;
	rd->err_line = yline(at);
	rd->skip = skip;
}

/* The category of events the log source names, or -1 (skipped, with the reason). */
static int rule__category(struct reader *rd, yaml_node_t *ls)
{
	static const struct {
		const char *name;
		enum sigma_cat cat;
	} cats[] = {
		{ "process_creation", SIGMA_CAT_PROCESS_CREATION },
		{ "network_connection", SIGMA_CAT_NETWORK_CONNECTION },
		{ "dns_query", SIGMA_CAT_DNS_QUERY },
		{ "dns", SIGMA_CAT_DNS_QUERY },
		{ "proxy", SIGMA_CAT_PROXY },
		{ "webserver", SIGMA_CAT_PROXY },
		{ "file_event", SIGMA_CAT_FILE_EVENT },
		{ "file_delete", SIGMA_CAT_FILE_DELETE },
		{ "file_rename", SIGMA_CAT_FILE_RENAME },
	};
	const char *product = yscalar(yget(rd, ls, "product"));
	const char *service = yscalar(yget(rd, ls, "service"));
	const char *category = yscalar(yget(rd, ls, "category"));

	if (!ls || ls->type != YAML_MAPPING_NODE) {
		fail(rd, ls, false, "logsource missing", NULL);
		return -1;
	}
	if (product && strcasecmp(product, "linux"))
		fail(rd, ls, true, "logsource product %s: not this host (linux)", product);
	else if (service)
		fail(rd, ls, true, "logsource service %s: whoflow reads no such log", service);
	else if (!category)
		fail(rd, ls, true, "logsource without a category: whoflow feeds categories only", NULL);
	if (rd->err)
		return -1;
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (!strcmp(cats[i].name, category))
			return (int)cats[i].cat;
	fail(rd, ls, true, "logsource category %s: whoflow has no such events", category);
	return -1;
}

/* `Field|mod|mod` (or `|mod` for keywords): the field and the modifiers. */
static int item__key(struct reader *rd, yaml_node_t *at, char *key, struct sv_mods *m)
{
	char *save = NULL, *bar = strchr(key, '|'), *tok;
	int field = SIGMA_KEYWORDS;

	if (bar)
		*bar = '\0';
	if (*key) {
		field = sigma_field__find(key);
		if (field < 0)
			fail(rd, at, true, "field %s: not in whoflow's events", key);
	}
	for (tok = bar ? strtok_r(bar + 1, "|", &save) : NULL; tok && m->n < 16;
	     tok = strtok_r(NULL, "|", &save))
		m->names[m->n++] = tok;
	return field;
}

static void value__add(struct reader *rd, yaml_node_t *n, struct sigma_item *it,
		       const struct sv_mods *m)
{
	bool skip = false;
	const char *err;

	if (!yscalar(n)) {
		fail(rd, n, false, "a list of values holds something else", NULL);
		return;
	}
	err = sv__compile(yscalar(n), ynull(n), m, it->field, &it->v, &it->nv, &it->all, &skip);
	if (err)
		fail(rd, n, skip, "%s", err);
}

/* One value, or a list of values (any, or all with |all). */
static void item__values(struct reader *rd, yaml_node_t *v, struct sigma_item *it,
			 const struct sv_mods *m)
{
	if (v->type == YAML_SCALAR_NODE) {
		value__add(rd, v, it, m);
		return;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		fail(rd, v, false, "a field's value must be a value or a list of values", NULL);
		return;
	}
	for (yaml_node_item_t *i = v->data.sequence.items.start;
	     !rd->err && i < v->data.sequence.items.top; i++)
		value__add(rd, ynode(rd, *i), it, m);
}

static void map__add(struct reader *rd, struct sigma_rule *r, struct sigma_map *map, char *key,
		     yaml_node_t *at, yaml_node_t *v)
{
	struct sv_mods m = { .n = 0 };
	struct sigma_item *it;
	int field = item__key(rd, at, key, &m);

	if (rd->err)
		return;
	if (field != SIGMA_KEYWORDS && !sigma_field__in(field, r->cat)) {
		fail(rd, at, true, "field %s: not in the events of this rule's category",
		     sigma_field__name(field));
		return;
	}
	it = realloc(map->it, (map->n + 1) * sizeof(*it));
	if (!it) {
		fail(rd, at, false, "out of memory", NULL);
		return;
	}
	map->it = it;
	it = &map->it[map->n++];
	*it = (struct sigma_item){ .field = field };
	if (field != SIGMA_KEYWORDS)
		map->fields |= 1ull << field;
	item__values(rd, v, it, &m);
}

/* One map of field: value pairs. */
static void search__map(struct reader *rd, struct sigma_rule *r, struct sigma_search *s,
			yaml_node_t *n)
{
	struct sigma_map *maps = realloc(s->maps, (s->nmaps + 1) * sizeof(*maps));

	if (!maps) {
		fail(rd, n, false, "out of memory", NULL);
		return;
	}
	s->maps = maps;
	memset(&s->maps[s->nmaps], 0, sizeof(s->maps[0]));
	s->nmaps++;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; !rd->err && p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = ynode(rd, p->key);
		char key[256];

		if (!yscalar(k)) {
			fail(rd, k, false, "a field name must be a string", NULL);
			return;
		}
		snprintf(key, sizeof(key), "%s", yscalar(k));
		map__add(rd, r, &s->maps[s->nmaps - 1], key, k, ynode(rd, p->value));
	}
}

/* A search identifier: a map, a list of maps (any), or a list of keywords. */
static void rule__search(struct reader *rd, struct sigma_rule *r, const char *name, yaml_node_t *n)
{
	struct sigma_search *s = &r->s[r->ns++];

	s->name = strdup(name);
	if (n->type == YAML_MAPPING_NODE) {
		search__map(rd, r, s, n);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		fail(rd, n, false, "search identifier %s: a map or a list expected", name);
		return;
	}
	if (n->data.sequence.items.start < n->data.sequence.items.top &&
	    ynode(rd, *n->data.sequence.items.start)->type == YAML_MAPPING_NODE) {
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     !rd->err && i < n->data.sequence.items.top; i++) {
			yaml_node_t *m = ynode(rd, *i);

			if (m->type != YAML_MAPPING_NODE)
				fail(rd, m, false, "a list of maps holds something else", NULL);
			else
				search__map(rd, r, s, m);
		}
		return;
	}
	/* Keywords: one map, one item, the values any. */
	s->maps = calloc(1, sizeof(*s->maps));
	if (!s->maps) {
		fail(rd, n, false, "out of memory", NULL);
		return;
	}
	s->nmaps = 1;
	map__add(rd, r, &s->maps[0], (char[]){ "" }, n, n);
}

static void rule__condition(struct reader *rd, struct sigma_rule *r, yaml_node_t *c)
{
	yaml_node_item_t *one = NULL, *end = NULL;

	if (!c) {
		fail(rd, NULL, false, "detection without a condition", NULL);
		return;
	}
	if (c->type == YAML_SEQUENCE_NODE) {
		one = c->data.sequence.items.start;
		end = c->data.sequence.items.top;
	}
	r->conds = calloc(one ? (size_t)(end - one) + 1 : 1, sizeof(*r->conds));
	if (!r->conds) {
		fail(rd, c, false, "out of memory", NULL);
		return;
	}
	for (yaml_node_t *n = one ? ynode(rd, *one) : c; n && !rd->err;
	     n = one && ++one < end ? ynode(rd, *one) : NULL) {
		bool skip = false;
		const char *err;

		if (!yscalar(n)) {
			fail(rd, n, false, "a condition must be a string", NULL);
			return;
		}
		err = cond__parse(yscalar(n), r, &r->conds[r->nconds], &skip);
		r->nconds++;
		if (err)
			fail(rd, n, skip, "%s", err);
		if (!one)
			break;
	}
}

static void rule__detection(struct reader *rd, struct sigma_rule *r, yaml_node_t *det)
{
	if (!det || det->type != YAML_MAPPING_NODE) {
		fail(rd, det, false, "detection missing", NULL);
		return;
	}
	r->s = calloc((size_t)(det->data.mapping.pairs.top - det->data.mapping.pairs.start) + 1,
		      sizeof(*r->s));
	if (!r->s) {
		fail(rd, det, false, "out of memory", NULL);
		return;
	}
	for (yaml_node_pair_t *p = det->data.mapping.pairs.start;
	     !rd->err && p < det->data.mapping.pairs.top; p++) {
		const char *k = yscalar(ynode(rd, p->key));

		if (!k)
			fail(rd, ynode(rd, p->key), false, "a search identifier must be a string", NULL);
		else if (strcmp(k, "condition") && strcmp(k, "timeframe"))
			rule__search(rd, r, k, ynode(rd, p->value));
	}
	for (size_t i = 0; i < r->ns; i++)
		for (size_t m = 0; m < r->s[i].nmaps; m++)
			r->fields |= r->s[i].maps[m].fields;
	if (!rd->err)
		rule__condition(rd, r, yget(rd, det, "condition"));
}

/* title, id, ... : strings the rule keeps for its alerts. */
static void rule__info(struct reader *rd, struct sigma_rule *r, yaml_node_t *root)
{
	static const char *const keys[] = { "id",	"title",  "author",	 "license",
					    "level",	"status", "description" };
	const char **dst[] = { &r->info.id,    &r->info.title,	&r->info.author,
			       &r->info.license, &r->info.level, &r->info.status,
			       &r->info.description };
	yaml_node_t *tags = yget(rd, root, "tags");

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = yscalar(yget(rd, root, keys[i]));

		r->strs[i] = v ? strdup(v) : NULL;
		*dst[i] = r->strs[i];
	}
	if (tags && tags->type == YAML_SEQUENCE_NODE) {
		size_t n = (size_t)(tags->data.sequence.items.top - tags->data.sequence.items.start);

		r->tags = calloc(n + 1, sizeof(*r->tags));
		for (size_t i = 0; r->tags && i < n; i++) {
			const char *t = yscalar(ynode(rd, tags->data.sequence.items.start[i]));

			if (t)
				r->tags[r->info.ntags++] = strdup(t);
		}
		r->info.tags = (const char *const *)r->tags;
	}
}

static struct sigma_rule *rule__read(struct reader *rd, yaml_node_t *root)
{
	struct sigma_rule *r = calloc(1, sizeof(*r));
	int cat;

	if (!r)
		return NULL;
	rule__info(rd, r, root);
	if (yget(rd, root, "correlation"))
		fail(rd, root, true, "correlation rules need several events; not supported", NULL);
	else if (yget(rd, root, "action"))
		fail(rd, root, true, "rule collections (action: ...) are not supported", NULL);
	else if (yget(rd, root, "filter") && !yget(rd, root, "detection"))
		fail(rd, root, true, "meta filters are not supported", NULL);
	else if (!r->info.title)
		fail(rd, root, false, "title missing", NULL);
	if (rd->err)
		return r;
	cat = rule__category(rd, yget(rd, root, "logsource"));
	if (rd->err)
		return r;
	/* DNS rules read as answers (whose events carry every DNS field), then matched
	 * on queries unless they read what only answers have. */
	r->cat = cat == SIGMA_CAT_DNS_QUERY ? SIGMA_CAT_DNS_ANSWER : (enum sigma_cat)cat;
	rule__detection(rd, r, yget(rd, root, "detection"));
	if (r->cat == SIGMA_CAT_DNS_ANSWER &&
	    !(r->fields & (1ull << SF_QUERY_RESULTS | 1ull << SF_ANSWER | 1ull << SF_QUERY_STATUS)))
		r->cat = SIGMA_CAT_DNS_QUERY;
	return r;
}

void sigma_rule__free(struct sigma_rule *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ns; i++) {
		for (size_t m = 0; m < r->s[i].nmaps; m++) {
			for (size_t k = 0; k < r->s[i].maps[m].n; k++) {
				struct sigma_item *it = &r->s[i].maps[m].it[k];

				for (size_t v = 0; v < it->nv; v++)
					sv__free(&it->v[v]);
				free(it->v);
			}
			free(r->s[i].maps[m].it);
		}
		free(r->s[i].maps);
		free(r->s[i].name);
	}
	free(r->s);
	for (size_t i = 0; i < r->nconds; i++)
		cond__free(r->conds[i]);
	free(r->conds);
	for (size_t i = 0; i < sizeof(r->strs) / sizeof(r->strs[0]); i++)
		free(r->strs[i]);
	for (size_t i = 0; r->tags && i < r->info.ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	free((char *)r->info.file);
	free(r);
}

static void counts__add(struct sigma_counts *c, enum sigma_verdict v)
{
	if (v == SIGMA_USABLE)
		c->usable++;
	else if (v == SIGMA_SKIPPED)
		c->skipped++;
	else
		c->broken++;
}

/* One YAML document: a rule, compiled and handed on, or reported. */
static void document__read(yaml_document_t *d, const char *file, sigma_rule_fn fn, void *fnctx,
			   sigma_report_fn report, void *ctx, struct sigma_counts *counts)
{
	struct reader rd = { .d = d, .file = file };
	yaml_node_t *root = yaml_document_get_root_node(d);
	struct sigma_rule *r;
	enum sigma_verdict v;

	if (root->type != YAML_MAPPING_NODE) {
		counts__add(counts, SIGMA_BROKEN);
		report(ctx, file, yline(root), NULL, SIGMA_BROKEN, "a rule must be a YAML map");
		return;
	}
	r = rule__read(&rd, root);
	v = !r || (rd.err && !rd.skip) ? SIGMA_BROKEN : rd.err ? SIGMA_SKIPPED : SIGMA_USABLE;
	counts__add(counts, v);
	report(ctx, file, rd.err ? rd.err_line : yline(root), r ? r->info.title : NULL, v,
	       r ? rd.err : "out of memory");
	if (v != SIGMA_USABLE) {
		sigma_rule__free(r);
		return;
	}
	r->info.file = strdup(file);
	fn(fnctx, r);
}

void sigma_rules__read(const char *text, size_t len, const char *file, sigma_rule_fn fn,
		       void *fnctx, sigma_report_fn report, void *ctx, struct sigma_counts *counts)
{
	yaml_parser_t p;
	yaml_document_t d;

	if (!yaml_parser_initialize(&p))
		return;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_load(&p, &d)) {
			char why[200];

			snprintf(why, sizeof(why), "YAML: %s", p.problem ? p.problem : "unreadable");
			counts__add(counts, SIGMA_BROKEN);
			report(ctx, file, (int)p.problem_mark.line + 1, NULL, SIGMA_BROKEN, why);
			break;
		}
		if (!yaml_document_get_root_node(&d)) {
			yaml_document_delete(&d);
			break;
		}
		document__read(&d, file, fn, fnctx, report, ctx, counts);
		yaml_document_delete(&d);
	}
	yaml_parser_delete(&p);
}
