/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CAPTURE_H
#define WHOFLOW_CAPTURE_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "pcapng.h"

struct config;
struct flow_tracker;
struct owner_ctx;
struct loop;

/* -w: packet copies from the classifiers, written as pcapng or pcap, rotated. */
struct capture {
	const struct config *cfg;
	const struct flow_tracker *ft;
	const struct owner_ctx *oc;
	struct pcap_writer w;
	FILE *f;
	char path[PATH_MAX];
	unsigned files; /* files opened so far */
	time_t opened;
	uint64_t written; /* packets written, all files (-c) */
	uint64_t user_filtered; /* left out by process selectors checked here */
	uint64_t user_dropped; /* not written: link type the file cannot hold, or write failure */
	bool stopped; /* a write failed, or -W's last file is full */
	uint64_t per_iface[PCAPW_MAX_IFACES]; /* packets written to this file, by interface id */
};

/* Opens the first file (so an unwritable path fails before anything is attached). */
int capture__open(struct capture *c, const struct config *cfg);
/* The classifiers' packet copies (map fd of pkt_capture) join the agent's ring buffers. */
int capture__add_ring(struct capture *c, struct loop *l, int map_fd,
			 const struct flow_tracker *ft, const struct owner_ctx *oc);
/* Statistics blocks (kernel drops per interface from drops_fd), flush, close. */
/* After each batch of records: what the batch wrote goes out in one write;
 * a failed one (full disk) stops the capture, the file cut to its last whole
 * packet. */
void capture__sync(struct capture *c);
/* SIGHUP: a capture file moved away (logrotate) is written anew under its name. */
void capture__reopen(struct capture *c);
void capture__close(struct capture *c, int drops_fd);

#endif
