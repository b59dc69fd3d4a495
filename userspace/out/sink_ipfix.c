// SPDX-License-Identifier: GPL-2.0-only
/*
 * --ipfix udp://HOST:PORT or tcp://HOST:PORT: each FLOW event as an RFC 7011
 * IPFIX biflow record (RFC 5103), encoded by libfixbuf. Standard elements for
 * what IANA defines; whoflow's enterprise elements (PEN --ipfix-pen, RFC 5612's
 * documentation number by default) for the processes at each end, the flow and
 * community ids and the domain the initiator resolved. Their names and types
 * also travel in the stream as RFC 5610 options records, and
 * contrib/wireshark/whoflow_ipfix.lua names them in Wireshark and tshark.
 *
 * The pipeline's thread only copies a record into a bounded queue; a thread of
 * the sink's own encodes and sends, so a slow or dead collector (TCP) never
 * stalls the ring-buffer readers: what a full queue refuses is counted. Over
 * UDP the templates go again every --ipfix-template-refresh seconds.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <fixbuf/public.h>
#include "flow_events.h"
#include "dynlib.h"
#include "log.h"
#include "proc_info.h"
#include "sink.h"
#include "timeconv.h"

/*
 * libfixbuf.so.9 is loaded when the sink opens, not linked: a monitor without
 * it does not map it and what it brings (docs/performance.md, part 6).
 */
static struct {
	__typeof__(fbInfoModelAlloc) *fbInfoModelAlloc;
	__typeof__(fbInfoModelAddElementArray) *fbInfoModelAddElementArray;
	__typeof__(fbInfoModelFree) *fbInfoModelFree;
	__typeof__(fbTemplateAlloc) *fbTemplateAlloc;
	__typeof__(fbTemplateAppendSpecArray) *fbTemplateAppendSpecArray;
	__typeof__(fbTemplateFreeUnused) *fbTemplateFreeUnused;
	__typeof__(fbSessionAlloc) *fbSessionAlloc;
	__typeof__(fbSessionSetDomain) *fbSessionSetDomain;
	__typeof__(fbSessionAddTemplate) *fbSessionAddTemplate;
	__typeof__(fbSessionFree) *fbSessionFree;
	__typeof__(fbSessionSetMetadataExportElements) *fbSessionSetMetadataExportElements;
	__typeof__(fbSessionExportTemplates) *fbSessionExportTemplates;
	__typeof__(fbExporterAllocNet) *fbExporterAllocNet;
	__typeof__(fBufAllocForExport) *fBufAllocForExport;
	__typeof__(fBufSetInternalTemplate) *fBufSetInternalTemplate;
	__typeof__(fBufSetExportTemplate) *fBufSetExportTemplate;
	__typeof__(fBufAppend) *fBufAppend;
	__typeof__(fBufEmit) *fBufEmit;
	__typeof__(fBufFree) *fBufFree;
	__typeof__(g_log_set_default_handler) *g_log_set_default_handler;
	__typeof__(g_clear_error) *g_clear_error;
} fl;

#define L(f) (fl.f)

