// SPDX-License-Identifier: GPL-2.0-only
/*
 * The syslog sink (--syslog TARGET): each event as an RFC 5424 message,
 * APP-NAME whoflow, MSGID the event type, event.id as structured data and the
 * ECS JSON object as MSG; over a unix datagram socket (/dev/log), UDP, or TCP
 * with octet counting (RFC 6587). Messages wait in a bounded queue while the
 * receiver is away or slow; TCP reconnects once a second; what the queue cannot
 * hold, or a send refuses, is counted as lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "log.h"
#include "sink.h"
#include "syslog_target.h"

/* Messages waiting for the receiver: beyond this, new ones are lost (counted). */
#define SYSLOG_QUEUE_BYTES (4u << 20)
/* At exit, how long the queue may take to drain. */
#define SYSLOG_DRAIN_MS 2000

struct syslog_out {
	struct syslog_target t;
	int fd; /* -1: not connected */
	bool connecting; /* TCP: a connect under way */
	time_t next_try;
	/* The queue: messages as [u32 length][bytes], the head partly sent (TCP). */
	char *q;
	size_t qlen, qcap, head_sent;
	uint64_t sent, lost;
	int err; /* the last error while failing, 0 when sending works */
	pid_t pid;
	char host[256];
};

static struct syslog_out *syslog__of(const struct sink *s)
{
	return s->priv;
}

static void syslog__failing(struct syslog_out *o, int err, const char *what)
{
	if (!o->err)
		pr_warn("syslog: %s %s: %s; queueing (at most %u MiB) and retrying every second\n",
			what, o->t.text, strerror(err), SYSLOG_QUEUE_BYTES >> 20);
	o->err = err;
}

static void syslog__close_fd(struct syslog_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	o->connecting = false;
	/* TCP: a message cut by a broken connection cannot be resumed on a new one. */
	if (o->head_sent && o->qlen) {
		uint32_t n;

		memcpy(&n, o->q, sizeof(n));
		memmove(o->q, o->q + 4 + n, o->qlen - 4 - n);
		o->qlen -= 4 + n;
		o->lost++;
	}
	o->head_sent = 0;
}

