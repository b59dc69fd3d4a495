/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SIGMA_H
#define WHOFLOW_SIGMA_H

/*
 * Sigma rules (detection stage): rule files are read with libyaml and compiled
 * once into matchers (regular expressions with pcre2); each event is turned
 * into a bag of Sigma fields (sigma_bag.c from the pipeline's events,
 * sigma_jsonl.c from recorded JSON events) and evaluated against the rules of
 * its log source category. See docs/sigma.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The log source categories whoflow's events feed (docs/sigma.md has the table). */
enum sigma_cat {
	SIGMA_CAT_PROCESS_CREATION, /* exec events */
	SIGMA_CAT_NETWORK_CONNECTION, /* flow events, once per local end */
	SIGMA_CAT_DNS_QUERY, /* DNS query events (dns_query, dns) */
	SIGMA_CAT_DNS_ANSWER, /* DNS answer events: rules that read the answers */
	SIGMA_CAT_PROXY, /* HTTP requests (proxy, webserver) */
	SIGMA_CAT_FILE_EVENT, /* FILE records of a file created or written (--files) */
	SIGMA_CAT_FILE_DELETE, /* FILE records of a file deleted */
	SIGMA_CAT_FILE_RENAME, /* FILE records of a file renamed */
	SIGMA_CAT__COUNT,
};

/* The Sigma fields whoflow fills (the taxonomy's names; docs/sigma.md). */
enum sigma_field {
	SF_IMAGE,
	SF_ORIGINAL_FILE_NAME,
	SF_COMMAND_LINE,
	SF_CURRENT_DIRECTORY,
	SF_USER,
	SF_LOGON_ID,
	SF_PROCESS_ID,
	SF_PARENT_PROCESS_ID,
	SF_PARENT_IMAGE,
	SF_PARENT_COMMAND_LINE,
	SF_HASHES,
	SF_DESTINATION_IP,
	SF_DESTINATION_PORT,
	SF_DESTINATION_HOSTNAME,
	SF_SOURCE_IP,
	SF_SOURCE_PORT,
	SF_INITIATED,
	SF_PROTOCOL,
	SF_QUERY_NAME,
	SF_QUERY_RESULTS,
	SF_QUERY_STATUS,
	SF_RECORD_TYPE,
	SF_ANSWER,
	SF_C_URI,
	SF_C_URI_QUERY,
	SF_C_URI_STEM,
	SF_CS_URI_QUERY,
	SF_CS_URI_STEM,
	SF_CS_HOST,
	SF_C_USERAGENT,
	SF_CS_METHOD,
	SF_C_IP,
	SF_DST_IP,
	SF_TARGET_FILENAME,
	SF_SOURCE_FILENAME,
	SF__COUNT,
};

#define SIGMA_MULTI_MAX 16 /* values of one field (DNS answers); more are not kept */

/* One event's Sigma fields: each absent (n == 0), or up to SIGMA_MULTI_MAX values. */
struct sigma_bag {
	struct {
		const char *v[SIGMA_MULTI_MAX];
		/* Made once before matching (sigma_bag__prepare): lengths, lowercase copies. */
		const char *lv[SIGMA_MULTI_MAX];
		uint32_t len[SIGMA_MULTI_MAX];
		uint8_t n;
	} f[SF__COUNT];
	char *lbuf; /* the lowercase copies, one allocation */
	bool prepared;
	char *owned[8]; /* strings the bag made (joined command lines), freed by sigma_bag__clear */
	int nowned;
	char scratch[512]; /* numbers and short strings the bag formats */
	size_t used;
};

