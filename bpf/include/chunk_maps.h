/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scratch of packet-chunk records (struct chunk_event: TLS, HTTP, DNS
 * over TCP, later DNS fragments).
 */
#ifndef WHOFLOW_CHUNK_MAPS_H
#define WHOFLOW_CHUNK_MAPS_H

/* A record being built, and the SNI read for -w's selection by name (never shipped). */
struct chunk_scratch {
	struct chunk_event e;
	char sni[WF_SNI_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chunk_scratch);
} tls_scratch SEC(".maps");

#endif
