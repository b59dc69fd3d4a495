/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_QUIC_H
#define WHOFLOW_QUIC_H

/*
 * QUIC Initial packets (RFC 9000, 9001; version 2: RFC 9369): a client's
 * Initial is encrypted with keys anyone can derive from its Destination
 * Connection ID. This decoder removes the header protection, decrypts
 * (AES-128-GCM, OpenSSL's libcrypto) and hands over the CRYPTO frames, where
 * the TLS ClientHello travels. Pure: no state beyond its arguments.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_CID_MAX 20

/* One Initial packet of a datagram, as read. */
struct quic_initial {
	uint32_t version;
	uint8_t dcid[QUIC_CID_MAX], scid[QUIC_CID_MAX];
	uint8_t dcid_len, scid_len;
	uint64_t pn; /* its packet number */
	bool decrypted; /* false: authentication failed (not a client's Initial, or damaged) */
	bool malformed; /* frames that do not parse (what came before them was delivered) */
};

/* A CRYPTO frame's bytes at their offset in the Initial crypto stream. */
typedef void (*quic_crypto_fn)(void *ctx, const struct quic_initial *q, uint64_t off,
			       const uint8_t *data, size_t len);

/*
 * Whether a UDP payload starts with a long-header Initial of version 1 or 2
 * (what the kernel ships): first byte, version, and room for the fields.
 */
bool quic__looks_initial(const uint8_t *b, size_t n);

/*
 * Opens each client Initial packet of a datagram (packets coalesced after it
 * are skipped by their length; other long-header types ignored), calling fn
 * for every CRYPTO frame in it. Returns the Initial packets seen (decrypted
 * or not: see each one's flags through out, the first one's), -1 when the
 * datagram is not a QUIC long-header packet of a known version.
 */
int quic__open_datagram(const uint8_t *b, size_t n, struct quic_initial *out, quic_crypto_fn fn,
			void *ctx);
/*
 * The same with the keys of either side: a server's Initials are sealed with
 * keys from the client's first Destination Connection ID (dcid), not their own.
 */
struct quic_keyspec {
	const uint8_t *dcid;
	size_t dcid_len;
	bool server;
};

int quic__open_datagram_keys(const uint8_t *b, size_t n, struct quic_initial *out,
			     const struct quic_keyspec *ks, quic_crypto_fn fn, void *ctx);
/* The frames of a decrypted Initial's payload: CRYPTO to fn, a fault sets q->malformed. */
void quic__frames(struct quic_initial *q, const uint8_t *p, size_t n, quic_crypto_fn fn, void *ctx);

#endif
