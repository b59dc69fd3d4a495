// SPDX-License-Identifier: GPL-2.0-only
/*
 * TC classifiers (clsact ingress and egress): parse every packet, account it to
 * its flow, and ship DNS messages to userspace with the first question already
 * extracted. They never drop or change a packet and return TC_ACT_UNSPEC, so
 * filters after ours still run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "parse.h"
#include "flow_events.h"
#include "owner_maps.h"
#include "owner_helpers.h"
#include "proc_verdict_maps.h"

#define TC_ACT_UNSPEC_ (-1)

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

char LICENSE[] SEC("license") = "GPL";

/* Set by the agent before load. */
const volatile __u16 dns_ports[WF_DNS_PORTS_MAX] = { 53 };
const volatile bool record_last = false; /* tests: keep the last parse in last_meta */
/* -r: packets are replayed through bpf_prog_test_run with their capture time in skb->tstamp. */
const volatile bool offline = false;
/* Some interface may take ingress by XDP (monitor --xdp, or pinned programs that a
 * later attach --xdp may use): only then does TC ingress look up iface_flags. */
const volatile bool xdp_ingress = false;
/* Packet filters (tcpdump's -Q, port and host): all given lists must match, any entry of one. */
const volatile __u8 hooks_wanted = 3; /* bit WF_HOOK_INGRESS, bit WF_HOOK_EGRESS */
const volatile __u16 filter_ports[3][WF_FILTER_MAX] = {};
const volatile __u8 filter_nports[3] = {};
const volatile struct wf_cidr filter_nets[3][WF_FILTER_MAX] = {};
const volatile __u8 filter_nnets[3] = {};
/* -w: copy selected packets, this many bytes of each (0: no capture). */
const volatile __u32 capture_snaplen = 0;
/* -w with process selectors: only packets whose owner is one of these tgids, or
 * whose comm is one of these (checked in the kernel, so others are not copied). */
#define WF_CAP_PIDS 8
#define WF_CAP_COMMS 4
const volatile __u32 capture_pids[WF_CAP_PIDS] = {};
const volatile __u8 capture_npids = 0;
const volatile char capture_comms[WF_CAP_COMMS][WF_OWNER_COMM_LEN] = {};
const volatile __u8 capture_ncomms = 0;
/* -w with --domain/--sni: only flows whose DNS question or SNI matched are copied. */
const volatile bool capture_by_name = false;
/* Other process selectors: the agent's verdict per process image (proc_verdict_maps.h). */
const volatile bool capture_by_image = false;
/* Instructions in each filter-expression program (enum wf_cbpf_link); 0: none.
 * Data, not read-only: set with the program after load (tests swap programs). */
__u32 cbpf_len[2];
__u32 last_cbpf_verdict; /* tests: the last expression's verdict (with record_last) */

/* Read by the BPF tests through the skeleton's .bss. */
struct pkt_meta last_meta;
__u32 last_dns_status;
char last_dns_qname[WF_DNS_NAME_MAX]; /* the qname stays in the kernel's scratch */

/*
 * A plain hash, not LRU: when full, a new flow fails to insert and is counted
 * (WF_STAT_FLOW_FULL) instead of silently evicting an older one. The agent
 * removes ended and idle flows every second.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by the agent (--flow-table) */
	__type(key, struct flow_key);
	__type(value, struct flow_value);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} pkt_events SEC(".maps");

/* Packet copies for -w, apart from the event records so that one cannot starve the other. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);
} pkt_capture SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * WF_CBPF_MAX);
	__type(key, __u32);
	__type(value, struct cbpf_insn);
} cbpf_prog SEC(".maps");

/* The interpreter's registers, memory and packet window, per CPU. */
struct cbpf_state {
	__u32 A, X, pc, base, plen, verdict, len, data_len;
	__u32 M[16];
	__u8 data[WF_CBPF_WINDOW + 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cbpf_state);
} cbpf_scratch SEC(".maps");

/* Names -w selects, by reversed FNV-1a hash (see wf_name_selected): 1 exact, 2 suffix. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} capture_names SEC(".maps");

/* Flows userspace selected for -w after the kernel could not (an SNI beyond the
 * hello's first segment): copied from their next packet on. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, __u8);
} capture_flows SEC(".maps");

/* -w's losses per interface (namespace, ifindex), for each interface's ISB. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct wf_attach_key);
	__type(value, __u64);
} capture_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WF_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} pkt_stats SEC(".maps");

/* Fragmented DNS datagrams in flight: a plain hash, refusals counted; the last fragment deletes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct frag_key);
	__type(value, __u64);
} dns_frags SEC(".maps");

/* What `whoflow attach` put where: written and read by the agent only, and
 * pinned with the rest so that separate commands see the same state. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct wf_attach_key);
	__type(value, struct wf_attach_val);
} attachments SEC(".maps");

/* Per interface, keyed by namespace and index (indexes repeat across
 * namespaces): enum wf_iface_flags. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct wf_attach_key);
	__type(value, __u32);
} iface_flags SEC(".maps");

/* A DNS record is 4.4 KiB: built here, not on the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_event);
} dns_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tls_chunk_event);
} tls_scratch SEC(".maps");

/* Event time: now, or the packet's capture time when replaying a file. */
/* The owner of the packet's own socket, when it left with one (see sender__load). */
struct pkt_sender {
	struct wf_owner o;
	__u64 valid;
	struct wf_tuple_key key; /* scratch: the stack is full */
	__u64 cookie; /* egress: the packet's socket, 0 if none */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pkt_sender);
} pkt_sender SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow_value);
} flow_init SEC(".maps");

/* Senders known from the socket a packet brought from another namespace, by the
 * packet's addresses in this namespace (see hint__note). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct wf_tuple_key);
	__type(value, struct wf_owner);
} owner_hints SEC(".maps");

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME 0x100000001b3ull

/*
 * Whether a DNS name or SNI is one -w selects: one pass from the last byte to
 * the first, hashing (FNV-1a, lower case) the suffix read so far; at each dot
 * the suffix (".example.com") is looked up as a *.suffix pattern, and the whole
 * name at the end as an exact one. userspace/flow.c hashes patterns the same way.
 */
/* A name buffer as the verifier must see it: a global function's pointer argument
 * is as large as its type. */
struct wf_name {
	char s[WF_SNI_MAX];
};

__noinline int wf_name_selected(const struct wf_name *name, __u32 len)
{
	__u64 h = FNV64_OFFSET;
	__u8 *kind;

	if (!name || !len || len > WF_SNI_MAX)
		return 0;
	for (int j = 0; j < WF_SNI_MAX; j++) {
		__u32 i;
		char c;

		if (j >= len)
			break;
		i = (len - 1 - j) & (WF_SNI_MAX - 1);
		c = name->s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ (__u8)c) * FNV64_PRIME;
		if (c == '.') {
			kind = bpf_map_lookup_elem(&capture_names, &h);
			if (kind && (*kind & 2))
				return 1;
		}
	}
	kind = bpf_map_lookup_elem(&capture_names, &h);
	return kind && (*kind & 1);
}

/*
 * Whether skb->sk at ingress is the packet's sender: a veth hands its peer the
 * skb with the sending socket still attached (in the other namespace), so at
 * a container's host-side veth the sender is known from the first packet.
 * The socket must be the one that sent this packet (its protocol and source
 * port): a receiver's socket is only attached later, in the IP layer, and an
 * address translation on the way changes the port.
 */
static __always_inline bool sender__ingress_sk(struct __sk_buff *skb, const struct pkt_meta *m)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return false;
	sk = bpf_sk_fullsock(sk);
	return sk && sk->protocol == m->l4_proto && sk->src_port == m->sport;
}

/*
 * The owner of the packet's own socket: as it leaves (egress), or as it
 * arrives over a veth from another namespace (ingress, see above). Looked up
 * only when a record is built or the owner join runs, not for every packet.
 */
static __always_inline struct pkt_sender *sender__load(struct __sk_buff *skb,
						       const struct pkt_meta *m, __u8 hook)
{
	__u32 zero = 0;
	struct pkt_sender *cur = bpf_map_lookup_elem(&pkt_sender, &zero);
	struct wf_owner *o;

	if (!cur)
		return NULL;
	cur->valid = 0;
	cur->cookie = hook == WF_HOOK_EGRESS || sender__ingress_sk(skb, m) ?
			      bpf_get_socket_cookie(skb) :
			      0;
	if (cur->cookie && (o = bpf_map_lookup_elem(&owners, &cur->cookie)) && o->tgid) {
		cur->o = *o;
		cur->valid = 1;
	}
	return cur;
}

/* No socket at hand (XDP). */
static __always_inline struct pkt_sender *sender__none(void)
{
	__u32 zero = 0;
	struct pkt_sender *cur = bpf_map_lookup_elem(&pkt_sender, &zero);

	if (cur) {
		cur->valid = 0;
		cur->cookie = 0;
	}
	return cur;
}

/* An event's time: now, or the packet's capture time when replaying a file. */
static __always_inline __u64 clock__now(struct __sk_buff *skb)
{
	return offline ? skb->tstamp : bpf_ktime_get_boot_ns();
}

/*
 * A flow's last-seen time, read for every packet: the coarse clock needs no
 * clock-source read (userspace converts it to CLOCK_BOOTTIME). Replayed
 * packets keep their capture time.
 */
static __always_inline __u64 clock__coarse(struct __sk_buff *skb)
{
	return offline ? skb->tstamp : bpf_ktime_get_coarse_ns();
}

static __always_inline void stat__inc(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&pkt_stats, &which);

	if (n)
		*n += 1;
}

