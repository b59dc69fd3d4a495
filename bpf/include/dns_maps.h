/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DNS: the record scratch and the fragmented datagrams in flight.
 */
#ifndef WHOFLOW_DNS_MAPS_H
#define WHOFLOW_DNS_MAPS_H

/* Fragmented DNS datagrams in flight: a plain hash, refusals counted; the last fragment deletes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct frag_key);
	__type(value, __u64);
} dns_frags SEC(".maps");

/* A DNS record is 4.4 KiB: built here, not on the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_event);
} dns_scratch SEC(".maps");

#endif
