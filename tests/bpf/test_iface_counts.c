// SPDX-License-Identifier: GPL-2.0-only
/*
 * BPF tests of the per-interface packet counters: the classifier counts a
 * packet in its CPU's cache entry for the interface (bpf/tc/device.h), moves
 * the entry's counts to the interface's slot when another interface takes the
 * entry, and drops them when the interface has given its slot up; the agent
 * adds slots and entries (userspace/net/iface_slot.c). Packets run through
 * bpf_prog_test_run_opts on one CPU, on veths of the test's own namespace.
 */
#include "testdev.h" /* first: it defines _GNU_SOURCE */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "flow_events.h"
#include "parse_types.h"
#include "flow.skel.h"
#include "pktbuild.h"
#include "iface_slot.h"

#define SO_NETNS_COOKIE_ 71

static struct flow_bpf *skel;
static __u64 netns;
/* a and b take the same cache entry; c another interface. */
static unsigned int if_a, if_b, if_c;

static void run_on(unsigned int ifindex, const struct pkt *p, int times)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = (__u32)p->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

	for (int i = 0; i < times; i++) {
		assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.wf_tc_egress),
							&opts),
				 0);
		assert_int_equal((int)opts.retval, -1);
	}
}

static __u32 take_slot(unsigned int ifindex)
{
	int att = bpf_map__fd(skel->maps.attachments);
	__u32 slot = iface_slot__take(att, bpf_map__fd(skel->maps.iface_stats));

	assert_true(slot > 0);
	assert_int_equal(iface_slot__record(att, netns, ifindex, "test", "", slot), 0);
	return slot;
}

/* The slot the attachments map gives the interface (the first test recorded them). */
static __u32 slot_of(unsigned int ifindex)
{
	struct wf_attach_key k = { .netns = netns, .ifindex = ifindex };
	struct wf_attach_val v;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.attachments), &k, &v), 0);
	return v.slot;
}

/* The slot's counters alone (cache false) or with the CPUs' entries, as the agent reads them. */
static struct wf_iface_stats count(unsigned int ifindex, __u32 slot, bool cache)
{
	struct iface_cache_snap snap = { 0 };
	struct wf_iface_stats st;

	assert_int_equal(iface_slot__read(bpf_map__fd(skel->maps.iface_stats), slot, &st), 0);
	if (cache) {
		assert_int_equal(iface_cache__snap(bpf_map__fd(skel->maps.iface_cache), &snap), 0);
		iface_cache__add(&snap, netns, ifindex, slot, &st);
		iface_cache__snap_free(&snap);
	}
	return st;
}

static void udp_packet(struct pkt *p)
{
	pkt__eth(p, 0x0800);
	pkt__ipv4(p, 17, "192.0.2.1", "192.0.2.2", 0, 0);
	pkt__udp(p, 40000, 9);
	pkt__put(p, "x", 1);
	pkt__finish(p, 1);
}

static void not_ip_frame(struct pkt *p)
{
	pkt__eth(p, 0x88b5); /* the local experimental EtherType */
	pkt__put(p, "0123456789abcdef0123456789abcdef0123456789abcd", 46);
}

/*
 * a counts 3 datagrams and a frame that is not IP, b (same entry) 2, then a 4:
 * each time the entry changes hands its counts go to the slot of the interface
 * that had it, and the agent's sum of slot and entries is every packet.
 */
static void test_counts_move_with_the_entry(void **state)
{
	struct pkt u = { 0 }, o = { 0 };
	__u32 sa = take_slot(if_a), sb = take_slot(if_b);
	struct wf_iface_stats st;

	udp_packet(&u);
	not_ip_frame(&o);
	run_on(if_a, &u, 3);
	run_on(if_a, &o, 1);
	st = count(if_a, sa, false);
	assert_int_equal(st.seen, 0); /* still in the entry */
	st = count(if_a, sa, true);
	assert_int_equal(st.seen, 4);
	assert_int_equal(st.not_ip, 1);
	run_on(if_b, &u, 2);
	st = count(if_a, sa, false);
	assert_int_equal(st.seen, 4); /* moved to a's slot when b took the entry */
	assert_int_equal(st.not_ip, 1);
	run_on(if_a, &u, 4);
	st = count(if_b, sb, false);
	assert_int_equal(st.seen, 2);
	st = count(if_b, sb, true);
	assert_int_equal(st.seen, 2);
	st = count(if_a, sa, true);
	assert_int_equal(st.seen, 8);
	assert_int_equal(st.not_ip, 1);
	assert_int_equal(st.truncated + st.malformed, 0);
}

/*
 * a gives its slot up while its entry still holds 4 packets, and c takes the
 * slot: when b takes the entry, a's 4 are dropped, not counted as c's.
 */
