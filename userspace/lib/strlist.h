/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_STRLIST_H
#define WHOFLOW_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

/* A growable list of owned strings, for repeatable options and comma lists. */
struct strlist {
	char **v;
	size_t n, cap;
};

int strlist__add(struct strlist *l, const char *s);
/* Adds each comma-separated item of s; empty items are skipped. */
int strlist__add_csv(struct strlist *l, const char *s);
bool strlist__contains(const struct strlist *l, const char *s);
void strlist__free(struct strlist *l);

#endif
