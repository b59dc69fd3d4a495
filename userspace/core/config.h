/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CONFIG_H
#define WHOFLOW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "strlist.h"

/* A network for --host/--src/--dst: address in network order, prefix in bits. */
struct pidlist {
	pid_t *v;
	size_t n, cap;
};

/* Process selectors. Each one given must match (AND); values within one are OR. */
struct proc_filter {
	struct pidlist pids, ppids, trees;
	struct strlist comms, exes, cmdlines, containers; /* containers: names or id prefixes */
	struct strlist pods, k8s_namespaces; /* --pod, --k8s-namespace (container metadata) */
	struct strlist cgroup_paths; /* --cgroup-path GLOB, against the cgroup v2 path */
	uint64_t min_duration_ns; /* applies to exit events only */
	bool has_min_duration;
};

struct net_filter {
	unsigned char family; /* 4 or 6 */
	unsigned char prefix;
	unsigned char addr[16];
};

/* Packet selection: the kernel drops what does not match before any work. */
struct packet_filter {
	unsigned char hooks; /* -Q: bit 0 in (ingress), bit 1 out (egress) */
	unsigned short ports[3][8]; /* --port, --sport, --dport */
	unsigned char nports[3];
	struct net_filter nets[3][8]; /* --host, --src, --dst */
	unsigned char nnets[3];
	struct strlist domains; /* --domain: DNS question names and SNI (globs) */
	struct strlist snis; /* --sni: SNI only (globs) */
	struct strlist dns_types; /* --dns-type A,AAAA */
	struct strlist tls_versions; /* --tls-version 1.2,1.3 */
};

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
	OUTPUT_TABLE,
};

/* Everything the command line decides, for every subcommand. */
struct config {
	struct strlist ifaces; /* -i, repeatable */
	struct strlist excludes; /* --exclude GLOB, repeatable */
	const char *netns; /* the first --netns NAME|PATH (attach, detach, -D) */
	struct strlist netnses; /* every --netns: monitor watches them all */
	const char *cgroup; /* --cgroup PATH, NULL: the cgroup2 root */
	enum output_format format;
	long count; /* -c: stop after this many events, 0 = no limit */
	bool line_buffered; /* -l, or stdout is not a terminal */
	bool show_forks;
	bool hash_binaries;
	bool env;
	unsigned long buffer_kib; /* -B: ring buffer size */
	unsigned short dns_ports[8]; /* --dns-ports; 0 ends the list */
	unsigned long long flow_idle_ns; /* --flow-timeouts IDLE,ACTIVE */
	unsigned long long flow_active_ns;
	unsigned long flow_table; /* --flow-table: flows tracked at once */
	unsigned long socket_table; /* --socket-table: socket owners remembered */
	struct proc_filter filter;
	struct packet_filter pkt;
	bool list_ifaces; /* -D */
	const char *read_file; /* -r */
	bool detach_all; /* detach --all */
	bool detach_stale; /* detach --stale */
	const char *write_file; /* -w FILE, "-" for stdout */
	bool pcap_classic; /* --pcap-format pcap */
	unsigned int snaplen; /* -s */
	unsigned long rotate_mb; /* -C */
	unsigned long rotate_seconds; /* -G */
	unsigned long rotate_files; /* -W */
	const char *log_dir; /* --log-dir: one file per event type */
	bool log_json; /* --log-format json */
	unsigned long log_rotate_mb; /* --log-rotate-size */
	unsigned long log_rotate_seconds; /* --log-rotate-interval */
	unsigned long log_keep; /* --log-keep */
	bool log_compress; /* --log-compress */
	struct strlist rules_dirs; /* --rules DIR, repeatable: Sigma rules */
	const char *db_path; /* --db: the SQLite store */
	unsigned long db_retain_s; /* --db-retain, 0: forever */
	unsigned long long db_max_bytes; /* --db-max-size, 0: no limit */
	const char *api_listen; /* --api ADDR:PORT */
	const char *metrics_listen; /* --metrics ADDR:PORT */
	const char *api_token_file; /* --api-token-file */
	bool api_allow_write; /* --api-allow-write: rules and alert triage through the API */
	const char *run_user; /* --user: serve runs as this user once set up */
	struct strlist udp_targets; /* --udp HOST:PORT, repeatable, comma lists */
	unsigned long udp_max_size; /* --udp-max-size, 0: the path's limit */
	const char *ipfix_url; /* --ipfix udp://HOST:PORT or tcp://HOST:PORT */
	const char *nats_url; /* --nats */
	/* File events (file/): --files, --files-all, --file-path, --hash-files, --hash-max-size. */
	bool files, files_all, file_writes, hash_files;
	struct strlist file_paths;
	unsigned long long hash_max_bytes;
	/* --preserve-binaries DIR, --preserve-max-size, --preserve-max-file */
	const char *preserve_dir;
	unsigned long long preserve_max_bytes, preserve_max_file;
	/* Container metadata (meta/): the runtimes' sockets, NULL: their default paths. */
	bool no_container_meta; /* --no-container-metadata */
	const char *docker_socket, *podman_socket, *containerd_socket;
	struct strlist container_labels; /* --container-label KEY: the label allow-list */
	const char *nats_subject; /* --nats-subject ("whoflow" unless given) */
	const char *nats_stream; /* --nats-stream ("WHOFLOW" unless given) */
	unsigned long nats_queue; /* --nats-queue (65536 unless given) */
	unsigned long nats_drain_s; /* --nats-drain-timeout (5 unless given) */
	const char *nats_creds, *nats_token_file, *nats_ca;
	uint32_t ipfix_domain; /* --ipfix-domain (1 unless given) */
	uint32_t ipfix_pen; /* --ipfix-pen (32473 unless given) */
	unsigned long ipfix_refresh_s; /* --ipfix-template-refresh (60 unless given) */
	const char *syslog_target; /* --syslog */
	const char *syslog_facility, *syslog_severity;
	bool drops, drops_all; /* --drops, --drops-all */
	bool xdp; /* attach --xdp */
	bool xdp_skb; /* --xdp-mode skb */
	int tc_mode; /* --tc-mode: enum tc_mode (attach.h) */
	int nexpr; /* trailing words: a filter expression (monitor), interfaces (attach, detach) */
	char **expr;
};

/* The ring buffers' sizes without -B: sized to the work (and counted twice in RSS,
 * as libbpf maps a ring twice), in KiB. */
#define RING_PROC_KIB 2048
#define RING_PKT_KIB 4096
#define RING_CAP_KIB 131072 /* -w's packet copies */

/* The size of a ring buffer: -B, else the ring's default; a power of two, a page at least. */
static inline unsigned long config__ring_bytes(const struct config *cfg, unsigned long default_kib)
{
	unsigned long want = (cfg->buffer_kib ? cfg->buffer_kib : default_kib) * 1024, r = 4096;

	while (r < want)
		r <<= 1;
	return r;
}

#endif
