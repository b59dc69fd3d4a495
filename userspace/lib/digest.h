/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DIGEST_H
#define WHOFLOW_DIGEST_H

/*
 * One-shot digests of a few bytes (flow ids, community ids, entity ids, JA4
 * parts), per event. OpenSSL 3 looks the algorithm up again at every
 * EVP_Digest given EVP_sha256() and the like (a fetch under a lock, more than
 * half of hashing 60 bytes, perf showed): here each algorithm is fetched
 * once, and each thread keeps its digest context.
 */
#include <stddef.h>

enum digest_alg {
	DIGEST_MD5,
	DIGEST_SHA1,
	DIGEST_SHA256,
	DIGEST__COUNT,
};

/* The digest of in into out (16, 20 or 32 bytes); its length, or 0 on failure. */
unsigned int digest__once(enum digest_alg alg, const void *in, size_t n, unsigned char *out);
/* n bytes as 2n lowercase hex digits and a NUL. */
void hex__encode(const unsigned char *in, size_t n, char *out);

#endif
