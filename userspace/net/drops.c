// SPDX-License-Identifier: GPL-2.0-only
/* --drops: the drop tracepoint loaded, its windows read and made into events (drops.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "drops.h"
#include "drop.skel.h"
#include "event.h"
#include "flow.h"
#include "ksyms.h"
#include "log.h"
#include "percpu.h"
#include "loop.h"

#define DROP_BATCH 256

/* The reasons' names from the running kernel's BTF: new kernels' reasons are named too. */
static int drop__reasons(struct drop_tracker *d)
{
	static const char prefix[] = "SKB_DROP_REASON_";
	struct btf *btf = btf__load_vmlinux_btf();
	const struct btf_type *t;
	const struct btf_enum *e;
	__s32 id;

	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	d->reasons = t ? calloc(btf_vlen(t), sizeof(*d->reasons)) : NULL;
	if (!d->reasons) {
		btf__free(btf);
		return -ENOENT;
	}
	e = btf_enum(t);
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);

		if (!name)
			continue;
		if (!strncmp(name, prefix, sizeof(prefix) - 1))
			name += sizeof(prefix) - 1;
		d->reasons[d->nreasons].value = (__u32)e[i].val;
		d->reasons[d->nreasons].name = strdup(name);
		if (d->reasons[d->nreasons].name)
			d->nreasons++;
	}
	btf__free(btf);
	return 0;
}

const char *drop_tracker__reason(const struct drop_tracker *d, __u32 value, char *buf,
				 size_t len)
{
	for (size_t i = 0; i < d->nreasons; i++)
		if (d->reasons[i].value == value)
			return d->reasons[i].name;
	snprintf(buf, len, "UNKNOWN_%u", value);
	return buf;
}

/* The classifiers' tables the tracepoint reads: the same maps, by the same names. */
static int drops__share(struct drop_bpf *s, const struct bpf_object *classifiers)
{
	static const char *const names[] = { "owners", "tuples", "tuples_any", "tuple_ports",
						     "flows" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct bpf_map *from = bpf_object__find_map_by_name(classifiers, names[i]);
		struct bpf_map *to = bpf_object__find_map_by_name(s->obj, names[i]);
		int err = from && to ? bpf_map__reuse_fd(to, bpf_map__fd(from)) : -ENOENT;

		if (err)
			return err;
	}
	return 0;
}

int drop_tracker__start(struct drop_tracker *d, bool all, const struct flow_tracker *ft,
			struct event_out *out, const struct bpf_object *classifiers)
{
	int err;

	d->all = all;
	d->ft = ft;
	d->out = out;
	if (drop__reasons(d))
		pr_warn("warning: the kernel's BTF names no drop reasons: drops are reported by "
			"number\n");
	d->skel = drop_bpf__open();
	if (!d->skel) {
		pr_warn("cannot open the packet-drop BPF object: %m\n");
		return -errno;
	}
	d->skel->rodata->drops_all = all;
	if (!all)
		bpf_map__set_max_entries(d->skel->maps.drop_events, 4096);
	err = drops__share(d->skel, classifiers);
	err = err ?: drop_bpf__load(d->skel);
	err = err ?: drop_bpf__attach(d->skel);
	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot trace packet drops (the skb:kfree_skb BTF tracepoint, kernel 6.12 "
			"or later): %s; run without --drops\n",
			msg);
		return err;
	}
	return 0;
}

void drop_tracker__watch_netns(struct drop_tracker *d, __u64 netns)
{
	__u8 one = 1;

	if (d && d->skel && netns)
		bpf_map_update_elem(bpf_map__fd(d->skel->maps.drop_netns), &netns, &one, BPF_ANY);
}

/* The id of the flow the kernel found for the packets (flow__id of its key, initiator first). */
static void drop__flow(struct drop_view *dv)
{
	const struct wf_drop_key *k = dv->k;
	struct flow_key fk = { .netns = k->netns, .ifindex = k->ifindex, .family = k->family,
			       .proto = k->proto };
	bool swap = !flow_ep__le(k->saddr, k->sport, k->daddr, k->dport);
	/* The flows map holds the lower end first (swap: the sender is the higher), and
	 * key_rev says the initiator is its second: the sender initiated when both agree. */
	bool sender_first = swap == (bool)dv->v->flow_rev;

	if (!dv->v->flow_first_ns)
		return;
	memcpy(fk.saddr, sender_first ? k->saddr : k->daddr, 16);
	memcpy(fk.daddr, sender_first ? k->daddr : k->saddr, 16);
	fk.sport = sender_first ? k->sport : k->dport;
	fk.dport = sender_first ? k->dport : k->sport;
	flow__id(&fk, dv->v->flow_first_ns, dv->flow_id);
	dv->has_flow = true;
}

