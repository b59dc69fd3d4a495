// SPDX-License-Identifier: GPL-2.0-only
/* Preserved binaries (see binkeep.h): copies by SHA-256, an index, a size cap. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "binkeep.h"
#include "json.h"
#include "log.h"
#include "proc_info.h"

#define BIN_PROCS 8 /* processes an entry lists (the latest); process_count has them all */
#define BIN_PATHS 4

struct binkeep_entry {
	char sha256[65], md5[33];
	uint64_t size, first_ns, last_ns; /* realtime */
	dev_t dev; /* the last source's identity: a binary seen again is not read again */
	ino_t ino;
	struct timespec mtime;
	char *paths[BIN_PATHS];
	struct {
		pid_t pid;
		char entity_id[48];
		char comm[16];
	} procs[BIN_PROCS];
	unsigned int nprocs;
	uint64_t process_count;
};

static uint64_t now__ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const char *binkeep__status_name(enum binkeep_status s)
{
	static const char *const names[] = { "none", "kept", "known", "missed", "too_large",
					     "failed" };

	return names[s];
}

static bool name__is_sha(const char *n)
{
	return strlen(n) == 64 && strspn(n, "0123456789abcdef") == 64;
}

static struct binkeep_entry *entry__add(struct binkeep *k)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct binkeep_entry *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		k->v = v;
		k->cap = cap;
	}
	memset(&k->v[k->n], 0, sizeof(k->v[0]));
	return &k->v[k->n++];
}

static void entry__free(struct binkeep_entry *e)
{
	for (int i = 0; i < BIN_PATHS; i++)
		free(e->paths[i]);
}

/* What an earlier run kept stays, counted against the cap (its index is rewritten). */
static void keep__scan(struct binkeep *k)
{
	DIR *d = fdopendir(dup(k->dirfd));
	struct dirent *de;

	while (d && (de = readdir(d))) {
		struct binkeep_entry *e;
		struct stat st;

		if (!name__is_sha(de->d_name) || fstatat(k->dirfd, de->d_name, &st, 0) ||
		    !S_ISREG(st.st_mode) || !(e = entry__add(k)))
			continue;
		memcpy(e->sha256, de->d_name, 65);
		e->size = st.st_size;
		e->first_ns = e->last_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull;
		k->total += e->size;
	}
	if (d)
		closedir(d);
}

int binkeep__open(struct binkeep *k, const char *dir, uint64_t max_total, uint64_t max_file)
{
	memset(k, 0, sizeof(*k));
	k->dirfd = -1;
	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_warn("--preserve-binaries %s: %s (give a directory whoflow can make, or one it "
			"owns)\n",
			dir, strerror(errno));
		return -1;
	}
	k->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k->dirfd < 0 || fchmod(k->dirfd, 0700)) {
		pr_warn("--preserve-binaries %s: %s (a directory whoflow can own)\n", dir,
			strerror(errno));
		return -1;
	}
	k->dir = strdup(dir);
	k->max_total = max_total;
	k->max_file = max_file;
	keep__scan(k);
	k->dirty = true;
	return 0;
}

static struct binkeep_entry *entry__by_identity(struct binkeep *k, const struct stat *st)
{
	for (size_t i = 0; i < k->n; i++) {
		struct binkeep_entry *e = &k->v[i];

		if (e->ino == st->st_ino && e->dev == st->st_dev && e->size == (uint64_t)st->st_size &&
		    e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return e;
	}
	return NULL;
}

static struct binkeep_entry *entry__by_sha(struct binkeep *k, const char *sha)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i].sha256, sha))
			return &k->v[i];
	return NULL;
}

static void entry__seen(struct binkeep_entry *e, const struct proc_info *p, const char *path,
			uint64_t now)
{
	int i;

	e->last_ns = now;
	if (!e->first_ns)
		e->first_ns = now;
	for (i = 0; path && i < BIN_PATHS && e->paths[i]; i++)
		if (!strcmp(e->paths[i], path))
			break;
	if (path && i < BIN_PATHS && !e->paths[i])
		e->paths[i] = strdup(path);
	if (p) {
		unsigned int slot = e->nprocs < BIN_PROCS ? e->nprocs++ : (unsigned int)(e->process_count % BIN_PROCS);

		e->procs[slot].pid = p->pid;
		snprintf(e->procs[slot].entity_id, sizeof(e->procs[slot].entity_id), "%s",
			 p->entity_id);
		memcpy(e->procs[slot].comm, p->comm, sizeof(e->procs[slot].comm));
		e->process_count++;
	}
}

