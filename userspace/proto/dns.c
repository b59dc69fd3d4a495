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
 * Reads a possibly compressed name at c->pos into text, advancing c past it.
 * Pointers must point before the label that holds them, which rules out loops;
 * DNS_MAX_HOPS bounds the work anyway. The root is ".".
 */
static const char *dns__read_name(struct dns_cur *c, struct text *t)
{
	size_t pos = c->pos, wire = 0, end = 0;
	int hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t l;

		if (pos >= c->len)
			return "name runs past the message";
		l = c->buf[pos];
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (pos + 2 > c->len)
				return "compression pointer runs past the message";
			target = (size_t)(l & 0x3f) << 8 | c->buf[pos + 1];
			if (target >= pos)
				return "compression pointer does not point backwards";
			if (++hops > DNS_MAX_HOPS)
				return "too many compression pointers";
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = target;
			continue;
		}
		if (l & 0xc0)
			return "reserved label type";
		wire += l + 1;
		if (wire > 255)
			return "name longer than 255 bytes";
		if (l == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + l > c->len)
			return "label runs past the message";
		if (t->len)
			text__put(t, ".", 1);
		text__label(t, c->buf + pos + 1, l);
		pos += 1 + l;
	}
	if (!t->len)
		text__put(t, ".", 1);
	c->pos = end;
	return NULL;
}

static const char *dns__name_into(struct dns_cur *c, char *out, size_t outsz)
{
	struct text t = { out, outsz, 0, false };

	out[0] = '\0';
	return dns__read_name(c, &t);
}

/* A name inside RDATA, appended to the data text. */
static const char *rdata__name(struct dns_cur *c, struct text *t)
{
	char name[DNS_NAME_TEXT_MAX];
	const char *err = dns__name_into(c, name, sizeof(name));

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
	struct dns_cur rc = { c->buf, c->pos + rdlen, c->pos };
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

static const char *dns__question(struct dns_cur *c, struct dns_question *q)
{
	const char *err = dns__name_into(c, q->name, sizeof(q->name));

	if (err)
		return err;
	if (cur__u16(c, &q->type) || cur__u16(c, &q->qclass))
		return "question runs past the message";
	return NULL;
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

static const char *dns__rr(struct dns_cur *c, struct dns_msg *m, struct dns_rr *rr, bool *is_opt)
{
	uint16_t rdlen;
	const char *err = dns__name_into(c, rr->name, sizeof(rr->name));

	if (err)
		return err;
	if (cur__u16(c, &rr->type) || cur__u16(c, &rr->rclass) || cur__u32(c, &rr->ttl) ||
	    cur__u16(c, &rdlen))
		return "record header runs past the message";
	if (c->pos + rdlen > c->len)
		return "record data runs past the message";
	*is_opt = rr->type == 41;
	if (*is_opt) {
		dns__edns(m, rr->rclass, rr->ttl);
		c->pos += rdlen;
		return NULL;
	}
	return dns__rdata(c, rr->type, rdlen, rr->data, sizeof(rr->data));
}

static const char *dns__section(struct dns_cur *c, struct dns_msg *m, enum dns_section s,
				uint16_t count)
{
	const char *err = NULL;

	/*
	 * A record takes 11 bytes at least: never allocate for more than the rest of
	 * the message can hold, whatever the header claims.
	 */
	size_t room = (c->len - c->pos) / 11 + 1;

	m->rrs[s] = calloc(count < room ? count : room, sizeof(struct dns_rr));
	if (!m->rrs[s])
		return "out of memory";
	for (uint16_t i = 0; i < count && !err; i++) {
		struct dns_rr *rr = &m->rrs[s][m->nrrs[s]];
		bool is_opt = false;

		if (m->nrrs[s] >= room) {
			err = "more records than the message can hold";
			break;
		}
		err = dns__rr(c, m, rr, &is_opt);
		/* A record cut by a fault is dropped: never a wrong field. */
		if (!err && !is_opt)
			m->nrrs[s]++;
	}
	return err;
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
	struct dns_cur c = { buf, len, 12 };
	const char *err = NULL;

	memset(m, 0, sizeof(*m));
	if (len < 12) {
		m->malformed = true;
		m->malformed_reason = "shorter than a DNS header";
		return -1;
	}
	dns__header(m, buf);
	/* A question takes 5 bytes at least (root name, type, class). */
	m->questions = calloc(dns__fit(m->counts[0], (len - 12) / 5 + 1), sizeof(*m->questions));
	if (!m->questions)
		err = "out of memory";
	for (uint16_t i = 0; !err && i < m->counts[0]; i++) {
		if (i >= (len - 12) / 5 + 1) {
			err = "more questions than the message can hold";
			break;
		}
		err = dns__question(&c, &m->questions[i]);
		if (!err)
			m->nquestions++;
	}
	for (int s = 0; !err && s < DNS_SECTION__MAX; s++)
		err = dns__section(&c, m, (enum dns_section)s, m->counts[1 + s]);
	if (err) {
		m->malformed = true;
		m->malformed_reason = err;
		return -1;
	}
	return 0;
}

void dns__free(struct dns_msg *m)
{
	free(m->questions);
	for (int s = 0; s < DNS_SECTION__MAX; s++)
		free(m->rrs[s]);
	memset(m, 0, sizeof(*m));
}

const char *dns__type_name(uint16_t type, char *out, size_t outsz)
{
	static const struct {
		uint16_t v;
		const char *name;
	} names[] = { { 1, "A" },	{ 2, "NS" },	 { 5, "CNAME" },  { 6, "SOA" },
		      { 12, "PTR" },	{ 13, "HINFO" }, { 15, "MX" },	  { 16, "TXT" },
		      { 28, "AAAA" },	{ 33, "SRV" },	 { 35, "NAPTR" }, { 39, "DNAME" },
		      { 41, "OPT" },	{ 43, "DS" },	 { 46, "RRSIG" }, { 47, "NSEC" },
		      { 48, "DNSKEY" }, { 50, "NSEC3" }, { 52, "TLSA" },  { 64, "SVCB" },
		      { 65, "HTTPS" },	{ 99, "SPF" },	 { 251, "IXFR" }, { 252, "AXFR" },
		      { 255, "ANY" },	{ 257, "CAA" } };

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