static int ipfix__load(void)
{
	static const struct dynlib_call calls[] = {
		DYNLIB_CALL(fl, fbInfoModelAlloc),
		DYNLIB_CALL(fl, fbInfoModelAddElementArray),
		DYNLIB_CALL(fl, fbInfoModelFree),
		DYNLIB_CALL(fl, fbTemplateAlloc),
		DYNLIB_CALL(fl, fbTemplateAppendSpecArray),
		DYNLIB_CALL(fl, fbTemplateFreeUnused),
		DYNLIB_CALL(fl, fbSessionAlloc),
		DYNLIB_CALL(fl, fbSessionSetDomain),
		DYNLIB_CALL(fl, fbSessionAddTemplate),
		DYNLIB_CALL(fl, fbSessionFree),
		DYNLIB_CALL(fl, fbSessionSetMetadataExportElements),
		DYNLIB_CALL(fl, fbSessionExportTemplates),
		DYNLIB_CALL(fl, fbExporterAllocNet),
		DYNLIB_CALL(fl, fBufAllocForExport),
		DYNLIB_CALL(fl, fBufSetInternalTemplate),
		DYNLIB_CALL(fl, fBufSetExportTemplate),
		DYNLIB_CALL(fl, fBufAppend),
		DYNLIB_CALL(fl, fBufEmit),
		DYNLIB_CALL(fl, fBufFree),
		DYNLIB_CALL(fl, g_log_set_default_handler),
		DYNLIB_CALL(fl, g_clear_error),
	};
	static void *lib, *glib;

	/* libfixbuf does not name the GLib it uses: GLib first, its symbols for all */
	if (!glib && (!(glib = dlopen("libglib-2.0.so.0", RTLD_NOW | RTLD_GLOBAL)) ||
		      !dlopen("libgthread-2.0.so.0", RTLD_NOW | RTLD_GLOBAL))) {
		pr_warn("--ipfix needs GLib (Debian: libglib2.0-0): %s\n", dlerror());
		glib = NULL;
		return -1;
	}
	return dynlib__load(&lib, "libfixbuf.so.9", "libfixbuf9", glib, calls,
			    sizeof(calls) / sizeof(calls[0]));
}

#define IPFIX_QUEUE 16384 /* records waiting for the sender thread */
#define IPFIX_RETRY_NS 5000000000ull /* a lost TCP collector is dialled again after this */

/* enterprise element numbers (docs/fleet.md) */
enum {
	WE_FLOW_ID = 1,
	WE_COMMUNITY_ID,
	WE_DOMAIN,
	WE_SRC_PID,
	WE_SRC_NAME,
	WE_SRC_EXE,
	WE_SRC_CONTAINER,
	WE_SRC_CGROUP,
	WE_DST_PID,
	WE_DST_NAME,
	WE_DST_EXE,
	WE_DST_CONTAINER,
	WE_DST_CGROUP,
};

/* The record as libfixbuf reads it (the internal template): 8-byte fields first, no gaps. */
struct ipfix_rec {
	uint64_t start_ms, end_ms;
	uint64_t octets, packets, rev_octets, rev_packets;
	uint64_t src_cgroup, dst_cgroup;
	fbVarfield_t flow_id, community_id, domain;
	fbVarfield_t src_name, src_exe, src_container;
	fbVarfield_t dst_name, dst_exe, dst_container;
	uint8_t src6[16], dst6[16];
	uint32_t src4, dst4;
	uint32_t in_if, out_if;
	uint32_t src_pid, dst_pid;
	uint16_t sport, dport;
	uint8_t proto, flags, rev_flags, end_reason;
};

/* A queued record and its strings (malloc'd; the varfields point to them when it is sent). */
struct ipfix_item {
	struct ipfix_rec r;
	bool v6;
	char *s[9];
};

static void ipfix__item_free(struct ipfix_item *it)
{
	for (int i = 0; i < 9; i++) {
		free(it->s[i]);
		it->s[i] = NULL;
	}
}

struct ipfix_out {
	char url[300];
	fbConnSpec_t spec;
	char host[256], port[16];
	uint32_t domain, pen;
	uint64_t refresh_ns;
	fbInfoModel_t *model;
	fbSession_t *session;
	fBuf_t *buf; /* owns the session and the exporter while connected */
	uint16_t tid_int, tid4, tid6;
	uint64_t next_refresh, next_try;
	pthread_t th;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ipfix_item *q;
	size_t head, len;
	bool stop;
	uint64_t sent, lost, last_err_logged;
	char err[200];
};

