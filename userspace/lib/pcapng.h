/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PCAPNG_H
#define WHOFLOW_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct dwriter;
struct dwriter_stats;

#define PCAPW_MAX_IFACES 256
#define PCAPW_LINKTYPE_ETHERNET 1
#define PCAPW_LINKTYPE_RAW 101

/*
 * A capture file: pcapng (section header, one interface block per interface,
 * enhanced packet blocks with direction and a comment, statistics at close) or
 * classic pcap (nanosecond timestamps, one link type). After a failed write
 * the file is cut back to its last complete block, so it stays readable.
 *
 * A regular file that takes O_DIRECT is written around the page cache by a
 * dwriter (dwriter.h), so a packet is copied once in userspace and never into
 * the page cache: a buffered write costs more CPU than the rest of -w put
 * together (docs/performance.md, part 5). Other files (pipes, stdout, files
 * opened for appending, filesystems without O_DIRECT) go through f's buffer.
 */
struct pcap_writer {
	FILE *f;
	bool ng;
	bool failed;
	int err; /* errno of the failure */
	uint32_t snaplen;
	uint32_t linktype; /* classic pcap: the file's one link type */
	uint64_t good_bytes; /* file offset after the last complete block handed to f */
	uint64_t synced_bytes; /* ... and after the last one pcapw__flush saw written */
	struct dwriter *dw; /* f's descriptor written around the page cache; NULL: through f */
	struct dwriter_stats *disk; /* the caller's, kept across opens: dw's figures added there */
	size_t nifaces;
	struct {
		uint64_t key; /* the caller's identity of the interface */
		uint32_t linktype;
	} ifaces[PCAPW_MAX_IFACES];
};

/* os, appl: the section header's shb_os and shb_userappl (pcapng). w is zeroed
 * before its first open (disk may be set then); a later open (rotation) follows
 * pcapw__flush and the closing of the last f. */
int pcapw__open(struct pcap_writer *w, FILE *f, bool ng, uint32_t snaplen, uint32_t linktype,
		const char *os, const char *appl);
/* The interface's id for packets, writing its description block the first time. */
int pcapw__iface(struct pcap_writer *w, uint64_t key, const char *name, const char *desc,
		 uint32_t linktype);
/* outbound: epb_flags direction; comment may be NULL (pcapng only). */
int pcapw__packet(struct pcap_writer *w, int iface, uint64_t ts_ns, const void *data,
		  uint32_t caplen, uint32_t wirelen, bool outbound, const char *comment);
/* An interface statistics block (pcapng): packets received and dropped. */
int pcapw__stats(struct pcap_writer *w, int iface, uint64_t ts_ns, uint64_t recv, uint64_t drop);
/*
 * Writes out what is buffered (call it after each batch of packets); returns the
 * first error seen, 0 if none. Does not close f. On a failed write (a full
 * disk) the file is cut back to the last whole block a flush saw written, so
 * readers stop cleanly there, and the writer stops.
 */
int pcapw__flush(struct pcap_writer *w);
/* Stops the direct writer and gives f's descriptor back without O_DIRECT (f stays open). */
void pcapw__free(struct pcap_writer *w);

#endif