static void hex(const unsigned char *md, unsigned int n, char *out)
{
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* Copies fd into DIR as a temporary file while hashing it; 0, or -1 (errno). */
static int keep__copy(struct binkeep *k, int fd, const char *tmp, char md5[33], char sha256[65])
{
	EVP_MD_CTX *a = EVP_MD_CTX_new(), *b = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	int out;

	unlinkat(k->dirfd, tmp, 0); /* one a killed agent left */
	out = openat(k->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	unsigned int n;
	ssize_t got;
	int rc = -1;

	if (out < 0 || !a || !b)
		goto done;
	EVP_DigestInit_ex(a, EVP_md5(), NULL);
	EVP_DigestInit_ex(b, EVP_sha256(), NULL);
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(a, buf, (size_t)got);
		EVP_DigestUpdate(b, buf, (size_t)got);
		if (write(out, buf, (size_t)got) != got)
			goto done;
	}
	if (got < 0 || fchmod(out, 0444))
		goto done;
	EVP_DigestFinal_ex(a, md, &n);
	hex(md, n, md5);
	EVP_DigestFinal_ex(b, md, &n);
	hex(md, n, sha256);
	rc = 0;
done:
	if (out >= 0)
		close(out);
	if (rc)
		unlinkat(k->dirfd, tmp, 0);
	EVP_MD_CTX_free(a);
	EVP_MD_CTX_free(b);
	return rc;
}

/* The least recently seen go until the cap holds (never keep: the one just added). */
static void keep__evict(struct binkeep *k, const struct binkeep_entry *keep)
{
	while (k->total > k->max_total && k->n > 1) {
		size_t victim = k->n;

		for (size_t i = 0; i < k->n; i++)
			if (&k->v[i] != keep && (victim == k->n || k->v[i].last_ns < k->v[victim].last_ns))
				victim = i;
		if (victim == k->n)
			return;
		unlinkat(k->dirfd, k->v[victim].sha256, 0);
		k->total -= k->v[victim].size;
		entry__free(&k->v[victim]);
		k->v[victim] = k->v[--k->n];
		k->evicted++;
	}
}

static enum binkeep_status keep__failed(struct binkeep *k, const char *what)
{
	if (!k->said_failure)
		pr_warn("--preserve-binaries %s: %s: %s (counted from now on)\n", k->dir,
			what, strerror(errno));
	k->said_failure = true;
	k->failed++;
	return BIN_FAILED;
}

/* One file (fd: open for reading) kept or found; its hashes out. */
static enum binkeep_status keep__file(struct binkeep *k, int fd, const struct proc_info *p,
				      const char *path, char md5[33], char sha256[65])
{
	struct binkeep_entry *e;
	uint64_t now = now__ns();
	bool fresh = false;
	struct stat st;
	char tmp[64];

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return BIN_MISSED;
	if ((e = entry__by_identity(k, &st))) {
		entry__seen(e, p, path, now);
		memcpy(md5, e->md5, 33);
		memcpy(sha256, e->sha256, 65);
		k->dirty = true;
		return BIN_KNOWN;
	}
	if ((uint64_t)st.st_size > k->max_file || (uint64_t)st.st_size > k->max_total)
		return BIN_TOO_LARGE;
	snprintf(tmp, sizeof(tmp), ".tmp-%d", (int)getpid());
	if (keep__copy(k, fd, tmp, md5, sha256))
		return keep__failed(k, "cannot write a copy");
	if ((e = entry__by_sha(k, sha256))) { /* the same bytes under another name or inode */
		unlinkat(k->dirfd, tmp, 0);
	} else {
		if (renameat(k->dirfd, tmp, k->dirfd, sha256) || !(e = entry__add(k))) {
			unlinkat(k->dirfd, tmp, 0);
			return keep__failed(k, "cannot name a copy");
		}
		memcpy(e->sha256, sha256, 65);
		e->size = st.st_size;
		k->total += e->size;
		k->kept++;
		fresh = true;
	}
	memcpy(e->md5, md5, 33);
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->mtime = st.st_mtim;
	entry__seen(e, p, path, now);
	k->dirty = true;
	keep__evict(k, e); /* last: it moves entries (e is not used after) */
	return fresh ? BIN_KEPT : BIN_KNOWN;
}

/* A script run through its interpreter: its path is among the first arguments. */
static void keep__script(struct binkeep *k, const struct proc_info *p)
{
	const char *arg = p->args;
	size_t left = p->args_len;

	for (int i = 0; i < 3 && arg && left; i++) {
		size_t n = strnlen(arg, left);
		char head[2], path[4096], md5[33], sha[65];
		int fd;

		if (i > 0 && arg[0] != '-') {
			snprintf(path, sizeof(path), "%s%s%.*s", arg[0] == '/' || !p->cwd ? "" : p->cwd,
				 arg[0] == '/' || !p->cwd ? "" : "/", (int)n, arg);
			fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
			if (fd >= 0 && pread(fd, head, 2, 0) == 2 && head[0] == '#' && head[1] == '!')
				keep__file(k, fd, p, path, md5, sha);
			if (fd >= 0)
				close(fd);
			return;
		}
		if (n >= left)
			return;
		arg += n + 1;
		left -= n + 1;
	}
}

/* Whether fd (the process's /proc/PID/exe) is still the image its exec record names. */
static bool image__same(int fd, const struct proc_info *p)
{
	struct stat st;

	if (!p->image_ino)
		return true; /* not told: trusted, as before the records carried it */
	return !fstat(fd, &st) && st.st_ino == p->image_ino && st.st_dev == p->image_dev;
}

enum binkeep_status binkeep__exec(struct binkeep *k, struct proc_info *p)
{
	enum binkeep_status s;
	char link[64];
	int fd;

	snprintf(link, sizeof(link), "/proc/%d/exe", p->pid);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !image__same(fd, p)) {
		close(fd); /* it exec'ed again since: that image is its next exec's */
		fd = -1;
	}
	if (fd < 0) {
		k->missed++; /* gone: the exec event still names its path */
		return BIN_MISSED;
	}
	s = keep__file(k, fd, p, p->exe, p->md5, p->sha256);
	close(fd);
	if (s == BIN_KNOWN)
		k->known++;
	else if (s == BIN_TOO_LARGE)
		k->too_large++;
	else if (s == BIN_MISSED)
		k->missed++;
	keep__script(k, p);
	return s;
}

