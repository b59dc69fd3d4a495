// SPDX-License-Identifier: GPL-2.0-only
/*
 * --nats nats://HOST:PORT: every event's ECS JSON published to NATS JetStream
 * on PREFIX.<type> (process, flow, dns, tls, http, alert), through libnats,
 * with the event's id as its Nats-Msg-Id: the stream's duplicate window drops
 * what an agent restarted on its pins publishes again.
 *
 * The pipeline's thread only copies the JSON into a bounded queue; a thread of
 * the sink's own publishes asynchronously, and libnats's threads count the
 * server's acknowledgements: what the queue refuses, what the server refuses
 * and what is never acknowledged are counted as lost. At the end what is
 * queued is published and its acknowledgements awaited, --nats-drain-timeout
 * seconds at most.
 *
 * A server that goes away is reconnected to; libnats buffers what is published
 * meanwhile (16 MiB). A message whose acknowledgement does not come within
 * NATS_ACK_WAIT_MS (lost with the connection) is published again, up to
 * NATS_TRIES times: its Nats-Msg-Id makes the stream keep one copy.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats/nats.h>
#include "dynlib.h"
#include "log.h"
#include "sink.h"

/*
 * libnats.so.3.4 is loaded when the sink opens, not linked: a monitor without
 * it does not map it and what it brings (docs/performance.md, part 6).
 */
static struct {
	__typeof__(natsOptions_Create) *natsOptions_Create;
	__typeof__(natsOptions_SetURL) *natsOptions_SetURL;
	__typeof__(natsOptions_SetName) *natsOptions_SetName;
	__typeof__(natsOptions_SetMaxReconnect) *natsOptions_SetMaxReconnect;
	__typeof__(natsOptions_SetReconnectBufSize) *natsOptions_SetReconnectBufSize;
	__typeof__(natsOptions_SetReconnectWait) *natsOptions_SetReconnectWait;
	__typeof__(natsOptions_SetDisconnectedCB) *natsOptions_SetDisconnectedCB;
	__typeof__(natsOptions_SetReconnectedCB) *natsOptions_SetReconnectedCB;
	__typeof__(natsOptions_SetUserCredentialsFromFiles)
		*natsOptions_SetUserCredentialsFromFiles;
	__typeof__(natsOptions_SetToken) *natsOptions_SetToken;
	__typeof__(natsOptions_LoadCATrustedCertificates) *natsOptions_LoadCATrustedCertificates;
	__typeof__(natsOptions_SetSecure) *natsOptions_SetSecure;
	__typeof__(natsOptions_Destroy) *natsOptions_Destroy;
	__typeof__(natsConnection_Connect) *natsConnection_Connect;
	__typeof__(natsConnection_Close) *natsConnection_Close;
	__typeof__(natsConnection_Destroy) *natsConnection_Destroy;
	__typeof__(nats_GetLastError) *nats_GetLastError;
	__typeof__(natsStatus_GetText) *natsStatus_GetText;
	__typeof__(jsOptions_Init) *jsOptions_Init;
	__typeof__(natsConnection_JetStream) *natsConnection_JetStream;
	__typeof__(jsCtx_Destroy) *jsCtx_Destroy;
	__typeof__(js_GetStreamInfo) *js_GetStreamInfo;
	__typeof__(jsStreamInfo_Destroy) *jsStreamInfo_Destroy;
	__typeof__(jsStreamConfig_Init) *jsStreamConfig_Init;
	__typeof__(js_AddStream) *js_AddStream;
	__typeof__(jsPubOptions_Init) *jsPubOptions_Init;
	__typeof__(natsMsg_Create) *natsMsg_Create;
	__typeof__(natsMsg_Destroy) *natsMsg_Destroy;
	__typeof__(js_PublishMsgAsync) *js_PublishMsgAsync;
	__typeof__(js_PublishAsyncComplete) *js_PublishAsyncComplete;
	__typeof__(js_PublishAsyncGetPendingList) *js_PublishAsyncGetPendingList;
	__typeof__(natsMsgList_Destroy) *natsMsgList_Destroy;
	__typeof__(natsMsgHeader_Get) *natsMsgHeader_Get;
	__typeof__(natsMsgHeader_Set) *natsMsgHeader_Set;
	__typeof__(nats_Close) *nats_Close;
} nl;

#define L(f) (nl.f)

