/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_JA_H
#define WHOFLOW_JA_H

#include <stddef.h>

struct tls_client_hello;

#define JA4_MAX 48

/*
 * JA3 (Salesforce): returns the string "version,ciphers,extensions,groups,
 * formats" (malloc'd) and fills its MD5; NULL, and md5 "", where Salesforce's
 * ja3.py gives none (an SSLv2 hello, a hello its parser fails on: see
 * tls_client_hello.ja3_none) or memory ran out.
 */
char *ja3__compute(const struct tls_client_hello *ch, char md5[33]);
/*
 * JA4 for TLS over TCP, as FoxIO's reference code computes it from tshark's
 * dissection: GREASE removed from every list; counts capped at 99, two
 * digits; the version from supported_versions when present; ALPN's first and
 * last characters (non-ASCII -> '9', missing -> '0'); ciphers and extensions
 * (without SNI and ALPN) sorted; signature algorithms in wire order after an
 * underscore only when there are any; 000000000000 for an empty hash input.
 * Fills ja4 and returns JA4_r (malloc'd). A malformed hello is fingerprinted
 * from what tshark reads of it (the suites of an odd-length list, the
 * extensions before one that overruns); none (NULL, ja4 "") when nothing past
 * the fixed fields could be read. SSLv2: "ts2i000000_000000000000_000000000000".
 */
char *ja4__compute(const struct tls_client_hello *ch, char ja4[JA4_MAX]);

#endif
