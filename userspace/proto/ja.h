/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_JA_H
#define WHOFLOW_JA_H

#include <stddef.h>

struct tls_client_hello;

#define JA3_STRING_MAX 4096
#define JA4_MAX 48
#define JA4_R_MAX 4096

/* JA3 (salesforce): the string "version,ciphers,extensions,groups,formats" and its MD5. */
void ja3__compute(const struct tls_client_hello *ch, char *str, size_t strsz, char md5[33]);
/*
 * JA4 and JA4_r for TLS over TCP, as FoxIO's reference code computes them:
 * GREASE removed from every list; counts capped at 99, two digits; the version
 * from supported_versions when present; ALPN's first and last characters
 * (non-ASCII -> '9', missing -> '0'); ciphers and extensions (without SNI and
 * ALPN) sorted; signature algorithms in wire order after an underscore only
 * when there are any; 000000000000 for an empty hash input.
 */
void ja4__compute(const struct tls_client_hello *ch, char ja4[JA4_MAX], char *ja4_r, size_t rsz);

#endif
