// SPDX-License-Identifier: GPL-2.0-only
/* MD5 and SHA-256 of a file written to (see file_hash.h), with libcrypto. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "file_hash.h"

static void hex(const unsigned char *md, unsigned int n, char *out)
{
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

const char *file_hash__fd(int fd, uint64_t max, char md5[33], char sha256[65])
{
	EVP_MD_CTX *a = EVP_MD_CTX_new(), *b = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	const char *why = NULL;
	unsigned int n;
	struct stat st;
	ssize_t got;
	off_t off = 0;

	if (!a || !b || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		why = "unreadable";
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		why = "too_large";
		goto out;
	}
	EVP_DigestInit_ex(a, EVP_md5(), NULL);
	EVP_DigestInit_ex(b, EVP_sha256(), NULL);
	while ((got = pread(fd, buf, sizeof(buf), off)) > 0) {
		EVP_DigestUpdate(a, buf, (size_t)got);
		EVP_DigestUpdate(b, buf, (size_t)got);
		off += got;
		if ((uint64_t)off > max) {
			why = "too_large"; /* it grew while being read */
			goto out;
		}
	}
	if (got < 0) {
		why = "unreadable";
		goto out;
	}
	EVP_DigestFinal_ex(a, md, &n);
	hex(md, n, md5);
	EVP_DigestFinal_ex(b, md, &n);
	hex(md, n, sha256);
out:
	EVP_MD_CTX_free(a);
	EVP_MD_CTX_free(b);
	return why;
}
