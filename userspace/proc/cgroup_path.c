// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup_path.h"
#include "log.h"
#include "timeconv.h"

struct cg_entry {
	uint64_t id;
	char *path;
};

static struct {
	char *mount;
	size_t mount_len;
	struct cg_entry *v; /* open addressing, id 0 = empty */
	size_t cap, n;
	uint64_t max_id;
	uint64_t last_scan_ns;
} cg;

static struct cg_entry *cg__slot(uint64_t id)
{
	size_t i = (id * 11400714819323198485ull) & (cg.cap - 1);

	while (cg.v[i].id && cg.v[i].id != id)
		i = (i + 1) & (cg.cap - 1);
	return &cg.v[i];
}

static void cg__insert(uint64_t id, const char *path);

static void cg__grow(void)
{
	struct cg_entry *old = cg.v;
	size_t old_cap = cg.cap;

	cg.cap = cg.cap ? cg.cap * 2 : 1024;
	cg.v = calloc(cg.cap, sizeof(*cg.v));
	cg.n = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].id) {
			cg__insert(old[i].id, old[i].path);
			free(old[i].path);
		}
	free(old);
}

static void cg__insert(uint64_t id, const char *path)
{
	struct cg_entry *e;

	if (!cg.v || (cg.n + 1) * 2 > cg.cap)
		cg__grow();
	if (!cg.v)
		return;
	e = cg__slot(id);
	if (e->id) {
		if (strcmp(e->path, path)) {
			free(e->path);
			e->path = strdup(path);
		}
		return;
	}
	e->id = id;
	e->path = strdup(path);
	cg.n++;
	if (id > cg.max_id)
		cg.max_id = id;
}

static int cg__visit(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = fpath + cg.mount_len;

	if (type != FTW_D)
		return 0;
	cg__insert(st->st_ino, *rel ? rel : "/");
	return 0;
}

static void cg__scan(void)
{
	cg.last_scan_ns = timeconv__now_boot();
	if (nftw(cg.mount, cg__visit, 32, FTW_PHYS | FTW_MOUNT) < 0)
		pr_debug("cannot walk %s: %m\n", cg.mount);
}

int cgroup_path__init(const char *mountpoint)
{
	cg.mount = strdup(mountpoint);
	if (!cg.mount)
		return -1;
	cg.mount_len = strlen(cg.mount);
	while (cg.mount_len > 1 && cg.mount[cg.mount_len - 1] == '/')
		cg.mount[--cg.mount_len] = '\0';
	cg__scan();
	return 0;
}

const char *cgroup_path__lookup(uint64_t id)
{
	struct cg_entry *e;

	if (!id || !cg.v)
		return NULL;
	e = cg__slot(id);
	if (e->id)
		return e->path;
	/*
	 * Ids grow monotonically, so an id past the largest seen is a cgroup created
	 * since the last walk: walk again. Older unknown ids were most likely created
	 * and removed between walks; rescan those at most once a second.
	 */
	if (id > cg.max_id || timeconv__now_boot() - cg.last_scan_ns > 1000000000ull) {
		cg__scan();
		e = cg__slot(id);
		if (e->id)
			return e->path;
	}
	return NULL;
}

uint64_t cgroup_path__id_of(const char *abs_path)
{
	struct stat st;

	return stat(abs_path, &st) ? 0 : st.st_ino;
}

void cgroup_path__free(void)
{
	for (size_t i = 0; i < cg.cap; i++)
		free(cg.v[i].path);
	free(cg.v);
	free(cg.mount);
	memset(&cg, 0, sizeof(cg));
}