static void test_a_given_up_slot_gets_nothing_old(void **state)
{
	struct pkt u = { 0 };
	__u32 sa, sb, sc;
	struct wf_iface_stats st;

	udp_packet(&u);
	sa = slot_of(if_a);
	sb = slot_of(if_b);
	assert_int_equal(count(if_a, sa, true).seen, 8);
	iface_slot__forget(bpf_map__fd(skel->maps.attachments), netns, if_a);
	sc = take_slot(if_c);
	assert_int_equal(sc, sa); /* the smallest free slot: a's, zeroed */
	assert_int_equal(count(if_c, sc, true).seen, 0);
	run_on(if_b, &u, 1);
	st = count(if_c, sc, true);
	assert_int_equal(st.seen, 0);
	assert_int_equal(st.not_ip, 0);
	assert_int_equal(count(if_b, sb, true).seen, 3);
	run_on(if_c, &u, 5);
	assert_int_equal(count(if_c, sc, true).seen, 5);
}

/*
 * A reading that falls while a's packet moves b's counts from the entry to b's
 * slot (the slot read before, the caches after) misses them: kept beside the
 * last reading, b's counter does not step back, and the next reading has them.
 */
static void test_a_reading_during_a_move_does_not_step_back(void **state)
{
	struct iface_cache_snap snap = { 0 };
	struct wf_iface_stats st, last = { 0 };
	struct pkt u = { 0 };
	__u32 sb = slot_of(if_b);

	udp_packet(&u);
	take_slot(if_a);
	run_on(if_b, &u, 2); /* b's entry: 3 in it now, 2 in b's slot */
	st = count(if_b, sb, true);
	iface_count__keep(&st, &last);
	assert_int_equal(st.seen, 5);
	assert_int_equal(last.seen, 5);
	/* The slot first, as the agent reads it; then a's packet moves b's 3. */
	assert_int_equal(iface_slot__read(bpf_map__fd(skel->maps.iface_stats), sb, &st), 0);
	run_on(if_a, &u, 1);
	assert_int_equal(iface_cache__snap(bpf_map__fd(skel->maps.iface_cache), &snap), 0);
	iface_cache__add(&snap, netns, if_b, sb, &st);
	iface_cache__snap_free(&snap);
	assert_int_equal(st.seen, 2); /* the 3 in flight missed by this reading */
	iface_count__keep(&st, &last);
	assert_int_equal(st.seen, 5);
	st = count(if_b, sb, true);
	iface_count__keep(&st, &last);
	assert_int_equal(st.seen, 5);
	run_on(if_b, &u, 1);
	st = count(if_b, sb, true);
	iface_count__keep(&st, &last);
	assert_int_equal(st.seen, 6);
	assert_int_equal(last.seen, 6);
}

static __u64 netns_cookie(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t len = sizeof(__u64);
	__u64 c = 0;

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE_, &c, &len))
		perror("SO_NETNS_COOKIE");
	if (fd >= 0)
		close(fd);
	return c;
}

/* Veth pairs until two of their ends take the same cache entry (at most 33
 * pairs: 66 indexes for 64 entries); c is the first end made. */
static int make_ifaces(void)
{
	unsigned int seen[WF_IFACE_CACHE] = { 0 };
	char cmd[96], name[16];

	for (int i = 0; i < WF_IFACE_CACHE / 2 + 1; i++) {
		snprintf(cmd, sizeof(cmd), "ip link add wfc%da type veth peer name wfc%db", i, i);
		if (system(cmd))
			return -1;
		for (char end = 'a'; end <= 'b'; end++) {
			unsigned int ifindex, e;

			snprintf(name, sizeof(name), "wfc%d%c", i, end);
			ifindex = if_nametoindex(name);
			if (!ifindex)
				return -1;
			if (!if_c) {
				if_c = ifindex;
				continue;
			}
			e = iface_cache__index(netns, ifindex);
			if (seen[e] && seen[e] != if_c) {
				if_a = seen[e];
				if_b = ifindex;
				return 0;
			}
			seen[e] = ifindex;
		}
	}
	return -1;
}

/* Every packet of the tests on one CPU: one cache. */
static int one_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			return sched_setaffinity(0, sizeof(set), &set);
		}
	return -1;
}

static int setup(void **state)
{
	if (!getenv("WF_TEST_VERBOSE"))
		libbpf_set_print(NULL);
	if (!testdev__setup() || one_cpu())
		return -1;
	netns = netns_cookie();
	if (!netns || make_ifaces()) {
		fprintf(stderr, "cannot make the test's interfaces\n");
		return -1;
	}
	skel = flow_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "flow.bpf.o rejected by the verifier (run as root?)\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	flow_bpf__destroy(skel);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_move_with_the_entry),
		cmocka_unit_test(test_a_given_up_slot_gets_nothing_old),
		cmocka_unit_test(test_a_reading_during_a_move_does_not_step_back),
	};

	return cmocka_run_group_tests_name("iface counts", tests, setup, teardown);
}
