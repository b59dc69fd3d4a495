/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_METRICS_H
#define WHOFLOW_METRICS_H

/*
 * --metrics: the agent's counters in the Prometheus text exposition format
 * (version 0.0.4): whoflow_ names, _total on counters, base units, HELP and
 * TYPE lines (docs/usage.md lists them). Rendering is pure: the monitor
 * gathers the numbers once a second.
 */
#include <stddef.h>
#include <stdint.h>

#define METRICS_SINKS_MAX 8
#define METRICS_IFACES_MAX 256

/* One watched interface's packets. */
struct metrics_iface {
	const char *name, *netns; /* netns: as given to --netns, "" for the agent's own */
	uint64_t seen, not_ip, truncated, malformed;
};

struct metrics_in {
	uint64_t exec, fork, exit, flow, dns, tls, http, alert, drop, file; /* events written, by type */
	uint64_t filtered;
	/* lost, by cause */
	uint64_t lost_proc_ringbuf, lost_argv, lost_pkt_ringbuf, lost_tls_ringbuf, lost_http_ringbuf,
		lost_dns_fragments, lost_flow_table, lost_owner_table, lost_tuple_table,
		lost_drop_table, lost_drop_ringbuf, lost_file_overflow, lost_file_opens,
		lost_file_open_unresolved;
	uint64_t packets_seen, packets_not_ip, packets_truncated, packets_malformed,
		packets_fragments, packets_left_out;
	struct metrics_iface ifaces[METRICS_IFACES_MAX];
	size_t nifaces;
	uint64_t flows_active, processes_tracked;
	uint64_t dns_rcode[24]; /* the last: any other */
	uint64_t tls_version[7]; /* unknown, SSL 3.0, TLS 1.0-1.3, no answer */
	const char *sink_names[METRICS_SINKS_MAX];
	uint64_t sink_written[METRICS_SINKS_MAX], sink_lost[METRICS_SINKS_MAX];
	size_t nsinks;
	double cpu_seconds;
	uint64_t rss_bytes;
	bool containers; /* a container runtime is asked: its counters too */
	uint64_t ctr_found, ctr_not_found, ctr_unreachable, ctr_errors, ctr_queue_full;
	uint64_t ctr_runtime_events, ctr_named, ctr_unnamed;
	bool rules; /* --rules: the rules' gauges too */
	unsigned int rules_usable, rules_skipped, rules_broken;
};

/* The exposition text, malloc'd (NULL: out of memory); *len its length. */
char *metrics__render(const struct metrics_in *in, size_t *len);

#endif
