// SPDX-License-Identifier: GPL-2.0-only
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"

/* A read cursor over the message; every read checks the end. */
struct dns_cur {
	const uint8_t *buf;
	size_t len, pos;
	size_t whole; /* the message's length: where compression pointers may lead */
};

static int cur__u16(struct dns_cur *c, uint16_t *v)
{
	if (c->pos + 2 > c->len)
		return -1;
	*v = (uint16_t)(c->buf[c->pos] << 8 | c->buf[c->pos + 1]);
	c->pos += 2;
	return 0;
}

static int cur__u32(struct dns_cur *c, uint32_t *v)
{
	uint16_t hi, lo;

	if (cur__u16(c, &hi) || cur__u16(c, &lo))
		return -1;
	*v = (uint32_t)hi << 16 | lo;
	return 0;
}

/* A bounded text appender. */
struct text {
	char *s;
	size_t size, len;
	bool overflow;
};

static void text__put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->size) {
		t->overflow = true;
		n = t->size > t->len + 1 ? t->size - t->len - 1 : 0;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text__printf(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text__printf(struct text *t, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		text__put(t, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Label bytes in presentation form: '.' and '\' escaped, unprintables as \DDD. */
static void text__label(struct text *t, const uint8_t *l, size_t n)
{
	char esc[8];

	for (size_t i = 0; i < n; i++) {
		if (l[i] == '.' || l[i] == '\\' || l[i] == '"') {
			esc[0] = '\\';
			esc[1] = (char)l[i];
			text__put(t, esc, 2);
		} else if (l[i] <= 0x20 || l[i] >= 0x7f) {
			text__put(t, esc, snprintf(esc, sizeof(esc), "\\%03u", l[i]));
		} else {
			text__put(t, (const char *)l + i, 1);
		}
	}
}

/*
 * Where the name at pos ends in the message: after its zero label, or after its
 * first compression pointer. (size_t)-1 when the message ends first or a label
 * type is reserved: nothing after it can be found then.
 */
static size_t dns__name_end(const struct dns_cur *c, size_t pos)
{
	while (pos < c->len) {
		uint8_t l = c->buf[pos];

		if ((l & 0xc0) == 0xc0)
			return pos + 2 <= c->len ? pos + 2 : (size_t)-1;
		if (l & 0xc0)
			return (size_t)-1;
		if (l == 0)
			return pos + 1;
		pos += 1 + (size_t)l;
	}
	return (size_t)-1;
}

/*
 * Reads a possibly compressed name at c->pos into text and moves c past it.
 * Pointers may point forward (RFC 1035 says "prior", real traffic does not
 * always); DNS_MAX_HOPS bounds the work, and more hops than that is a loop. A
 * fault in the name leaves c past it when its end is known (*lost false): the
 * message can be read on. The root is ".".
 */
static const char *dns__read_name(struct dns_cur *c, struct text *t, bool *lost)
{
	size_t end = dns__name_end(c, c->pos), pos = c->pos, wire = 0, len = c->len;
	int hops = 0;

	*lost = end == (size_t)-1;
	if (*lost)
		return c->pos >= c->len ? "name runs past the message" :
					  "name runs past the message or has a reserved label type";
	c->pos = end;
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return "name runs past the message";
		l = c->buf[pos];
		if ((l & 0xc0) == 0xc0) {
			if (pos + 2 > len)
				return "compression pointer runs past the message";
			pos = (size_t)(l & 0x3f) << 8 | c->buf[pos + 1];
			/* a name in a record's data may point anywhere in the message */
			len = c->whole;
			if (pos >= len)
				return "compression pointer points past the message";
			if (++hops > DNS_MAX_HOPS)
				return "compression pointer loop";
			continue;
		}
		if (l & 0xc0)
			return "reserved label type";
		wire += l + 1;
		if (wire > 255)
			return "name longer than 255 bytes";
		if (l == 0)
			break;
		if (pos + 1 + l > len)
			return "label runs past the message";
		if (t->len)
			text__put(t, ".", 1);
		text__label(t, c->buf + pos + 1, l);
		pos += 1 + l;
	}
	if (!t->len)
		text__put(t, ".", 1);
	return NULL;
}

static const char *dns__name_into(struct dns_cur *c, char *out, size_t outsz, bool *lost)
{
	struct text t = { out, outsz, 0, false };

	out[0] = '\0';
	return dns__read_name(c, &t, lost);
}

/* A name inside RDATA, appended to the data text (the record's length bounds it). */
static const char *rdata__name(struct dns_cur *c, struct text *t)
{
	char name[DNS_NAME_TEXT_MAX];
	bool lost;
	const char *err = dns__name_into(c, name, sizeof(name), &lost);

	if (!err)
		text__put(t, name, strlen(name));
	return err;
}

static void rdata__char_string(struct text *t, const uint8_t *s, size_t n)
{
	char esc[8];

	text__put(t, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			text__put(t, esc, 2);
		} else if (s[i] < 0x20 || s[i] >= 0x7f) {
			text__put(t, esc, snprintf(esc, sizeof(esc), "\\%03u", s[i]));
		} else {
			text__put(t, (const char *)s + i, 1);
		}
	}
	text__put(t, "\"", 1);
}

static const char *rdata__txt(struct dns_cur *c, size_t end, struct text *t)
{
	while (c->pos < end) {
		uint8_t n = c->buf[c->pos];

		if (c->pos + 1 + n > end)
			return "TXT string runs past its record";
		if (t->len)
			text__put(t, " ", 1);
		rdata__char_string(t, c->buf + c->pos + 1, n);
		c->pos += 1 + n;
	}
	return NULL;
}

static void rdata__unknown(const uint8_t *p, size_t n, struct text *t)
{
	text__printf(t, "\\# %zu", n);
	if (n)
		text__put(t, " ", 1);
	for (size_t i = 0; i < n; i++)
		text__printf(t, "%02x", p[i]);
}

static const char *svc__alpn(const uint8_t *v, size_t n, struct text *t)
{
	size_t i = 0;

	text__put(t, "alpn=\"", 6);
	while (i < n) {
		uint8_t l = v[i];

		if (i + 1 + l > n)
			return "SVCB alpn runs past its parameter";
		if (i)
			text__put(t, ",", 1);
		text__label(t, v + i + 1, l);
		i += 1 + l;
	}
	text__put(t, "\"", 1);
	return NULL;
}

static const char *svc__hints(uint16_t key, const uint8_t *v, size_t n, struct text *t)
{
	size_t alen = key == 4 ? 4 : 16;
	char addr[INET6_ADDRSTRLEN];

	if (n % alen)
		return "SVCB address hint has a bad length";
	text__put(t, key == 4 ? "ipv4hint=" : "ipv6hint=", 9);
	for (size_t i = 0; i < n; i += alen) {
		inet_ntop(key == 4 ? AF_INET : AF_INET6, v + i, addr, sizeof(addr));
		if (i)
			text__put(t, ",", 1);
		text__put(t, addr, strlen(addr));
	}
	return NULL;
}

static const char *svc__param(uint16_t key, const uint8_t *v, size_t n, struct text *t)
{
	text__put(t, " ", 1);
	switch (key) {
	case 1:
		return svc__alpn(v, n, t);
	case 2:
		text__put(t, "no-default-alpn", 15);
		return NULL;
	case 3:
		if (n != 2)
			return "SVCB port has a bad length";
		text__printf(t, "port=%u", v[0] << 8 | v[1]);
		return NULL;
	case 4:
	case 6:
		return svc__hints(key, v, n, t);
	default:
		text__printf(t, "key%u=", key);
		for (size_t i = 0; i < n; i++)
			text__printf(t, "%02x", v[i]);
		return NULL;
	}
}

static const char *rdata__svcb(struct dns_cur *c, size_t end, struct text *t)
{
	uint16_t prio, key, n;
	const char *err;

	if (cur__u16(c, &prio))
		return "SVCB record too short";
	text__printf(t, "%u ", prio);
	err = rdata__name(c, t);
	while (!err && c->pos < end) {
		if (c->pos + 4 > end || cur__u16(c, &key) || cur__u16(c, &n) || c->pos + n > end)
			return "SVCB parameter runs past its record";
		err = svc__param(key, c->buf + c->pos, n, t);
		c->pos += n;
	}
	return err;
}

static const char *rdata__soa(struct dns_cur *c, struct text *t)
{
	uint32_t v[5];
	const char *err = rdata__name(c, t);

	if (err)
		return err;
	text__put(t, " ", 1);
	if ((err = rdata__name(c, t)))
		return err;
	for (int i = 0; i < 5; i++)
		if (cur__u32(c, &v[i]))
			return "SOA record too short";
	text__printf(t, " %u %u %u %u %u", v[0], v[1], v[2], v[3], v[4]);
	return NULL;
}

static const char *rdata__srv(struct dns_cur *c, struct text *t)
{
	uint16_t prio, weight, port;

	if (cur__u16(c, &prio) || cur__u16(c, &weight) || cur__u16(c, &port))
		return "SRV record too short";
	text__printf(t, "%u %u %u ", prio, weight, port);
	return rdata__name(c, t);
}

static const char *rdata__mx(struct dns_cur *c, struct text *t)
{
	uint16_t pref;

	if (cur__u16(c, &pref))
		return "MX record too short";
	text__printf(t, "%u ", pref);
	return rdata__name(c, t);
}

static const char *rdata__addr(struct dns_cur *c, uint16_t rdlen, int af, struct text *t)
{
	char addr[INET6_ADDRSTRLEN];

	if (rdlen != (af == AF_INET ? 4 : 16))
		return "address record has a bad length";
	inet_ntop(af, c->buf + c->pos, addr, sizeof(addr));
	text__put(t, addr, strlen(addr));
	c->pos += rdlen;
	return NULL;
}

/* Decodes RDATA of rdlen bytes at c->pos into presentation text. */
static const char *dns__rdata(struct dns_cur *c, uint16_t type, uint16_t rdlen, char *out,
			      size_t outsz)
{
	struct text t = { out, outsz, 0, false };
	struct dns_cur rc = { c->buf, c->pos + rdlen, c->pos, c->whole };
	const char *err = NULL;

	out[0] = '\0';
	switch (type) {
	case 1:
		err = rdata__addr(&rc, rdlen, AF_INET, &t);
		break;
	case 28:
		err = rdata__addr(&rc, rdlen, AF_INET6, &t);
		break;
	case 2: /* NS */
	case 5: /* CNAME */
	case 12: /* PTR */
	case 39: /* DNAME */
		err = rdata__name(&rc, &t);
		break;
	case 15:
		err = rdata__mx(&rc, &t);
		break;
	case 16:
		err = rdata__txt(&rc, rc.len, &t);
		break;
	case 33:
		err = rdata__srv(&rc, &t);
		break;
	case 6:
		err = rdata__soa(&rc, &t);
		break;
	case 64: /* SVCB */
	case 65: /* HTTPS */
		err = rdata__svcb(&rc, rc.len, &t);
		break;
	default:
		rdata__unknown(c->buf + c->pos, rdlen, &t);
		rc.pos = rc.len;
	}
	if (!err && rc.pos != rc.len)
		err = "record data longer than its contents";
	c->pos += rdlen;
	return err;
}

static const char *dns__question(struct dns_cur *c, struct dns_question *q, bool *fatal)
{
	const char *err = dns__name_into(c, q->name, sizeof(q->name), fatal);

	if (*fatal)
		return err;
	if (cur__u16(c, &q->type) || cur__u16(c, &q->qclass)) {
		*fatal = true;
		return "question runs past the message";
	}
	return err;
}

/* OPT carries EDNS: UDP size in CLASS, extended rcode, version and DO in TTL. */
static void dns__edns(struct dns_msg *m, uint16_t rclass, uint32_t ttl)
{
	m->has_edns = true;
	m->edns_udp_size = rclass;
	m->rcode |= (uint16_t)((ttl >> 24) & 0xff) << 4;
	m->edns_version = (ttl >> 16) & 0xff;
	m->edns_do = ttl & 0x8000;
}

/* The first fault is the one the message reports, with where it was. */
static void dns__fault(struct dns_msg *m, const char *err, const char *field, unsigned int index)
{
	if (m->malformed)
		return;
	m->malformed = true;
	m->malformed_reason = err;
	m->malformed_field = field;
	m->malformed_index = (uint16_t)index;
}

/* One record; a fault in its owner name or its data costs this record only (*fatal false). */
static const char *dns__rr(struct dns_cur *c, struct dns_msg *m, struct dns_rr *rr, bool *is_opt,
			   bool *fatal)
{
	uint16_t rdlen;
	const char *err = dns__name_into(c, rr->name, sizeof(rr->name), fatal);

	if (*fatal)
		return err;
	*fatal = true;
	if (cur__u16(c, &rr->type) || cur__u16(c, &rr->rclass) || cur__u32(c, &rr->ttl) ||
	    cur__u16(c, &rdlen))
		return "record header runs past the message";
	if (c->pos + rdlen > c->len)
		return "record data runs past the message";
	*fatal = false;
	if (err) {
		c->pos += rdlen;
		return err;
	}
	*is_opt = rr->type == 41;
	if (*is_opt) {
		dns__edns(m, rr->rclass, rr->ttl);
		c->pos += rdlen;
		return NULL;
	}
	return dns__rdata(c, rr->type, rdlen, rr->data, sizeof(rr->data));
}

static const char *const section_names[DNS_SECTION__MAX] = { "answer", "authority", "additional" };

/* Returns false when a fault hides where the next record starts: nothing more can be read. */
static bool dns__section(struct dns_cur *c, struct dns_msg *m, enum dns_section s, uint16_t count)
{
	/*
	 * A record takes 11 bytes at least: never allocate for more than the rest of
	 * the message can hold, whatever the header claims.
	 */
	size_t room = (c->len - c->pos) / 11 + 1;

	m->rrs[s] = calloc(count < room ? count : room, sizeof(struct dns_rr));
	if (!m->rrs[s]) {
		dns__fault(m, "out of memory", section_names[s], 0);
		return false;
	}
	for (uint16_t i = 0; i < count; i++) {
		struct dns_rr *rr = &m->rrs[s][m->nrrs[s]];
		bool is_opt = false, fatal = false;
		const char *err;

		if (m->nrrs[s] >= room) {
			dns__fault(m, "more records than the message can hold", section_names[s],
				   i + 1u);
			return false;
		}
		err = dns__rr(c, m, rr, &is_opt, &fatal);
		if (err)
			dns__fault(m, err, section_names[s], i + 1u);
		if (fatal)
			return false;
		/* A record with a fault is left out: never a wrong field. */
		if (!err && !is_opt)
			m->nrrs[s]++;
	}
	return true;
}

static void dns__header(struct dns_msg *m, const uint8_t *b)
{
	m->id = (uint16_t)(b[0] << 8 | b[1]);
	m->flags = (uint16_t)(b[2] << 8 | b[3]);
	for (int i = 0; i < 4; i++)
		m->counts[i] = (uint16_t)(b[4 + 2 * i] << 8 | b[5 + 2 * i]);
	m->response = m->flags & 0x8000;
	m->opcode = (m->flags >> 11) & 0xf;
	m->rcode = m->flags & 0xf;
}

static size_t dns__fit(size_t claimed, size_t room)
{
	return claimed < room ? claimed + 1 : room;
}

int dns__parse(const uint8_t *buf, size_t len, struct dns_msg *m)
{
	struct dns_cur c = { buf, len, 12, len };
	bool go = true;

	memset(m, 0, sizeof(*m));
	if (len < 12) {
		dns__fault(m, "shorter than a DNS header", "header", 0);
		return -1;
	}
	dns__header(m, buf);
	/* A question takes 5 bytes at least (root name, type, class). */
	m->questions = calloc(dns__fit(m->counts[0], (len - 12) / 5 + 1), sizeof(*m->questions));
	if (!m->questions) {
		dns__fault(m, "out of memory", "question", 0);
		return -1;
	}
	for (uint16_t i = 0; go && i < m->counts[0]; i++) {
		bool fatal = false;
		const char *err;

		if (i >= (len - 12) / 5 + 1) {
			dns__fault(m, "more questions than the message can hold", "question",
				   i + 1u);
			go = false;
			break;
		}
		err = dns__question(&c, &m->questions[m->nquestions], &fatal);
		if (err)
			dns__fault(m, err, "question", i + 1u);
		go = !fatal;
		if (!err)
			m->nquestions++;
	}
	for (int s = 0; go && s < DNS_SECTION__MAX; s++)
		go = dns__section(&c, m, (enum dns_section)s, m->counts[1 + s]);
	return m->malformed ? -1 : 0;
}

void dns__malformed_text(const struct dns_msg *m, char *out, size_t outsz)
{
	if (!m->malformed)
		snprintf(out, outsz, "%s", "");
	else if (m->malformed_index)
		snprintf(out, outsz, "%s %u: %s", m->malformed_field, m->malformed_index,
			 m->malformed_reason);
	else
		snprintf(out, outsz, "%s: %s", m->malformed_field ? m->malformed_field : "message",
			 m->malformed_reason);
}

void dns__free(struct dns_msg *m)
{
	free(m->questions);
	for (int s = 0; s < DNS_SECTION__MAX; s++)
		free(m->rrs[s]);
	memset(m, 0, sizeof(*m));
}

/* IANA's "Resource Record (RR) TYPEs" registry, names as dig, tshark and dnspython print them. */
const char *dns__type_name(uint16_t type, char *out, size_t outsz)
{
	static const struct {
		uint16_t v;
		const char *name;
	} names[] = {
		{ 1, "A" },	     { 2, "NS" },	 { 3, "MD" },	       { 4, "MF" },
		{ 5, "CNAME" },	     { 6, "SOA" },	 { 7, "MB" },	       { 8, "MG" },
		{ 9, "MR" },	     { 10, "NULL" },	 { 11, "WKS" },	       { 12, "PTR" },
		{ 13, "HINFO" },     { 14, "MINFO" },	 { 15, "MX" },	       { 16, "TXT" },
		{ 17, "RP" },	     { 18, "AFSDB" },	 { 19, "X25" },	       { 20, "ISDN" },
		{ 21, "RT" },	     { 22, "NSAP" },	 { 23, "NSAP-PTR" },   { 24, "SIG" },
		{ 25, "KEY" },	     { 26, "PX" },	 { 27, "GPOS" },       { 28, "AAAA" },
		{ 29, "LOC" },	     { 30, "NXT" },	 { 31, "EID" },	       { 32, "NIMLOC" },
		{ 33, "SRV" },	     { 34, "ATMA" },	 { 35, "NAPTR" },      { 36, "KX" },
		{ 37, "CERT" },	     { 38, "A6" },	 { 39, "DNAME" },      { 40, "SINK" },
		{ 41, "OPT" },	     { 42, "APL" },	 { 43, "DS" },	       { 44, "SSHFP" },
		{ 45, "IPSECKEY" },  { 46, "RRSIG" },	 { 47, "NSEC" },       { 48, "DNSKEY" },
		{ 49, "DHCID" },     { 50, "NSEC3" },	 { 51, "NSEC3PARAM" }, { 52, "TLSA" },
		{ 53, "SMIMEA" },    { 55, "HIP" },	 { 56, "NINFO" },      { 57, "RKEY" },
		{ 58, "TALINK" },    { 59, "CDS" },	 { 60, "CDNSKEY" },    { 61, "OPENPGPKEY" },
		{ 62, "CSYNC" },     { 63, "ZONEMD" },	 { 64, "SVCB" },       { 65, "HTTPS" },
		{ 66, "DSYNC" },     { 99, "SPF" },	 { 100, "UINFO" },     { 101, "UID" },
		{ 102, "GID" },	     { 103, "UNSPEC" },	 { 104, "NID" },       { 105, "L32" },
		{ 106, "L64" },	     { 107, "LP" },	 { 108, "EUI48" },     { 109, "EUI64" },
		{ 128, "NXNAME" },   { 249, "TKEY" },	 { 250, "TSIG" },      { 251, "IXFR" },
		{ 252, "AXFR" },     { 253, "MAILB" },	 { 254, "MAILA" },     { 255, "ANY" },
		{ 256, "URI" },	     { 257, "CAA" },	 { 258, "AVC" },       { 259, "DOA" },
		{ 260, "AMTRELAY" }, { 261, "RESINFO" }, { 262, "WALLET" },    { 32768, "TA" },
		{ 32769, "DLV" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].v == type)
			return names[i].name;
	snprintf(out, outsz, "TYPE%u", type);
	return out;
}

const char *dns__class_name(uint16_t qclass, char *out, size_t outsz)
{
	switch (qclass) {
	case 1:
		return "IN";
	case 3:
		return "CH";
	case 4:
		return "HS";
	case 254:
		return "NONE";
	case 255:
		return "ANY";
	}
	snprintf(out, outsz, "CLASS%u", qclass);
	return out;
}

const char *dns__rcode_name(uint16_t rcode, char *out, size_t outsz)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED", "YXDOMAIN", "YXRRSET",
					     "NXRRSET", "NOTAUTH", "NOTZONE",  "DSOTYPENI" };

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	if (rcode == 16)
		return "BADVERS";
	snprintf(out, outsz, "RCODE%u", rcode);
	return out;
}

size_t dns__header_flags(const struct dns_msg *m, const char *out[7])
{
	static const struct {
		uint16_t bit;
		const char *name;
	} bits[] = { { 0x0400, "AA" }, { 0x0200, "TC" }, { 0x0100, "RD" },
		     { 0x0080, "RA" }, { 0x0020, "AD" }, { 0x0010, "CD" } };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (m->flags & bits[i].bit)
			out[n++] = bits[i].name;
	if (m->edns_do)
		out[n++] = "DO";
	return n;
}
