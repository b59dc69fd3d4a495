// SPDX-License-Identifier: GPL-2.0-only
/* Per-interface counter slots: given out, recorded and read (see iface_slot.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "iface_slot.h"

/* The slots attachments entries hold, in one walk of the map: a bit each. */
static void slots__used(int attachments_fd, uint8_t used[WF_IFACE_SLOTS / 8])
{
	struct wf_attach_key k, next;
	struct wf_attach_val v;
	void *prev = NULL;

	memset(used, 0, WF_IFACE_SLOTS / 8);
	while (!bpf_map_get_next_key(attachments_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(attachments_fd, &k, &v) && v.slot < WF_IFACE_SLOTS)
			used[v.slot / 8] |= (uint8_t)(1u << (v.slot % 8));
	}
}

static int slot__zero(int stats_fd, __u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wf_iface_stats *z;
	int err;

	if (ncpu <= 0)
		return -EINVAL;
	z = calloc((size_t)ncpu, sizeof(*z));
	if (!z)
		return -ENOMEM;
	err = bpf_map_update_elem(stats_fd, &slot, z, BPF_ANY);
	free(z);
	return err;
}

__u32 iface_slot__take(int attachments_fd, int stats_fd)
{
	uint8_t used[WF_IFACE_SLOTS / 8];

	slots__used(attachments_fd, used);
	for (__u32 slot = 1; slot < WF_IFACE_SLOTS; slot++)
		if (!(used[slot / 8] & (1u << (slot % 8))))
			return slot__zero(stats_fd, slot) ? 0 : slot;
	return 0;
}

int iface_slot__record(int attachments_fd, __u64 netns, __u32 ifindex, const char *ifname,
		       const char *netns_name, __u32 slot)
{
	struct wf_attach_key k = { .netns = netns, .ifindex = ifindex };
	struct wf_attach_val v = { .slot = slot };

	snprintf(v.ifname, sizeof(v.ifname), "%s", ifname);
	snprintf(v.netns_name, sizeof(v.netns_name), "%s", netns_name ? netns_name : "");
	v.attached_ns = (__u64)time(NULL) * 1000000000ull;
	return bpf_map_update_elem(attachments_fd, &k, &v, BPF_ANY);
}

void iface_slot__forget(int attachments_fd, __u64 netns, __u32 ifindex)
{
	struct wf_attach_key k = { .netns = netns, .ifindex = ifindex };

	bpf_map_delete_elem(attachments_fd, &k);
}

int iface_slot__read(int stats_fd, __u32 slot, struct wf_iface_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wf_iface_stats *per;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || !slot || slot >= WF_IFACE_SLOTS)
		return -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &slot, per)) {
		free(per);
		return -errno;
	}
	for (int c = 0; c < ncpu; c++) {
		sum->seen += per[c].seen;
		sum->not_ip += per[c].not_ip;
		sum->truncated += per[c].truncated;
		sum->malformed += per[c].malformed;
	}
	free(per);
	return 0;
}

int iface_cache__snap(int cache_fd, struct iface_cache_snap *s)
{
	__u32 zero = 0;

	s->ncpu = libbpf_num_possible_cpus();
	/* Entries are line-aligned: so is the copy. */
	s->cpu = s->ncpu > 0 ? aligned_alloc(64, (size_t)s->ncpu * sizeof(*s->cpu)) : NULL;
	if (!s->cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(cache_fd, &zero, s->cpu)) {
		int err = -errno;

		iface_cache__snap_free(s);
		return err;
	}
	return 0;
}

void iface_cache__snap_free(struct iface_cache_snap *s)
{
	free(s->cpu);
	s->cpu = NULL;
}

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

void iface_count__keep(struct wf_iface_stats *st, struct wf_iface_stats *last)
{
	last->seen = max_u64(st->seen, last->seen);
	last->not_ip = max_u64(st->not_ip, last->not_ip);
	last->truncated = max_u64(st->truncated, last->truncated);
	last->malformed = max_u64(st->malformed, last->malformed);
	*st = *last;
}

void iface_cache__add(const struct iface_cache_snap *s, __u64 netns, __u32 ifindex, __u32 slot,
		      struct wf_iface_stats *sum)
{
	__u32 i = iface_cache__index(netns, ifindex);

	for (int c = 0; s->cpu && c < s->ncpu; c++) {
		const struct wf_iface_cache_entry *e = &s->cpu[c].e[i];

		if (e->netns != netns || e->ifindex != ifindex || e->slot != slot)
			continue;
		sum->seen += e->st.seen;
		sum->not_ip += e->st.not_ip;
		sum->truncated += e->st.truncated;
		sum->malformed += e->st.malformed;
	}
}
