// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: a client's byte stream through the record walker, every
 * hello it yields through the ClientHello/ServerHello decoders, and JA3/JA4.
 */
#include <stddef.h>
#include <stdint.h>
#include "ja.h"
#include "tls.h"

static void on_client_hello(const uint8_t *body, size_t len, void *ctx)
{
	static struct tls_client_hello ch;
	static char ja3[JA3_STRING_MAX], ja4_r[JA4_R_MAX];
	char md5[33], ja4[JA4_MAX];

	tls__client_hello(body, len, &ch);
	ja3__compute(&ch, ja3, sizeof(ja3), md5);
	ja4__compute(&ch, ja4, ja4_r, sizeof(ja4_r));
}

static void on_server_hello(const uint8_t *body, size_t len, void *ctx)
{
	struct tls_server_hello sh;

	tls__server_hello(body, len, &sh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_client_hello ch;
	static char ja4_r[JA4_R_MAX];
	char ja4[JA4_MAX];
	bool more;

	tls__walk_handshakes(data, size, 1, on_client_hello, NULL, &more);
	tls__walk_handshakes(data, size, 2, on_server_hello, NULL, &more);
	/* The raw bytes as a hello body, and as an SSLv2 hello, too. */
	tls__client_hello(data, size, &ch);
	if (!tls__sslv2_client_hello(data, size, &ch))
		ja4__compute(&ch, ja4, ja4_r, sizeof(ja4_r));
	return 0;
}
