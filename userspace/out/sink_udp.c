// SPDX-License-Identifier: GPL-2.0-only
/*
 * --udp HOST:PORT[,...]: each event as one JSON datagram to each target, as
 * kflowd exports. A datagram is never fragmented: the kernel is told not to
 * (path MTU discovery on, "do"), and an event larger than the path allows
 * (or --udp-max-size) goes as a wrapper that says so: {"whoflow":{"truncated":
 * true,"size":N},"event":{"id":...},"json":"<the event's JSON, cut>"}. Sends
 * never block: what a full socket buffer or an unreachable target refuses is
 * counted and reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "json.h"
#include "log.h"
#include "sink.h"
#include "syslog_target.h"

#define UDP_TARGETS_MAX 16
#define UDP_PAYLOAD_MAX 65507 /* the largest a UDP datagram over IPv4 carries */

struct udp_target {
	int fd;
	int family;
	char text[160];
	size_t max; /* the path's limit, and --udp-max-size's */
	uint64_t sent, lost;
	int last_err;
};

struct udp_out {
	struct udp_target t[UDP_TARGETS_MAX];
	size_t n;
	size_t max; /* --udp-max-size */
	uint64_t truncated;
	struct json wrap;
};

/* The largest datagram the path to a connected target takes whole. */
static size_t udp__path_max(const struct udp_target *t, size_t want)
{
	int mtu = 0;
	socklen_t len = sizeof(mtu);
	size_t hdr = t->family == AF_INET6 ? 48 : 28, max;

	if (getsockopt(t->fd, t->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       t->family == AF_INET6 ? IPV6_MTU : IP_MTU, &mtu, &len) ||
	    mtu <= (int)hdr)
		return want;
	max = (size_t)mtu - hdr;
	return max < want ? max : want;
}

static int udp__open_target(struct udp_target *t, const char *spec, size_t want)
{
	struct syslog_target st;
	char url[200];
	int dont;

	snprintf(url, sizeof(url), "udp://%s", spec);
	if (syslog_target__parse(&st, url, NULL, NULL)) {
		pr_warn("cannot use --udp %s: %s\n", spec, st.error);
		return -EINVAL;
	}
	snprintf(t->text, sizeof(t->text), "%s", spec);
	t->family = st.addr.ss_family;
	dont = t->family == AF_INET6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;
	t->fd = socket(t->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&st.addr, st.addrlen)) {
		int err = errno;

		pr_warn("cannot send to --udp %s: %s\n", spec, strerror(err));
		return -err;
	}
	/* Never fragmented: an oversized send fails (EMSGSIZE) instead. */
	setsockopt(t->fd, t->family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
		   t->family == AF_INET6 ? IPV6_MTU_DISCOVER : IP_MTU_DISCOVER, &dont, sizeof(dont));
	t->max = udp__path_max(t, want);
	return 0;
}

static int sink_udp__open(struct sink *s, const struct config *cfg)
{
	struct udp_out *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	s->priv = o;
	json__init(&o->wrap);
	o->max = cfg->udp_max_size ? cfg->udp_max_size : UDP_PAYLOAD_MAX;
	for (size_t i = 0; i < cfg->udp_targets.n; i++) {
		int err;

		if (o->n == UDP_TARGETS_MAX) {
			pr_warn("--udp: at most %d targets\n", UDP_TARGETS_MAX);
			return -E2BIG;
		}
		o->t[o->n].fd = -1;
		err = udp__open_target(&o->t[o->n], cfg->udp_targets.v[i], o->max);
		o->n++;
		if (err)
			return err;
	}
	return 0;
}

/* The event cut to fit, inside a wrapper that says it was. */
static const struct json *udp__wrap(struct udp_out *o, const struct event *ev,
				    const struct json *j, size_t max)
{
	size_t keep = max > 200 ? (max - 200) / 2 : 0; /* escaping can double a byte */

	for (;;) {
		json__reset(&o->wrap);
		json__obj_open(&o->wrap, NULL);
		json__obj_open(&o->wrap, "whoflow");
		json__bool(&o->wrap, "truncated", true);
		json__u64(&o->wrap, "size", j->len);
		json__obj_close(&o->wrap);
		json__obj_open(&o->wrap, "event");
		json__str(&o->wrap, "id", ev->id);
		json__obj_close(&o->wrap);
		json__strn(&o->wrap, "json", j->buf, keep < j->len ? keep : j->len);
		json__obj_close(&o->wrap);
		if (o->wrap.len <= max || !keep)
			return &o->wrap;
		keep /= 2;
	}
}

static void udp__send(struct udp_out *o, struct udp_target *t, const struct event *ev,
		      const struct json *j)
{
	const struct json *out = j;

	if (j->len > t->max) {
		out = udp__wrap(o, ev, j, t->max);
		o->truncated++;
	}
	if (send(t->fd, out->buf, out->len, MSG_DONTWAIT) == (ssize_t)out->len) {
		t->sent++;
		t->last_err = 0;
		return;
	}
	if (errno == EMSGSIZE && out == j) { /* the path shrank: learn its size, send it cut */
		t->max = udp__path_max(t, o->max);
		if (t->max < j->len) {
			udp__send(o, t, ev, j);
			return;
		}
	}
	t->lost++;
	if (errno != t->last_err)
		pr_warn("warning: --udp %s refuses events (%s); counting them\n", t->text,
			strerror(errno));
	t->last_err = errno;
}

static void sink_udp__write(struct sink *s, const struct event *ev)
{
	struct udp_out *o = s->priv;
	const struct json *j;

	if (ev->kind == EVENT_PACKET)
		return;
	j = sink_json__object(ev);
	for (size_t i = 0; i < o->n; i++) {
		if (!j)
			o->t[i].lost++;
		else
			udp__send(o, &o->t[i], ev, j);
	}
}

static void sink_udp__flush(struct sink *s)
{
}

static void sink_udp__close(struct sink *s)
{
	struct udp_out *o = s->priv;

	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++)
		if (o->t[i].fd >= 0)
			close(o->t[i].fd);
	if (o->truncated)
		pr_info("udp: %" PRIu64 " events sent cut (larger than a datagram may be)\n",
			o->truncated);
	json__free(&o->wrap);
}

static uint64_t sink_udp__losses(const struct sink *s, char *what, size_t n)
{
	const struct udp_out *o = s->priv;
	uint64_t sum = 0;
	size_t len = 0;

	if (n)
		what[0] = '\0';
	for (size_t i = 0; i < o->n; i++) {
		if (!o->t[i].lost)
			continue;
		sum += o->t[i].lost;
		if (len < n)
			len += (size_t)snprintf(what + len, n - len, "%sudp %s %" PRIu64, len ? ", " : "",
						o->t[i].text, o->t[i].lost);
	}
	return sum;
}

const struct sink_ops sink_udp_ops = {
	.name = "udp",
	.open = sink_udp__open,
	.write = sink_udp__write,
	.flush = sink_udp__flush,
	.close = sink_udp__close,
	.losses = sink_udp__losses,
};
