// SPDX-License-Identifier: GPL-2.0-only
/* --metrics: the monitor's counters gathered, rendered and handed to the server. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "flow.h"
#include "metrics.h"
#include "metrics_http.h"
#include "ctr_cache.h"
#include "meta_stage.h"
#include "monitor_files.h"
#include "monitor_metrics.h"
#include "proc.h"
#include "sock.h"

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void gather__ifaces(struct metrics_in *in, struct flow_tracker *ft)
{
	struct iface_count rows[METRICS_IFACES_MAX];
	size_t n = flow_tracker__iface_counts(ft, rows, METRICS_IFACES_MAX);

	for (size_t i = 0; i < n; i++) {
		struct metrics_iface *f = &in->ifaces[in->nifaces++];

		f->name = rows[i].name;
		f->netns = rows[i].netns;
		f->seen = rows[i].st.seen;
		f->not_ip = rows[i].st.not_ip;
		f->truncated = rows[i].st.truncated;
		f->malformed = rows[i].st.malformed;
	}
}

static void gather__sinks(struct metrics_in *in, const struct pipeline *out)
{
	for (size_t i = 0; i < out->nsinks && in->nsinks < METRICS_SINKS_MAX; i++) {
		const struct sink *s = &out->sinks[i];
		char what[256];

		in->sink_names[in->nsinks] = s->ops->name;
		in->sink_written[in->nsinks] = s->written;
		in->sink_lost[in->nsinks++] = s->ops->losses ? s->ops->losses(s, what, sizeof(what)) : 0;
	}
}

static void gather__containers(struct metrics_in *in)
{
	struct meta_stage_stats st;
	struct ctr_cache_stats cs;

	if (!meta_stage__sources()[0])
		return;
	meta_stage__stats(&st);
	ctr_cache__stats(&cs);
	in->containers = true;
	in->ctr_found = st.found;
	in->ctr_not_found = st.not_found;
	in->ctr_unreachable = st.unreachable;
	in->ctr_errors = st.errors;
	in->ctr_queue_full = st.queue_full;
	in->ctr_runtime_events = st.events;
	in->ctr_named = cs.hits;
	in->ctr_unnamed = cs.misses;
}

void monitor_metrics__publish(struct metrics_http *mh, const struct proc_tracker *t,
			      struct flow_tracker *ft, const struct sock_tracker *st,
			      const struct pipeline *out)
{
	uint64_t l[WF_PROC_LOSS__MAX], s[WF_STAT__MAX] = { 0 }, so[WF_SOCK_STAT__MAX] = { 0 };
	struct metrics_in in = { 0 };
	struct detect_stats ds;
	struct rusage ru;
	size_t len;

	if (!mh)
		return;
	proc_tracker__losses(t, l);
	if (ft->skel)
		flow_tracker__stats(ft, s);
	sock_tracker__stats(st, so);
	in.exec = t->printed[WF_PROC_EVENT_EXEC];
	in.fork = t->printed[WF_PROC_EVENT_FORK];
	in.exit = t->printed[WF_PROC_EVENT_EXIT];
	in.flow = out->by_kind[EVENT_FLOW];
	in.dns = out->by_kind[EVENT_DNS];
	in.tls = out->by_kind[EVENT_TLS];
	in.http = out->by_kind[EVENT_HTTP];
	in.alert = out->by_kind[EVENT_ALERT];
	in.drop = out->by_kind[EVENT_DROP];
	in.file = out->by_kind[EVENT_FILE];
	in.lost_file_overflow = monitor_files__overflows();
	monitor_files__opens_lost(&in.lost_file_opens, &in.lost_file_open_unresolved);
	in.filtered = out->filtered;
	in.lost_proc_ringbuf = l[WF_PROC_LOSS_RINGBUF];
	in.lost_argv = l[WF_PROC_LOSS_READ];
	in.lost_pkt_ringbuf = s[WF_STAT_RINGBUF_LOST];
	in.lost_tls_ringbuf = s[WF_STAT_TLS_LOST];
	in.lost_http_ringbuf = s[WF_STAT_HTTP_LOST];
	in.lost_dns_fragments = s[WF_STAT_FRAG_LOST];
	in.lost_flow_table = s[WF_STAT_FLOW_FULL];
	in.lost_owner_table = so[WF_SOCK_OWNERS_FULL];
	in.lost_tuple_table = so[WF_SOCK_TUPLES_FULL];
	if (ft->drops.skel) {
		uint64_t d[WF_DROP_STAT__MAX];

		drop_tracker__stats(&ft->drops, d);
		in.lost_drop_table = d[WF_DROP_TABLE_FULL];
		in.lost_drop_ringbuf = d[WF_DROP_RING_FULL];
	}
	in.packets_seen = s[WF_STAT_PACKETS];
	in.packets_not_ip = s[WF_STAT_NOT_IP];
	in.packets_truncated = s[WF_STAT_TRUNCATED];
	in.packets_malformed = s[WF_STAT_MALFORMED];
	in.packets_fragments = s[WF_STAT_FRAGMENTS];
	in.packets_left_out = s[WF_STAT_FILTERED] + s[WF_STAT_EXPR_FILTERED];
	gather__ifaces(&in, ft);
	in.flows_active = ft->flows_active;
	in.processes_tracked = t->table.count;
	memcpy(in.dns_rcode, out->dns_rcode, sizeof(in.dns_rcode));
	memcpy(in.tls_version, out->tls_version, sizeof(in.tls_version));
	gather__sinks(&in, out);
	if (!getrusage(RUSAGE_SELF, &ru))
		in.cpu_seconds = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
				 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	in.rss_bytes = rss_bytes();
	gather__containers(&in);
	in.rules = out->cfg->rules_dirs.n > 0;
	pipeline__detect_stats(out, &ds);
	in.rules_usable = ds.usable;
	in.rules_skipped = ds.skipped;
	in.rules_broken = ds.broken;
	{
		char *text = metrics__render(&in, &len);

		metrics_http__publish(mh, text, len);
	}
}
