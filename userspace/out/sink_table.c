// SPDX-License-Identifier: GPL-2.0-only
/*
 * The table sink (--table): fixed-width columns for a person at a terminal,
 * TIME EVENT COMM PID PPID and a last column that says what happened; a line
 * longer than the terminal (COLUMNS, or the tty's size) is cut with '…'.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "dns.h"
#include "flow_events.h"
#include "net_fmt.h"
#include "proc_info.h"
#include "drop_events.h"
#include "sink.h"
#include "tls.h"

#define TABLE_HEAD "%-12s %-5s %-16s %7s %7s  %s"

struct table {
	int width; /* 0: nothing is cut (not a terminal, no COLUMNS) */
	char line[4096];
	size_t len;
};

/* COLUMNS first (as shells export it, and as tests set it), else the terminal's width. */
static int table__width(void)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;

	if (c && atoi(c) > 0)
		return atoi(c);
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 0;
}

static void __attribute__((format(printf, 2, 3))) table__add(struct table *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->line))
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->line + t->len, sizeof(t->line) - t->len, fmt, ap);
	va_end(ap);
	t->len = n < 0 ? t->len : t->len + (size_t)n;
	if (t->len >= sizeof(t->line))
		t->len = sizeof(t->line) - 1;
}

/* Writes the line, cut to the width: the last column that fits becomes '…'. Control
 * bytes are shown as '?': nothing a process names itself can move the cursor. */
static void table__emit(struct table *t, FILE *f)
{
	size_t n = t->len, chars = 0, cut = n;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->line[i];

		if (c < 0x20 || c == 0x7f)
			t->line[i] = '?';
		/* a character is a byte that does not continue a UTF-8 sequence */
		if ((c & 0xc0) != 0x80 && ++chars == (size_t)t->width)
			cut = i; /* where '…' goes if there is more */
	}
	if (t->width > 1 && chars > (size_t)t->width) {
		fwrite(t->line, 1, cut, f);
		fputs("\xe2\x80\xa6", f); /* U+2026 */
	} else {
		fwrite(t->line, 1, n, f);
	}
	fputc('\n', f);
	t->len = 0;
}

static void table__start(struct table *t, const char *ts, const char *event, const char *comm,
			 long pid, long ppid)
{
	char time[16] = "?", c[18], p1[16] = "-", p2[16] = "-";

	/* 2026-12-01T13:00:00.123456789Z: the time of day, to the millisecond (UTC) */
	if (strlen(ts) >= 23)
		snprintf(time, sizeof(time), "%.12s", ts + 11);
	snprintf(c, sizeof(c), "%s", comm && *comm ? comm : "-");
	if (pid > 0)
		snprintf(p1, sizeof(p1), "%ld", pid);
	if (ppid > 0)
		snprintf(p2, sizeof(p2), "%ld", ppid);
	table__add(t, "%-12s %-5s %-16s %7s %7s  ", time, event, c, p1, p2);
}

static void table__proc(struct table *t, const struct proc_view *v)
{
	static const char *const kinds[] = { "EXEC", "FORK", "EXIT" };
	const struct proc_info *p = v->p;

	table__start(t, v->ts, kinds[v->kind], p->comm, p->pid, p->ppid);
	if (v->kind == PROC_VIEW_EXIT)
		/* as ebpf-bootstrap prints it: [0] (12ms) */
		table__add(t, "[%d] (%" PRIu64 "ms)", v->exit_code, v->duration_ns / 1000000);
	else
		table__add(t, "%s", p->exe ? p->exe : "?");
}

static void table__owner(struct table *t, const struct event *ev, const char *kind)
{
	const struct owner_view *ov = &ev->owner;
	const char *comm = ov->p ? ov->p->comm : ov->known ? ov->o.comm : NULL;

	table__start(t, ev->ep.ts, kind, comm, ov->known ? (long)ov->o.tgid : 0,
		     ov->p ? (long)ov->p->ppid : 0);
}

static void table__flow(struct table *t, const struct event *ev)
{
	const struct flow_value *v = ev->flow->v;
	const struct endpoints *ep = &ev->ep;
	bool out = v->first_hook == WF_HOOK_EGRESS;
	char pb[8];

	table__owner(t, ev, "FLOW");
	table__add(t, "%s %s %s:%u  %" PRIu64 "/%" PRIu64 " B",
		   proto__name(ep->proto, pb, sizeof(pb)), out ? "->" : "<-",
		   out ? ep->dst : ep->src, out ? ep->dport : ep->sport, (uint64_t)v->orig.bytes,
		   (uint64_t)v->reply.bytes);
}

