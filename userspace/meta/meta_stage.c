// SPDX-License-Identifier: GPL-2.0-only
/* The container metadata stage (see ctr_meta.h): a worker, the event streams, the hand-over. */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ctr_cache.h"
#include "meta_stage.h"
#include "ctr_source.h"
#include "log.h"

#define ASK_QUEUE 256
#define SOURCES_MAX 3

struct ask {
	char id[CONTAINER_ID_MAX];
	char runtime[16];
};

struct answers {
	struct ctr_meta *v;
	size_t n, cap;
};

static struct {
	struct ctr_source src[SOURCES_MAX];
	bool is_api[SOURCES_MAX];
	pthread_t watch[SOURCES_MAX];
	bool watching[SOURCES_MAX];
	size_t nsrc;
	char names[64];
	struct ctr_allow allow;
	pthread_t worker;
	bool running;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct ask q[ASK_QUEUE];
	size_t head, len;
	struct answers ans;
	atomic_bool pending;
	meta_stage_changed_fn changed;
	void *ctx;
	struct {
		atomic_ullong lookups, found, not_found, unreachable, errors, queue_full, events;
	} st;
} m = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* A worker's or a stream's answer, for the pipeline's thread. */
static void meta__answer(const struct ctr_meta *meta)
{
	pthread_mutex_lock(&m.lock);
	if (m.ans.n == m.ans.cap) {
		size_t cap = m.ans.cap ? 2 * m.ans.cap : 16;
		struct ctr_meta *v = cap <= 4096 ? realloc(m.ans.v, cap * sizeof(*v)) : NULL;

		if (!v) {
			pthread_mutex_unlock(&m.lock);
			atomic_fetch_add(&m.st.queue_full, 1);
			return;
		}
		m.ans.v = v;
		m.ans.cap = cap;
	}
	m.ans.v[m.ans.n++] = *meta;
	atomic_store(&m.pending, true);
	pthread_mutex_unlock(&m.lock);
}

static void meta__event(const struct ctr_meta *meta)
{
	atomic_fetch_add(&m.st.events, 1);
	meta__answer(meta);
}

static void meta__garbage(void)
{
	atomic_fetch_add(&m.st.errors, 1);
}

/* The runtime the cgroup path names is asked first, then the others. */
static void meta__lookup(const struct ask *a)
{
	enum ctr_lookup worst = CTR_NOT_FOUND;
	struct ctr_meta out;
	size_t order[SOURCES_MAX], n = 0;

	for (size_t i = 0; i < m.nsrc; i++)
		if (!strcmp(m.src[i].name, a->runtime))
			order[n++] = i;
	for (size_t i = 0; i < m.nsrc; i++)
		if (strcmp(m.src[i].name, a->runtime))
			order[n++] = i;
	atomic_fetch_add(&m.st.lookups, 1);
	for (size_t i = 0; i < n; i++) {
		struct ctr_source *s = &m.src[order[i]];
		enum ctr_lookup rc = s->lookup(s, a->id, &out);

		if (rc == CTR_FOUND) {
			atomic_fetch_add(&m.st.found, 1);
			meta__answer(&out);
			return;
		}
		if (rc > worst)
			worst = rc;
	}
	atomic_fetch_add(worst == CTR_NOT_FOUND	  ? &m.st.not_found :
			 worst == CTR_UNREACHABLE ? &m.st.unreachable :
						    &m.st.errors,
			 1);
}

static void *meta__worker(void *arg)
{
	pthread_mutex_lock(&m.lock);
	while (!atomic_load(&m.stop)) {
		struct ask a;

		if (!m.len) {
			pthread_cond_wait(&m.wake, &m.lock);
			continue;
		}
		a = m.q[m.head];
		m.head = (m.head + 1) % ASK_QUEUE;
		m.len--;
		pthread_mutex_unlock(&m.lock);
		meta__lookup(&a);
		pthread_mutex_lock(&m.lock);
	}
	pthread_mutex_unlock(&m.lock);
	return NULL;
}

/* The cache's asker (pipeline thread): never waits. */
static bool meta__ask(void *ctx, const char *id, const char *runtime)
{
	struct ask *a;

	pthread_mutex_lock(&m.lock);
	if (m.len == ASK_QUEUE) {
		pthread_mutex_unlock(&m.lock);
		atomic_fetch_add(&m.st.queue_full, 1);
		return false;
	}
	a = &m.q[(m.head + m.len++) % ASK_QUEUE];
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->runtime, sizeof(a->runtime), "%s", runtime ? runtime : "");
	pthread_cond_signal(&m.wake);
	pthread_mutex_unlock(&m.lock);
	return true;
}

