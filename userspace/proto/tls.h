/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_TLS_H
#define WHOFLOW_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * TLS ClientHello and ServerHello decoding, from a handshake message's body or
 * from a client's byte stream (records reassembled). All bounds are checked;
 * on a fault the hello is marked malformed with what was decoded before it.
 */

#define TLS_LIST_MAX 256
#define TLS_SNI_MAX 256
#define TLS_ALPN_MAX 64

struct tls_u16_list {
	uint16_t v[TLS_LIST_MAX];
	size_t n;
	bool cut; /* more than TLS_LIST_MAX in the hello */
};

struct tls_client_hello {
	bool sslv2; /* SSLv2-format hello (legacy) */
	uint16_t legacy_version;
	struct tls_u16_list ciphers; /* wire order, GREASE included */
	struct tls_u16_list extensions;
	struct tls_u16_list groups; /* supported_groups (10) */
	struct tls_u16_list sig_algs; /* signature_algorithms (13) only */
	struct tls_u16_list versions; /* supported_versions (43) */
	struct tls_u16_list key_shares; /* key_share (51) groups */
	uint8_t point_formats[TLS_LIST_MAX];
	size_t npoint_formats;
	uint8_t compression[TLS_LIST_MAX];
	size_t ncompression;
	bool has_sni;
	char sni[TLS_SNI_MAX]; /* host name as sent; unprintable bytes escaped \xNN */
	char alpn[TLS_ALPN_MAX][64]; /* as sent; unprintable bytes escaped */
	uint8_t alpn0_first, alpn0_last; /* raw first and last byte of the first ALPN value */
	size_t alpn0_len;
	size_t nalpn;
	bool malformed;
	const char *malformed_reason;
};

struct tls_server_hello {
	uint16_t legacy_version;
	uint16_t cipher;
	uint16_t selected_version; /* supported_versions, 0 when absent */
	char alpn[64];
	bool hello_retry; /* a HelloRetryRequest (RFC 8446 special random) */
	bool malformed;
	const char *malformed_reason;
};

static inline bool tls__is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Decodes a ClientHello body (after the 4-byte handshake header). */
int tls__client_hello(const uint8_t *b, size_t n, struct tls_client_hello *ch);
/* Decodes an SSLv2-format ClientHello record (starting at its 2-byte length). */
int tls__sslv2_client_hello(const uint8_t *b, size_t n, struct tls_client_hello *ch);
int tls__server_hello(const uint8_t *b, size_t n, struct tls_server_hello *sh);

/*
 * Walks a stream of TLS records (one direction of a connection, from its start)
 * and calls fn for each complete handshake message of the given type, with
 * messages reassembled across records. Stops at the first non-handshake,
 * non-ChangeCipherSpec record. Returns the bytes of stream consumed by complete
 * records, so a caller knows whether more data could still complete a message;
 * -1 when the stream is not TLS.
 */
long tls__walk_handshakes(const uint8_t *s, size_t n, uint8_t type,
			  void (*fn)(const uint8_t *body, size_t len, void *ctx), void *ctx,
			  bool *more_wanted);

/* IANA name of a cipher suite, or "0xNNNN" (GREASE: "GREASE_0xNNNN"). */
const char *tls__cipher_name(uint16_t v, char *buf, size_t n);
/* IANA name of a supported group (x25519, secp256r1, X25519MLKEM768 ...), or "0xNNNN". */
const char *tls__group_name(uint16_t v, char *buf, size_t n);
/* "TLS 1.3", "SSL 3.0", ... or "0xNNNN". */
const char *tls__version_name(uint16_t v, char *buf, size_t n);

#endif
