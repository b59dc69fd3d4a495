/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ABI between bpf/tc/flow.bpf.c and userspace/flow.c, dns.c: types only.
 * Include vmlinux.h (BPF) or <linux/types.h> (user) first.
 * Addresses are network byte order as on the wire; ports and DNS header fields
 * host order. Times are CLOCK_BOOTTIME nanoseconds, but for flow_value.last_ns.
 */
#ifndef WHOFLOW_FLOW_EVENTS_H
#define WHOFLOW_FLOW_EVENTS_H

#include "sock_events.h"

/* DNS messages are shipped to userspace up to this many bytes; longer ones are marked. */
#define WF_DNS_MAX 4096
#define WF_DNS_NAME_MAX 256
#define WF_DNS_PORTS_MAX 8
/* TLS: client bytes shipped at most (a ClientHello with post-quantum key shares fits). */
#define WF_TLS_CLIENT_MAX 16384
#define WF_TLS_SERVER_MAX 4096 /* server bytes: the ServerHello */
#define WF_TLS_CHUNK 4096 /* bytes per record; a GSO packet can need several */
#define WF_TLS_CHUNKS_PER_PACKET 4
#define WF_SNI_MAX 256
#define WF_TLS_LATER_TRIES 24 /* segments of an upgradable flow judged for a late hello */
#define WF_TLS_EXT_MAX 32 /* extensions walked in the kernel looking for server_name */

enum wf_hook {
	WF_HOOK_INGRESS = 0,
	WF_HOOK_EGRESS = 1,
};

/* Per-interface flags the agent sets (iface_flags map). */
enum wf_iface_flags {
	WF_IFACE_NO_L2 = 1, /* no Ethernet header: tun, wireguard, ipip */
	WF_IFACE_LOOPBACK = 2, /* every packet passes egress then ingress: count it once */
	/* Ingress is counted by the XDP program; TC ingress does TCP payload only. */
	WF_IFACE_XDP = 4,
};

/* One interface `whoflow attach` attached to (the attachments map). */
struct wf_attach_key {
	__u64 netns; /* network namespace cookie */
	__u32 ifindex;
	__u32 pad;
};

struct wf_attach_val {
	char ifname[16];
	char netns_name[64]; /* as given to --netns; "" for the attaching command's own */
	__u8 created_qdisc; /* clsact was whoflow's: remove it with the last filter */
	__u8 xdp; /* ingress through XDP (mode xdp+tc) */
	__u8 xdp_skb; /* in generic (skb) XDP mode */
	__u8 tcx; /* TC through TCX links, pinned (else clsact filters) */
	__u32 slot; /* its counters' index in iface_stats (1..WF_IFACE_SLOTS-1; 0: none) */
	__u64 attached_ns; /* CLOCK_REALTIME */
};

/* Packets per interface (iface_stats, per CPU, indexed by wf_attach_val.slot). */
#define WF_IFACE_SLOTS 1024

struct wf_iface_stats {
	__u64 seen, not_ip, truncated, malformed;
};

/*
 * Each CPU's last interfaces (iface_cache, one value per CPU), each entry on a
 * cache line of its own with its interface's slot and the counters of its
 * packets since it took the entry: a packet touches that one line. An entry's
 * counters move to its slot in iface_stats when another interface (or another
 * slot) takes the entry; a reader adds iface_stats' slot and the entries of
 * the interface that still hold counts (userspace/net/iface_slot.h).
 */
#define WF_IFACE_CACHE 64

struct wf_iface_cache_entry {
	__u64 netns;
	__u32 ifindex, slot; /* slot 0: the interface had none at checked_ns */
	__u64 checked_ns;
	struct wf_iface_stats st;
} __attribute__((aligned(64)));

struct wf_iface_cache {
	struct wf_iface_cache_entry e[WF_IFACE_CACHE];
};

/* The entry an interface takes: namespaces mixed in, as every container's
 * eth0 has the same index. */
static inline __u32 iface_cache__index(__u64 netns, __u32 ifindex)
{
	return (ifindex ^ (__u32)(netns * 0x9e3779b97f4a7c15ull >> 40)) & (WF_IFACE_CACHE - 1);
}

enum wf_flow_dir {
	WF_DIR_ORIG = 0, /* from the flow's initiator (the sender of the first packet seen) */
	WF_DIR_REPLY = 1,
};

enum wf_flow_closed {
	WF_FLOW_FIN_ORIG = 1,
	WF_FLOW_FIN_REPLY = 2,
	WF_FLOW_RST = 4,
};