static fbInfoElementSpec_t ipfix_spec[] = { { "flowStartMilliseconds", 8, 0 },
					    { "flowEndMilliseconds", 8, 0 },
					    { "octetDeltaCount", 8, 0 },
					    { "packetDeltaCount", 8, 0 },
					    { "reverseOctetDeltaCount", 8, 0 },
					    { "reversePacketDeltaCount", 8, 0 },
					    { "whoflowSourceCgroupId", 8, 0 },
					    { "whoflowDestinationCgroupId", 8, 0 },
					    { "whoflowFlowId", FB_IE_VARLEN, 0 },
					    { "whoflowCommunityId", FB_IE_VARLEN, 0 },
					    { "whoflowDomain", FB_IE_VARLEN, 0 },
					    { "whoflowSourceProcessName", FB_IE_VARLEN, 0 },
					    { "whoflowSourceExecutable", FB_IE_VARLEN, 0 },
					    { "whoflowSourceContainerId", FB_IE_VARLEN, 0 },
					    { "whoflowDestinationProcessName", FB_IE_VARLEN, 0 },
					    { "whoflowDestinationExecutable", FB_IE_VARLEN, 0 },
					    { "whoflowDestinationContainerId", FB_IE_VARLEN, 0 },
					    { "sourceIPv6Address", 16, 6 },
					    { "destinationIPv6Address", 16, 6 },
					    { "sourceIPv4Address", 4, 4 },
					    { "destinationIPv4Address", 4, 4 },
					    { "ingressInterface", 4, 0 },
					    { "egressInterface", 4, 0 },
					    { "whoflowSourcePid", 4, 0 },
					    { "whoflowDestinationPid", 4, 0 },
					    { "sourceTransportPort", 2, 0 },
					    { "destinationTransportPort", 2, 0 },
					    { "protocolIdentifier", 1, 0 },
					    { "tcpControlBits", 1, 0 },
					    { "reverseTcpControlBits", 1, 0 },
					    { "flowEndReason", 1, 0 },
					    FB_IESPEC_NULL };

static void ipfix__add_elements(fbInfoModel_t *m, uint32_t pen)
{
#define WE(name, num, len, type, desc) \
	FB_IE_INIT_FULL(name, pen, num, len, FB_IE_F_ENDIAN, 0, 0, type, desc)
	fbInfoElement_t ie[] = {
		WE("whoflowFlowId", WE_FLOW_ID, FB_IE_VARLEN, FB_STRING,
		   "whoflow's flow id (whoflow.flow.id of the FLOW event)"),
		WE("whoflowCommunityId", WE_COMMUNITY_ID, FB_IE_VARLEN, FB_STRING,
		   "the flow's Community ID (v1)"),
		WE("whoflowDomain", WE_DOMAIN, FB_IE_VARLEN, FB_STRING,
		   "the name the initiating process resolved to the destination"),
		WE("whoflowSourcePid", WE_SRC_PID, 4, FB_UINT_32,
		   "pid of the process that owns the initiator's socket"),
		WE("whoflowSourceProcessName", WE_SRC_NAME, FB_IE_VARLEN, FB_STRING,
		   "its name (comm)"),
		WE("whoflowSourceExecutable", WE_SRC_EXE, FB_IE_VARLEN, FB_STRING,
		   "its executable's path"),
		WE("whoflowSourceContainerId", WE_SRC_CONTAINER, FB_IE_VARLEN, FB_STRING,
		   "its container's id"),
		WE("whoflowSourceCgroupId", WE_SRC_CGROUP, 8, FB_UINT_64, "its cgroup v2 id"),
		WE("whoflowDestinationPid", WE_DST_PID, 4, FB_UINT_32,
		   "pid of the process that owns the responder's socket, when local"),
		WE("whoflowDestinationProcessName", WE_DST_NAME, FB_IE_VARLEN, FB_STRING,
		   "its name (comm)"),
		WE("whoflowDestinationExecutable", WE_DST_EXE, FB_IE_VARLEN, FB_STRING,
		   "its executable's path"),
		WE("whoflowDestinationContainerId", WE_DST_CONTAINER, FB_IE_VARLEN, FB_STRING,
		   "its container's id"),
		WE("whoflowDestinationCgroupId", WE_DST_CGROUP, 8, FB_UINT_64, "its cgroup v2 id"),
		FB_IE_NULL,
	};
#undef WE
	L(fbInfoModelAddElementArray)(m, ie);
}

