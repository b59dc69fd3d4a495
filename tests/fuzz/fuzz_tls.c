// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: a client's byte stream through the record walker, every
 * hello it yields through the ClientHello/ServerHello decoders, and JA3/JA4.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "ja.h"
#include "tls.h"

static void on_client_hello(const uint8_t *body, size_t len, void *ctx)
{
	struct tls_client_hello ch;
	char md5[33], ja4[JA4_MAX];

	tls__client_hello(body, len, &ch);
	free(ja3__compute(&ch, md5));
	free(ja4__compute(&ch, ja4));
	tls__client_hello_free(&ch);
}

static void on_server_hello(const uint8_t *body, size_t len, void *ctx)
{
	struct tls_server_hello sh;

	tls__server_hello(body, len, &sh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_client_hello ch;
	char md5[33], ja4[JA4_MAX];
	bool more;

	tls__walk_handshakes(data, size, 1, on_client_hello, NULL, &more);
	tls__walk_handshakes(data, size, 2, on_server_hello, NULL, &more);
	/* The raw bytes as a hello body, and as an SSLv2 hello, too. */
	tls__client_hello(data, size, &ch);
	free(ja3__compute(&ch, md5));
	free(ja4__compute(&ch, ja4));
	tls__client_hello_free(&ch);
	tls__sslv2_client_hello(data, size, &ch);
	free(ja4__compute(&ch, ja4));
	tls__client_hello_free(&ch);
	return 0;
}