static __always_inline void key__fill(struct flow_key *k, const struct pkt_meta *m, __u64 netns,
				      __u32 ifindex, bool reverse)
{
	k->netns = netns;
	k->ifindex = ifindex;
	k->family = m->family;
	k->proto = m->l4_proto;
	if (!reverse) {
		__builtin_memcpy(k->saddr, m->saddr, 16);
		__builtin_memcpy(k->daddr, m->daddr, 16);
		k->sport = m->sport;
		k->dport = m->dport;
	} else {
		__builtin_memcpy(k->saddr, m->daddr, 16);
		__builtin_memcpy(k->daddr, m->saddr, 16);
		k->sport = m->dport;
		k->dport = m->sport;
	}
}

static __always_inline bool dns__is_port(__u16 port);

/* The packet's direction in a flow whose key it built with swap (see flow_key). */
static __always_inline __u8 flow__dir(const struct flow_value *v, bool swap)
{
	return swap == v->key_rev ? WF_DIR_ORIG : WF_DIR_REPLY;
}

/*
 * Finds the packet's flow with one lookup (the key is the same both ways),
 * creating it when new: the packet that creates a flow is its initiator's.
 */
static __always_inline struct flow_value *flow__get(struct flow_key *k, const struct pkt_meta *m,
						    __u64 netns, __u32 ifindex, __u8 hook,
						    __u64 now, __u8 *dir, bool create)
{
	bool swap = !flow_ep__le(m->saddr, m->sport, m->daddr, m->dport);
	struct flow_value *v, *init;
	__u32 zero = 0;

	key__fill(k, m, netns, ifindex, swap);
	*dir = WF_DIR_ORIG;
	v = bpf_map_lookup_elem(&flows, k);
	if (v || !create)
		goto found;
	/* Built in a per-CPU scratch: a flow record is too large for the stack. */
	init = bpf_map_lookup_elem(&flow_init, &zero);
	if (!init)
		return NULL;
	__builtin_memset(init, 0, sizeof(*init));
	/* The precise clock, once per flow: with the key, the start names the flow. */
	init->first_ns = offline ? now : bpf_ktime_get_boot_ns();
	init->orig.last_ns = init->reply.last_ns = now;
	init->first_hook = hook;
	init->key_rev = swap;
	init->dns_port = dns__is_port(m->sport) || dns__is_port(m->dport);
	/* NOEXIST: another CPU may have created it a moment ago; then use theirs. */
	if (bpf_map_update_elem(&flows, k, init, BPF_NOEXIST) && !bpf_map_lookup_elem(&flows, k)) {
		stat__inc(WF_STAT_FLOW_FULL);
		return NULL;
	}
	v = bpf_map_lookup_elem(&flows, k);
found:
	if (v)
		*dir = flow__dir(v, swap);
	return v;
}

static __always_inline void flow__count(struct flow_value *v, const struct pkt_meta *m,
					__u32 segs, __u64 bytes, __u8 dir, __u64 now)
{
	struct flow_dir_stats *st = FLOW_DIR(v, dir & 1);

	/* Written only when it moves: a tick lasts thousands of packets. */
	if (st->last_ns != now)
		st->last_ns = now;
	__sync_fetch_and_add(&st->packets, segs);
	__sync_fetch_and_add(&st->bytes, bytes);
	if (m->l4_proto == IPPROTO_TCP) {
		if ((st->tcp_flags | m->tcp_flags) != st->tcp_flags)
			st->tcp_flags |= m->tcp_flags;
		if (m->tcp_flags & 0x04)
			v->closed |= WF_FLOW_RST;
		if (m->tcp_flags & 0x01)
			v->closed |= dir ? WF_FLOW_FIN_REPLY : WF_FLOW_FIN_ORIG;
	}
}

static __always_inline void flow__account(struct flow_value *v, const struct pkt_meta *m,
					  struct __sk_buff *skb, __u8 dir, __u64 now)
{
	__u32 segs = skb->gso_segs > 1 ? skb->gso_segs : 1;

	/* A GSO super-packet leaves as segs packets, each repeating the headers. */
	flow__count(v, m, segs, skb->len + (__u64)(segs - 1) * m->payload_off, dir, now);
}

static __always_inline bool dns__is_port(__u16 port)
{
#pragma unroll
	for (int i = 0; i < WF_DNS_PORTS_MAX; i++)
		if (dns_ports[i] && dns_ports[i] == port)
			return true;
	return false;
}

/*
 * The first question's name, from the copied message: one pass over at most
 * 255 name bytes, where `left` counts the bytes still due in the current label.
 */
static __always_inline void dns__question(struct dns_event *e)
{
	__u32 pos = 12, out = 0, left = 0;
	__u8 c;

	e->status = WF_DNS_NAME_TRUNCATED;
	for (int i = 0; i < 255; i++) {
		if (pos >= e->cap_len)
			break;
		c = e->msg[pos & (WF_DNS_MAX - 1)];
		pos++;
		if (left) {
			e->qname[out & (WF_DNS_NAME_MAX - 1)] = c;
			out++;
			left--;
			continue;
		}
		if (c == 0) {
			e->status = WF_DNS_PARSED;
			break;
		}
		if (c & 0xc0) {
			e->status = WF_DNS_NAME_MALFORMED;
			break;
		}
		if (out)
			e->qname[out++ & (WF_DNS_NAME_MAX - 1)] = '.';
		left = c;
	}
	/* Whatever was read is kept, NUL-terminated: the scratch holds older names. */
	if (out > WF_DNS_NAME_MAX - 1)
		out = WF_DNS_NAME_MAX - 1;
	e->qname[out & (WF_DNS_NAME_MAX - 1)] = '\0';
	e->qname_len = out;
	if (e->status != WF_DNS_PARSED)
		return;
	if (pos + 4 > e->cap_len) {
		e->status = WF_DNS_NAME_TRUNCATED;
		return;
	}
	e->qtype = e->msg[pos & (WF_DNS_MAX - 1)] << 8 | e->msg[(pos + 1) & (WF_DNS_MAX - 1)];
	e->qclass =
		e->msg[(pos + 2) & (WF_DNS_MAX - 1)] << 8 | e->msg[(pos + 3) & (WF_DNS_MAX - 1)];
}

static __always_inline void dns__header(struct dns_event *e)
{
	__u16 *w = (__u16 *)e->msg;

	e->id = bpf_ntohs(w[0]);
	e->flags = bpf_ntohs(w[1]);
	e->qdcount = bpf_ntohs(w[2]);
	e->ancount = bpf_ntohs(w[3]);
	e->nscount = bpf_ntohs(w[4]);
	e->arcount = bpf_ntohs(w[5]);
}

static __always_inline bool attr__found(__u8 a)
{
	return a == WF_ATTR_COOKIE || a == WF_ATTR_TUPLE || a == WF_ATTR_TUPLE_OTHER_NS ||
	       a == WF_ATTR_PENDING;
}

/* Chooses the process a packet record names; see struct pkt_event_hdr. */
static __always_inline void owner__pick(struct pkt_event_hdr *h, const struct flow_key *k,
					const struct flow_value *v, const struct pkt_sender *cur,
					__u8 hook, __u8 dir)
{
	__u8 local = hook == WF_HOOK_EGRESS ? dir & 1 : !(dir & 1), e;

	h->has_sk = cur && cur->cookie;
	if (cur && cur->valid && hook == WF_HOOK_EGRESS) {
		h->owner = cur->o;
		h->attr = WF_ATTR_COOKIE;
		h->from_socket = 1;
		return;
	}
	if (!v)
		return;
	if (attr__found(v->ep_attr[local]) && v->ep[local].netns == k->netns)
		e = local;
	else if (attr__found(v->ep_attr[WF_DIR_ORIG]))
		e = WF_DIR_ORIG;
	else if (attr__found(v->ep_attr[WF_DIR_REPLY]))
		e = WF_DIR_REPLY;
	else {
		h->attr = v->ep_attr[local];
		return;
	}
	h->owner = v->ep[e];
	h->attr = v->ep_attr[e];
}

/* The common head of every packet record: the packet's endpoints and its flow. */
static __always_inline void event__fill(struct pkt_event_hdr *h, __u32 kind,
					const struct pkt_meta *m, const struct flow_key *k,
					const struct flow_value *v, const struct pkt_sender *cur,
					__u8 hook, __u8 dir, __u64 now)
{
	h->kind = kind;
	h->ifindex = k->ifindex;
	h->ts_ns = now;
	h->netns = k->netns;
	h->socket_cookie = v ? v->socket_cookie : 0;
	h->flow_first_ns = v ? v->first_ns : 0;
	h->family = m->family;
	h->proto = m->l4_proto;
	h->hook = hook;
	h->flow_dir = dir;
	h->sport = m->sport;
	h->dport = m->dport;
	__builtin_memcpy(h->saddr, m->saddr, 16);
	__builtin_memcpy(h->daddr, m->daddr, 16);
	h->from_socket = 0;
	h->attr = WF_ATTR_NONE;
	owner__pick(h, k, v, cur, hook, dir);
}

/* A UDP packet that may carry a DNS message: on a DNS port, with room for the header. */
static __always_inline bool dns__candidate(const struct pkt_meta *m)
{
	return m->l4_proto == IPPROTO_UDP && m->payload_len >= 12 &&
	       (dns__is_port(m->sport) || dns__is_port(m->dport));
}

/* Bytes of the DNS message to copy from a packet of pkt_len bytes, at most WF_DNS_MAX. */
static __always_inline __u64 dns__cap_len(__u64 pkt_len, const struct pkt_meta *m)
{
	/* A first fragment carries less than the IP header promises: take what is here. */
	__u64 room = pkt_len > m->payload_off ? pkt_len - m->payload_off : 0;
	__u64 len = m->payload_len < room ? m->payload_len : room;

	if (len > WF_DNS_MAX) {
		len = WF_DNS_MAX;
		stat__inc(WF_STAT_DNS_TOO_BIG);
	}
	return len;
}

