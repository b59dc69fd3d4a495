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

/* One-byte-length lists (point formats, compression methods) hold at most 255. */
#define TLS_U8_LIST_MAX 256
#define TLS_SNI_MAX 256
#define TLS_ALPN_MAX 64

/*
 * A list of 16-bit values as long as the hello makes it (a hello may carry
 * 32,767 cipher suites): grown on the heap, freed by tls__client_hello_free.
 * cut: memory ran out and the list lacks its tail (shown on the event).
 */
struct tls_u16_list {
	uint16_t *v;
	size_t n, cap;
	bool cut;
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
	uint8_t point_formats[TLS_U8_LIST_MAX];
	size_t npoint_formats;
	uint8_t compression[TLS_U8_LIST_MAX];
	size_t ncompression;
	uint32_t *sslv2_specs; /* SSLv2 hello: its 3-byte cipher specs, as sent */
	size_t nsslv2_specs;
	bool has_sni;
	char sni[TLS_SNI_MAX]; /* host name as sent; unprintable bytes escaped \xNN */
	char alpn[TLS_ALPN_MAX][64]; /* as sent; unprintable bytes escaped */
	uint8_t alpn0_first, alpn0_last; /* raw first and last byte of the first ALPN value */
	size_t alpn0_len;
	size_t nalpn;
	bool alpn_cut; /* more than TLS_ALPN_MAX protocols: the rest not kept */
	bool malformed;
	const char *malformed_reason; /* the first fault found */
	/*
	 * What the fingerprint references make of this hello (see ja.h). ja3_none:
	 * Salesforce's ja3.py gives no JA3 (its parser fails on the fault).
	 * ja4_none: nothing past the fixed fields could be read (FoxIO's code would
	 * fingerprint an empty hello; whoflow gives none).
	 */
	bool ja3_none, ja4_none;
	/* An extension whose data ran past its list: ja3.py keeps its type (its
	 * parser truncates), tshark, and so JA4, drops it. */
	bool has_overrun_ext;
	uint16_t overrun_ext;
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

/*
 * Decodes a ClientHello body (after the 4-byte handshake header) into ch, which
 * must be zeroed or freed first. A fault marks the hello malformed (the first
 * one names the reason) and parsing goes on where the fault allows: an
 * extension's broken content does not hide the extensions after it.
 */
int tls__client_hello(const uint8_t *b, size_t n, struct tls_client_hello *ch);
/* Decodes an SSLv2-format ClientHello record (starting at its 2-byte length). */
int tls__sslv2_client_hello(const uint8_t *b, size_t n, struct tls_client_hello *ch);
/* Frees the lists a decoded hello holds; ch is zeroed. */
void tls__client_hello_free(struct tls_client_hello *ch);
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