static uint64_t ipfix__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ipfix__say(struct ipfix_out *o, const char *what, GError *err)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s: %s", what, err ? err->message : "unknown error");
	if (strcmp(msg, o->err))
		pr_warn("warning: --ipfix %s: %s; records are counted as lost until it works\n",
			o->url, msg);
	snprintf(o->err, sizeof(o->err), "%s", msg);
	if (err)
		L(g_clear_error)(&err);
}

static fbTemplate_t *ipfix__template(struct ipfix_out *o, uint32_t flags, GError **err)
{
	fbTemplate_t *t = L(fbTemplateAlloc)(o->model);

	if (!L(fbTemplateAppendSpecArray)(t, ipfix_spec, flags, err)) {
		L(fbTemplateFreeUnused)(t);
		return NULL;
	}
	return t;
}

/* The buffer owns the session and the exporter; a session without one is ours to free. */
static void ipfix__disconnect(struct ipfix_out *o)
{
	if (o->buf)
		L(fBufFree)(o->buf);
	else if (o->session)
		L(fbSessionFree)(o->session);
	o->buf = NULL;
	o->session = NULL;
}

/* A session, its templates and an exporter to the collector: the sender thread's state. */
static bool ipfix__connect(struct ipfix_out *o)
{
	fbTemplate_t *ti = NULL, *t4 = NULL, *t6 = NULL;
	fbExporter_t *x;
	GError *err = NULL;

	o->session = L(fbSessionAlloc)(o->model);
	L(fbSessionSetDomain)(o->session, o->domain);
	if (!(ti = ipfix__template(o, UINT32_MAX, &err)) ||
	    !(o->tid_int = L(fbSessionAddTemplate)(o->session, TRUE, FB_TID_AUTO, ti, &err)))
		goto fail;
	ti = NULL;
	o->spec.vai = NULL;
	o->spec.vssl_ctx = NULL;
	x = L(fbExporterAllocNet)(&o->spec);
	if (!x) {
		ipfix__say(o, "cannot reach the collector", NULL);
		ipfix__disconnect(o);
		return false;
	}
	o->buf = L(fBufAllocForExport)(o->session, x);
	/* The elements' names and types, in the stream itself (RFC 5610). */
	if (!L(fbSessionSetMetadataExportElements)(o->session, TRUE, FB_TID_AUTO, &err) ||
	    !(t4 = ipfix__template(o, 4, &err)) ||
	    !(o->tid4 = L(fbSessionAddTemplate)(o->session, FALSE, FB_TID_AUTO, t4, &err)))
		goto fail;
	t4 = NULL;
	if (!(t6 = ipfix__template(o, 6, &err)) ||
	    !(o->tid6 = L(fbSessionAddTemplate)(o->session, FALSE, FB_TID_AUTO, t6, &err)))
		goto fail;
	t6 = NULL;
	if (!L(fbSessionExportTemplates)(o->session, &err) ||
	    !L(fBufSetInternalTemplate)(o->buf, o->tid_int, &err) || !L(fBufEmit)(o->buf, &err))
		goto fail;
	o->next_refresh = ipfix__now() + o->refresh_ns;
	if (o->err[0])
		pr_warn("--ipfix %s: sending again\n", o->url);
	o->err[0] = '\0';
	return true;
fail:
	ipfix__say(o, "cannot start the export", err);
	if (ti)
		L(fbTemplateFreeUnused)(ti);
	if (t4)
		L(fbTemplateFreeUnused)(t4);
	if (t6)
		L(fbTemplateFreeUnused)(t6);
	ipfix__disconnect(o);
	return false;
}

