/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DNS_H
#define WHOFLOW_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * DNS message decoder (RFC 1035 and successors). Everything is bounds-checked
 * against the bytes given; compression pointers may point anywhere in the
 * message (forward ones too, as Wireshark, Suricata and resolvers accept) and
 * are followed at most DNS_MAX_HOPS times (more is a loop). A fault in one
 * name or one record's data costs that question or record only: the message
 * is marked malformed with the first fault and where it was, and every
 * question and record that decodes is kept. A fault that hides where the next
 * field starts (a name or record cut by the end) stops the decoding there.
 */

#define DNS_NAME_TEXT_MAX 1024 /* presentation form: \DDD escapes can quadruple 255 bytes */
#define DNS_DATA_TEXT_MAX 4096
#define DNS_MAX_HOPS 64

struct dns_question {
	char name[DNS_NAME_TEXT_MAX];
	uint16_t type, qclass;
};

struct dns_rr {
	char name[DNS_NAME_TEXT_MAX];
	uint16_t type, rclass;
	uint32_t ttl;
	char data
		[DNS_DATA_TEXT_MAX]; /* presentation form, as dig prints it (names without the final dot) */
};

enum dns_section {
	DNS_SECTION_ANSWER,
	DNS_SECTION_AUTHORITY,
	DNS_SECTION_ADDITIONAL,
	DNS_SECTION__MAX,
};

struct dns_msg {
	uint16_t id;
	uint16_t flags; /* the header's second 16 bits */
	uint16_t counts[4]; /* qd, an, ns, ar as the header says */
	bool response;
	uint8_t opcode;
	uint16_t rcode; /* 12 bits when EDNS extends it */
	struct dns_question *questions;
	size_t nquestions;
	struct dns_rr *rrs[DNS_SECTION__MAX]; /* OPT excluded: it is decoded into edns_* */
	size_t nrrs[DNS_SECTION__MAX];
	bool has_edns;
	uint16_t edns_udp_size;
	uint8_t edns_version;
	bool edns_do;
	bool malformed;
	const char *malformed_reason; /* static string: the first fault */
	const char *malformed_field; /* where: "header", "question", "answer", "authority", "additional" */
	uint16_t malformed_index; /* which one of them, from 1 (0: the header) */
};

/* "answer 2: name longer than 255 bytes", for the events. */
void dns__malformed_text(const struct dns_msg *m, char *out, size_t outsz);

/* Returns 0 when the whole message decoded, -1 when it is malformed (see msg). */
int dns__parse(const uint8_t *buf, size_t len, struct dns_msg *msg);
void dns__free(struct dns_msg *msg);

/* "A", "AAAA", ..., or "TYPE65280" (RFC 3597) written to out. */
const char *dns__type_name(uint16_t type, char *out, size_t outsz);
const char *dns__class_name(uint16_t qclass, char *out, size_t outsz);
/* "NOERROR", "NXDOMAIN", ..., or "RCODE23". */
const char *dns__rcode_name(uint16_t rcode, char *out, size_t outsz);
/* Header flags set in msg, as ECS dns.header_flags lists them: AA TC RD RA AD CD DO. */
size_t dns__header_flags(const struct dns_msg *msg, const char *out[7]);

#endif
