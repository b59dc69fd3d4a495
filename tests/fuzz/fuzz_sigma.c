// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: bytes as a Sigma rule file (libyaml, the rule reader, the
 * value and condition compilers), and every rule that loads evaluated on one
 * event of each category.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sigma.h"

static void on_report(void *ctx, const char *file, int line, const char *title,
		      enum sigma_verdict v, const char *why)
{
}

static void on_match(void *ctx, const struct sigma_rule_info *r, uint64_t fields)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct sigma_set *set;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	set = sigma_set__load_text(text, "fuzz.yml", on_report, NULL);
	for (int cat = 0; set && cat < SIGMA_CAT__COUNT; cat++) {
		struct sigma_bag b = { 0 };

		for (int f = 0; f < SF__COUNT; f++)
			sigma_bag__set(&b, (enum sigma_field)f, f % 2 ? "/usr/bin/curl -X http://x" : "10.1.2.3");
		sigma_set__eval(set, (enum sigma_cat)cat, &b, on_match, NULL);
		sigma_bag__clear(&b);
	}
	sigma_set__free(set);
	free(text);
	return 0;
}