/* Per-CPU counters of packets that make no flow, and of losses. */
enum wf_pkt_stat {
	WF_STAT_PACKETS = 0, /* every packet the classifiers saw */
	WF_STAT_NOT_IP,
	WF_STAT_TRUNCATED,
	WF_STAT_MALFORMED,
	WF_STAT_FRAGMENTS, /* non-first IP fragments (no ports to key a flow) */
	WF_STAT_EXT_LIMIT,
	WF_STAT_FLOW_FULL, /* a new flow could not be inserted */
	WF_STAT_RINGBUF_LOST, /* a DNS record could not be queued */
	WF_STAT_DNS_TOO_BIG, /* DNS message longer than WF_DNS_MAX: shipped cut */
	WF_STAT_TLS_LOST, /* a TLS chunk could not be queued */
	WF_STAT_FILTERED, /* packets the port, address or direction filters left out */
	WF_STAT_HTTP_LOST, /* an HTTP request record could not be queued */
	WF_STAT_FRAG_LOST, /* a fragmented DNS datagram could not be tracked or shipped */
	WF_STAT_CAPTURED, /* packets copied for -w */
	WF_STAT_CAP_LOST, /* packets -w wanted that the capture ring buffer had no room for */
	WF_STAT_CAP_FILTERED, /* packets -w's process selectors left out in the kernel */
	WF_STAT_EXPR_FILTERED, /* packets the filter expression left out */
	WF_STAT__MAX,
};

#define WF_FILTER_MAX 8 /* entries per filter list */

/* An address filter entry: a network in CIDR form. */
struct wf_cidr {
	__u8 family; /* 4 or 6 */
	__u8 prefix; /* bits */
	__u8 pad[2];
	__u8 addr[16]; /* network order */
};

enum wf_filter_list {
	WF_F_PORT = 0, /* either port */
	WF_F_SPORT,
	WF_F_DPORT,
	WF_F_HOST = 0, /* either address */
	WF_F_SRC,
	WF_F_DST,
};

/* A fragmented DNS datagram whose later fragments are shipped. */
struct frag_key {
	__u64 netns;
	__u32 ip_id;
	__u8 family;
	__u8 pad[3];
	__u8 saddr[16];
	__u8 daddr[16];
};

/*
 * The flows map's key is canonical: the lower endpoint (flow_ep__le) first, so
 * that both directions of a flow find it with one lookup. Which end started
 * the flow is flow_value.key_rev; userspace reports the key in the
 * initiator's order.
 */
struct flow_key {
	__u64 netns; /* network namespace cookie: ifindexes repeat across namespaces */
	__u32 ifindex;
	__u8 family; /* 4 or 6 */
	__u8 proto; /* IPPROTO_* */
	__u16 pad;
	__u8 saddr[16]; /* the lower endpoint (in reports: the initiator) */
	__u8 daddr[16];
	__u16 sport; /* ICMP: type; other protocols without ports: 0 */
	__u16 dport; /* ICMP: code */
	__u32 pad2;
};

/*
 * What the agent already reported of a long flow (one past its active
 * timeout): its next record counts from here. Kept by the agent alone, in the
 * flow_base map, so that the classifiers' counters are never written back
 * (a write-back would lose what they counted between the read and the write).
 */
struct wf_flow_base {
	__u64 orig_packets, orig_bytes, reply_packets, reply_bytes;
	__u64 period_ns; /* the current period's start (CLOCK_BOOTTIME) */
};

/* The order of flow_key's endpoints: address (as 32-bit words in host order:
 * any total order will do, as long as kernel and agent share it), then port. */
static inline __attribute__((always_inline)) int flow_ep__le(const __u8 *a, __u16 ap, const __u8 *b,
							     __u16 bp)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	for (int i = 0; i < 4; i++)
		if (x[i] != y[i])
			return x[i] < y[i];
	return ap <= bp;
}

/* One direction's counters: what every packet of that direction writes. */
struct flow_dir_stats {
	__u64 packets; /* wire packets (GSO segments counted) */
	__u64 bytes; /* wire bytes, L2 headers included */
	__u64 last_ns; /* CLOCK_MONOTONIC_COARSE (a tick's precision): userspace converts */
	__u8 tcp_flags; /* OR of every flag seen */
	__u8 pad[7];
};

/*
 * Laid out for two CPUs: the one that sends a flow's data and the one that
 * handles its ACKs. Each direction's counters (written by every packet) sit
 * between two cold blocks of at least 56 bytes, fields no classifier touches
 * once the flow is settled, so that no line holding counters also holds
 * something another CPU reads per packet: the key (read by every lookup, it
 * comes right before the value), the states at the start, the other
 * direction's counters, or the next element of the table. Hash elements are
 * 8-byte aligned, not line aligned: 56 bytes is the most a line can reach
 * past an 8-byte aligned block.
 */
