// SPDX-License-Identifier: GPL-2.0-only
/* pcapng and classic pcap writing (https://ietf-opsawg-wg.github.io/draft-ietf-opsawg-pcap/). */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pcapng.h"

#define BT_SHB 0x0A0D0D0A
#define BT_IDB 0x00000001
#define BT_ISB 0x00000005
#define BT_EPB 0x00000006

/* A block being built: body grows, then the length is written at both ends. */
struct blk {
	uint8_t *b;
	size_t len, cap;
	bool oom;
};

static void blk__put(struct blk *k, const void *p, size_t n)
{
	if (k->len + n + 4 > k->cap) {
		size_t cap = (k->len + n + 4) * 2;
		uint8_t *nb = realloc(k->b, cap);

		if (!nb) {
			k->oom = true;
			return;
		}
		k->b = nb;
		k->cap = cap;
	}
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void blk__u16(struct blk *k, uint16_t v)
{
	blk__put(k, &v, 2);
}

static void blk__u32(struct blk *k, uint32_t v)
{
	blk__put(k, &v, 4);
}

static void blk__pad(struct blk *k)
{
	static const uint8_t zero[4];

	blk__put(k, zero, (4 - k->len % 4) % 4);
}

static void blk__opt(struct blk *k, uint16_t code, const void *v, size_t n)
{
	blk__u16(k, code);
	blk__u16(k, (uint16_t)n);
	blk__put(k, v, n);
	blk__pad(k);
}

static void blk__start(struct blk *k, uint32_t type)
{
	k->len = 0;
	blk__u32(k, type);
	blk__u32(k, 0); /* length, filled at the end */
}

/* opt_endofopt, the trailing length, and the leading one. */
static void blk__end(struct blk *k, bool options)
{
	uint32_t total;

	if (options)
		blk__opt(k, 0, NULL, 0);
	total = (uint32_t)k->len + 4;
	blk__u32(k, total);
	if (!k->oom)
		memcpy(k->b + 4, &total, 4);
}

/*
 * A write failed (a full disk): what f still buffers is dropped, and the file
 * is cut back to the last whole block a flush saw written, so that readers
 * stop cleanly there.
 */
static int pcapw__fail(struct pcap_writer *w)
{
	w->failed = true;
	w->err = errno ? errno : EIO;
	__fpurge(w->f);
	if (ftruncate(fileno(w->f), (off_t)w->synced_bytes) == 0)
		fseeko(w->f, (off_t)w->synced_bytes, SEEK_SET);
	w->good_bytes = w->synced_bytes;
	return -w->err;
}

/* Into f's buffer: the system call comes with the batch's flush (or a full buffer). */
static int pcapw__write(struct pcap_writer *w, const void *p, size_t n)
{
	if (w->failed)
		return -w->err;
	if (fwrite(p, 1, n, w->f) != n)
		return pcapw__fail(w);
	w->good_bytes += n;
	return 0;
}

static int pcapw__emit(struct pcap_writer *w, struct blk *k)
{
	int err = k->oom ? -ENOMEM : pcapw__write(w, k->b, k->len);

	free(k->b);
	return err;
}

/* The same, for a block built in the writer's scratch, which stays for the next. */
static int pcapw__emit_scratch(struct pcap_writer *w, struct blk *k)
{
	int err = k->oom ? -ENOMEM : pcapw__write(w, k->b, k->len);

	w->scratch = k->b;
	w->scratch_cap = k->oom ? 0 : k->cap;
	if (k->oom) {
		free(k->b);
		w->scratch = NULL;
	}
	return err;
}

int pcapw__open(struct pcap_writer *w, FILE *f, bool ng, uint32_t snaplen, uint32_t linktype,
		const char *os, const char *appl)
{
	struct blk k = { 0 };
	uint64_t section_len = UINT64_MAX;

	void *scratch = w->scratch;
	size_t scratch_cap = w->scratch_cap;

	/* A new file (rotation) keeps the scratch of the last one. */
	memset(w, 0, sizeof(*w));
	w->scratch = scratch;
	w->scratch_cap = scratch_cap;
	w->f = f;
	w->ng = ng;
	w->snaplen = snaplen;
	w->linktype = linktype;
	if (!ng) {
		/* Classic pcap with nanosecond timestamps (magic a1b23c4d). */
		uint32_t hdr[6] = { 0xa1b23c4d, 2 | (4u << 16), 0, 0, snaplen, linktype };

		return pcapw__write(w, hdr, sizeof(hdr));
	}
	blk__start(&k, BT_SHB);
	blk__u32(&k, 0x1A2B3C4D);
	blk__u16(&k, 1);
	blk__u16(&k, 0);
	blk__put(&k, &section_len, 8);
	if (os)
		blk__opt(&k, 3, os, strlen(os));
	if (appl)
		blk__opt(&k, 4, appl, strlen(appl));
	blk__end(&k, true);
	return pcapw__emit(w, &k);
}

int pcapw__iface(struct pcap_writer *w, uint64_t key, const char *name, const char *desc,
		 uint32_t linktype)
{
	struct blk k = { 0 };
	uint8_t tsresol = 9; /* nanoseconds */
	int err;

	for (size_t i = 0; i < w->nifaces; i++)
		if (w->ifaces[i].key == key)
			return (int)i;
	if (w->nifaces == PCAPW_MAX_IFACES)
		return -E2BIG;
	if (!w->ng) {
		/* One link type per classic pcap file: others cannot be written. */
		if (linktype != w->linktype)
			return -EPROTOTYPE;
	} else {
		blk__start(&k, BT_IDB);
		blk__u16(&k, (uint16_t)linktype);
		blk__u16(&k, 0);
		blk__u32(&k, w->snaplen);
		if (name)
			blk__opt(&k, 2, name, strlen(name));
		if (desc)
			blk__opt(&k, 3, desc, strlen(desc));
		blk__opt(&k, 9, &tsresol, 1);
		blk__end(&k, true);
		err = pcapw__emit(w, &k);
		if (err)
			return err;
	}
	w->ifaces[w->nifaces].key = key;
	w->ifaces[w->nifaces].linktype = linktype;
	return (int)w->nifaces++;
}

int pcapw__packet(struct pcap_writer *w, int iface, uint64_t ts_ns, const void *data,
		  uint32_t caplen, uint32_t wirelen, bool outbound, const char *comment)
{
	struct blk k = { .b = w->scratch, .cap = w->scratch_cap };
	uint32_t flags = outbound ? 2 : 1; /* epb_flags bits 0-1: 01 inbound, 10 outbound */

	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (!w->ng) {
		uint32_t rec[4] = { (uint32_t)(ts_ns / 1000000000ull), (uint32_t)(ts_ns % 1000000000ull),
				    caplen, wirelen };

		blk__put(&k, rec, sizeof(rec));
		blk__put(&k, data, caplen);
		return pcapw__emit_scratch(w, &k);
	}
	blk__start(&k, BT_EPB);
	blk__u32(&k, (uint32_t)iface);
	blk__u32(&k, (uint32_t)(ts_ns >> 32));
	blk__u32(&k, (uint32_t)ts_ns);
	blk__u32(&k, caplen);
	blk__u32(&k, wirelen);
	blk__put(&k, data, caplen);
	blk__pad(&k);
	if (comment && *comment)
		blk__opt(&k, 1, comment, strlen(comment));
	blk__opt(&k, 2, &flags, 4);
	blk__end(&k, true);
	return pcapw__emit_scratch(w, &k);
}

int pcapw__stats(struct pcap_writer *w, int iface, uint64_t ts_ns, uint64_t recv, uint64_t drop)
{
	struct blk k = { 0 };

	if (!w->ng)
		return 0;
	blk__start(&k, BT_ISB);
	blk__u32(&k, (uint32_t)iface);
	blk__u32(&k, (uint32_t)(ts_ns >> 32));
	blk__u32(&k, (uint32_t)ts_ns);
	blk__opt(&k, 4, &recv, 8); /* isb_ifrecv */
	blk__opt(&k, 5, &drop, 8); /* isb_ifdrop */
	blk__end(&k, true);
	return pcapw__emit(w, &k);
}

int pcapw__flush(struct pcap_writer *w)
{
	if (w->failed)
		return -w->err;
	if (fflush(w->f))
		return pcapw__fail(w);
	w->synced_bytes = w->good_bytes;
	return 0;
}

void pcapw__free(struct pcap_writer *w)
{
	free(w->scratch);
	w->scratch = NULL;
	w->scratch_cap = 0;
}