void sigma_bag__set(struct sigma_bag *b, enum sigma_field f, const char *v);
void sigma_bag__add(struct sigma_bag *b, enum sigma_field f, const char *v);
/* Sets a string the bag now owns (freed with it); NULL is ignored. */
void sigma_bag__own(struct sigma_bag *b, enum sigma_field f, char *v);
/* Sets a number, or a short formatted string, kept in the bag's scratch room. */
void sigma_bag__num(struct sigma_bag *b, enum sigma_field f, uint64_t v);
void sigma_bag__fmt(struct sigma_bag *b, enum sigma_field f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sigma_bag__clear(struct sigma_bag *b);
/* Lengths and lowercase copies of every value, once, for the case-insensitive matchers
 * (sigma_set__eval does it when the builder did not); -1 when memory ran out. */
int sigma_bag__prepare(struct sigma_bag *b);

/* The log source category name a category's events are read as (dns_query for both DNS kinds). */
const char *sigma_cat__name(enum sigma_cat cat);
/*
 * Appends one DNS answer to a QueryResults value as Sysmon writes them:
 * "::ffff:ADDR;" for A (type 1), "ADDR;" for AAAA (28), "type:  N DATA;" for
 * the rest; an answer that does not fit is left out.
 */
void sigma__query_result(char *out, size_t size, size_t *len, unsigned int type, const char *data);

/* A field's Sigma name and its number; -1 when whoflow has no such field. */
const char *sigma_field__name(enum sigma_field f);
int sigma_field__find(const char *name);

/* What a rule says of itself, for its alerts. */
struct sigma_rule_info {
	const char *id, *title, *author, *license, *level, *status, *description;
	const char *file; /* the file it came from */
	const char *const *tags;
	size_t ntags;
	bool disabled; /* listed in the rules directory's .whoflow-disabled: never evaluated */
};

enum sigma_verdict {
	SIGMA_USABLE,
	SIGMA_SKIPPED, /* valid Sigma that whoflow's events cannot feed, or a feature it lacks */
	SIGMA_BROKEN, /* not a valid rule: bad YAML, a missing part, a bad regular expression */
};

/* Called once per rule (or per file that yields none) while loading. */
typedef void (*sigma_report_fn)(void *ctx, const char *file, int line, const char *title,
				enum sigma_verdict v, const char *why);

struct sigma_counts {
	unsigned int usable, skipped, broken, files;
};

struct sigma_set;

/*
 * Loads every *.yml and *.yaml file under the directories (subfolders too),
 * compiling each rule. A broken file or rule is reported and left out; the
 * others load. NULL only when memory ran out.
 */
struct sigma_set *sigma_set__load(const char *const *dirs, size_t ndirs, sigma_report_fn report,
				  void *ctx);
/* One file, or one rule given as text (tests, `rules test`). */
struct sigma_set *sigma_set__load_file(const char *path, sigma_report_fn report, void *ctx);
struct sigma_set *sigma_set__load_text(const char *text, const char *name, sigma_report_fn report,
				       void *ctx);
struct sigma_counts sigma_set__counts(const struct sigma_set *s);
/* Rules of a category: 0 means events of it need no bag at all. */
size_t sigma_set__rules_for(const struct sigma_set *s, enum sigma_cat cat);
void sigma_set__free(struct sigma_set *s);
/* Each usable rule, with the category its events come from. */
void sigma_set__each(const struct sigma_set *s,
		     void (*fn)(void *ctx, const struct sigma_rule_info *r, enum sigma_cat cat),
		     void *ctx);

/* Marks the rules off(ctx, rule) names as disabled (see sigma_rule_info); returns how many. */
unsigned int sigma_set__disable(struct sigma_set *s,
				bool (*off)(void *ctx, const struct sigma_rule_info *r), void *ctx);

/* A rule's match: the rule, and the fields of its selections that matched (bitmask of sigma_field). */
typedef void (*sigma_match_fn)(void *ctx, const struct sigma_rule_info *rule, uint64_t fields);

/* Evaluates the rules of cat on one event; returns how many matched. Not thread-safe
 * (regular expressions share their match data). */
size_t sigma_set__eval(const struct sigma_set *s, enum sigma_cat cat, struct sigma_bag *b,
		       sigma_match_fn fn, void *ctx);

#endif
