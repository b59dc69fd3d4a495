/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SINK_PCAPNG_H
#define WHOFLOW_SINK_PCAPNG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "dwriter.h"
#include "pcapng.h"
#include "rotate.h"

struct config;
struct sink;

/* The capture sink's state (-w): pcapng or pcap files, rotated like tcpdump's. */
struct capture {
	const struct config *cfg;
	struct pcap_writer w;
	FILE *f;
	char path[PATH_MAX];
	unsigned files; /* files opened so far */
	struct rotor rot; /* -C, -G: when the next file is due (lib/rotate.h) */
	uint64_t written; /* packets written, all files (-c) */
	uint64_t user_dropped; /* not written: link type the file cannot hold, or write failure */
	bool stopped; /* a write failed, or -W's last file is full, or -c was reached */
	int drops_fd; /* the kernel's drops per interface (statistics blocks at close), -1: none */
	uint64_t per_iface[PCAPW_MAX_IFACES]; /* packets written to this file, by interface id */
	uint64_t last_sync_ns; /* CLOCK_MONOTONIC of the last flush */
	bool sync_each; /* flush after every packet (pinned runs: nothing read lost to a SIGKILL) */
	struct dwriter_stats disk; /* direct writes, all files (none through stdio) */
};

/* The capture of a pcapng sink (its counters, the drops map to set), NULL for another sink. */
struct capture *sink_pcapng__capture(struct sink *s);
/* Everything handed to the capture so far into its file, now (a failure stops the capture). */
void capture__sync(struct capture *c);

#endif
