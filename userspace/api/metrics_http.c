// SPDX-License-Identifier: GPL-2.0-only
/*
 * --metrics ADDR:PORT: GET /metrics answers the exposition text the monitor
 * last published (once a second), from libmicrohttpd's own thread; the
 * monitor's state is never read from that thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "api.h"
#include "log.h"
#include "metrics_http.h"
#include "mhd.h"

struct metrics_http {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	char *text;
	size_t len;
};

static enum MHD_Result metrics__reply(struct MHD_Connection *c, unsigned int status,
				      const char *type, const char *body, size_t len)
{
	struct MHD_Response *r =
		mhd.create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	mhd.add_response_header(r, "Content-Type", type);
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

static enum MHD_Result metrics__handler(void *cls, struct MHD_Connection *c, const char *url,
					const char *method, const char *version,
					const char *upload, size_t *upload_size, void **state)
{
	struct metrics_http *m = cls;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return metrics__reply(c, 405, "text/plain", "GET only\n", 9);
	if (strcmp(url, "/metrics"))
		return metrics__reply(c, 404, "text/plain", "see /metrics\n", 13);
	pthread_mutex_lock(&m->lock);
	ret = metrics__reply(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			     m->text ? m->text : "", m->text ? m->len : 0);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int metrics_http__start(struct metrics_http **out, const char *listen)
{
	struct metrics_http *m = calloc(1, sizeof(*m));
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct sockaddr_storage ss;

	if (!m)
		return -1;
	if (api__address(listen, &ss, &flags) || mhd__load()) {
		pr_warn("bad --metrics '%s': ADDR:PORT or [ADDR6]:PORT\n", listen);
		free(m);
		return -1;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->d = mhd.start_daemon(flags, 0, NULL, NULL, metrics__handler, m, MHD_OPTION_SOCK_ADDR,
				&ss, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16, MHD_OPTION_END);
	if (!m->d) {
		pr_warn("cannot serve --metrics on %s: %m (is the port taken?)\n", listen);
		free(m);
		return -1;
	}
	pr_say("metrics on http://%s/metrics\n", listen);
	*out = m;
	return 0;
}

void metrics_http__publish(struct metrics_http *m, char *text, size_t len)
{
	char *old;

	if (!m || !text) {
		free(text);
		return;
	}
	pthread_mutex_lock(&m->lock);
	old = m->text;
	m->text = text;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
	free(old);
}

void metrics_http__stop(struct metrics_http *m)
{
	if (!m)
		return;
	mhd.stop_daemon(m->d);
	pthread_mutex_destroy(&m->lock);
	free(m->text);
	free(m);
}
