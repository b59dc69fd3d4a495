// SPDX-License-Identifier: GPL-2.0-only
/* The agent's loop (see loop.h). */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "log.h"
#include "loop.h"
#include "timeconv.h"

/* The epoll tag of the ring buffers; registered fds are tagged by their index. */
#define LOOP_TAG_RINGS UINT32_MAX
/* At most this long between timer checks when nothing comes, and the latency of
 * ring records that do not wake the agent (bpf/tc/ring.h). */
#define LOOP_WAIT_MS 100

int loop__init(struct loop *l)
{
	memset(l, 0, sizeof(*l));
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		pr_warn("cannot wait for events: %m\n");
		return -errno;
	}
	return 0;
}

int loop__add_ring(struct loop *l, int map_fd, ring_buffer_sample_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LOOP_TAG_RINGS };

	if (l->rb)
		return ring_buffer__add(l->rb, map_fd, fn, ctx);
	l->rb = ring_buffer__new(map_fd, fn, ctx, NULL);
	if (!l->rb || epoll_ctl(l->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(l->rb), &ev)) {
		pr_warn("cannot read a ring buffer: %m\n");
		return -errno;
	}
	return 0;
}

int loop__add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)l->nfds };

	if (l->nfds == LOOP_FDS_MAX)
		return -ENOSPC;
	/* Files and terminals cannot be waited on (EPERM): nothing to watch there. */
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->fds[l->nfds].fn = fn;
	l->fds[l->nfds].ctx = ctx;
	l->nfds++;
	return 0;
}

void loop__every(struct loop *l, uint64_t every_ns, loop_timer_fn fn, void *ctx)
{
	if (l->ntimers == LOOP_TIMERS_MAX)
		return;
	l->timers[l->ntimers].every_ns = every_ns;
	l->timers[l->ntimers].next_ns = timeconv__now_boot() + every_ns;
	l->timers[l->ntimers].fn = fn;
	l->timers[l->ntimers].ctx = ctx;
	l->ntimers++;
}

void loop__after_batch(struct loop *l, loop_hook_fn fn, void *ctx)
{
	if (l->nhooks == LOOP_HOOKS_MAX)
		return;
	l->hooks[l->nhooks].fn = fn;
	l->hooks[l->nhooks].ctx = ctx;
	l->nhooks++;
}

int loop__consume(struct loop *l)
{
	int n = l->rb ? ring_buffer__consume(l->rb) : 0;

	return n == -EINTR ? 0 : n;
}

/* One wait: the fds' callbacks, then every record queued. */
static int loop__once(struct loop *l)
{
	struct epoll_event ev[20];
	int n = epoll_wait(l->epfd, ev, 20, LOOP_WAIT_MS), rc = LOOP_GO;

	if (n < 0 && errno != EINTR) {
		pr_warn("reading events failed: %m\n");
		return -errno;
	}
	for (int i = 0; i < n && rc == LOOP_GO; i++)
		if (ev[i].data.u32 < l->nfds)
			rc = l->fds[ev[i].data.u32].fn(l->fds[ev[i].data.u32].ctx, ev[i].events);
	if (rc != LOOP_GO)
		return rc;
	n = loop__consume(l);
	/* A record callback said stop (-c reached, the output failed): a clean stop. */
	if (n == -ECANCELED)
		return LOOP_STOP;
	if (n < 0) {
		pr_warn("reading events failed: %s\n", strerror(-n));
		return n;
	}
	return LOOP_GO;
}

int loop__run(struct loop *l, volatile sig_atomic_t *exiting)
{
	while (!*exiting) {
		int rc = loop__once(l);
		uint64_t now;

		/* What this batch of records made goes out in one write. */
		for (size_t i = 0; i < l->nhooks; i++)
			if (l->hooks[i].fn(l->hooks[i].ctx) != LOOP_GO && rc == LOOP_GO)
				rc = LOOP_STOP;
		if (rc != LOOP_GO)
			return rc < 0 ? 1 : 0;
		now = timeconv__now_boot();
		for (size_t i = 0; i < l->ntimers; i++)
			if (now >= l->timers[i].next_ns) {
				l->timers[i].fn(l->timers[i].ctx, now);
				l->timers[i].next_ns = now + l->timers[i].every_ns;
			}
	}
	return 0;
}

void loop__free(struct loop *l)
{
	ring_buffer__free(l->rb);
	l->rb = NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}
