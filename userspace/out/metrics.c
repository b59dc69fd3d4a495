// SPDX-License-Identifier: GPL-2.0-only
/* The Prometheus exposition of the agent's counters (see metrics.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"
#include "metrics.h"

struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if (o->buf && (size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		{
			size_t cap = (o->cap ? o->cap * 2 : 8192) + (size_t)n;
			char *nb = realloc(o->buf, cap);

			if (!nb) {
				o->oom = true;
				return;
			}
			o->buf = nb;
			o->cap = cap;
		}
	}
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	head(o, name, type, help);
	put(o, "%s %" PRIu64 "\n", name, v);
}

static void events(struct out *o, const struct metrics_in *in)
{
	const struct {
		const char *type;
		uint64_t v;
	} rows[] = { { "exec", in->exec }, { "fork", in->fork }, { "exit", in->exit },
		     { "flow", in->flow }, { "dns", in->dns },	 { "tls", in->tls },
		     { "http", in->http }, { "alert", in->alert }, { "drop", in->drop },
		     { "file", in->file } };

	head(o, "whoflow_events_total", "counter", "Events written to the outputs, by type.");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		put(o, "whoflow_events_total{type=\"%s\"} %" PRIu64 "\n", rows[i].type, rows[i].v);
	one(o, "whoflow_events_filtered_total", "counter",
	    "Events the selectors left out.", in->filtered);
}

static void lost(struct out *o, const struct metrics_in *in)
{
	const struct {
		const char *cause;
		uint64_t v;
	} rows[] = {
		{ "process_ringbuf_full", in->lost_proc_ringbuf },
		{ "argv_unreadable", in->lost_argv },
		{ "packet_ringbuf_full", in->lost_pkt_ringbuf },
		{ "tls_ringbuf_full", in->lost_tls_ringbuf },
		{ "http_ringbuf_full", in->lost_http_ringbuf },
		{ "dns_fragments", in->lost_dns_fragments },
		{ "flow_table_full", in->lost_flow_table },
		{ "owner_table_full", in->lost_owner_table },
		{ "tuple_table_full", in->lost_tuple_table },
		{ "drop_table_full", in->lost_drop_table },
		{ "drop_ringbuf_full", in->lost_drop_ringbuf },
		{ "file_queue_overflow", in->lost_file_overflow },
		{ "file_open_ringbuf_full", in->lost_file_opens },
		{ "file_open_unresolved", in->lost_file_open_unresolved },
	};

	head(o, "whoflow_events_lost_total", "counter",
	     "Events or records lost, by cause (sink losses: whoflow_sink_lost_total).");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		put(o, "whoflow_events_lost_total{cause=\"%s\"} %" PRIu64 "\n", rows[i].cause,
		    rows[i].v);
}

static void packets(struct out *o, const struct metrics_in *in)
{
	const struct {
		const char *what;
		uint64_t v;
	} rows[] = { { "seen", in->packets_seen },	     { "not_ip", in->packets_not_ip },
		     { "truncated", in->packets_truncated }, { "malformed", in->packets_malformed },
		     { "fragment", in->packets_fragments }, { "left_out", in->packets_left_out } };

	head(o, "whoflow_packets_total", "counter",
	     "Packets the classifiers saw on every watched interface, by what they were.");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		put(o, "whoflow_packets_total{kind=\"%s\"} %" PRIu64 "\n", rows[i].what, rows[i].v);
}

/* Interface names are [^/ ]{1,15} and namespace names [A-Za-z0-9._-]: nothing to escape. */
static void interfaces(struct out *o, const struct metrics_in *in)
{
	head(o, "whoflow_interface_packets_total", "counter",
	     "Packets the classifiers saw, per watched interface, by what they were.");
	for (size_t i = 0; i < in->nifaces; i++) {
		const struct metrics_iface *f = &in->ifaces[i];
		const struct {
			const char *what;
			uint64_t v;
		} rows[] = { { "seen", f->seen },
			     { "not_ip", f->not_ip },
			     { "truncated", f->truncated },
			     { "malformed", f->malformed } };

		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
			put(o,
			    "whoflow_interface_packets_total{interface=\"%s\",netns=\"%s\","
			    "kind=\"%s\"} %" PRIu64 "\n",
			    f->name, f->netns, rows[r].what, rows[r].v);
	}
}

