// SPDX-License-Identifier: GPL-2.0-only
/* Join, select, sinks: one path for every event (see pipeline.h). */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "meta_stage.h"
#include "detect.h"
#include "dns_names.h"
#include "join.h"
#include "log.h"
#include "pipeline.h"
#include "select.h"

static struct pipeline *pipeline__of(const struct event_out *o)
{
	return (struct pipeline *)((const char *)o - offsetof(struct pipeline, base));
}

/* -c: events printed; with -w it counts packets written instead (out/sink_pcapng.c),
 * as tcpdump's. */
bool pipeline__done(const struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].done)
			return true;
	return p->failed || (!(p->cfg->write_file && !p->cfg->read_file) && p->cfg->count > 0 &&
			     p->emitted >= (uint64_t)p->cfg->count);
}

static bool pipeline__out_done(const struct event_out *o)
{
	return pipeline__done(pipeline__of(o));
}

/* What --metrics counts beyond the trackers: kinds, DNS rcodes, TLS versions. */
static void pipeline__count(struct pipeline *p, const struct event *ev)
{
	p->by_kind[ev->kind]++;
	if (ev->kind == EVENT_DNS && ev->dns->msg.response)
		p->dns_rcode[ev->dns->msg.rcode < 23 ? ev->dns->msg.rcode : 23]++;
	if (ev->kind == EVENT_TLS) {
		const struct tls_view *tv = ev->tls;
		uint16_t v = tv->sh.selected_version ? tv->sh.selected_version : tv->sh.legacy_version;

		if (!tv->has_sh || tv->sh.hello_retry)
			p->tls_version[6]++;
		else if (v >= 0x0300 && v <= 0x0304)
			p->tls_version[1 + (v - 0x0300)]++;
		else
			p->tls_version[0]++;
	}
}

static void pipeline__failed(struct pipeline *p, const struct sink *s)
{
	if (!s->failed || p->failed_err)
		return;
	p->failed = true;
	p->failed_err = s->err ? s->err : EIO;
	p->failed_sink = s->ops->name;
}

int pipeline__failure(const struct pipeline *p, const char **sink)
{
	*sink = p->failed_sink;
	return p->failed_err;
}

static void pipeline__sinks(struct pipeline *p, const struct event *ev)
{
	sink_json__forget(); /* a new event: its JSON is rendered at most once, for all sinks */
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sink *s = &p->sinks[i];

		s->ops->write(s, ev);
		s->written++;
		if (p->flush_each)
			s->ops->flush(s);
		if (s->f && ferror(s->f))
			sink__failed(s, errno);
		pipeline__failed(p, s);
	}
	if (ev->kind != EVENT_PACKET)
		p->emitted++;
	pipeline__count(p, ev);
}

/* A rule's match: out like any event, right after the event it matched. */
static void pipeline__alert(void *ctx, const struct event *alert)
{
	struct pipeline *p = ctx;

	if (!pipeline__done(p))
		pipeline__sinks(p, alert);
}

static void pipeline__emit(struct event_out *o, struct event *ev)
{
	struct pipeline *p = pipeline__of(o);
	bool proc = ev->kind == EVENT_PROC, selected, joined = false;

	if (pipeline__done(p))
		return;
	meta_stage__poll(); /* runtimes' answers in: the cache changes between events only */
	if (!proc)
		join__network(p->owners, ev);
	selected = select__event(p->cfg, p->owners, ev);
	if (!selected) {
		if (ev->kind == EVENT_PACKET)
			p->packets_filtered++;
		else
			p->filtered++;
	}
	/* Rules see every event, selected or not: a selector narrows what is printed. */
	if (proc && (selected || p->detect)) {
		join__process(p->cfg, p->owners, ev);
		joined = true;
	}
	if (selected)
		pipeline__sinks(p, ev);
	if (p->detect)
		detect__event(p->detect, ev, pipeline__alert, p);
	if (joined)
		join__release(ev);
}

static int pipeline__open(struct pipeline *p, const struct sink_ops *ops)
{
	struct sink *s = &p->sinks[p->nsinks];

	s->ops = ops;
	if (ops->open(s, p->cfg)) {
		/* What it opened goes with it. */
		ops->close(s);
		free(s->priv);
		memset(s, 0, sizeof(*s));
		return 1;
	}
	p->nsinks++;
	return 0;
}