static void ipfix__set_var(fbVarfield_t *v, char *s)
{
	v->buf = (uint8_t *)s;
	v->len = s ? strlen(s) : 0;
}

/* One record out; false when the collector is lost (the caller reconnects later). */
static bool ipfix__send(struct ipfix_out *o, struct ipfix_item *it)
{
	fbVarfield_t *vars[9] = { &it->r.flow_id,  &it->r.community_id, &it->r.domain,
				  &it->r.src_name, &it->r.src_exe,	&it->r.src_container,
				  &it->r.dst_name, &it->r.dst_exe,	&it->r.dst_container };
	GError *err = NULL;

	bool ok;

	for (int i = 0; i < 9; i++)
		ipfix__set_var(vars[i], it->s[i]);
	ok = L(fBufSetExportTemplate)(o->buf, it->v6 ? o->tid6 : o->tid4, &err) &&
	     L(fBufAppend)(o->buf, (uint8_t *)&it->r, sizeof(it->r), &err);
	ipfix__item_free(it);
	if (!ok)
		ipfix__say(o, "sending failed", err);
	return ok;
}

/* Sends what is queued; UDP templates again when due; a lost TCP collector dialled again. */
static void *ipfix__thread(void *arg)
{
	struct ipfix_out *o = arg;
	struct ipfix_item *it = malloc(sizeof(*it));

	pthread_mutex_lock(&o->mu);
	while (it) {
		uint64_t now = ipfix__now();
		GError *err = NULL;
		bool ok;

		if (!o->len && !o->stop) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&o->cv, &o->mu, &until);
		}
		if (!o->len && o->stop)
			break;
		if (!o->buf && now >= o->next_try) {
			pthread_mutex_unlock(&o->mu);
			ok = ipfix__connect(o);
			pthread_mutex_lock(&o->mu);
			if (!ok)
				o->next_try = now + IPFIX_RETRY_NS;
		}
		if (!o->buf) { /* nowhere to send: what waits is lost, counted */
			o->lost += o->len;
			for (; o->len; o->len--, o->head = (o->head + 1) % IPFIX_QUEUE)
				ipfix__item_free(&o->q[o->head]);
			if (o->stop)
				break;
			continue;
		}
		ok = true;
		while (o->len) {
			*it = o->q[o->head];
			o->head = (o->head + 1) % IPFIX_QUEUE;
			o->len--;
			pthread_mutex_unlock(&o->mu);
			ok = ipfix__send(o, it);
			pthread_mutex_lock(&o->mu);
			if (!ok) {
				o->lost++;
				break;
			}
			o->sent++;
		}
		pthread_mutex_unlock(&o->mu);
		if (!ok) {
			ipfix__disconnect(o);
			o->next_try = now + IPFIX_RETRY_NS;
		}
		if (o->buf && o->spec.transport == FB_UDP && now >= o->next_refresh) {
			o->next_refresh = now + o->refresh_ns;
			if (!L(fbSessionExportTemplates)(o->session, &err))
				ipfix__say(o, "resending the templates failed", err);
		}
		err = NULL;
		ok = !o->buf || L(fBufEmit)(o->buf, &err);
		if (!ok) {
			ipfix__say(o, "sending failed", err);
			ipfix__disconnect(o);
			o->next_try = now + IPFIX_RETRY_NS;
		}
		pthread_mutex_lock(&o->mu);
	}
	pthread_mutex_unlock(&o->mu);
	if (o->buf) {
		GError *err = NULL;

		if (!L(fBufEmit)(o->buf, &err))
			L(g_clear_error)(&err);
	}
	ipfix__disconnect(o);
	free(it);
	return NULL;
}