static int nats__load(void)
{
	static const struct dynlib_call calls[] = {
		DYNLIB_CALL(nl, natsOptions_Create),
		DYNLIB_CALL(nl, natsOptions_SetURL),
		DYNLIB_CALL(nl, natsOptions_SetName),
		DYNLIB_CALL(nl, natsOptions_SetMaxReconnect),
		DYNLIB_CALL(nl, natsOptions_SetReconnectBufSize),
		DYNLIB_CALL(nl, natsOptions_SetReconnectWait),
		DYNLIB_CALL(nl, natsOptions_SetDisconnectedCB),
		DYNLIB_CALL(nl, natsOptions_SetReconnectedCB),
		DYNLIB_CALL(nl, natsOptions_SetUserCredentialsFromFiles),
		DYNLIB_CALL(nl, natsOptions_SetToken),
		DYNLIB_CALL(nl, natsOptions_LoadCATrustedCertificates),
		DYNLIB_CALL(nl, natsOptions_SetSecure),
		DYNLIB_CALL(nl, natsOptions_Destroy),
		DYNLIB_CALL(nl, natsConnection_Connect),
		DYNLIB_CALL(nl, natsConnection_Close),
		DYNLIB_CALL(nl, natsConnection_Destroy),
		DYNLIB_CALL(nl, nats_GetLastError),
		DYNLIB_CALL(nl, natsStatus_GetText),
		DYNLIB_CALL(nl, jsOptions_Init),
		DYNLIB_CALL(nl, natsConnection_JetStream),
		DYNLIB_CALL(nl, jsCtx_Destroy),
		DYNLIB_CALL(nl, js_GetStreamInfo),
		DYNLIB_CALL(nl, jsStreamInfo_Destroy),
		DYNLIB_CALL(nl, jsStreamConfig_Init),
		DYNLIB_CALL(nl, js_AddStream),
		DYNLIB_CALL(nl, jsPubOptions_Init),
		DYNLIB_CALL(nl, natsMsg_Create),
		DYNLIB_CALL(nl, natsMsg_Destroy),
		DYNLIB_CALL(nl, js_PublishMsgAsync),
		DYNLIB_CALL(nl, js_PublishAsyncComplete),
		DYNLIB_CALL(nl, js_PublishAsyncGetPendingList),
		DYNLIB_CALL(nl, natsMsgList_Destroy),
		DYNLIB_CALL(nl, natsMsgHeader_Get),
		DYNLIB_CALL(nl, natsMsgHeader_Set),
		DYNLIB_CALL(nl, nats_Close),
	};
	static void *lib;

	return dynlib__load(&lib, "libnats.so.3.4", "libnats3.4", NULL, calls,
			    sizeof(calls) / sizeof(calls[0]));
}

#define NATS_ACK_WAIT_MS 10000
#define NATS_TRIES 5
#define NATS_TRY_HEADER "Whoflow-Try"

struct nats_item {
	const char *type; /* static */
	char id[EVENT_ID_LEN];
	char *data;
	size_t len;
};

struct nats_out {
	char url[300]; /* without credentials, for messages */
	char prefix[128];
	natsConnection *nc;
	jsCtx *js;
	pthread_t th;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct nats_item *q;
	size_t cap, head, len;
	bool stop;
	int64_t drain_ms;
	atomic_uint_fast64_t acked, lost, duplicates, retried;
	atomic_int last_err;
	atomic_bool draining; /* the end: no more retries, what is unanswered is lost */
};

/* The subject's last token: the event's type. */
static const char *nats__type(const struct event *ev)
{
	switch (ev->kind) {
	case EVENT_PROC:
		return "process";
	case EVENT_FLOW:
		return "flow";
	case EVENT_DNS:
		return "dns";
	case EVENT_TLS:
		return "tls";
	case EVENT_HTTP:
		return "http";
	case EVENT_DROP:
		return "drop";
	case EVENT_FILE:
		return "file";
	case EVENT_ALERT:
		return "alert";
	default:
		return NULL;
	}
}

/*
 * An unanswered message (its acknowledgement timed out, or the connection
 * went): published again, with its try counted in a header; true when it was.
 */
