// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <string.h>
#include <openssl/evp.h>
#include "digest.h"
#include "community_id.h"

/* ICMP types that have a counterpart (echo/reply, ...): the pair hashes like ports. */
static int icmp__counterpart(bool v6, uint8_t type)
{
	static const uint8_t v4[][2] = {
		{ 8, 0 },   { 0, 8 },  { 13, 14 }, { 14, 13 }, { 15, 16 },
		{ 16, 15 }, { 10, 9 }, { 9, 10 },  { 17, 18 }, { 18, 17 }
	};
	static const uint8_t v6map[][2] = { { 128, 129 }, { 129, 128 }, { 133, 134 }, { 134, 133 },
					    { 135, 136 }, { 136, 135 }, { 130, 131 }, { 131, 130 },
					    { 144, 145 }, { 145, 144 } };
	const uint8_t(*map)[2] = v6 ? v6map : v4;
	size_t n = v6 ? sizeof(v6map) / sizeof(v6map[0]) : sizeof(v4) / sizeof(v4[0]);

	for (size_t i = 0; i < n; i++)
		if (map[i][0] == type)
			return map[i][1];
	return -1;
}

static bool proto__has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58;
}

int community_id__v1(uint16_t seed, int family, const uint8_t *saddr, const uint8_t *daddr,
		     uint8_t proto, uint16_t sport, uint16_t dport, char *out, size_t outsz)
{
	size_t alen = family == 6 ? 16 : 4, n = 0;
	uint8_t buf[2 + 32 + 4 + 4], md[EVP_MAX_MD_SIZE];
	bool one_way = false;
	unsigned int mdlen = 0;
	int cmp;

	if (outsz < COMMUNITY_ID_LEN)
		return -1;
	if (proto == 1 || proto == 58) {
		int peer = icmp__counterpart(proto == 58, (uint8_t)sport);

		if (peer >= 0)
			dport = (uint16_t)peer;
		else
			one_way = true;
	}
	/* Order the endpoints so both directions of a flow hash the same. */
	cmp = memcmp(saddr, daddr, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && sport > dport))) {
		const uint8_t *ta = saddr;
		uint16_t tp = sport;

		saddr = daddr;
		daddr = ta;
		sport = dport;
		dport = tp;
	}
	buf[n++] = seed >> 8;
	buf[n++] = seed & 0xff;
	memcpy(buf + n, saddr, alen);
	n += alen;
	memcpy(buf + n, daddr, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (proto__has_ports(proto)) {
		buf[n++] = sport >> 8;
		buf[n++] = sport & 0xff;
		buf[n++] = dport >> 8;
		buf[n++] = dport & 0xff;
	}
	mdlen = digest__once(DIGEST_SHA1, buf, n, md);
	memcpy(out, "1:", 2);
	EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen);
	return 0;
}