static void drop__emit(struct drop_tracker *d, const struct wf_drop_key *k,
		       const struct wf_drop_val *v)
{
	struct drop_view dv = { .k = k, .v = v };
	char rbuf[24], loc[160];

	if (!d->ksyms_tried) {
		d->ksyms_tried = true;
		d->ksyms = ksyms__load("/proc/kallsyms");
	}
	dv.reason = drop_tracker__reason(d, k->reason, rbuf, sizeof(rbuf));
	dv.location = ksyms__name(d->ksyms, k->location, loc, sizeof(loc));
	dv.ifname = k->ifindex ? flow_tracker__ifname(d->ft, k->netns, k->ifindex) : NULL;
	drop__flow(&dv);
	d->reported++;
	d->packets += v->count;
	event__emit(d->out, &(struct event){ .kind = EVENT_DROP, .drop = &dv });
}

/* Reads and empties one window's table, a batch per system call. */
static void drop__drain(struct drop_tracker *d, int fd)
{
	struct wf_drop_key keys[DROP_BATCH];
	struct wf_drop_val vals[DROP_BATCH];
	__u32 token = 0, count;
	bool first = true;
	int err;

	do {
		count = DROP_BATCH;
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token, keys,
						      vals, &count, NULL);
		err = err ? -errno : 0;
		if (err && err != -ENOENT) {
			pr_warn("cannot read the packet-drop table: %s\n", strerror(-err));
			return;
		}
		first = false;
		for (__u32 i = 0; i < count; i++)
			drop__emit(d, &keys[i], &vals[i]);
	} while (!err);
}

void drop_tracker__scan(struct drop_tracker *d, bool all)
{
	int fds[2];
	__u32 in_use;

	if (!d || !d->skel || d->all)
		return;
	fds[0] = bpf_map__fd(d->skel->maps.drops0);
	fds[1] = bpf_map__fd(d->skel->maps.drops1);
	in_use = d->skel->bss->drop_gen & 1;
	/*
	 * The table left a second ago: no program still writes it (a program runs
	 * for microseconds). Then the tables swap. At exit the tracepoint is
	 * detached: the one in use is read too.
	 */
	drop__drain(d, fds[in_use ^ 1]);
	__atomic_store_n(&d->skel->bss->drop_gen, in_use ^ 1, __ATOMIC_RELEASE);
	if (all)
		drop__drain(d, fds[in_use]);
}

static int drop__on_record(void *ctx, void *data, size_t len)
{
	struct drop_tracker *d = ctx;
	const struct wf_drop_event *e = data;

	if (len < sizeof(*e))
		return 0;
	drop__emit(d, &e->k, &e->v);
	return event__done(d->out) ? -ECANCELED : 0;
}

int drop_tracker__add_ring(struct drop_tracker *d, struct loop *l)
{
	if (!d || !d->skel || !d->all)
		return 0;
	return loop__add_ring(l, bpf_map__fd(d->skel->maps.drop_events), drop__on_record, d);
}

void drop_tracker__detach(struct drop_tracker *d)
{
	if (d && d->skel)
		drop_bpf__detach(d->skel);
}

void drop_tracker__stats(const struct drop_tracker *d, uint64_t out[WF_DROP_STAT__MAX])
{
	percpu__sum(d && d->skel ? bpf_map__fd(d->skel->maps.drop_stats) : -1, out,
		    WF_DROP_STAT__MAX);
}

void drop_tracker__destroy(struct drop_tracker *d)
{
	if (!d)
		return;
	drop_bpf__destroy(d->skel);
	for (size_t i = 0; i < d->nreasons; i++)
		free(d->reasons[i].name);
	free(d->reasons);
	ksyms__free(d->ksyms);
	memset(d, 0, sizeof(*d));
}
