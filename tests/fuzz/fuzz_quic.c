// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: QUIC Initial datagrams (headers, lengths, header
 * protection, decryption) and, since random bytes never authenticate, the
 * frame walker on the same bytes taken as a decrypted payload.
 */
#include <stddef.h>
#include <stdint.h>
#include "quic.h"

static void on_crypto(void *ctx, const struct quic_initial *q, uint64_t off, const uint8_t *d,
		      size_t n)
{
	volatile uint8_t sink = n ? d[0] ^ d[n - 1] : 0;

	(void)sink;
	(void)ctx;
	(void)q;
	(void)off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quic_initial q = { 0 };

	quic__open_datagram(data, size, &q, on_crypto, NULL);
	quic__frames(&q, data, size, on_crypto, NULL);
	return 0;
}
