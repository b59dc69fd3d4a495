// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel text symbols, sorted by address. Read once, when the first drop
 * needs a name: about 200,000 lines on a distribution kernel, kept as one
 * string pool and an index (a few MiB, only with --drops).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	size_t name; /* offset in the pool: "name" or "name [module]" */
};

struct ksyms {
	struct ksym *v;
	size_t n, cap;
	char *pool;
	size_t used, pool_cap;
};

static int ksym__cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int ksyms__add(struct ksyms *k, uint64_t addr, const char *name, const char *mod)
{
	size_t need = strlen(name) + (mod ? strlen(mod) + 1 : 0) + 1;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 65536;
		struct ksym *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return -1;
		k->v = v;
		k->cap = cap;
	}
	if (k->used + need > k->pool_cap) {
		size_t cap = k->pool_cap ? k->pool_cap * 2 : 1 << 20;
		char *p = realloc(k->pool, cap);

		if (!p)
			return -1;
		k->pool = p;
		k->pool_cap = cap;
	}
	k->v[k->n].addr = addr;
	k->v[k->n++].name = k->used;
	k->used += (size_t)snprintf(k->pool + k->used, need, "%s%s%s", name, mod ? " " : "",
				    mod ? mod : "") + 1;
	return 0;
}

struct ksyms *ksyms__load(const char *path)
{
	struct ksyms *k = calloc(1, sizeof(*k));
	FILE *f = fopen(path, "re");
	char line[512], name[256], mod[128], type;
	unsigned long long addr;
	bool any_addr = false;

	if (!k || !f) {
		free(k);
		if (f)
			fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%llx %c %255s %127s", &addr, &type, name, mod);

		if (n < 3 || (type != 't' && type != 'T' && type != 'w' && type != 'W'))
			continue;
		any_addr |= addr != 0;
		if (ksyms__add(k, addr, name, n == 4 ? mod : NULL)) {
			ksyms__free(k);
			k = NULL;
			break;
		}
	}
	fclose(f);
	if (k && (!any_addr || !k->n)) {
		ksyms__free(k);
		return NULL;
	}
	if (k)
		qsort(k->v, k->n, sizeof(*k->v), ksym__cmp);
	return k;
}

const char *ksyms__name(const struct ksyms *k, uint64_t addr, char *buf, size_t len)
{
	size_t lo = 0, hi = k ? k->n : 0;
	const char *name, *sp;

	buf[0] = '\0';
	if (!hi || addr < k->v[0].addr)
		return buf;
	/* The last symbol at or below addr. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	name = k->pool + k->v[lo].name;
	sp = strchr(name, ' ');
	if (sp)
		snprintf(buf, len, "%.*s+0x%llx%s", (int)(sp - name), name,
			 (unsigned long long)(addr - k->v[lo].addr), sp);
	else
		snprintf(buf, len, "%s+0x%llx", name, (unsigned long long)(addr - k->v[lo].addr));
	return buf;
}

void ksyms__free(struct ksyms *k)
{
	if (!k)
		return;
	free(k->v);
	free(k->pool);
	free(k);
}