/*
 * The rest of a DNS record once its len message bytes are in e->msg (TC and XDP
 * alike): a first fragment registers its datagram so that later fragments are
 * shipped, the header and first question are read, -w may select the flow by
 * name, and the record goes out.
 */
static __always_inline void dns__ship(struct dns_event *e, const struct pkt_meta *m,
				      const struct flow_key *k, struct flow_value *v,
				      const struct pkt_sender *cur, __u8 hook, __u8 dir, __u64 now,
				      __u64 len)
{
	e->msg_len = m->payload_len;
	e->cap_len = len;
	e->first_fragment = m->frag == PARSE_FRAG_FIRST;
	e->ip_id = m->ip_id;
	if (e->first_fragment) {
		struct frag_key fk = { .netns = k->netns, .ip_id = m->ip_id, .family = m->family };

		/* The whole message's length is the UDP header's, not this fragment's. */
		e->msg_len = m->udp_len > 8 ? m->udp_len - 8 : 0;
		__builtin_memcpy(fk.saddr, m->saddr, 16);
		__builtin_memcpy(fk.daddr, m->daddr, 16);
		if (bpf_map_update_elem(&dns_frags, &fk, &now, BPF_ANY))
			stat__inc(WF_STAT_FRAG_LOST);
	}
	event__fill(&e->h, WF_PKT_EVENT_DNS, m, k, v, cur, hook, dir, now);
	dns__header(e);
	e->qtype = e->qclass = 0;
	e->qname_len = 0;
	e->qname[0] = '\0';
	if (e->qdcount)
		dns__question(e);
	else
		e->status = WF_DNS_NO_QUESTION;
	if (capture_by_name && v && e->qname_len && !v->capture_sel)
		v->capture_sel = wf_name_selected((const struct wf_name *)e->qname, e->qname_len);
	if (record_last) {
		last_dns_status = e->status;
		__builtin_memcpy(last_dns_qname, e->qname, sizeof(last_dns_qname));
	}
	if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct dns_event, msg) + len,
			       0))
		stat__inc(WF_STAT_RINGBUF_LOST);
}

static __always_inline __u64 dev__netns_cookie(struct __sk_buff *skb);

static __always_inline void frag__key(struct frag_key *fk, struct __sk_buff *skb,
				      const struct pkt_meta *m)
{
	fk->netns = dev__netns_cookie(skb);
	fk->ip_id = m->ip_id;
	fk->family = m->family;
	__builtin_memcpy(fk->saddr, m->saddr, 16);
	__builtin_memcpy(fk->daddr, m->daddr, 16);
}

/*
 * Global functions (not static) are verified once, on their own: this keeps the
 * classifiers far below the verifier's complexity limit and quick to load.
 * Pointer arguments may be NULL as far as the verifier knows: they are checked.
 */
__noinline int wf_dns_capture(struct __sk_buff *skb, const struct pkt_meta *m,
			      const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir & 0xff, dir = (hook_dir >> 8) & 1;
	__u64 now = clock__now(skb);
	struct dns_event *e;
	__u32 zero = 0;
	__u64 len;

	if (!skb || !m || !k || !dns__candidate(m))
		return 0;
	e = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!e)
		return 0;
	len = dns__cap_len(skb->len, m);
	/* Verifier workaround: keep the bounds on the very register passed to the helper. */
	barrier_var(len);
	if (len < 12 || len > WF_DNS_MAX || bpf_skb_load_bytes(skb, m->payload_off, e->msg, len))
		return 0;
	dns__ship(e, m, k, v, sender__load(skb, m, hook), hook, dir, now, len);
	return 0;
}

/*
 * How many bytes of this direction to ship, judged from its first payload
 * segment: a TLS handshake record holding a ClientHello (1) or ServerHello (2),
 * or an SSLv2-format ClientHello. 0: the stream is something else.
 */
static __always_inline __u32 tls__want(struct __sk_buff *skb, const struct pkt_meta *m)
{
	__u8 h[9] = {};
	__u32 rec, hs, need;

	if (m->payload_len < 9 || ctx__skb_load(skb, m->payload_off, h, sizeof(h)))
		return 0;
	if ((h[0] & 0x80) && h[2] == 1 && h[3] <= 3) /* SSLv2 CLIENT-HELLO */
		return 2 + (((__u32)h[0] & 0x7f) << 8 | h[1]);
	if (h[0] != 22 || h[1] != 3 || (h[5] != 1 && h[5] != 2))
		return 0;
	rec = (__u32)h[3] << 8 | h[4];
	if (h[5] == 2)
		return 5 + rec < WF_TLS_SERVER_MAX ? 5 + rec : WF_TLS_SERVER_MAX;
	hs = ((__u32)h[6] << 16 | (__u32)h[7] << 8 | h[8]) + 4;
	/* A hello spread over several records pays a 5-byte header per record. */
	need = hs <= rec ? 5 + rec : hs + 5 * (hs / (rec ? rec : 1) + 1);
	return need < WF_TLS_CLIENT_MAX ? need : WF_TLS_CLIENT_MAX;
}

static __always_inline void tls__fill(struct tls_chunk_event *e, struct __sk_buff *skb,
				      const struct pkt_meta *m, const struct flow_key *k,
				      const struct flow_value *v, __u8 hook, __u8 dir)
{
	event__fill(&e->h, WF_PKT_EVENT_TLS, m, k, v, sender__load(skb, m, hook), hook, dir,
		    clock__now(skb));
	e->want = v->tls_want[dir & 1];
	e->sni_len = 0;
}

/*
 * The SNI, read in the kernel from a ClientHello's first segment, so that
 * selection in the kernel can use it. Offsets walk the fixed fields, then up to
 * WF_TLS_EXT_MAX extensions; anything not in this segment just ends the walk.
 */
static __always_inline __u32 tls__skip16(struct __sk_buff *skb, __u32 off)
{
	__u8 l[2];

	if (ctx__skb_load(skb, off, l, 2))
		return 0;
	return off + 2 + ((__u32)l[0] << 8 | l[1]);
}

static __always_inline bool tls__is_client_hello(struct __sk_buff *skb, const struct pkt_meta *m)
{
	__u8 h[6];

	return !ctx__skb_load(skb, m->payload_off, h, sizeof(h)) && h[0] == 22 && h[5] == 1;
}

__noinline int wf_tls_sni(struct __sk_buff *skb, const struct pkt_meta *m,
			  struct tls_chunk_event *e)
{
	__u32 off, end, rec_end;
	__u8 b[5];

	if (!skb || !m || !e)
		return 0;
	e->sni_len = 0;
	/* Only the first record is read: a hello split over records is left to userspace. */
	if (ctx__skb_load(skb, m->payload_off + 3, b, 2))
		return 0;
	rec_end = m->payload_off + 5 + ((__u32)b[0] << 8 | b[1]);
	off = m->payload_off + 5 + 4 + 2 + 32; /* record, handshake header, version, random */
	if (ctx__skb_load(skb, off, b, 1))
		return 0;
	off += 1 + b[0]; /* session id */
	off = tls__skip16(skb, off); /* cipher suites */
	if (!off || ctx__skb_load(skb, off, b, 1))
		return 0;
	off += 1 + b[0]; /* compression methods */
	end = tls__skip16(skb, off); /* extensions */
	if (end > rec_end)
		end = rec_end;
	off += 2;
	for (int i = 0; i < WF_TLS_EXT_MAX && off && off + 4 <= end; i++) {
		__u32 type, len;

		if (ctx__skb_load(skb, off, b, 4))
			return 0;
		type = (__u32)b[0] << 8 | b[1];
		len = (__u32)b[2] << 8 | b[3];
		if (type == 0) {
			/* list length (2), name type (1), name length (2), name */
			__u64 n;

			if (ctx__skb_load(skb, off + 4, b, 5) || b[2] != 0)
				return 0;
			n = (__u32)b[3] << 8 | b[4];
			if (off + 9 + n > end)
				return 0; /* the name is not all in this record */
			if (n > WF_SNI_MAX - 1)
				n = WF_SNI_MAX - 1;
			/* Verifier workaround: keep the bounds on the register passed to the helper. */
			barrier_var(n);
			if (n < 1 || n > WF_SNI_MAX - 1 ||
			    bpf_skb_load_bytes(skb, off + 9, e->sni, n))
				return 0;
			e->sni[n & (WF_SNI_MAX - 1)] = '\0';
			e->sni_len = n;
			return 0;
		}
		off += 4 + len;
	}
	return 0;
}

/*
 * After a HelloRetryRequest the client sends a second hello (often after a
 * ChangeCipherSpec record), and the server a second ServerHello: a segment past
 * what was wanted that starts with such a record extends the capture.
 */
static __always_inline bool tls__extend(struct __sk_buff *skb, const struct pkt_meta *m,
					struct flow_value *v, __u8 d, __u32 off)
{
	__u8 h[2] = {};
	__u32 want;

	if (off >= WF_TLS_CLIENT_MAX || ctx__skb_load(skb, m->payload_off, h, sizeof(h)) ||
	    (h[0] != 20 && h[0] != 22) || h[1] != 3)
		return false;
	want = off + m->payload_len;
	v->tls_want[d & 1] = want < WF_TLS_CLIENT_MAX ? want : WF_TLS_CLIENT_MAX;
	return true;
}

