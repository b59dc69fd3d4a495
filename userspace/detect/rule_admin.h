/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_RULE_ADMIN_H
#define WHOFLOW_RULE_ADMIN_H

/*
 * The API's writes to the rules (--api-allow-write): files in the first --rules
 * directory, which the monitor's watch reloads. Each returns an HTTP status
 * (200, 201, or an error with the reason in err) and is safe from any thread.
 */
#include <stdbool.h>
#include <stddef.h>

struct rule_added {
	char file[4200];
	char id[128];
	char title[256];
	char category[32];
};

/* One Sigma rule as YAML text: checked as --rules would load it, then kept as api-ID.yml. */
int rule_admin__add(const char *yaml, size_t len, struct rule_added *out, char *err, size_t n);
/* on false: the rule's id goes into .whoflow-disabled; true: out of it. *file: the rule's. */
int rule_admin__enable(const char *id, bool on, char *file, size_t nfile, char *err, size_t n);
/* Only a rule the API wrote (api-ID.yml): its file is removed. */
int rule_admin__delete(const char *id, char *file, size_t nfile, char *err, size_t n);

#endif