/* udp://HOST:PORT or tcp://HOST:PORT ([IPv6] in brackets). */
static int ipfix__parse(struct ipfix_out *o, const char *url)
{
	const char *rest, *colon;
	size_t hl;

	if (!strncmp(url, "udp://", 6))
		o->spec.transport = FB_UDP;
	else if (!strncmp(url, "tcp://", 6))
		o->spec.transport = FB_TCP;
	else
		return -EINVAL;
	rest = url + 6;
	if (*rest == '[') {
		const char *end = strchr(rest, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - rest - 1);
		rest++;
		colon = end + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - rest);
	}
	if (!hl || hl >= sizeof(o->host) || !colon[1] || strlen(colon + 1) >= sizeof(o->port) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -EINVAL;
	memcpy(o->host, rest, hl);
	o->host[hl] = '\0';
	snprintf(o->port, sizeof(o->port), "%s", colon + 1);
	o->spec.host = o->host;
	o->spec.svc = o->port;
	return 0;
}

/*
 * libfixbuf's own messages (GLib's log) through whoflow's one logging path, at
 * debug level (-vv): what they say of a failure the sink reports once itself,
 * with its counter, where GLib would repeat it for every message.
 */
static void ipfix__glog(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer ctx)
{
	pr_debug("libfixbuf: %s\n", msg);
}

static int sink_ipfix__open(struct sink *s, const struct config *cfg)
{
	struct ipfix_out *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	s->priv = o;
	snprintf(o->url, sizeof(o->url), "%s", cfg->ipfix_url);
	if (ipfix__parse(o, cfg->ipfix_url)) {
		pr_warn("bad --ipfix '%s': give udp://HOST:PORT or tcp://HOST:PORT\n",
			cfg->ipfix_url);
		return -EINVAL;
	}
	if (ipfix__load())
		return -ENOENT;
	o->domain = cfg->ipfix_domain;
	o->pen = cfg->ipfix_pen;
	o->refresh_ns = cfg->ipfix_refresh_s * 1000000000ull;
	o->q = calloc(IPFIX_QUEUE, sizeof(*o->q));
	if (!o->q)
		return -ENOMEM;
	L(g_log_set_default_handler)(ipfix__glog, NULL);
	o->model = L(fbInfoModelAlloc)();
	ipfix__add_elements(o->model, o->pen);
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	/* A first connection now, so that a wrong address is said at start. */
	if (!ipfix__connect(o))
		o->next_try = ipfix__now() + IPFIX_RETRY_NS;
	if (pthread_create(&o->th, NULL, ipfix__thread, o))
		return -errno;
	pthread_setname_np(o->th, "wf-ipfix");
	o->started = true;
	return 0;
}

static void ipfix__str(char **dst, const char *src)
{
	*dst = src && *src ? strdup(src) : NULL;
}

/* One end's process: pid, name, executable, container, cgroup. */
static void ipfix__end(struct ipfix_item *it, int first, const struct owner_view *ov, uint32_t *pid,
		       uint64_t *cgroup)
{
	const struct proc_info *p = ov->p;

	if (!ov->known)
		return;
	*pid = ov->o.tgid;
	*cgroup = p && p->cgroup_id ? p->cgroup_id : ov->o.cgroup_id;
	ipfix__str(&it->s[first], p ? p->comm : ov->o.comm);
	ipfix__str(&it->s[first + 1], p ? p->exe : NULL);
	ipfix__str(&it->s[first + 2], p ? proc_info__container(p)->id : NULL);
}

static uint8_t ipfix__end_reason(const char *reason)
{
	if (!strcmp(reason, "idle"))
		return 1;
	if (!strcmp(reason, "active"))
		return 2;
	if (!strcmp(reason, "fin") || !strcmp(reason, "rst"))
		return 3;
	return 4; /* exit: the agent stopped (forced end) */
}

