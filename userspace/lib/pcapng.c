// SPDX-License-Identifier: GPL-2.0-only
/* pcapng and classic pcap writing (https://ietf-opsawg-wg.github.io/draft-ietf-opsawg-pcap/). */
#define _GNU_SOURCE /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "dwriter.h"
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
 * Where the whole blocks end in what reached the file, from a block boundary
 * (from) on: pcapng blocks carry their length, classic pcap records their
 * captured length. A write cut short by a full disk leaves every block before
 * the cut.
 */
static uint64_t pcapw__whole_blocks(const struct pcap_writer *w, int wfd, uint64_t from,
				    uint64_t size)
{
	uint64_t off = from;
	uint32_t h[4];
	char path[64];
	int fd;

	/* f was opened for writing only: the file read through a descriptor of its own */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", wfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return from;
	if (!w->ng && off < 24)
		off = size >= 24 ? 24 : from; /* the file header */
	while (off + sizeof(h) <= size && pread(fd, h, sizeof(h), (off_t)off) == sizeof(h)) {
		uint64_t len = w->ng ? h[1] : 16ull + h[2];

		if ((w->ng && (len < 12 || len % 4)) || off + len > size)
			break;
		off += len;
	}
	close(fd);
	return off;
}

/*
 * A write failed (a full disk): what is still buffered is dropped, and the
 * file is cut back to the last whole block that reached it, so that readers
 * stop cleanly there.
 */
static int pcapw__fail(struct pcap_writer *w)
{
	int fd = fileno(w->f), fl;
	struct stat st;
	uint64_t keep = w->synced_bytes;

	w->failed = true;
	if (!w->err)
		w->err = errno ? errno : EIO;
	__fpurge(w->f);
	if (w->dw) {
		dwriter__discard(w->dw);
		fl = fcntl(fd, F_GETFL); /* nothing more is written: the descriptor as it was */
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_DIRECT);
	}
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size > keep)
		keep = pcapw__whole_blocks(w, fd, keep, (uint64_t)st.st_size);
	if (ftruncate(fd, (off_t)keep) == 0 && !w->dw)
		fseeko(w->f, (off_t)keep, SEEK_SET);
	w->good_bytes = w->synced_bytes = keep;
	return -w->err;
}

/* Appends n bytes of the block being written (the caller counts whole blocks in good_bytes). */
static int pcapw__put(struct pcap_writer *w, const void *p, size_t n)
{
	if (w->failed)
		return -w->err;
	if (w->dw) {
		int err = dwriter__put(w->dw, p, n);

		if (err)
			w->err = -err;
		return err ? pcapw__fail(w) : 0;
	}
	if (fwrite(p, 1, n, w->f) != n)
		return pcapw__fail(w);
	return 0;
}

/* A whole block at once. */
static int pcapw__write(struct pcap_writer *w, const void *p, size_t n)
{
	int err = pcapw__put(w, p, n);

	if (!err)
		w->good_bytes += n;
	return err;
}

static int pcapw__emit(struct pcap_writer *w, struct blk *k)
{
	int err = k->oom ? -ENOMEM : pcapw__write(w, k->b, k->len);

	free(k->b);
	return err;
}

/*
 * O_DIRECT on f's descriptor when the file takes it (a regular file, not
 * stdout, written from its start), written by a dwriter (dwriter.h).
 */
static void pcapw__try_direct(struct pcap_writer *w)
{
	int fd = fileno(w->f), fl;
	struct stat st;

	if (fd < 0 || fd == STDOUT_FILENO || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    ftello(w->f) != 0)
		return;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_APPEND) || fcntl(fd, F_SETFL, fl | O_DIRECT))
		return; /* some filesystems refuse it */
	w->dw = dwriter__new(fd, w->disk);
	if (!w->dw)
		fcntl(fd, F_SETFL, fl);
}

/* The direct writer's threads stop; f's descriptor loses O_DIRECT (f may be read or written again). */
static void pcapw__end_direct(struct pcap_writer *w)
{
	int fl = fcntl(fileno(w->f), F_GETFL);

	dwriter__free(w->dw);
	w->dw = NULL;
	if (fl >= 0)
		fcntl(fileno(w->f), F_SETFL, fl & ~O_DIRECT);
}

int pcapw__open(struct pcap_writer *w, FILE *f, bool ng, uint32_t snaplen, uint32_t linktype,
		const char *os, const char *appl)
{
	struct dwriter_stats *disk = w->disk;
	struct blk k = { 0 };
	uint64_t section_len = UINT64_MAX;

	/* A new file (rotation): the last one's writer is done (flushed, f closed). */
	if (w->dw) {
		dwriter__free(w->dw);
		w->dw = NULL;
	}
	memset(w, 0, sizeof(*w));
	w->disk = disk;
	w->f = f;
	pcapw__try_direct(w);
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

/*
 * The packet goes from the caller's memory (a ring-buffer record) into the
 * file's buffer once: the block's head, the data, its padding and options are
 * appended in turn, and the block counts as written when all of it is.
 */
int pcapw__packet(struct pcap_writer *w, int iface, uint64_t ts_ns, const void *data,
		  uint32_t caplen, uint32_t wirelen, bool outbound, const char *comment)
{
	static const uint8_t zero[4];
	uint32_t flags = outbound ? 2 : 1; /* epb_flags bits 0-1: 01 inbound, 10 outbound */
	size_t clen = comment ? strlen(comment) : 0, pad, total;
	int err;

	if (caplen > w->snaplen)
		caplen = w->snaplen;
	if (clen > 0xfff0)
		clen = 0xfff0;
	if (!w->ng) {
		uint32_t rec[4] = { (uint32_t)(ts_ns / 1000000000ull),
				    (uint32_t)(ts_ns % 1000000000ull), caplen, wirelen };

		err = pcapw__put(w, rec, sizeof(rec));
		if (!err)
			err = pcapw__put(w, data, caplen);
		if (!err)
			w->good_bytes += sizeof(rec) + caplen;
		return err;
	}
	pad = (4 - caplen % 4) % 4;
	/* 28 head, data, its padding; comment; flags (8); end of options (4); length (4) */
	total = 28 + caplen + pad + (clen ? 4 + ((clen + 3) & ~(size_t)3) : 0) + 8 + 4 + 4;
	err = pcapw__put(w,
			 (uint32_t[7]){ BT_EPB, (uint32_t)total, (uint32_t)iface,
					(uint32_t)(ts_ns >> 32), (uint32_t)ts_ns, caplen, wirelen },
			 28);
	if (!err)
		err = pcapw__put(w, data, caplen);
	if (!err)
		err = pcapw__put(w, zero, pad);
	if (!err && clen) {
		uint16_t head[2] = { 1, (uint16_t)clen };

		err = pcapw__put(w, head, 4);
		if (!err)
			err = pcapw__put(w, comment, clen);
		if (!err)
			err = pcapw__put(w, zero, (4 - clen % 4) % 4);
	}
	if (!err) {
		uint32_t tail[4] = { 2 | (4u << 16), flags, 0, (uint32_t)total };

		err = pcapw__put(w, tail, sizeof(tail));
	}
	if (!err)
		w->good_bytes += total;
	return err;
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
	if (w->dw) {
		int err = dwriter__flush(w->dw);

		if (err) {
			w->err = -err;
			return pcapw__fail(w);
		}
	} else if (fflush(w->f)) {
		return pcapw__fail(w);
	}
	w->synced_bytes = w->good_bytes;
	return 0;
}

void pcapw__free(struct pcap_writer *w)
{
	if (w->dw)
		pcapw__end_direct(w);
}