static void protocols(struct out *o, const struct metrics_in *in)
{
	static const char *const versions[] = { "unknown", "SSL 3.0", "TLS 1.0", "TLS 1.1",
						"TLS 1.2", "TLS 1.3", "none" };
	char name[24];

	head(o, "whoflow_dns_answers_total", "counter", "DNS answers, by response code.");
	for (int i = 0; i < 24; i++)
		if (in->dns_rcode[i] || i < 6)
			put(o, "whoflow_dns_answers_total{rcode=\"%s\"} %" PRIu64 "\n",
			    i < 23 ? dns__rcode_name((uint16_t)i, name, sizeof(name)) : "other",
			    in->dns_rcode[i]);
	head(o, "whoflow_tls_hellos_total", "counter",
	     "TLS ClientHellos, by the version the server chose (none: no answer seen).");
	for (int i = 0; i < 7; i++)
		put(o, "whoflow_tls_hellos_total{version=\"%s\"} %" PRIu64 "\n", versions[i],
		    in->tls_version[i]);
}

static void agent(struct out *o, const struct metrics_in *in)
{
	one(o, "whoflow_flows_active", "gauge", "Flows in the flow table after its last scan.",
	    in->flows_active);
	one(o, "whoflow_processes_tracked", "gauge", "Processes in the process table.",
	    in->processes_tracked);
	head(o, "whoflow_sink_events_total", "counter", "Events each output wrote.");
	for (size_t i = 0; i < in->nsinks; i++)
		put(o, "whoflow_sink_events_total{sink=\"%s\"} %" PRIu64 "\n", in->sink_names[i],
		    in->sink_written[i]);
	head(o, "whoflow_sink_lost_total", "counter",
	     "Events an output could not write and went on without.");
	for (size_t i = 0; i < in->nsinks; i++)
		put(o, "whoflow_sink_lost_total{sink=\"%s\"} %" PRIu64 "\n", in->sink_names[i],
		    in->sink_lost[i]);
	head(o, "whoflow_agent_cpu_seconds_total", "counter",
	     "CPU time the agent used, user and system.");
	put(o, "whoflow_agent_cpu_seconds_total %.3f\n", in->cpu_seconds);
	one(o, "whoflow_agent_resident_memory_bytes", "gauge", "The agent's resident memory.",
	    in->rss_bytes);
	if (!in->rules)
		return;
	head(o, "whoflow_rules", "gauge", "Sigma rules loaded, by verdict.");
	put(o, "whoflow_rules{verdict=\"usable\"} %u\nwhoflow_rules{verdict=\"skipped\"} %u\n"
	       "whoflow_rules{verdict=\"broken\"} %u\n",
	    in->rules_usable, in->rules_skipped, in->rules_broken);
}

static void containers(struct out *o, const struct metrics_in *in)
{
	if (!in->containers)
		return;
	head(o, "whoflow_container_lookups_total", "counter",
	     "Containers asked of their runtime, by answer (unreachable: no answer in time).");
	put(o, "whoflow_container_lookups_total{result=\"found\"} %" PRIu64 "\n"
	       "whoflow_container_lookups_total{result=\"not_found\"} %" PRIu64 "\n"
	       "whoflow_container_lookups_total{result=\"unreachable\"} %" PRIu64 "\n"
	       "whoflow_container_lookups_total{result=\"error\"} %" PRIu64 "\n"
	       "whoflow_container_lookups_total{result=\"queue_full\"} %" PRIu64 "\n",
	    in->ctr_found, in->ctr_not_found, in->ctr_unreachable, in->ctr_errors,
	    in->ctr_queue_full);
	one(o, "whoflow_container_runtime_events_total", "counter",
	    "Container events read from the runtimes' event streams.", in->ctr_runtime_events);
	head(o, "whoflow_container_event_names_total", "counter",
	     "Events of a container, by whether its runtime had named it yet.");
	put(o, "whoflow_container_event_names_total{named=\"true\"} %" PRIu64 "\n"
	       "whoflow_container_event_names_total{named=\"false\"} %" PRIu64 "\n",
	    in->ctr_named, in->ctr_unnamed);
}

char *metrics__render(const struct metrics_in *in, size_t *len)
{
	struct out o = { 0 };

	events(&o, in);
	lost(&o, in);
	packets(&o, in);
	interfaces(&o, in);
	protocols(&o, in);
	agent(&o, in);
	containers(&o, in);
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	*len = o.len;
	return o.buf;
}