static void *meta__watch(void *arg)
{
	ctr_api__watch(arg, &m.stop, meta__event, meta__garbage);
	return NULL;
}

static bool socket__present(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISSOCK(st.st_mode);
}

/* A socket given on the command line is used even when absent now (the runtime may start). */
static bool source__wanted(const char *path, bool set, const char *opt)
{
	if (socket__present(path))
		return true;
	if (set)
		pr_warn("%s %s: no socket there now; its containers get names once it "
			"answers\n",
			opt, path);
	return set;
}

static int meta__add_sources(const struct meta_stage_cfg *cfg)
{
	const char *docker = cfg->docker_socket ?: "/var/run/docker.sock";
	const char *podman = cfg->podman_socket ?: "/run/podman/podman.sock";
	const char *containerd = cfg->containerd_socket ?: "/run/containerd/containerd.sock";

	/* Without libcurl (dynlib said which package), containers keep their ids: no failure. */
	if (source__wanted(docker, cfg->docker_set, "--docker-socket") &&
	    !ctr_api__init(&m.src[m.nsrc], "docker", docker, &m.allow))
		m.is_api[m.nsrc++] = true;
	if (source__wanted(podman, cfg->podman_set, "--podman-socket") &&
	    !ctr_api__init(&m.src[m.nsrc], "podman", podman, &m.allow))
		m.is_api[m.nsrc++] = true;
	if (source__wanted(containerd, cfg->containerd_set, "--containerd-socket")) {
		if (ctr_files__init(&m.src[m.nsrc], containerd, &m.allow))
			return 1;
		m.nsrc++;
	}
	return 0;
}

int meta_stage__start(const struct meta_stage_cfg *cfg, meta_stage_changed_fn changed, void *ctx)
{
	size_t len = 0;

	m.allow.keys = cfg->labels;
	m.allow.n = cfg->nlabels;
	m.changed = changed;
	m.ctx = ctx;
	if (meta__add_sources(cfg))
		return 1;
	for (size_t i = 0; i < m.nsrc; i++)
		len += snprintf(m.names + len, sizeof(m.names) - len, "%s%s", i ? "," : "",
				m.src[i].name);
	if (!m.nsrc)
		return 0; /* no runtime here: events keep their ids, nothing runs */
	ctr_cache__init(cfg->cache_entries, meta__ask, NULL);
	atomic_store(&m.stop, false);
	if (pthread_create(&m.worker, NULL, meta__worker, NULL)) {
		pr_warn("cannot start the container metadata thread\n");
		return 1;
	}
	pthread_setname_np(m.worker, "wf-containers");
	m.running = true;
	for (size_t i = 0; i < m.nsrc; i++)
		if (m.is_api[i])
			if ((m.watching[i] = !pthread_create(&m.watch[i], NULL, meta__watch, &m.src[i])))
				pthread_setname_np(m.watch[i], "wf-ctr-events");
	return 0;
}

void meta_stage__poll(void)
{
	struct answers got;

	if (!atomic_load_explicit(&m.pending, memory_order_relaxed))
		return;
	pthread_mutex_lock(&m.lock);
	got = m.ans;
	memset(&m.ans, 0, sizeof(m.ans));
	atomic_store(&m.pending, false);
	pthread_mutex_unlock(&m.lock);
	for (size_t i = 0; i < got.n; i++)
		if (ctr_cache__put(&got.v[i]) && m.changed)
			m.changed(m.ctx, got.v[i].id);
	free(got.v);
}

void meta_stage__stop(void)
{
	if (m.running) {
		pthread_mutex_lock(&m.lock);
		atomic_store(&m.stop, true);
		pthread_cond_broadcast(&m.wake);
		pthread_mutex_unlock(&m.lock);
		pthread_join(m.worker, NULL);
		m.running = false;
	}
	for (size_t i = 0; i < m.nsrc; i++) {
		if (m.watching[i])
			pthread_join(m.watch[i], NULL);
		m.watching[i] = false;
		free(m.src[i].priv); /* the containerd source's paths; NULL for an API's */
	}
	m.nsrc = 0;
	free(m.ans.v);
	memset(&m.ans, 0, sizeof(m.ans));
}

const char *meta_stage__sources(void)
{
	return m.names;
}

void meta_stage__stats(struct meta_stage_stats *st)
{
	st->lookups = atomic_load(&m.st.lookups);
	st->found = atomic_load(&m.st.found);
	st->not_found = atomic_load(&m.st.not_found);
	st->unreachable = atomic_load(&m.st.unreachable);
	st->errors = atomic_load(&m.st.errors);
	st->queue_full = atomic_load(&m.st.queue_full);
	st->events = atomic_load(&m.st.events);
}
