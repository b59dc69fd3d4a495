// SPDX-License-Identifier: GPL-2.0-only
/* The pcapng/pcap writer, read back by libpcap and by a block walker written from the spec. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "dwriter.h"
#include "pcapng.h"

/* A real frame: Ethernet, IPv4, UDP to port 53 with a DNS query for example.com. */
static const uint8_t frame[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x39, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc6, 0x12,
	0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0xa4, 0x10, 0x00, 0x35, 0x00, 0x25, 0x00, 0x00,
	0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 'e',
	'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01,
};

static FILE *write_file(bool ng, uint32_t snaplen)
{
	struct pcap_writer w = { 0 };
	FILE *f = tmpfile();
	int a, b;

	assert_non_null(f);
	assert_int_equal(pcapw__open(&w, f, ng, snaplen, PCAPW_LINKTYPE_ETHERNET, "Linux", "test"), 0);
	a = pcapw__iface(&w, 11, "veth0", "netns=one", PCAPW_LINKTYPE_ETHERNET);
	b = pcapw__iface(&w, 22, "eth0", "netns=two", PCAPW_LINKTYPE_ETHERNET);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(pcapw__iface(&w, 11, "veth0", NULL, PCAPW_LINKTYPE_ETHERNET), 0);
	assert_int_equal(pcapw__packet(&w, a, 1700000000123456789ull, frame, sizeof(frame),
				       sizeof(frame), true, "pid=42 comm=dig"),
			 0);
	assert_int_equal(pcapw__packet(&w, b, 1700000000223456789ull, frame, sizeof(frame),
				       sizeof(frame), false, NULL),
			 0);
	assert_int_equal(pcapw__stats(&w, a, 1700000001000000000ull, 1, 7), 0);
	assert_int_equal(pcapw__flush(&w), 0);
	pcapw__free(&w);
	rewind(f);
	return f;
}

static void read_back(FILE *f, uint32_t want_caplen, int want_packets)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcap_pkthdr *h;
	const u_char *data;
	int n = 0;

	assert_non_null(p);
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_int_equal(h->caplen, want_caplen);
		assert_int_equal(h->len, sizeof(frame));
		assert_memory_equal(data, frame, want_caplen);
		if (n == 0) {
			assert_int_equal(h->ts.tv_sec, 1700000000);
			assert_int_equal(h->ts.tv_usec, 123456789); /* nanoseconds with NANO precision */
		}
		n++;
	}
	assert_int_equal(n, want_packets);
	pcap_close(p);
}

static void test_pcapng_read_by_libpcap(void **state)
{
	read_back(write_file(true, 65535), sizeof(frame), 2);
}

static void test_classic_pcap_and_snaplen(void **state)
{
	read_back(write_file(false, 40), 40, 2);
}

/* Walks blocks as the spec lays them out: lengths agree at both ends, options end, comment and flags. */
static void test_blocks_and_options(void **state)
{
	FILE *f = write_file(true, 65535);
	uint8_t buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), f), off = 0;
	uint32_t types[8] = { 0 }, nblocks = 0;
	bool saw_comment = false, saw_out = false, saw_in = false, saw_drop = false;

	fclose(f);
	while (off + 12 <= n) {
		uint32_t type, len, len2;

		memcpy(&type, buf + off, 4);
		memcpy(&len, buf + off + 4, 4);
		assert_true(len % 4 == 0 && off + len <= n);
		memcpy(&len2, buf + off + len - 4, 4);
		assert_int_equal(len, len2);
		if (nblocks < 8)
			types[nblocks] = type;
		nblocks++;
		if (type == 6) {
			uint32_t caplen, flags = 0;
			size_t o;

			memcpy(&caplen, buf + off + 20, 4);
			o = off + 28 + ((caplen + 3) & ~3u);
			while (o + 4 <= off + len - 4) {
				uint16_t code, olen;

				memcpy(&code, buf + o, 2);
				memcpy(&olen, buf + o + 2, 2);
				if (code == 0)
					break;
				if (code == 1)
					saw_comment = olen == 15 && !memcmp(buf + o + 4, "pid=42 comm=dig", 15);
				if (code == 2) {
					memcpy(&flags, buf + o + 4, 4);
					saw_out |= (flags & 3) == 2;
					saw_in |= (flags & 3) == 1;
				}
				o += 4 + ((olen + 3u) & ~3u);
			}
		}
		if (type == 5)
			saw_drop = memmem(buf + off, len, "\x05\x00\x08\x00\x07\x00", 6) != NULL;
		off += len;
	}
	assert_int_equal(off, n);
	assert_int_equal(nblocks, 6); /* SHB, 2 IDB, 2 EPB, ISB */
	assert_int_equal(types[0], 0x0A0D0D0A);
	assert_int_equal(types[1], 1);
	assert_int_equal(types[5], 5);
	assert_true(saw_comment && saw_out && saw_in && saw_drop);
}