static bool nats__retry(struct nats_out *o, jsCtx *js, natsMsg **msg, jsPubAckErr *pae)
{
	const char *tries = NULL;
	char next[16];
	int n;
	jsPubOptions po;

	if (!pae || (pae->Err != NATS_TIMEOUT && pae->Err != NATS_CONNECTION_CLOSED &&
		     pae->Err != NATS_NO_RESPONDERS))
		return false;
	L(natsMsgHeader_Get)(*msg, NATS_TRY_HEADER, &tries);
	n = tries ? atoi(tries) : 1;
	if (n >= NATS_TRIES)
		return false;
	snprintf(next, sizeof(next), "%d", n + 1);
	L(jsPubOptions_Init)(&po);
	po.MaxWait = NATS_ACK_WAIT_MS;
	if (L(natsMsgHeader_Set)(*msg, NATS_TRY_HEADER, next) != NATS_OK ||
	    L(js_PublishMsgAsync)(js, msg, &po) != NATS_OK)
		return false;
	atomic_fetch_add(&o->retried, 1);
	return true;
}

/* The server's answer to each message (libnats's thread). */
static void nats__ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *ctx)
{
	struct nats_out *o = ctx;

	if (pa) {
		atomic_fetch_add(&o->acked, 1);
		if (pa->Duplicate)
			atomic_fetch_add(&o->duplicates, 1);
	} else if (!atomic_load(&o->draining) && nats__retry(o, js, &msg, pae)) {
		/* msg is libnats's again (NULL here) */
	} else {
		int err = pae ? (int)pae->Err : -1;

		atomic_fetch_add(&o->lost, 1);
		if (atomic_exchange(&o->last_err, err) != err)
			pr_warn("warning: --nats %s refuses events (%s%s%s); counting them\n",
				o->url, pae ? L(natsStatus_GetText)(pae->Err) : "no answer",
				pae && pae->ErrText ? ": " : "",
				pae && pae->ErrText ? pae->ErrText : "");
	}
	L(natsMsg_Destroy)(msg);
}

/* One event to JetStream, acknowledged later (nats__ack); false when libnats refused it at once. */
static bool nats__publish(struct nats_out *o, struct nats_item *it)
{
	char subject[160];
	jsPubOptions po;
	natsMsg *m = NULL;
	natsStatus s;

	snprintf(subject, sizeof(subject), "%s.%s", o->prefix, it->type);
	L(jsPubOptions_Init)(&po);
	po.MsgId = it->id;
	po.MaxWait = NATS_ACK_WAIT_MS;
	s = L(natsMsg_Create)(&m, subject, NULL, it->data, (int)it->len);
	if (s == NATS_OK)
		s = L(js_PublishMsgAsync)(o->js, &m, &po);
	L(natsMsg_Destroy)(m); /* NULL once libnats took it */
	if (s != NATS_OK && atomic_exchange(&o->last_err, (int)s) != (int)s)
		pr_warn("warning: --nats %s: publishing failed (%s); counting the events\n", o->url,
			L(natsStatus_GetText)(s));
	return s == NATS_OK;
}

static void *nats__thread(void *arg)
{
	struct nats_out *o = arg;

	pthread_mutex_lock(&o->mu);
	for (;;) {
		struct nats_item it;

		while (!o->len && !o->stop)
			pthread_cond_wait(&o->cv, &o->mu);
		if (!o->len)
			break;
		it = o->q[o->head];
		o->head = (o->head + 1) % o->cap;
		o->len--;
		pthread_mutex_unlock(&o->mu);
		if (!nats__publish(o, &it))
			atomic_fetch_add(&o->lost, 1);
		free(it.data);
		pthread_mutex_lock(&o->mu);
	}
	pthread_mutex_unlock(&o->mu);
	return NULL;
}

static int nats__read_token(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f) {
		pr_warn("cannot read --nats-token-file %s: %m\n", path);
		return -errno;
	}
	len = fread(out, 1, n - 1, f);
	fclose(f);
	out[len] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

/* The URL as messages show it: user:password@ or token@ left out. */
static void nats__public_url(char *out, size_t n, const char *url)
{
	const char *scheme = strstr(url, "://"), *at = strchr(url, '@');

	if (scheme && at && at > scheme)
		snprintf(out, n, "%.*s%s", (int)(scheme + 3 - url), url, at + 1);
	else
		snprintf(out, n, "%s", url);
}

static void nats__disconnected(natsConnection *nc, void *ctx)
{
	struct nats_out *o = ctx;

	if (!atomic_load(&o->draining))
		pr_warn("warning: --nats %s: disconnected; events are buffered (16 MiB) while it "
			"reconnects\n",
			o->url);
}