/* Ships [off, off + n) of the direction's stream from this packet, in chunks. */
static __always_inline void tls__ship(struct __sk_buff *skb, const struct pkt_meta *m,
				      struct tls_chunk_event *e, __u32 off, __u32 n,
				      __u32 lost_stat)
{
	for (int i = 0; i < WF_TLS_CHUNKS_PER_PACKET; i++) {
		__u64 len = n > WF_TLS_CHUNK ? WF_TLS_CHUNK : n;

		if (!n)
			break;
		/* Verifier workaround: keep the bounds on the register passed to the helper. */
		barrier_var(len);
		if (len < 1 || len > WF_TLS_CHUNK ||
		    bpf_skb_load_bytes(skb, m->payload_off + i * WF_TLS_CHUNK, e->data, len))
			return;
		e->stream_off = off + i * WF_TLS_CHUNK;
		e->len = len;
		if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct tls_chunk_event, data) + len,
				       0))
			stat__inc(lost_stat);
		n -= len;
	}
}

/*
 * TLS on any TCP port: a direction whose first payload is a hello has its
 * first bytes shipped by stream offset, so userspace reassembles hellos split
 * over segments and records, larger than the MTU, retransmitted or reordered.
 */
__noinline int wf_tls_handle(struct __sk_buff *skb, const struct pkt_meta *m,
			     const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir & 0xff, d = (hook_dir >> 8) & 1;
	__u32 zero = 0, off, n, room;
	struct tls_chunk_event *e;

	if (!skb || !m || !k || !v)
		return 0;
	if (v->tls_state[d] == WF_TLS_NOT_TLS || v->tls_state[d] == WF_TLS_DONE)
		return 0;
	if (v->tls_state[d] == WF_TLS_UNKNOWN) {
		v->tls_want[d] = tls__want(skb, m);
		v->tls_isn[d] = m->tcp_seq;
		v->tls_state[d] = v->tls_want[d] ? WF_TLS_CAPTURE : WF_TLS_NOT_TLS;
		if (!v->tls_want[d])
			return 0;
	}
	off = m->tcp_seq - v->tls_isn[d]; /* wraps correctly across 2^32 */
	/* Past every byte a hello could use (not a segment from before the start,
	 * whose offset wraps): this direction needs nothing more. */
	if (off >= WF_TLS_CLIENT_MAX && off < (1u << 31)) {
		v->tls_state[d] = WF_TLS_DONE;
		return 0;
	}
	if (off >= v->tls_want[d] && !tls__extend(skb, m, v, d, off))
		return 0;
	/*
	 * The whole segment goes (up to the cap), not just up to tls_want: bytes
	 * past it (a ChangeCipherSpec after a HelloRetryRequest) must not leave a
	 * gap before the next hello.
	 */
	room = skb->len > m->payload_off ? skb->len - m->payload_off : 0;
	n = m->payload_len < room ? m->payload_len : room;
	if (n > WF_TLS_CLIENT_MAX - off)
		n = WF_TLS_CLIENT_MAX - off;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e || !n)
		return 0;
	tls__fill(e, skb, m, k, v, hook, d);
	e->sni_len = 0;
	if (off == 0 && tls__is_client_hello(skb, m)) {
		wf_tls_sni(skb, m, e);
		if (capture_by_name && e->sni_len && !v->capture_sel)
			v->capture_sel = wf_name_selected((const struct wf_name *)e->sni, e->sni_len);
	}
	tls__ship(skb, m, e, off, n, WF_STAT_TLS_LOST);
	return 0;
}

/* Whether a payload starts with an HTTP/1.x request method and a space. */
static __always_inline bool http__is_request(const __u8 *h)
{
	__u32 w = (__u32)h[0] << 24 | (__u32)h[1] << 16 | (__u32)h[2] << 8 | h[3];

	switch (w) {
	case 0x47455420: /* "GET " */
	case 0x50555420: /* "PUT " */
		return true;
	case 0x504f5354: /* "POST" */
	case 0x48454144: /* "HEAD" */
		return h[4] == ' ';
	case 0x44454c45: /* "DELE"TE */
		return h[4] == 'T' && h[5] == 'E' && h[6] == ' ';
	case 0x50415443: /* "PATC"H */
		return h[4] == 'H' && h[5] == ' ';
	case 0x4f505449: /* "OPTI"ONS */
		return h[4] == 'O' && h[5] == 'N' && h[6] == 'S' && h[7] == ' ';
	}
	return false;
}

/*
 * A later IP fragment of a DNS datagram whose first fragment was seen: shipped
 * with its offset in the datagram, for userspace to join. The last one (no MF)
 * ends the tracking.
 */
__noinline int wf_dns_frag(struct __sk_buff *skb, const struct pkt_meta *m, __u32 hook)
{
	struct frag_key fk = {};
	struct tls_chunk_event *e;
	__u32 zero = 0, room, n;

	if (!skb || !m)
		return 0;
	frag__key(&fk, skb, m);
	if (!bpf_map_lookup_elem(&dns_frags, &fk))
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	room = skb->len > m->l4_off ? skb->len - m->l4_off : 0;
	n = m->payload_len < room ? m->payload_len : room;
	if (n > WF_TLS_CHUNK)
		n = WF_TLS_CHUNK;
	__builtin_memset(e, 0, offsetof(struct tls_chunk_event, data));
	e->h.kind = WF_PKT_EVENT_DNS_FRAG;
	e->h.ifindex = skb->ifindex;
	e->h.ts_ns = clock__now(skb);
	e->h.netns = fk.netns;
	e->h.family = m->family;
	e->h.proto = IPPROTO_UDP;
	e->h.hook = hook;
	__builtin_memcpy(e->h.saddr, m->saddr, 16);
	__builtin_memcpy(e->h.daddr, m->daddr, 16);
	e->pad = m->ip_id;
	e->want = m->more_frags ? 0 : m->frag_off + m->payload_len;
	{
		__u64 len = n;

		/* Verifier workaround: keep the bounds on the register passed to the helper. */
		barrier_var(len);
		if (len < 1 || len > WF_TLS_CHUNK ||
		    bpf_skb_load_bytes(skb, m->l4_off, e->data, len))
			return 0;
		e->stream_off = m->frag_off;
		e->len = len;
		if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct tls_chunk_event, data) + len,
				       0))
			stat__inc(WF_STAT_FRAG_LOST);
	}
	if (!m->more_frags)
		bpf_map_delete_elem(&dns_frags, &fk);
	return 0;
}

/*
 * DNS over TCP: payload on a DNS port is shipped with its sequence number
 * (stream_off); userspace reassembles the length-prefixed messages, which may
 * span segments.
 */
__noinline int wf_dns_tcp(struct __sk_buff *skb, const struct pkt_meta *m, const struct flow_key *k,
			  struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir & 0xff, d = (hook_dir >> 8) & 1;
	struct tls_chunk_event *e;
	__u32 zero = 0, room, n;

	if (!skb || !m || !k || !v || !v->dns_port)
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	room = skb->len > m->payload_off ? skb->len - m->payload_off : 0;
	n = m->payload_len < room ? m->payload_len : room;
	if (n > WF_TLS_CHUNK * WF_TLS_CHUNKS_PER_PACKET)
		n = WF_TLS_CHUNK * WF_TLS_CHUNKS_PER_PACKET;
	tls__fill(e, skb, m, k, v, hook, d);
	e->h.kind = WF_PKT_EVENT_DNS_TCP;
	e->want = m->payload_len;
	tls__ship(skb, m, e, m->tcp_seq, n, WF_STAT_RINGBUF_LOST);
	return 0;
}

/*
 * Whether this direction's segment starts a request, and what the direction
 * is: a direction whose first payload is no request is never looked at again
 * (bulk transfers pay nothing); one whose start was not seen (the flow began
 * before the agent) gets WF_HTTP_TRIES segments first.
 */
static __always_inline bool http__judge(struct __sk_buff *skb, const struct pkt_meta *m,
					struct flow_value *v, __u8 d)
{
	__u8 h[8] = {};
	bool req = m->payload_len >= 8 && !ctx__skb_load(skb, m->payload_off, h, sizeof(h)) &&
		   http__is_request(h);

	if (req)
		v->http_state[d] = WF_HTTP_REQUESTS;
	else if (v->http_state[d] == WF_HTTP_UNKNOWN &&
		 ((v->orig.tcp_flags & 0x02) || ++v->http_tries >= WF_HTTP_TRIES))
		v->http_state[d] = WF_HTTP_NOT_HTTP;
	return req;
}

/*
 * HTTP/1.x on any TCP port: a segment that starts with a request method is
 * shipped (up to WF_TLS_CHUNK bytes), so that each request of a keep-alive
 * connection is seen. Headers beyond that segment are not.
 */
__noinline int wf_http_handle(struct __sk_buff *skb, const struct pkt_meta *m,
			      const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir & 0xff, d = (hook_dir >> 8) & 1;
	struct tls_chunk_event *e;
	__u32 zero = 0, room;
	__u64 len;

	if (!skb || !m || !k || !v || v->http_state[d] == WF_HTTP_NOT_HTTP)
		return 0;
	if (!http__judge(skb, m, v, d))
		return 0;
	e = bpf_map_lookup_elem(&tls_scratch, &zero);
	if (!e)
		return 0;
	room = skb->len > m->payload_off ? skb->len - m->payload_off : 0;
	len = m->payload_len < room ? m->payload_len : room;
	if (len > WF_TLS_CHUNK)
		len = WF_TLS_CHUNK;
	/* Verifier workaround: keep the bounds on the register passed to the helper. */
	barrier_var(len);
	if (len < 8 || len > WF_TLS_CHUNK || bpf_skb_load_bytes(skb, m->payload_off, e->data, len))
		return 0;
	tls__fill(e, skb, m, k, v, hook, d);
	e->h.kind = WF_PKT_EVENT_HTTP;
	e->stream_off = m->tcp_seq;
	e->len = len;
	e->want = m->payload_len;
	if (bpf_ringbuf_output(&pkt_events, e, offsetof(struct tls_chunk_event, data) + len,
			       0))
		stat__inc(WF_STAT_HTTP_LOST);
	return 0;
}