struct flow_value {
	/* Read by every packet, written about never: they share the key's lines. */
	__u8 ep_attr[2]; /* enum wf_attr */
	__u8 closed; /* enum wf_flow_closed */
	__u8 first_hook; /* enum wf_hook of the first packet */
	__u8 tls_state[2]; /* by direction: enum wf_tls_state */
	__u8 http_state[2]; /* by direction: enum wf_http_state */
	__u8 had_sk; /* an egress packet carried a local socket */
	__u8 capture_sel; /* -w with --domain/--sni: its DNS question or SNI matched */
	__u8 dns_port; /* one of its ports is a DNS port (judged once, at creation) */
	__u8 key_rev; /* the initiator is the key's second endpoint (daddr, dport) */
	__u8 aged; /* past its first packets (flow__young): set once */
	__u8 pad0[3];
	__u64 ep_retry_ns; /* an end still unknown is looked up again from then on (coarse clock) */
	/* By enum wf_flow_dir: the owner of the endpoint that sends in that direction
	 * (ep0 is the initiator; FLOW_EP picks one), found once and kept: replies that
	 * arrive after the owner exited are still its. 64 bytes each, read only
	 * while an end is unknown: the cold blocks around orig. */
	struct wf_owner ep0;
	struct flow_dir_stats orig;
	struct wf_owner ep1;
	struct flow_dir_stats reply;
	/* The third cold block: set at creation, read by the agent, or touched
	 * only by a flow's first payload segments. */
	__u64 first_ns;
	/* Userspace only, filled when it reads the flow: the later of the two
	 * directions' last_ns, on CLOCK_BOOTTIME. The kernel never writes it. */
	__u64 last_ns;
	__u64 socket_cookie; /* from the first packet that had a local socket */
	__u32 tls_isn[2]; /* sequence number of the direction's first payload byte */
	__u32 tls_want[2]; /* bytes of the direction's stream to ship */
	__u8 http_tries; /* payload segments judged while http_state was unknown */
	__u8 tls_hrr; /* the server answered with a HelloRetryRequest: second hellos follow */
	__u8 tls_upgrade; /* a direction began with what precedes TLS later (CONNECT, STARTTLS...) */
	__u8 tls_tries; /* segments judged in WF_TLS_LATER, both directions */
	__u32 pad1[3];
};

/* A direction's counters by enum wf_flow_dir. */
#define FLOW_DIR(v, d) ((d) ? &(v)->reply : &(v)->orig)

/* The owner of the end that sends in direction d (enum wf_flow_dir). */
#define FLOW_EP(v, d) ((d) ? &(v)->ep1 : &(v)->ep0)

enum wf_tls_state {
	WF_TLS_UNKNOWN = 0, /* no payload seen yet in this direction */
	WF_TLS_CAPTURE = 1, /* the stream starts with a hello: its bytes are shipped */
	WF_TLS_NOT_TLS = 2, /* the stream starts with something else: never looked at again */
	WF_TLS_DONE = 3, /* every byte that could hold a hello was shipped */
	/* The stream starts with what comes before TLS on an upgraded connection (an
	 * HTTP CONNECT and its answer, a mail or chat protocol's STARTTLS dialogue, a
	 * PROXY header): each segment's start is judged again for a hello, up to
	 * WF_TLS_LATER_TRIES segments. */
	WF_TLS_LATER = 4,
};

enum wf_http_state {
	WF_HTTP_UNKNOWN = 0, /* no payload judged yet in this direction */
	WF_HTTP_REQUESTS = 1, /* requests seen: each segment's start is checked for the next */
	WF_HTTP_NOT_HTTP = 2, /* its first payload was no request: never looked at again */
};

/* A flow whose start was not seen (it began before the agent) has this many
 * payload segments judged before it is taken as not HTTP. */
#define WF_HTTP_TRIES 8

enum wf_pkt_event_kind {
	WF_PKT_EVENT_DNS = 1,
	WF_PKT_EVENT_TLS = 2,
	WF_PKT_EVENT_HTTP = 3, /* a struct chunk_event holding a segment that starts a request */
	WF_PKT_EVENT_DNS_TCP = 4, /* a struct chunk_event: TCP payload on a DNS port, by seq */
	/* A struct chunk_event: a later IP fragment of a DNS datagram. stream_off is
	 * its offset in the datagram, ip_id its IP id, want the datagram's length
	 * when it is the last fragment (0 otherwise). */
	WF_PKT_EVENT_DNS_FRAG = 5,
	WF_PKT_EVENT_QUIC = 6, /* a struct chunk_event: a QUIC client Initial datagram, whole */
};

/* Packet copies for -w are reserved in fixed sizes (snaplen rounds up to one). */
#define WF_CAP_MAX 65535 /* the largest snaplen the kernel path supports */