static void ipfix__fill(struct ipfix_item *it, const struct event *ev)
{
	const struct flow_view *fv = ev->flow;
	const struct flow_key *k = fv->k;
	const struct flow_value *v = fv->v;
	struct ipfix_rec *r = &it->r;
	/* the owner is the initiator's when the initiator is local (join.c) */
	bool owner_src = v->ep_attr[WF_DIR_ORIG] != WF_ATTR_NONE;

	memset(it, 0, sizeof(*it));
	r->start_ms = timeconv__boot_to_real(v->first_ns) / 1000000;
	r->end_ms = timeconv__boot_to_real(v->last_ns) / 1000000;
	r->octets = v->orig.bytes;
	r->packets = v->orig.packets;
	r->rev_octets = v->reply.bytes;
	r->rev_packets = v->reply.packets;
	it->v6 = k->family == 6;
	if (it->v6) {
		memcpy(r->src6, k->saddr, 16);
		memcpy(r->dst6, k->daddr, 16);
	} else {
		uint32_t a, b;

		memcpy(&a, k->saddr, 4);
		memcpy(&b, k->daddr, 4);
		r->src4 = ntohl(a);
		r->dst4 = ntohl(b);
	}
	r->in_if = r->out_if = k->ifindex;
	r->sport = k->sport;
	r->dport = k->dport;
	r->proto = k->proto;
	r->flags = v->orig.tcp_flags;
	r->rev_flags = v->reply.tcp_flags;
	r->end_reason = ipfix__end_reason(fv->reason);
	ipfix__str(&it->s[0], fv->flow_id);
	ipfix__str(&it->s[1], ev->ep.community_id);
	ipfix__str(&it->s[2], ev->dest_domain);
	if (owner_src) {
		ipfix__end(it, 3, &ev->owner, &r->src_pid, &r->src_cgroup);
		ipfix__end(it, 6, &ev->peer, &r->dst_pid, &r->dst_cgroup);
	} else {
		ipfix__end(it, 6, &ev->owner, &r->dst_pid, &r->dst_cgroup);
	}
}

static void sink_ipfix__write(struct sink *s, const struct event *ev)
{
	struct ipfix_out *o = s->priv;

	if (ev->kind != EVENT_FLOW)
		return;
	pthread_mutex_lock(&o->mu);
	if (o->len == IPFIX_QUEUE) {
		o->lost++;
	} else {
		ipfix__fill(&o->q[(o->head + o->len) % IPFIX_QUEUE], ev);
		o->len++;
		pthread_cond_signal(&o->cv);
	}
	pthread_mutex_unlock(&o->mu);
}

static void sink_ipfix__flush(struct sink *s)
{
}

/* What is queued goes out before the thread stops (a TCP collector that died gets a few seconds' retry no more). */
static void sink_ipfix__close(struct sink *s)
{
	struct ipfix_out *o = s->priv;

	if (!o)
		return;
	if (o->started) {
		pthread_mutex_lock(&o->mu);
		o->stop = true;
		pthread_cond_signal(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(o->th, NULL);
	} else {
		ipfix__disconnect(o);
	}
	pr_info("ipfix: %" PRIu64 " flow records sent to %s, %" PRIu64 " lost\n", o->sent, o->url,
		o->lost);
	for (; o->len; o->len--, o->head = (o->head + 1) % IPFIX_QUEUE)
		ipfix__item_free(&o->q[o->head]);
	if (o->model)
		L(fbInfoModelFree)(o->model);
	free(o->q);
}

static uint64_t sink_ipfix__losses(const struct sink *s, char *what, size_t n)
{
	struct ipfix_out *o = s->priv;
	uint64_t lost;

	pthread_mutex_lock(&o->mu);
	lost = o->lost;
	pthread_mutex_unlock(&o->mu);
	if (n)
		snprintf(what, n, lost ? "ipfix %s %" PRIu64 : "", o->url, lost);
	return lost;
}

const struct sink_ops sink_ipfix_ops = {
	.name = "ipfix",
	.open = sink_ipfix__open,
	.write = sink_ipfix__write,
	.flush = sink_ipfix__flush,
	.close = sink_ipfix__close,
	.losses = sink_ipfix__losses,
};