static __always_inline void stat__parse(int status, const struct pkt_meta *m)
{
	if (status == PARSE_NOT_IP)
		stat__inc(WF_STAT_NOT_IP);
	else if (status == PARSE_TRUNCATED)
		stat__inc(WF_STAT_TRUNCATED);
	else if (status == PARSE_MALFORMED)
		stat__inc(WF_STAT_MALFORMED);
	else if (status == PARSE_EXT_LIMIT)
		stat__inc(WF_STAT_EXT_LIMIT);
	if (m->frag == PARSE_FRAG_LATER)
		stat__inc(WF_STAT_FRAGMENTS);
}

static __always_inline bool filter__port_in(int list, __u16 port)
{
	for (int i = 0; i < WF_FILTER_MAX; i++)
		if (i < filter_nports[list] && filter_ports[list][i] == port)
			return true;
	return false;
}

static __always_inline bool cidr__contains(const volatile struct wf_cidr *c, __u8 family,
					   const __u8 *addr)
{
	__u32 bits = c->prefix;

	if (c->family != family)
		return false;
	for (int i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			return true;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((addr[i] ^ c->addr[i]) & mask)
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static __always_inline bool filter__net_in(int list, __u8 family, const __u8 *addr)
{
	for (int i = 0; i < WF_FILTER_MAX; i++)
		if (i < filter_nnets[list] && cidr__contains(&filter_nets[list][i], family, addr))
			return true;
	return false;
}

/* Whether any port, address or process selector is set (-Q aside). */
static __always_inline bool filter__any(void)
{
	return filter_nports[0] || filter_nports[1] || filter_nports[2] || filter_nnets[0] ||
	       filter_nnets[1] || filter_nnets[2] || capture_npids || capture_ncomms;
}

/* tcpdump's semantics: --port matches either end, --sport/--dport one; likewise hosts. */
__noinline int wf_filter(const struct pkt_meta *m)
{
	if (!m)
		return 0;
	if (filter_nports[WF_F_PORT] &&
	    !(filter__port_in(WF_F_PORT, m->sport) || filter__port_in(WF_F_PORT, m->dport)))
		return 0;
	if (filter_nports[WF_F_SPORT] && !filter__port_in(WF_F_SPORT, m->sport))
		return 0;
	if (filter_nports[WF_F_DPORT] && !filter__port_in(WF_F_DPORT, m->dport))
		return 0;
	if (filter_nnets[WF_F_HOST] && !(filter__net_in(WF_F_HOST, m->family, m->saddr) ||
					 filter__net_in(WF_F_HOST, m->family, m->daddr)))
		return 0;
	if (filter_nnets[WF_F_SRC] && !filter__net_in(WF_F_SRC, m->family, m->saddr))
		return 0;
	if (filter_nnets[WF_F_DST] && !filter__net_in(WF_F_DST, m->family, m->daddr))
		return 0;
	return 1;
}

__noinline int wf_parse(struct __sk_buff *skb, struct pkt_meta *m, __u32 iface_flags)
{
	bool has_l2 = !(iface_flags & WF_IFACE_NO_L2);

	if (!skb || !m)
		return PARSE_TRUNCATED;
	return parse__packet(skb, m, has_l2, bpf_ntohs(skb->protocol),
			     skb->vlan_present ? skb->vlan_tci : 0);
}

/* A socket by one endpoint's addresses: the connection, else (UDP) the bound socket. */
static __always_inline struct wf_tuple_val *tuple__lookup(struct wf_tuple_key *key)
{
	struct wf_tuple_val *tv = bpf_map_lookup_elem(&tuples, key);

	if (tv || key->proto != IPPROTO_UDP)
		return tv;
	key->rport = 0;
	__builtin_memset(key->raddr, 0, sizeof(key->raddr));
	tv = bpf_map_lookup_elem(&tuples, key);
	if (tv)
		return tv;
	__builtin_memset(key->laddr, 0, sizeof(key->laddr));
	return bpf_map_lookup_elem(&tuples, key);
}

static __always_inline void ep__set(struct flow_value *v, __u8 e, const struct wf_owner *o,
				    __u8 attr)
{
	v->ep[e] = *o;
	v->ep_attr[e] = o->tgid ? attr : WF_ATTR_PENDING;
}

static __always_inline void ep__key(struct wf_tuple_key *key, const struct pkt_meta *m,
				    __u64 netns, bool sender)
{
	key->netns = netns;
	key->family = m->family;
	key->proto = m->l4_proto;
	key->lport = sender ? m->sport : m->dport;
	key->rport = sender ? m->dport : m->sport;
	__builtin_memcpy(key->laddr, sender ? m->saddr : m->daddr, 16);
	__builtin_memcpy(key->raddr, sender ? m->daddr : m->saddr, 16);
}

/*
 * Finds the owner of one endpoint of the flow (e, by direction; sender: whether
 * it sent this packet): the packet's socket, else the socket with its addresses
 * in the packet's namespace, else in any namespace of the host if exactly one.
 */
static __always_inline void ep__resolve(const struct pkt_meta *m, const struct flow_key *k,
					struct flow_value *v, __u8 e, bool sender, __u64 cookie,
					struct wf_tuple_key *kp)
{
	struct wf_tuple_val *tv;
	struct wf_owner *o;
	__u8 a = v->ep_attr[e];

	if (a == WF_ATTR_PENDING) {
		/* The socket was accepted before anyone used it: has someone now? */
		o = bpf_map_lookup_elem(&owners, &v->ep[e].cookie);
		if (o && o->tgid)
			ep__set(v, e, o, WF_ATTR_TUPLE);
		return;
	}
	if (a != WF_ATTR_NONE)
		return;
	if (sender && cookie) {
		o = bpf_map_lookup_elem(&owners, &cookie);
		if (o) {
			ep__set(v, e, o, WF_ATTR_COOKIE);
			return;
		}
	}
	ep__key(kp, m, k->netns, sender);
	tv = tuple__lookup(kp);
	if (tv && (o = bpf_map_lookup_elem(&owners, &tv->cookie))) {
		ep__set(v, e, o, WF_ATTR_TUPLE);
		return;
	}
	ep__key(kp, m, 0, sender);
	tv = bpf_map_lookup_elem(&tuples_any, kp);
	if (!tv) {
		/* Forwarded from a namespace whose socket came with the packet. */
		ep__key(kp, m, k->netns, sender);
		o = bpf_map_lookup_elem(&owner_hints, kp);
		if (o)
			ep__set(v, e, o, WF_ATTR_TUPLE_OTHER_NS);
		return;
	}
	if (tv->ambiguous) {
		v->ep_attr[e] = WF_ATTR_AMBIGUOUS;
		return;
	}
	o = bpf_map_lookup_elem(&owners, &tv->cookie);
	if (o)
		ep__set(v, e, o, WF_ATTR_TUPLE_OTHER_NS);
}

/*
 * A packet that arrived with its sender's socket from another namespace (a
 * container's, over its veth) names its sender here; the same packet routed
 * or bridged out of another interface of this namespace has no socket any
 * more, and finds its owner by these addresses (ep__resolve).
 */
static __always_inline void hint__note(const struct pkt_meta *m, const struct flow_key *k,
				       const struct wf_owner *o, struct wf_tuple_key *kp)
{
	ep__key(kp, m, k->netns, true);
	bpf_map_update_elem(&owner_hints, kp, o, BPF_ANY);
}

/*
 * An end nobody owns (a remote host, a process outside --cgroup) would cost
 * its lookups on every packet of a bulk flow. They are tried on each of a
 * flow's first packets, while a server's accepted socket comes into being,
 * and then at most once a millisecond (coarse clock).
 */
#define EP_EAGER_PACKETS 16
#define EP_RETRY_NS 1000000ull

static __always_inline bool ep__throttled(struct flow_value *v, __u64 now)
{
	if (v->orig.packets + v->reply.packets <= EP_EAGER_PACKETS)
		return false;
	if (now < v->ep_retry_ns)
		return true;
	v->ep_retry_ns = now + EP_RETRY_NS;
	return false;
}

/* An end is settled once its owner is known, or known to be ambiguous. */
static __always_inline bool ep__settled(__u8 a)
{
	return a == WF_ATTR_COOKIE || a == WF_ATTR_TUPLE || a == WF_ATTR_TUPLE_OTHER_NS ||
	       a == WF_ATTR_AMBIGUOUS;
}

/* Whether the flow's owners need no more work: the common case of a bulk packet. */
static __always_inline bool flow__owners_settled(const struct flow_value *v)
{
	return ep__settled(v->ep_attr[0]) && ep__settled(v->ep_attr[1]);
}

/* Whether this packet should try the owner join: an end is still unsettled,
 * and the flow is in its first packets or its retry is due. */
static __always_inline bool flow__owner_work(struct flow_value *v, __u64 now)
{
	return !flow__owners_settled(v) && !ep__throttled(v, now);
}

/*
 * An egress packet's own socket names its sender: the hooks that run before a
 * send (sendmsg, tcp_sendmsg_locked, connect) keep the socket's owner current,
 * so a child that shares its parent's socket is named for what it sends.
 */
__noinline int wf_owner_resolve(struct __sk_buff *skb, const struct pkt_meta *m,
				const struct flow_key *k, struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir & 0xff, dir = (hook_dir >> 8) & 1;
	struct pkt_sender *cur;

	if (!skb || !m || !k || !v)
		return 0;
	cur = sender__load(skb, m, hook);
	if (!cur)
		return 0;
	/* A socket on ingress is another namespace's: not this flow's local one. */
	if (cur->cookie && hook == WF_HOOK_EGRESS) {
		v->had_sk = 1;
		if (!v->socket_cookie)
			v->socket_cookie = cur->cookie;
	}
	if (cur->valid && (v->ep_attr[dir] == WF_ATTR_NONE || v->ep_attr[dir] == WF_ATTR_PENDING))
		ep__set(v, dir, &cur->o, WF_ATTR_COOKIE);
	if (cur->valid && hook == WF_HOOK_INGRESS)
		hint__note(m, k, &cur->o, &cur->key);
	ep__resolve(m, k, v, dir, true, cur->cookie, &cur->key);
	ep__resolve(m, k, v, !dir, false, 0, &cur->key);
	return 0;
}

/* The same for a packet with no socket at hand (XDP ingress). */
__noinline int wf_owner_resolve_nosk(const struct pkt_meta *m, const struct flow_key *k,
				     struct flow_value *v, __u32 dir)
{
	struct pkt_sender *cur = sender__none();

	if (!m || !k || !v || !cur)
		return 0;
	ep__resolve(m, k, v, dir & 1, true, 0, &cur->key);
	ep__resolve(m, k, v, !(dir & 1), false, 0, &cur->key);
	return 0;
}

__noinline int wf_capture(struct __sk_buff *skb, const struct pkt_meta *m, const struct flow_key *k,
			  const struct flow_value *v, __u32 hook_dir);
__noinline int wf_cbpf_match(struct __sk_buff *skb, __u32 link);
__noinline int wf_xdp_cbpf_match(struct xdp_md *ctx);
__noinline int wf_xdp_capture(struct xdp_md *ctx, const struct pkt_meta *m,
			      const struct flow_key *k, const struct flow_value *v, __u32 dir);

/* TLS hellos, HTTP requests and DNS over TCP: what a TCP payload can hold. */
static __always_inline void tc__tcp_payload(struct __sk_buff *skb, const struct pkt_meta *m,
					    const struct flow_key *k, struct flow_value *v,
					    __u32 hook_dir)
{
	__u8 dir = (hook_dir >> 8) & 1;

	/* The flow's states, read here, spare most packets the calls. */
	if (v->tls_state[dir] != WF_TLS_NOT_TLS && v->tls_state[dir] != WF_TLS_DONE)
		wf_tls_handle(skb, m, k, v, hook_dir);
	/* Requests inside TLS are encrypted: only plain streams can carry them. */
	if (v->tls_state[dir] != WF_TLS_CAPTURE && v->http_state[dir] != WF_HTTP_NOT_HTTP)
		wf_http_handle(skb, m, k, v, hook_dir);
	if (v->dns_port)
		wf_dns_tcp(skb, m, k, v, hook_dir);
}

/*
 * What the classifiers need of the packet's device, read from the device
 * itself (no map lookup): its namespace, and whether it has an Ethernet header
 * or is loopback. Not bpf_get_netns_cookie(skb): that follows skb->sk, and a
 * packet arriving over a veth can still carry the sender's socket from the
 * peer namespace.
 */
#define ARPHRD_ETHER_ 1
#define ARPHRD_LOOPBACK_ 772
#define IFF_LOOPBACK_ 0x8

static __always_inline __u64 dev__netns_cookie(struct __sk_buff *skb)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);

	return kskb->dev->nd_net.net->net_cookie;
}