static void table__dns(struct table *t, const struct event *ev)
{
	const struct dns_msg *m = &ev->dns->msg;
	bool answer = ev->dns->e->flags & 0x8000;
	char tb[16], rb[16];

	table__owner(t, ev, "DNS");
	if (!m->nquestions) {
		table__add(t, "%s (no question)", answer ? "answer" : "query");
		return;
	}
	table__add(t, "%s %s %s", answer ? "<-" : "?", m->questions[0].name,
		   dns__type_name(m->questions[0].type, tb, sizeof(tb)));
	if (!answer)
		return;
	if (m->rcode)
		table__add(t, " %s", dns__rcode_name(m->rcode, rb, sizeof(rb)));
	for (size_t i = 0; i < m->nrrs[DNS_SECTION_ANSWER]; i++)
		table__add(t, "%s%s", i ? ", " : " ", m->rrs[DNS_SECTION_ANSWER][i].data);
}

static void table__tls(struct table *t, const struct event *ev)
{
	const struct tls_view *tv = ev->tls;
	char vb[16];

	table__owner(t, ev, "TLS");
	table__add(t, "%s", tv->ch.has_sni ? tv->ch.sni : "(no SNI)");
	if (tv->has_sh && !tv->sh.hello_retry)
		table__add(t, " %s",
			   tls__version_name(tv->sh.selected_version ? tv->sh.selected_version :
								       tv->sh.legacy_version,
					     vb, sizeof(vb)));
}

static void table__http(struct table *t, const struct event *ev)
{
	const struct http_request *r = &ev->http->req;

	table__owner(t, ev, "HTTP");
	table__add(t, "%s %s%s", r->method, r->has_host ? r->host : "", r->target);
}

static void table__drop(struct table *t, const struct event *ev)
{
	const struct drop_view *dv = ev->drop;

	table__owner(t, ev, "DROP");
	table__add(t, "%s x%llu", dv->reason, (unsigned long long)dv->v->count);
	if (dv->k->family)
		table__add(t, " %s:%u > %s:%u", ev->ep.src, ev->ep.sport, ev->ep.dst, ev->ep.dport);
}

static void table__file(struct table *t, const struct event *ev)
{
	table__owner(t, ev, "FILE");
	table__add(t, "%s %s", file_view__action(ev->file), ev->file->path);
}

static void sink_table__write(struct sink *s, const struct event *ev)
{
	struct table *t = s->priv;

	switch (ev->kind) {
	case EVENT_PROC:
		table__proc(t, &ev->proc);
		break;
	case EVENT_FLOW:
		table__flow(t, ev);
		break;
	case EVENT_DNS:
		table__dns(t, ev);
		break;
	case EVENT_TLS:
		table__tls(t, ev);
		break;
	case EVENT_HTTP:
		table__http(t, ev);
		break;
	case EVENT_ALERT: {
		const struct alert_view *a = ev->alert;

		table__start(t, event__ts(a->ev), "ALERT", a->p ? a->p->comm : NULL,
			     a->p ? (long)a->p->pid : 0, a->p ? (long)a->p->ppid : 0);
		table__add(t, "%s [%s]", a->title, a->level ? a->level : "-");
		break;
	}
	case EVENT_DROP:
		table__drop(t, ev);
		break;
	case EVENT_FILE:
		table__file(t, ev);
		break;
	case EVENT_PACKET:
		return;
	}
	table__emit(t, s->f);
}

static int sink_table__open(struct sink *s, const struct config *cfg)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	s->priv = t;
	sink__open_stdout(s, cfg);
	t->width = table__width();
	table__add(t, TABLE_HEAD, "TIME", "EVENT", "COMM", "PID", "PPID", "DETAILS");
	table__emit(t, s->f);
	return 0;
}

const struct sink_ops sink_table_ops = {
	.name = "table",
	.open = sink_table__open,
	.write = sink_table__write,
	.flush = sink__flush_stdout,
	.close = sink__close_stdout,
};