static void nats__reconnected(natsConnection *nc, void *ctx)
{
	pr_warn("--nats %s: reconnected; publishing what was buffered\n",
		((struct nats_out *)ctx)->url);
}

static natsStatus nats__options(natsOptions **opts, const struct config *cfg, struct nats_out *o)
{
	char token[512];
	natsStatus s = L(natsOptions_Create)(opts);

	if (s == NATS_OK)
		s = L(natsOptions_SetURL)(*opts, cfg->nats_url);
	if (s == NATS_OK)
		s = L(natsOptions_SetName)(*opts, "whoflow");
	if (s ==
	    NATS_OK) /* a server that goes away is waited for, with what is published buffered */
		s = L(natsOptions_SetMaxReconnect)(*opts, -1);
	if (s == NATS_OK)
		s = L(natsOptions_SetReconnectBufSize)(*opts, 16 << 20);
	if (s == NATS_OK)
		s = L(natsOptions_SetReconnectWait)(*opts, 500);
	if (s == NATS_OK)
		s = L(natsOptions_SetDisconnectedCB)(*opts, nats__disconnected, o);
	if (s == NATS_OK)
		s = L(natsOptions_SetReconnectedCB)(*opts, nats__reconnected, o);
	if (s == NATS_OK && cfg->nats_creds)
		s = L(natsOptions_SetUserCredentialsFromFiles)(*opts, cfg->nats_creds, NULL);
	if (s == NATS_OK && cfg->nats_token_file) {
		if (nats__read_token(cfg->nats_token_file, token, sizeof(token)))
			return NATS_ERR;
		s = L(natsOptions_SetToken)(*opts, token);
	}
	if (s == NATS_OK && cfg->nats_ca) {
		s = L(natsOptions_LoadCATrustedCertificates)(*opts, cfg->nats_ca);
		if (s == NATS_OK)
			s = L(natsOptions_SetSecure)(*opts, true);
	}
	return s;
}

/* The stream that takes PREFIX.>: used as it is if it exists, made (file storage, 2-minute duplicate window) if not. */
static int nats__stream(struct nats_out *o, const char *name)
{
	char subj[140];
	const char *subjects[1] = { subj };
	jsStreamConfig sc;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s = L(js_GetStreamInfo)(&si, o->js, name, NULL, &jerr);

	if (s == NATS_OK) {
		L(jsStreamInfo_Destroy)(si);
		return 0;
	}
	if (s != NATS_NOT_FOUND) {
		pr_warn("cannot use the JetStream stream %s at %s: %s (is JetStream on? nats-server "
			"-js)\n",
			name, o->url, L(natsStatus_GetText)(s));
		return -EIO;
	}
	snprintf(subj, sizeof(subj), "%s.>", o->prefix);
	L(jsStreamConfig_Init)(&sc);
	sc.Name = name;
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	sc.Duplicates = 120 * (int64_t)1000000000;
	s = L(js_AddStream)(&si, o->js, &sc, NULL, &jerr);
	if (s != NATS_OK) {
		pr_warn("cannot make the JetStream stream %s for %s at %s: %s (error %d)\n", name,
			subj, o->url, L(natsStatus_GetText)(s), (int)jerr);
		return -EIO;
	}
	L(jsStreamInfo_Destroy)(si);
	pr_info("nats: made the stream %s for %s\n", name, subj);
	return 0;
}

static int sink_nats__open(struct sink *s, const struct config *cfg)
{
	struct nats_out *o = calloc(1, sizeof(*o));
	natsOptions *opts = NULL;
	jsOptions jo;
	natsStatus st;

	if (!o)
		return -ENOMEM;
	s->priv = o;
	if (nats__load())
		return -ENOENT;
	nats__public_url(o->url, sizeof(o->url), cfg->nats_url);
	snprintf(o->prefix, sizeof(o->prefix), "%s", cfg->nats_subject);
	o->cap = cfg->nats_queue;
	o->drain_ms = (int64_t)cfg->nats_drain_s * 1000;
	o->q = calloc(o->cap, sizeof(*o->q));
	if (!o->q)
		return -ENOMEM;
	pthread_mutex_init(&o->mu, NULL);
	pthread_cond_init(&o->cv, NULL);
	st = nats__options(&opts, cfg, o);
	if (st == NATS_OK)
		st = L(natsConnection_Connect)(&o->nc, opts);
	L(natsOptions_Destroy)(opts);
	if (st != NATS_OK) {
		natsStatus last = st;
		const char *why = L(nats_GetLastError)(&last);

		pr_warn("cannot connect to NATS at %s: %s (is the server up, and are the credentials "
			"right?)\n",
			o->url, why ? why : L(natsStatus_GetText)(st));
		return -ECONNREFUSED;
	}
	L(jsOptions_Init)(&jo);
	jo.PublishAsync.MaxPending = 65536;
	jo.PublishAsync.AckHandler = nats__ack;
	jo.PublishAsync.AckHandlerClosure = o;
	if (L(natsConnection_JetStream)(&o->js, o->nc, &jo) != NATS_OK ||
	    nats__stream(o, cfg->nats_stream))
		return -EIO;
	if (pthread_create(&o->th, NULL, nats__thread, o))
		return -errno;
	pthread_setname_np(o->th, "wf-nats");
	o->started = true;
	return 0;
}