static __always_inline __u32 dev__flags(struct __sk_buff *skb, __u64 netns, __u8 hook)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct net_device *dev = kskb->dev;
	__u16 type = dev->type;
	__u32 fl = 0, *xfl;

	/* Loopback skbs carry an all-zero Ethernet header: they count as L2. */
	if (type != ARPHRD_ETHER_ && type != ARPHRD_LOOPBACK_)
		fl |= WF_IFACE_NO_L2;
	if (dev->flags & IFF_LOOPBACK_)
		fl |= WF_IFACE_LOOPBACK;
	if (xdp_ingress && hook == WF_HOOK_INGRESS) {
		struct wf_attach_key ik = { .netns = netns, .ifindex = skb->ifindex };

		xfl = bpf_map_lookup_elem(&iface_flags, &ik);
		if (xfl)
			fl |= *xfl & WF_IFACE_XDP;
	}
	return fl;
}

static __always_inline int tc__handle(struct __sk_buff *skb, __u8 hook)
{
	__u32 ifindex = skb->ifindex;
	__u64 now = clock__coarse(skb), netns = dev__netns_cookie(skb);
	__u32 fl = dev__flags(skb, netns, hook), hd;
	bool xdp_in = (fl & WF_IFACE_XDP) && hook == WF_HOOK_INGRESS;
	struct pkt_meta m = {};
	struct flow_key k = {};
	struct flow_value *v;
	int status;
	__u8 dir;

	/* On loopback the same packet comes back at ingress: it was counted at
	 * egress. (-r replays files on loopback's ingress: those count.) */
	if ((fl & WF_IFACE_LOOPBACK) && hook == WF_HOOK_INGRESS && !offline)
		return TC_ACT_UNSPEC_;
	if (!xdp_in)
		stat__inc(WF_STAT_PACKETS);
	if (!(hooks_wanted & (1 << hook))) {
		stat__inc(WF_STAT_FILTERED);
		return TC_ACT_UNSPEC_;
	}
	status = wf_parse(skb, &m, fl);
	if (record_last)
		last_meta = m;
	/* The filter expression, like tcpdump's, decides first, for every packet. */
	if (cbpf_len[(fl & WF_IFACE_NO_L2) ? WF_CBPF_RAW : WF_CBPF_ETHERNET] &&
	    !wf_cbpf_match(skb, (fl & WF_IFACE_NO_L2) ? WF_CBPF_RAW : WF_CBPF_ETHERNET)) {
		if (!xdp_in)
			stat__inc(WF_STAT_EXPR_FILTERED);
		return TC_ACT_UNSPEC_;
	}
	if (!xdp_in)
		stat__parse(status, &m);
	if (status == PARSE_L4_OTHER && m.frag == PARSE_FRAG_LATER && m.l4_proto == IPPROTO_UDP)
		wf_dns_frag(skb, &m, hook);
	/* Other IP protocols still make flows (without ports); the rest stops here,
	 * but is still copied for -w when no selector could have left it out. */
	if (status != PARSE_OK && !(status == PARSE_L4_OTHER && m.frag != PARSE_FRAG_LATER)) {
		if (capture_snaplen && !xdp_in && !filter__any()) {
			k.netns = netns;
			k.ifindex = ifindex;
			wf_capture(skb, &m, &k, NULL, hook | (__u32)(fl & WF_IFACE_NO_L2) << 16);
		}
		return TC_ACT_UNSPEC_;
	}
	if (!wf_filter(&m)) {
		if (!xdp_in)
			stat__inc(WF_STAT_FILTERED);
		return TC_ACT_UNSPEC_;
	}
	/* Ingress of an interface in XDP mode: XDP counted it, took its DNS and its
	 * owner; what is left is TCP payload work, which needs the skb. */
	if (xdp_in) {
		v = flow__get(&k, &m, netns, ifindex, hook, now, &dir, false);
		if (status == PARSE_OK && v && m.l4_proto == IPPROTO_TCP && m.payload_len)
			tc__tcp_payload(skb, &m, &k, v, hook | (__u32)dir << 8);
		return TC_ACT_UNSPEC_;
	}
	v = flow__get(&k, &m, netns, ifindex, hook, now, &dir, true);
	hd = hook | (__u32)dir << 8;
	if (v)
		flow__account(v, &m, skb, dir, now);
	/* Owners are per flow: once both ends are settled, packets skip the join;
	 * an end nobody owns (a remote host) is retried at most once a ms. A
	 * flow's first egress packets also note its local socket, if any. */
	if (!offline && v &&
	    (flow__owner_work(v, now) ||
	     (hook == WF_HOOK_EGRESS && !v->had_sk &&
	      v->orig.packets + v->reply.packets <= EP_EAGER_PACKETS)))
		wf_owner_resolve(skb, &m, &k, v, hd);
	if (status == PARSE_OK && m.l4_proto == IPPROTO_UDP && (v ? v->dns_port : 1))
		wf_dns_capture(skb, &m, &k, v, hd);
	if (status == PARSE_OK && v && m.l4_proto == IPPROTO_TCP && m.payload_len)
		tc__tcp_payload(skb, &m, &k, v, hd);
	/* Last: a DNS question or ClientHello in this very packet may select its flow. */
	if (capture_snaplen)
		wf_capture(skb, &m, &k, v, hd | (__u32)(fl & WF_IFACE_NO_L2) << 16);
	return TC_ACT_UNSPEC_;
}

SEC("tc")
int wf_tc_ingress(struct __sk_buff *skb)
{
	return tc__handle(skb, WF_HOOK_INGRESS);
}

SEC("tc")
int wf_tc_egress(struct __sk_buff *skb)
{
	return tc__handle(skb, WF_HOOK_EGRESS);
}

/*
 * XDP ingress (--xdp): the same parser over struct xdp_md, flow accounting,
 * the receiver's owner and DNS over UDP, before the kernel builds an skb. The
 * TC ingress classifier stays for TCP payload (TLS, HTTP, DNS over TCP) and
 * later IP fragments, which it handles without counting the packet again.
 */
#define PARSE_CTX struct xdp_md
#define parse__load(ctx, off, dst, len) ctx__xdp_load(ctx, off, dst, len)
#define PARSE_SUFFIX _xdp
#include "parse.h"

static __always_inline __u64 xdp__netns_cookie(struct xdp_md *ctx)
{
	struct xdp_buff *x = bpf_cast_to_kern_ctx(ctx);

	return x->rxq->dev->nd_net.net->net_cookie;
}