/* One packet copied for -w, as it was at the hook (VLAN tag: see vlan_tci). */
struct cap_event {
	__u64 ts_ns;
	__u64 netns;
	__u32 ifindex;
	__u32 wire_len; /* skb->len: the packet's length at the hook */
	__u32 cap_len; /* bytes in data */
	__u8 hook; /* enum wf_hook */
	__u8 vlan_present; /* the kernel holds a tag apart from the data: put it back */
	__u16 vlan_tci;
	__u16 vlan_proto; /* network order, as skb->vlan_proto */
	__u8 no_l2; /* data starts at the network header (tun, wireguard) */
	__u8 attr; /* enum wf_attr of owner */
	__u8 has_sk;
	__u8 pad[3];
	struct wf_owner owner;
	__u8 data[];
};

/* A tcpdump filter expression, compiled by libpcap to classic BPF and run in the
 * kernel by an interpreter (one program per link type: Ethernet, raw IP). */
#define WF_CBPF_MAX 512 /* instructions per program */
#define WF_CBPF_WINDOW 2048 /* packet bytes the expression can read (later ones: no match) */

enum wf_cbpf_link {
	WF_CBPF_ETHERNET = 0,
	WF_CBPF_RAW = 1,
};

struct cbpf_insn {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};

enum wf_dns_status {
	WF_DNS_PARSED = 0,
	WF_DNS_NAME_TRUNCATED = 1, /* the question runs past the captured bytes */
	WF_DNS_NAME_MALFORMED = 2, /* a pointer or reserved label type in the question */
	WF_DNS_NO_QUESTION = 3,
};

/* What every packet record starts with: where, when, and the packet's endpoints. */
struct pkt_event_hdr {
	__u32 kind; /* enum wf_pkt_event_kind */
	__u32 ifindex;
	__u64 ts_ns;
	__u64 netns;
	__u64 socket_cookie;
	__u64 flow_first_ns; /* with the flow key, names the flow (whoflow.flow.id) */
	__u8 family;
	__u8 proto;
	__u8 hook; /* enum wf_hook */
	__u8 flow_dir; /* enum wf_flow_dir of this packet */
	__u16 sport, dport;
	__u8 saddr[16];
	__u8 daddr[16];
	/* The process this packet is attributed to: on egress its sender (its own
	 * socket's owner as it left), on ingress its receiver, and where neither end
	 * is in this namespace (a host-side veth) the flow's initiator if it is
	 * local, else its responder. */
	struct wf_owner owner;
	__u8 attr; /* enum wf_attr; WF_ATTR_NONE: owner is empty */
	__u8 has_sk; /* egress: the packet carried a local socket */
	__u8 from_socket; /* egress: the owner is the packet's own socket's, as it left */
	__u8 pad4[5];
};

struct dns_event {
	struct pkt_event_hdr h; /* kind WF_PKT_EVENT_DNS */
	__u16 id, flags, qdcount, ancount, nscount, arcount;
	__u16 qtype, qclass;
	__u8 status; /* enum wf_dns_status: the kernel's view of the first question */
	__u8 qname_len;
	__u8 first_fragment; /* msg[] is the start of a fragmented datagram: more follows */
	__u8 pad;
	__u32 msg_len; /* the DNS message's length on the wire */
	__u32 cap_len; /* bytes of it in msg[] */
	__u32 ip_id; /* with first_fragment: the datagram's IP identification */
	__u32 pad2;
	__u8 msg[WF_DNS_MAX]; /* a record holds the cap_len bytes shipped, nothing after */
	/* The kernel's scratch, never shipped (userspace decodes the whole message):
	 * the first question's name, dotted, as the labels' bytes are. */
	char qname[WF_DNS_NAME_MAX];
};

/* A piece of one direction of a TLS connection's first bytes, by stream offset. */
struct chunk_event {
	struct pkt_event_hdr h; /* kind WF_PKT_EVENT_TLS, _HTTP, _DNS_TCP or _DNS_FRAG */
	__u32 stream_off; /* offset of data[0] from the direction's first payload byte */
	__u32 len; /* bytes in data */
	__u32 want; /* bytes of this direction the kernel ships in all */
	__u32 ip_id; /* DNS_FRAG: the datagram's IP identification */
	/* TLS, the chunk at offset 0 only: where the SNI is in the stream, as the
	 * kernel read it from the hello's first segment and record (sni_len 0: not
	 * there). Only its place travels, not its bytes: they are the stream's own,
	 * and every chunk's head is copied into the ring (docs/architecture.md). */
	__u16 sni_off;
	__u16 sni_len;
	__u8 data[WF_TLS_CHUNK];
};

#endif