static void index__entry(struct json *j, const struct binkeep_entry *e, const char *dir)
{
	char path[4200];

	json__obj_open(j, NULL);
	json__str(j, "sha256", e->sha256);
	if (e->md5[0])
		json__str(j, "md5", e->md5);
	snprintf(path, sizeof(path), "%s/%s", dir, e->sha256);
	json__str(j, "copy", path);
	json__u64(j, "size", e->size);
	json__u64(j, "first_seen_ns", e->first_ns);
	json__u64(j, "last_seen_ns", e->last_ns);
	json__arr_open(j, "paths");
	for (int i = 0; i < BIN_PATHS && e->paths[i]; i++)
		json__str(j, NULL, e->paths[i]);
	json__arr_close(j);
	json__u64(j, "process_count", e->process_count);
	json__arr_open(j, "processes");
	for (unsigned int i = 0; i < e->nprocs; i++) {
		json__obj_open(j, NULL);
		json__i64(j, "pid", e->procs[i].pid);
		json__str(j, "entity_id", e->procs[i].entity_id);
		json__str(j, "comm", e->procs[i].comm);
		json__obj_close(j);
	}
	json__arr_close(j);
	json__obj_close(j);
}

void binkeep__sync(struct binkeep *k)
{
	struct json j;
	int fd;

	if (k->dirfd < 0 || !k->dirty)
		return;
	json__init(&j);
	json__obj_open(&j, NULL);
	json__u64(&j, "total_bytes", k->total);
	json__u64(&j, "max_bytes", k->max_total);
	json__arr_open(&j, "binaries");
	for (size_t i = 0; i < k->n; i++)
		index__entry(&j, &k->v[i], k->dir);
	json__arr_close(&j);
	json__obj_close(&j);
	fd = openat(k->dirfd, "index.json.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, j.buf, j.len) == (ssize_t)j.len && !fsync(fd) &&
	    !renameat(k->dirfd, "index.json.tmp", k->dirfd, "index.json"))
		k->dirty = false;
	if (fd >= 0)
		close(fd);
	json__free(&j);
}

void binkeep__close(struct binkeep *k)
{
	binkeep__sync(k);
	for (size_t i = 0; i < k->n; i++)
		entry__free(&k->v[i]);
	free(k->v);
	free(k->dir);
	if (k->dirfd >= 0)
		close(k->dirfd);
	memset(k, 0, sizeof(*k));
	k->dirfd = -1;
}