__noinline int wf_xdp_parse(struct xdp_md *ctx, struct pkt_meta *m)
{
	if (!ctx || !m)
		return PARSE_TRUNCATED;
	/* XDP is offered on Ethernet devices only (see userspace/xdp.c). */
	return parse__packet_xdp(ctx, m, true, 0, 0);
}

__noinline int wf_xdp_dns_capture(struct xdp_md *ctx, const struct pkt_meta *m,
				  const struct flow_key *k, struct flow_value *v, __u32 dir)
{
	__u64 now = bpf_ktime_get_boot_ns(), len;
	struct dns_event *e;
	__u32 zero = 0;

	if (!ctx || !m || !k || !dns__candidate(m))
		return 0;
	e = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!e)
		return 0;
	len = dns__cap_len(bpf_xdp_get_buff_len(ctx), m);
	barrier_var(len);
	if (len < 12 || len > WF_DNS_MAX || bpf_xdp_load_bytes(ctx, m->payload_off, e->msg, len))
		return 0;
	dns__ship(e, m, k, v, sender__none(), WF_HOOK_INGRESS, dir & 1, now, len);
	return 0;
}

SEC("xdp")
int wf_xdp_ingress(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u64 now = bpf_ktime_get_coarse_ns();
	struct pkt_meta m = {};
	struct flow_key k = {};
	struct flow_value *v;
	int status;
	__u8 dir;

	stat__inc(WF_STAT_PACKETS);
	if (!(hooks_wanted & (1 << WF_HOOK_INGRESS))) {
		stat__inc(WF_STAT_FILTERED);
		return XDP_PASS;
	}
	status = wf_xdp_parse(ctx, &m);
	/* As at TC: the filter expression decides first. */
	if (cbpf_len[WF_CBPF_ETHERNET] && !wf_xdp_cbpf_match(ctx)) {
		stat__inc(WF_STAT_EXPR_FILTERED);
		return XDP_PASS;
	}
	stat__parse(status, &m);
	if (status != PARSE_OK && !(status == PARSE_L4_OTHER && m.frag != PARSE_FRAG_LATER)) {
		if (capture_snaplen && !filter__any()) {
			k.netns = xdp__netns_cookie(ctx);
			k.ifindex = ifindex;
			wf_xdp_capture(ctx, &m, &k, NULL, 0);
		}
		return XDP_PASS;
	}
	if (!wf_filter(&m)) {
		stat__inc(WF_STAT_FILTERED);
		return XDP_PASS;
	}
	v = flow__get(&k, &m, xdp__netns_cookie(ctx), ifindex, WF_HOOK_INGRESS, now, &dir, true);
	if (v) {
		flow__count(v, &m, 1, bpf_xdp_get_buff_len(ctx), dir, now);
		if (flow__owner_work(v, now))
			wf_owner_resolve_nosk(&m, &k, v, dir);
	}
	if (status == PARSE_OK && m.l4_proto == IPPROTO_UDP && (v ? v->dns_port : 1))
		wf_xdp_dns_capture(ctx, &m, &k, v, dir);
	if (capture_snaplen)
		wf_xdp_capture(ctx, &m, &k, v, dir);
	return XDP_PASS;
}

/* ---- -w: packet copies ---- */

/*
 * The agent's verdict on the owner's current image: 1 or 0, or -1 when it has
 * none yet (a process it has not judged, a reused pid, a cgroup move): such
 * packets are copied and judged in userspace, so nothing selected is lost.
 */
static __always_inline int capture__image_verdict(const struct wf_owner *o)
{
	struct wf_proc_image img = { .tgid = o->tgid };
	struct wf_proc_verdict *v;
	__u32 *gen = bpf_map_lookup_elem(&proc_gen, &img.tgid);
	__u64 d;

	img.gen = gen ? *gen : 0;
	v = bpf_map_lookup_elem(&proc_verdicts, &img);
	if (!v)
		return -1;
	d = v->start_ns > o->start_ns ? v->start_ns - o->start_ns : o->start_ns - v->start_ns;
	if (d >= 20000000 || (v->cgroup_id && v->cgroup_id != o->cgroup_id))
		return -1;
	return v->selected != 0;
}

static __always_inline bool capture__owner_selected(const struct pkt_event_hdr *h)
{
	bool ok;

	if (capture_by_image) {
		if (h->attr == WF_ATTR_PENDING)
			return true; /* its owner is known in userspace only */
		if (h->attr == WF_ATTR_NONE || h->attr == WF_ATTR_AMBIGUOUS || !h->owner.tgid ||
		    !capture__image_verdict(&h->owner))
			return false;
	}
	if (!capture_npids && !capture_ncomms)
		return true;
	if (h->attr == WF_ATTR_NONE || h->attr == WF_ATTR_AMBIGUOUS || !h->owner.tgid)
		return false;
	ok = false;
	for (int i = 0; i < WF_CAP_PIDS; i++)
		if (i < capture_npids && capture_pids[i] == h->owner.tgid)
			ok = true;
	for (int i = 0; i < WF_CAP_COMMS; i++) {
		bool same = i < capture_ncomms;

		for (int c = 0; c < WF_OWNER_COMM_LEN && same; c++) {
			if (capture_comms[i][c] != h->owner.comm[c])
				same = false;
			else if (!h->owner.comm[c])
				break;
		}
		if (same)
			ok = true;
	}
	return ok;
}

static __always_inline void capture__drop(__u64 netns, __u32 ifindex)
{
	struct wf_attach_key key = { .netns = netns, .ifindex = ifindex };
	__u64 one = 1, *n;

	stat__inc(WF_STAT_CAP_LOST);
	n = bpf_map_lookup_elem(&capture_drops, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&capture_drops, &key, &one, BPF_NOEXIST);
}

/*
 * Copies up to capture_snaplen bytes into a record of the size class that
 * holds them; LOAD(dst, len) reads the packet (skb or XDP frame).
 */
#define CAPTURE_CLASS(size, LOAD)                                               \
	do {                                                                    \
		e = bpf_ringbuf_reserve(&pkt_capture, sizeof(*e) + (size), 0);  \
		if (!e) {                                                       \
			capture__drop(netns, ifindex);                          \
			return 0;                                               \
		}                                                               \
		/* Verifier: keep the bound on the register the helper gets. */ \
		barrier_var(len);                                               \
		if (len > (size) || LOAD(e->data, len)) {                       \
			bpf_ringbuf_discard(e, 0);                              \
			return 0;                                               \
		}                                                               \
	} while (0)

/* A packet smaller than its class is copied whole: size-1 masks are exact. */
#define CAPTURE_COPY(LOAD)                          \
	do {                                        \
		if (len <= 256)                     \
			CAPTURE_CLASS(256, LOAD);   \
		else if (len <= 2048)               \
			CAPTURE_CLASS(2048, LOAD);  \
		else if (len <= 16384)              \
			CAPTURE_CLASS(16384, LOAD); \
		else                                \
			CAPTURE_CLASS(65536, LOAD); \
	} while (0)

/* Whether -w wants the packet: its flow's name selection, then its owner. */
static __always_inline bool capture__wanted(const struct pkt_meta *m, const struct flow_key *k,
					    const struct flow_value *v,
					    const struct pkt_sender *cur, __u8 hook, __u8 dir,
					    struct pkt_event_hdr *hdr)
{
	if (capture_by_name && !(v && v->capture_sel)) {
		if (!v || !bpf_map_lookup_elem(&capture_flows, k)) {
			stat__inc(WF_STAT_CAP_FILTERED);
			return false;
		}
		((struct flow_value *)v)->capture_sel = 1;
	}
	event__fill(hdr, 0, m, k, v, cur, hook, dir, 0);
	if (!capture__owner_selected(hdr)) {
		stat__inc(WF_STAT_CAP_FILTERED);
		return false;
	}
	return true;
}

static __always_inline void capture__submit(struct cap_event *e, const struct pkt_event_hdr *hdr,
					    __u64 netns, __u32 ifindex, __u32 wire_len, __u32 len,
					    __u8 hook)
{
	e->netns = netns;
	e->ifindex = ifindex;
	e->wire_len = wire_len;
	e->cap_len = len;
	e->hook = hook;
	e->attr = hdr->attr;
	e->has_sk = hdr->has_sk;
	e->owner = hdr->owner;
	bpf_ringbuf_submit(e, 0);
	stat__inc(WF_STAT_CAPTURED);
}

#define SKB_LOAD(dst, n) bpf_skb_load_bytes(skb, 0, dst, n)

__noinline int wf_capture(struct __sk_buff *skb, const struct pkt_meta *m, const struct flow_key *k,
			  const struct flow_value *v, __u32 hook_dir)
{
	__u8 hook = hook_dir & 0xff, dir = (hook_dir >> 8) & 1, no_l2 = (hook_dir >> 16) & 1;
	struct pkt_event_hdr hdr = {};
	__u32 ifindex;
	struct cap_event *e;
	__u64 netns, len;

	if (!skb || !m || !k || !capture__wanted(m, k, v, sender__load(skb, m, hook), hook, dir, &hdr))
		return 0;
	netns = k->netns;
	ifindex = skb->ifindex;
	len = skb->len < capture_snaplen ? skb->len : capture_snaplen;
	if (len == 0)
		return 0;
	CAPTURE_COPY(SKB_LOAD);
	e->ts_ns = clock__now(skb);
	e->vlan_present = skb->vlan_present;
	e->vlan_tci = skb->vlan_tci;
	e->vlan_proto = skb->vlan_proto;
	e->no_l2 = no_l2;
	capture__submit(e, &hdr, netns, ifindex, skb->len, len, hook);
	return 0;
}

#define XDP_LOAD(dst, n) bpf_xdp_load_bytes(ctx, 0, dst, n)

