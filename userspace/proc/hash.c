// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "hash.h"
#include "log.h"

struct hash_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char md5[33];
	char sha256[65];
};

static struct {
	struct hash_entry *v;
	size_t n, cap;
} cache;

static struct hash_entry *cache__find(const struct stat *st)
{
	for (size_t i = 0; i < cache.n; i++) {
		struct hash_entry *e = &cache.v[i];

		if (e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
		    e->mtime.tv_sec == st->st_mtim.tv_sec &&
		    e->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return e;
	}
	return NULL;
}

static void hex__encode(const unsigned char *in, unsigned int n, char *out)
{
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", in[i]);
}

static int hash__fd(int fd, struct hash_entry *e)
{
	EVP_MD_CTX *md5 = EVP_MD_CTX_new(), *sha = EVP_MD_CTX_new();
	unsigned char buf[65536], out[EVP_MAX_MD_SIZE];
	unsigned int n;
	ssize_t r = -1;
	int err = -1;

	if (!md5 || !sha || !EVP_DigestInit_ex(md5, EVP_md5(), NULL) ||
	    !EVP_DigestInit_ex(sha, EVP_sha256(), NULL))
		goto cleanup;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(md5, buf, r);
		EVP_DigestUpdate(sha, buf, r);
	}
	if (r < 0)
		goto cleanup;
	EVP_DigestFinal_ex(md5, out, &n);
	hex__encode(out, n, e->md5);
	EVP_DigestFinal_ex(sha, out, &n);
	hex__encode(out, n, e->sha256);
	err = 0;
cleanup:
	EVP_MD_CTX_free(md5);
	EVP_MD_CTX_free(sha);
	return err;
}

static int cache__add(int fd, const struct stat *st, struct hash_entry **res)
{
	struct hash_entry e = { st->st_dev, st->st_ino, st->st_size, st->st_mtim, "", "" };

	if (hash__fd(fd, &e))
		return -1;
	if (cache.n == cache.cap) {
		size_t cap = cache.cap ? cache.cap * 2 : 64;
		struct hash_entry *v = realloc(cache.v, cap * sizeof(*v));

		if (!v)
			return -1;
		cache.v = v;
		cache.cap = cap;
	}
	cache.v[cache.n] = e;
	*res = &cache.v[cache.n++];
	return 0;
}

int hash__executable(pid_t pid, const char *path, char md5[33], char sha256[65])
{
	struct hash_entry *e;
	char link[64];
	struct stat st;
	int fd, err = 0;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && path && *path)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	e = cache__find(&st);
	if (!e)
		err = cache__add(fd, &st, &e);
	close(fd);
	if (err)
		return err;
	memcpy(md5, e->md5, 33);
	memcpy(sha256, e->sha256, 65);
	return 0;
}

void hash__free(void)
{
	free(cache.v);
	memset(&cache, 0, sizeof(cache));
}