int pipeline__init(struct pipeline *p, const struct config *cfg)
{
	/* -r prints events (a capture is read, not written). */
	bool capture = cfg->write_file && !cfg->read_file;
	static const char *const formats[] = {
		[OUTPUT_TEXT] = "text", [OUTPUT_JSON] = "json", [OUTPUT_TABLE] = "table"
	};
	const char *name = capture ? "pcapng" : formats[cfg->format];
	const struct sink_ops *ops = sinks__find(name);

	memset(p, 0, sizeof(*p));
	p->base.emit = pipeline__emit;
	p->base.done = pipeline__out_done;
	p->cfg = cfg;
	if (pipeline__open(p, ops))
		return 1;
	/* The log directory, besides what goes to stdout or to the capture file. */
	if (cfg->log_dir && pipeline__open(p, sinks__find("logdir")))
		return 1;
	if (cfg->syslog_target && pipeline__open(p, sinks__find("syslog")))
		return 1;
	if (cfg->db_path && pipeline__open(p, sinks__find("db")))
		return 1;
	if (cfg->udp_targets.n && pipeline__open(p, sinks__find("udp")))
		return 1;
	if (cfg->ipfix_url && pipeline__open(p, sinks__find("ipfix")))
		return 1;
	if (cfg->nats_url && pipeline__open(p, sinks__find("nats")))
		return 1;
	if (cfg->rules_dirs.n &&
	    !(p->detect = detect__open((const char *const *)cfg->rules_dirs.v, cfg->rules_dirs.n,
						 cfg->api_allow_write))) {
		pr_warn("cannot load the rules: out of memory\n");
		return 1;
	}
	return 0;
}

uint64_t pipeline__losses(const struct pipeline *p, char *what, size_t n)
{
	uint64_t sum = 0;
	size_t len = 0;

	if (!p->nsinks) {
		snprintf(what, n, "%s", p->closed_what);
		return p->closed_lost; /* closed: what they said last */
	}
	if (n)
		what[0] = '\0';
	for (size_t i = 0; i < p->nsinks; i++) {
		const struct sink *s = &p->sinks[i];
		uint64_t l;

		if (!s->ops->losses || !(l = s->ops->losses(s, what + len, n - len)))
			continue;
		sum += l;
		len += strlen(what + len);
		if (len + 2 < n)
			len += (size_t)snprintf(what + len, n - len, "; ");
	}
	if (len >= 2 && what[len - 2] == ';')
		what[len - 2] = '\0';
	return sum;
}

void pipeline__reopen(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++)
		if (p->sinks[i].ops->reopen)
			p->sinks[i].ops->reopen(&p->sinks[i]);
}

struct sink *pipeline__sink(struct pipeline *p, const char *name)
{
	for (size_t i = 0; i < p->nsinks; i++)
		if (!strcmp(p->sinks[i].ops->name, name))
			return &p->sinks[i];
	return NULL;
}

void pipeline__flush(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		p->sinks[i].ops->flush(&p->sinks[i]);
		pipeline__failed(p, &p->sinks[i]);
	}
}

void pipeline__free(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		p->sinks[i].ops->close(&p->sinks[i]);
		pipeline__failed(p, &p->sinks[i]);
	}
	/* Closing wrote out what was buffered: the losses are final now. */
	p->closed_lost = pipeline__losses(p, p->closed_what, sizeof(p->closed_what));
	for (size_t i = 0; i < p->nsinks; i++) {
		free(p->sinks[i].priv);
		p->sinks[i].priv = NULL;
	}
	p->nsinks = 0;
	sink_json__object_free();
	detect__stats(p->detect, &p->detect_stats);
	detect__close(p->detect);
	p->detect = NULL;
	dns_names__free();
}

void pipeline__say_rules(const struct pipeline *p)
{
	struct detect_stats st;

	if (!p->cfg->rules_dirs.n)
		return;
	pipeline__detect_stats(p, &st);
	pr_say("summary: rules usable=%u skipped=%u broken=%u alerts=%" PRIu64 " reloads=%" PRIu64
	       " reloads_refused=%" PRIu64 "\n",
	       st.usable, st.skipped, st.broken, st.alerts, st.reloads, st.reload_refused);
}

void pipeline__detect_stats(const struct pipeline *p, struct detect_stats *st)
{
	if (p->detect)
		detect__stats(p->detect, st);
	else
		*st = p->detect_stats;
}