static void sink_nats__write(struct sink *s, const struct event *ev)
{
	struct nats_out *o = s->priv;
	const char *type = nats__type(ev);
	const struct json *j;
	struct nats_item *it;

	if (!type)
		return;
	j = sink_json__object(ev);
	pthread_mutex_lock(&o->mu);
	if (!j || o->len == o->cap) {
		atomic_fetch_add(&o->lost, 1);
	} else {
		it = &o->q[(o->head + o->len) % o->cap];
		it->data = malloc(j->len);
		if (!it->data) {
			atomic_fetch_add(&o->lost, 1);
		} else {
			memcpy(it->data, j->buf, j->len);
			it->len = j->len;
			it->type = type;
			snprintf(it->id, sizeof(it->id), "%s", ev->id);
			o->len++;
			pthread_cond_signal(&o->cv);
		}
	}
	pthread_mutex_unlock(&o->mu);
}

static void sink_nats__flush(struct sink *s)
{
}

/*
 * What is queued is published, then the acknowledgements awaited (bounded);
 * those that never come are counted as lost.
 */
static void sink_nats__close(struct sink *s)
{
	struct nats_out *o = s->priv;

	if (!o)
		return;
	if (o->started) {
		jsPubOptions po;
		natsMsgList pending = { 0 };

		pthread_mutex_lock(&o->mu);
		o->stop = true;
		pthread_cond_signal(&o->cv);
		pthread_mutex_unlock(&o->mu);
		pthread_join(o->th, NULL);
		L(jsPubOptions_Init)(&po);
		/* Retries go on while the acknowledgements are awaited; after, nothing is resent. */
		po.MaxWait = o->drain_ms;
		if (L(js_PublishAsyncComplete)(o->js, &po) != NATS_OK &&
		    L(js_PublishAsyncGetPendingList)(&pending, o->js) == NATS_OK) {
			atomic_fetch_add(&o->lost, (uint64_t)pending.Count);
			pr_warn("warning: --nats %s: %d events not acknowledged within %" PRId64
				" s; counted as lost\n",
				o->url, pending.Count, o->drain_ms / 1000);
			L(natsMsgList_Destroy)(&pending);
		}
		atomic_store(&o->draining, true);
	}
	if (o->js)
		L(jsCtx_Destroy)(o->js);
	if (o->nc) {
		L(natsConnection_Close)(o->nc);
		L(natsConnection_Destroy)(o->nc);
	}
	pr_info("nats: %" PRIu64 " events acknowledged by %s (%" PRIu64 " duplicates dropped by "
		"the stream, %" PRIu64 " published again), %" PRIu64 " lost\n",
		(uint64_t)atomic_load(&o->acked), o->url, (uint64_t)atomic_load(&o->duplicates),
		(uint64_t)atomic_load(&o->retried), (uint64_t)atomic_load(&o->lost));
	for (; o->len; o->len--, o->head = (o->head + 1) % o->cap)
		free(o->q[o->head].data);
	free(o->q);
	o->q = NULL;
	L(nats_Close)();
}

static uint64_t sink_nats__losses(const struct sink *s, char *what, size_t n)
{
	const struct nats_out *o = s->priv;
	uint64_t lost = atomic_load(&o->lost);

	if (n)
		snprintf(what, n, lost ? "nats %s %" PRIu64 : "", o->url, lost);
	return lost;
}

const struct sink_ops sink_nats_ops = {
	.name = "nats",
	.open = sink_nats__open,
	.write = sink_nats__write,
	.flush = sink_nats__flush,
	.close = sink_nats__close,
	.losses = sink_nats__losses,
};