static void syslog__connect(struct syslog_out *o)
{
	int type = o->t.kind == SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	time_t now = time(NULL);

	if (o->fd >= 0 || now < o->next_try)
		return;
	o->next_try = now + 1;
	o->fd = socket(o->t.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (o->fd < 0) {
		syslog__failing(o, errno, "cannot open a socket for");
		return;
	}
	if (!connect(o->fd, (struct sockaddr *)&o->t.addr, o->t.addrlen))
		return;
	if (errno == EINPROGRESS) {
		o->connecting = true;
		return;
	}
	syslog__failing(o, errno, "cannot connect to");
	syslog__close_fd(o);
}

/* A connect under way: done, failed, or still going. */
static bool syslog__connected(struct syslog_out *o)
{
	struct pollfd p = { .fd = o->fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (o->fd < 0)
		return false;
	if (!o->connecting)
		return true;
	if (poll(&p, 1, 0) <= 0)
		return false;
	if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		syslog__failing(o, err ? err : errno, "cannot connect to");
		syslog__close_fd(o);
		return false;
	}
	o->connecting = false;
	return true;
}

/* Sends from the queue until it is empty or the socket would block. */
static void syslog__drain(struct syslog_out *o)
{
	syslog__connect(o);
	if (!syslog__connected(o))
		return;
	while (o->qlen) {
		uint32_t n;
		ssize_t w;

		memcpy(&n, o->q, sizeof(n));
		w = send(o->fd, o->q + 4 + o->head_sent, n - o->head_sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			return;
		if (w < 0) {
			syslog__failing(o, errno, "cannot send to");
			syslog__close_fd(o);
			return;
		}
		o->head_sent += (size_t)w;
		if (o->head_sent < n)
			continue; /* TCP took part of it */
		memmove(o->q, o->q + 4 + n, o->qlen - 4 - n);
		o->qlen -= 4 + n;
		o->head_sent = 0;
		o->sent++;
		if (o->err) {
			pr_warn("syslog: sending to %s again (%" PRIu64 " lost so far)\n",
				o->t.text, o->lost);
			o->err = 0;
		}
	}
}

static bool syslog__enqueue(struct syslog_out *o, const char *msg, size_t n)
{
	uint32_t len = (uint32_t)n;

	if (o->qlen + 4 + n > SYSLOG_QUEUE_BYTES)
		return false;
	if (o->qlen + 4 + n > o->qcap) {
		size_t cap = o->qcap ? o->qcap : 65536;
		char *nq;

		while (cap < o->qlen + 4 + n)
			cap *= 2;
		nq = realloc(o->q, cap);
		if (!nq)
			return false;
		o->q = nq;
		o->qcap = cap;
	}
	memcpy(o->q + o->qlen, &len, 4);
	memcpy(o->q + o->qlen + 4, msg, n);
	o->qlen += 4 + n;
	return true;
}

static const char *syslog__msgid(const struct event *ev)
{
	static const char *const procs[] = { "exec", "fork", "exit" };

	switch (ev->kind) {
	case EVENT_PROC:
		return procs[ev->proc.kind];
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
		return "sigma";
	default:
		return "-";
	}
}

static void sink_syslog__write(struct sink *s, const struct event *ev)
{
	struct syslog_out *o = syslog__of(s);
	const char *ts = event__ts(ev->kind == EVENT_ALERT ? ev->alert->ev : ev);
	char head[512], stamp[40];
	size_t hl, total;
	char *msg;

	if (ev->kind == EVENT_PACKET)
		return;
	const struct json *j = sink_json__object(ev);

	if (!j) {
		o->lost++;
		return;
	}
	/* RFC 5424 allows six digits of a second: 2026-12-01T13:00:00.123456Z */
	snprintf(stamp, sizeof(stamp), "%.26sZ", ts);
	hl = (size_t)snprintf(head, sizeof(head),
			      "<%d>1 %s %s whoflow %d %s [whoflow@32473 event_id=\"%s\"] ",
			      o->t.pri, stamp, o->host, o->pid, syslog__msgid(ev), ev->id);
	total = hl + j->len;
	/* TCP: octet counting, "LEN SP MSG" */
	msg = malloc(total + 24);
	if (!msg) {
		o->lost++;
		return;
	}
	{
		size_t off = 0;

		if (o->t.kind == SYSLOG_TCP)
			off = (size_t)sprintf(msg, "%zu ", total);
		memcpy(msg + off, head, hl);
		memcpy(msg + off + hl, j->buf, j->len);
		if (!syslog__enqueue(o, msg, off + total))
			o->lost++;
	}
	free(msg);
}

static void sink_syslog__flush(struct sink *s)
{
	syslog__drain(syslog__of(s));
}

static int sink_syslog__open(struct sink *s, const struct config *cfg)
{
	struct syslog_out *o = calloc(1, sizeof(*o));

	if (!o)
		return -1;
	s->priv = o;
	o->fd = -1;
	o->pid = getpid();
	if (syslog_target__parse(&o->t, cfg->syslog_target, cfg->syslog_facility,
				 cfg->syslog_severity)) {
		pr_warn("cannot use --syslog %s: %s\n", cfg->syslog_target, o->t.error);
		return -1;
	}
	if (gethostname(o->host, sizeof(o->host) - 1))
		strcpy(o->host, "localhost");
	syslog__connect(o);
	pr_info("syslog: sending to %s\n", o->t.text);
	return 0;
}

static void sink_syslog__close(struct sink *s)
{
	struct syslog_out *o = syslog__of(s);
	struct timespec ts = { 0, 10 * 1000000 };

	if (!o)
		return;
	/* Gives the receiver a moment for what is queued; the rest is counted. */
	for (int i = 0; o->qlen && i < SYSLOG_DRAIN_MS / 10; i++) {
		syslog__drain(o);
		if (o->qlen)
			nanosleep(&ts, NULL);
	}
	while (o->qlen) {
		uint32_t n;

		memcpy(&n, o->q, sizeof(n));
		o->qlen -= 4 + n;
		memmove(o->q, o->q + 4 + n, o->qlen);
		o->lost++;
	}
	if (o->fd >= 0)
		close(o->fd);
	free(o->q);
}

static uint64_t sink_syslog__losses(const struct sink *s, char *what, size_t n)
{
	const struct syslog_out *o = syslog__of(s);

	if (o->lost && n)
		snprintf(what, n, "syslog %" PRIu64, o->lost);
	else if (n)
		what[0] = '\0';
	return o->lost;
}

const struct sink_ops sink_syslog_ops = {
	.name = "syslog",
	.open = sink_syslog__open,
	.write = sink_syslog__write,
	.flush = sink_syslog__flush,
	.close = sink_syslog__close,
	.losses = sink_syslog__losses,
};
