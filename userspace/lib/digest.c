// SPDX-License-Identifier: GPL-2.0-only
/* One-shot digests with each algorithm fetched once (see digest.h). */
#include <pthread.h>
#include <openssl/evp.h>
#include "digest.h"

static const char *const names[DIGEST__COUNT] = { "MD5", "SHA1", "SHA256" };
static EVP_MD *algs[DIGEST__COUNT];
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void digest__fetch(void)
{
	for (int i = 0; i < DIGEST__COUNT; i++)
		algs[i] = EVP_MD_fetch(NULL, names[i], NULL);
}

unsigned int digest__once(enum digest_alg alg, const void *in, size_t n, unsigned char *out)
{
	static __thread EVP_MD_CTX *ctx;
	unsigned int len = 0;

	pthread_once(&fetched, digest__fetch);
	if (!ctx)
		ctx = EVP_MD_CTX_new();
	if (!ctx || !algs[alg] || !EVP_DigestInit_ex2(ctx, algs[alg], NULL) ||
	    !EVP_DigestUpdate(ctx, in, n) || !EVP_DigestFinal_ex(ctx, out, &len))
		return 0;
	return len;
}

void hex__encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