static void test_classic_pcap_refuses_other_linktypes(void **state)
{
	struct pcap_writer w = { 0 };
	FILE *f = tmpfile();

	assert_int_equal(pcapw__open(&w, f, false, 100, PCAPW_LINKTYPE_ETHERNET, NULL, NULL), 0);
	assert_true(pcapw__iface(&w, 1, "tun0", NULL, PCAPW_LINKTYPE_RAW) < 0);
	fclose(f);
}

/*
 * What the direct writer told of the disk: every byte of the file reached it,
 * in a time it measured; nothing when the file went through stdio. With
 * flushes after the first packet and at the end only, each page went once
 * (the last one padded) but the first flush's partial page, written again
 * whole; with more flushes, more partial pages went twice.
 */
static void check_disk_figures(const struct dwriter_stats *disk, bool direct, uint64_t size,
			       bool two_flushes)
{
	uint64_t padded = (size + 4095) & ~4095ull;

	if (!direct) {
		assert_int_equal(disk->bytes, 0);
		return;
	}
	if (two_flushes)
		assert_int_equal(disk->bytes, padded + 4096);
	else
		assert_true(disk->bytes > padded);
	assert_true(disk->busy_ns > 0);
	assert_true(disk->wait_ns > 0);
}

/*
 * n packets of len bytes (each starting with its number), a flush every
 * flush_every, a comment on odd ones; the file's size equals what the writer
 * counted, and libpcap reads every packet back intact. Returns whether the
 * writer went around the page cache.
 */
static bool write_many(FILE *f, int n, uint32_t len, int flush_every)
{
	struct dwriter_stats disk = { 0 };
	struct pcap_writer w = { .disk = &disk };
	uint64_t before;
	static uint8_t pkt[9000];
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct stat st;
	bool direct;
	pcap_t *p;
	int i;

	for (i = 0; i < (int)sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7);
	assert_int_equal(pcapw__open(&w, f, true, 65535, PCAPW_LINKTYPE_ETHERNET, "Linux", "test"), 0);
	direct = w.dw != NULL;
	assert_int_equal(pcapw__iface(&w, 1, "veth0", NULL, PCAPW_LINKTYPE_ETHERNET), 0);
	for (i = 0; i < n; i++) {
		memcpy(pkt, &i, sizeof(i));
		assert_int_equal(pcapw__packet(&w, 0, 1700000000000000000ull + (uint64_t)i, pkt,
					       len, len, i % 3, i % 2 ? "pid=7 comm=odd" : NULL),
				 0);
		if (i % flush_every == 0)
			assert_int_equal(pcapw__flush(&w), 0);
	}
	assert_int_equal(pcapw__flush(&w), 0);
	assert_int_equal(fstat(fileno(f), &st), 0);
	assert_int_equal((uint64_t)st.st_size, w.good_bytes);
	/* Flushed with nothing new (an idle capture, flushed every 100 ms): nothing written again. */
	before = disk.bytes;
	assert_int_equal(pcapw__flush(&w), 0);
	assert_int_equal(disk.bytes, before);
	pcapw__free(&w);
	check_disk_figures(&disk, direct, (uint64_t)st.st_size, flush_every > n);
	rewind(f);
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	assert_non_null(p);
	for (i = 0; pcap_next_ex(p, &h, &data) == 1; i++) {
		int got;

		assert_int_equal(h->caplen, len);
		memcpy(&got, data, sizeof(got));
		assert_int_equal(got, i);
		assert_memory_equal(data + sizeof(got), pkt + sizeof(got), len - sizeof(got));
	}
	assert_int_equal(i, n);
	pcap_close(p); /* closes f */
	return direct;
}

/* A file on disk (ext4 here) goes around the page cache: 4000 packets of 1,514
 * bytes cross the 4 MiB buffer, with partial pages flushed and written again. */
static void test_direct_write_reads_back(void **state)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_true(write_many(f, 4000, 1514, 13));
}

/* A file opened for appending (as a filesystem without O_DIRECT): the same packets through stdio. */
static void test_buffered_write_reads_back(void **state)
{
	char path[] = "/tmp/wf-pcapng-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	unlink(path);
	f = fdopen(fd, "a+");
	assert_non_null(f);
	assert_false(write_many(f, 4000, 1514, 13));
}

/* Large packets, one flush at the end only: whole buffers written as they fill. */
static void test_direct_large_packets(void **state)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_true(write_many(f, 1200, 9000, 100000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcapng_read_by_libpcap),
		cmocka_unit_test(test_classic_pcap_and_snaplen),
		cmocka_unit_test(test_blocks_and_options),
		cmocka_unit_test(test_classic_pcap_refuses_other_linktypes),
		cmocka_unit_test(test_direct_write_reads_back),
		cmocka_unit_test(test_buffered_write_reads_back),
		cmocka_unit_test(test_direct_large_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