/*
 * -w in XDP mode: the frame as XDP got it, before the kernel builds an skb (a
 * tag the NIC stripped is not there to put back). There is no socket at this
 * hook: the owner is the flow's, which the socket hooks and the tuple join fill.
 */
__noinline int wf_xdp_capture(struct xdp_md *ctx, const struct pkt_meta *m,
			      const struct flow_key *k, const struct flow_value *v, __u32 dir)
{
	struct pkt_event_hdr hdr = {};
	__u32 ifindex, wire;
	struct cap_event *e;
	__u64 netns, len;

	if (!ctx || !m || !k ||
	    !capture__wanted(m, k, v, sender__none(), WF_HOOK_INGRESS, dir & 1, &hdr))
		return 0;
	netns = k->netns;
	ifindex = ctx->ingress_ifindex;
	wire = bpf_xdp_get_buff_len(ctx);
	len = wire < capture_snaplen ? wire : capture_snaplen;
	if (len == 0)
		return 0;
	CAPTURE_COPY(XDP_LOAD);
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->vlan_present = 0;
	e->vlan_tci = 0;
	e->vlan_proto = 0;
	e->no_l2 = 0;
	capture__submit(e, &hdr, netns, ifindex, wire, len, WF_HOOK_INGRESS);
	return 0;
}

/* ---- The filter expression: classic BPF from libpcap, interpreted here ---- */

/* Classic BPF opcodes (linux/filter.h, linux/bpf_common.h). */
#define C_CLASS(c) ((c) & 0x07)
#define C_SIZE(c) ((c) & 0x18)
#define C_MODE(c) ((c) & 0xe0)
#define C_OP(c) ((c) & 0xf0)
#define C_SRC(c) ((c) & 0x08)
#define C_RVAL(c) ((c) & 0x18)
#define C_MISCOP(c) ((c) & 0xf8)

/* A big-endian load of size bytes at off of the window; false when it runs past the packet. */
static __always_inline bool cbpf__load(struct cbpf_state *s, __u32 off, __u32 size, __u32 *out)
{
	__u32 v = 0;

	if (off >= WF_CBPF_WINDOW || off + size > s->data_len)
		return false;
	for (__u32 i = 0; i < 4; i++) {
		__u32 idx = off + i;

		if (i >= size)
			break;
		/* Verifier: the mask must reach the access, not be folded away. */
		barrier_var(idx);
		idx &= WF_CBPF_WINDOW - 1;
		barrier_var(idx);
		v = v << 8 | s->data[idx];
	}
	*out = v;
	return true;
}

/* One instruction; 1 ends the run (verdict set). Loops are impossible: classic
 * BPF only jumps forward, so a program runs at most its length. */
static long cbpf__step(__u64 idx, void *unused)
{
	__u32 zero = 0, slot, v = 0, src;
	struct cbpf_state *s = bpf_map_lookup_elem(&cbpf_scratch, &zero);
	struct cbpf_insn *in;
	__u16 c;

	if (!s)
		return 1;
	if (s->pc >= s->plen || s->pc >= WF_CBPF_MAX) {
		s->verdict = 0;
		return 1;
	}
	slot = s->base + s->pc;
	in = bpf_map_lookup_elem(&cbpf_prog, &slot);
	if (!in) {
		s->verdict = 0;
		return 1;
	}
	c = in->code;
	s->pc++;
	switch (C_CLASS(c)) {
	case 0x00: /* LD */
	case 0x01: /* LDX */ {
		__u32 size = C_SIZE(c) == 0x00 ? 4 : C_SIZE(c) == 0x08 ? 2 : 1;

		switch (C_MODE(c)) {
		case 0x00: /* IMM */
			v = in->k;
			break;
		case 0x20: /* ABS */
			if (!cbpf__load(s, in->k, size, &v))
				goto reject;
			break;
		case 0x40: /* IND */
			if (!cbpf__load(s, in->k + s->X, size, &v))
				goto reject;
			break;
		case 0x60: /* MEM */
			v = s->M[in->k & 15];
			break;
		case 0x80: /* LEN */
			v = s->len;
			break;
		case 0xa0: /* MSH: 4 * (P[k] & 0xf), the IPv4 header length */
			if (!cbpf__load(s, in->k, 1, &v))
				goto reject;
			v = (v & 0xf) << 2;
			break;
		default:
			goto reject;
		}
		if (C_CLASS(c) == 0x00)
			s->A = v;
		else
			s->X = v;
		return 0;
	}
	case 0x02: /* ST */
		s->M[in->k & 15] = s->A;
		return 0;
	case 0x03: /* STX */
		s->M[in->k & 15] = s->X;
		return 0;
	case 0x04: /* ALU */
		src = C_SRC(c) ? s->X : in->k;
		switch (C_OP(c)) {
		case 0x00: s->A += src; break;
		case 0x10: s->A -= src; break;
		case 0x20: s->A *= src; break;
		case 0x30:
			if (!src)
				goto reject;
			s->A /= src;
			break;
		case 0x40: s->A |= src; break;
		case 0x50: s->A &= src; break;
		case 0x60: s->A = src < 32 ? s->A << src : 0; break;
		case 0x70: s->A = src < 32 ? s->A >> src : 0; break;
		case 0x80: s->A = -s->A; break;
		case 0x90:
			if (!src)
				goto reject;
			s->A %= src;
			break;
		case 0xa0: s->A ^= src; break;
		default:
			goto reject;
		}
		return 0;
	case 0x05: /* JMP */ {
		bool t;

		src = C_SRC(c) ? s->X : in->k;
		switch (C_OP(c)) {
		case 0x00: /* JA */
			s->pc += in->k;
			return 0;
		case 0x10: t = s->A == src; break;
		case 0x20: t = s->A > src; break;
		case 0x30: t = s->A >= src; break;
		case 0x40: t = (s->A & src) != 0; break;
		default:
			goto reject;
		}
		s->pc += t ? in->jt : in->jf;
		return 0;
	}
	case 0x06: /* RET */
		s->verdict = C_RVAL(c) == 0x10 ? s->A : C_RVAL(c) == 0x00 ? in->k : s->X;
		return 1;
	case 0x07: /* MISC */
		if (C_MISCOP(c) == 0x00)
			s->X = s->A; /* TAX */
		else
			s->A = s->X; /* TXA */
		return 0;
	}
reject:
	/* What classic BPF does on a load past the packet or a division by zero. */
	s->verdict = 0;
	return 1;
}

/* Runs the expression of link type link over the window in s (data, len, data_len set). */
static __always_inline int cbpf__run(struct cbpf_state *s, __u32 link)
{
	s->A = s->X = s->pc = 0;
	s->base = link ? WF_CBPF_MAX : 0;
	s->plen = link ? cbpf_len[1] : cbpf_len[0];
	s->verdict = 0;
	bpf_loop(WF_CBPF_MAX, cbpf__step, NULL, 0);
	if (record_last)
		last_cbpf_verdict = s->verdict;
	return s->verdict != 0;
}

/*
 * A tag the kernel holds in skb->vlan_tci is put back after the MAC addresses,
 * as in the -w copy: the expression then sees what tcpdump and the file show,
 * so `vlan 10` matches an offloaded tag too. 0: nothing could be read.
 */
static __always_inline __u32 cbpf__window_tagged(struct cbpf_state *s, struct __sk_buff *skb)
{
	__u16 proto = bpf_ntohs((__u16)skb->vlan_proto), tci = skb->vlan_tci;
	__u64 rest;

	if (skb->len < 12 || bpf_skb_load_bytes(skb, 0, s->data, 12))
		return 0;
	s->data[12] = proto >> 8;
	s->data[13] = proto & 0xff;
	s->data[14] = tci >> 8;
	s->data[15] = tci & 0xff;
	rest = skb->len - 12;
	if (rest > WF_CBPF_WINDOW - 16)
		rest = WF_CBPF_WINDOW - 16;
	barrier_var(rest);
	if (rest > WF_CBPF_WINDOW - 16)
		return 0;
	if (rest && bpf_skb_load_bytes(skb, 12, s->data + 16, rest))
		return 0;
	s->len = skb->len + 4;
	return rest + 16;
}

/* Whether the packet matches the expression compiled for its link type. */
__noinline int wf_cbpf_match(struct __sk_buff *skb, __u32 link)
{
	__u32 zero = 0;
	__u64 len;
	struct cbpf_state *s = bpf_map_lookup_elem(&cbpf_scratch, &zero);

	if (!skb || !s || link > 1)
		return 0;
	if (skb->vlan_present && link == WF_CBPF_ETHERNET) {
		s->data_len = cbpf__window_tagged(s, skb);
		return cbpf__run(s, link);
	}
	s->len = skb->len;
	len = skb->len < WF_CBPF_WINDOW ? skb->len : WF_CBPF_WINDOW;
	/* Verifier: keep the bounds on the very register passed to the helper. */
	barrier_var(len);
	if (len < 1 || len > WF_CBPF_WINDOW || bpf_skb_load_bytes(skb, 0, s->data, len))
		len = 0;
	s->data_len = len;
	return cbpf__run(s, link);
}

/* The same over an XDP frame (Ethernet: XDP is offered on Ethernet devices only). */
__noinline int wf_xdp_cbpf_match(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 len, total;
	struct cbpf_state *s = bpf_map_lookup_elem(&cbpf_scratch, &zero);

	if (!ctx || !s)
		return 0;
	total = bpf_xdp_get_buff_len(ctx);
	s->len = total;
	len = total < WF_CBPF_WINDOW ? total : WF_CBPF_WINDOW;
	barrier_var(len);
	if (len < 1 || len > WF_CBPF_WINDOW || bpf_xdp_load_bytes(ctx, 0, s->data, len))
		len = 0;
	s->data_len = len;
	return cbpf__run(s, WF_CBPF_ETHERNET);
}
