// SPDX-License-Identifier: GPL-2.0-only
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include "users.h"

/* A tiny cache: hosts have few distinct ids, and NSS lookups can be slow (LDAP). */
struct id_name {
	unsigned int id;
	char *name; /* NULL: looked up, no name */
};

struct id_cache {
	struct id_name *v;
	size_t n, cap;
};

static struct id_cache user_cache, group_cache;

static struct id_name *id_cache__find(struct id_cache *c, unsigned int id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return &c->v[i];
	return NULL;
}

static const char *id_cache__add(struct id_cache *c, unsigned int id, const char *name)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct id_name *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return name;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].id = id;
	c->v[c->n].name = name ? strdup(name) : NULL;
	return c->v[c->n++].name;
}

const char *users__user_name(uid_t uid)
{
	struct id_name *e = id_cache__find(&user_cache, uid);
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (e)
		return e->name;
	getpwuid_r(uid, &pw, buf, sizeof(buf), &res);
	return id_cache__add(&user_cache, uid, res ? res->pw_name : NULL);
}

const char *users__group_name(gid_t gid)
{
	struct id_name *e = id_cache__find(&group_cache, gid);
	struct group gr, *res = NULL;
	char buf[4096];

	if (e)
		return e->name;
	getgrgid_r(gid, &gr, buf, sizeof(buf), &res);
	return id_cache__add(&group_cache, gid, res ? res->gr_name : NULL);
}

static void id_cache__free(struct id_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].name);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void users__free(void)
{
	id_cache__free(&user_cache);
	id_cache__free(&group_cache);
}
