/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_LOOP_H
#define WHOFLOW_LOOP_H

/*
 * The agent's one loop: epoll over every ring buffer (one libbpf ring_buffer
 * holds them all) and the file descriptors sources register (link watches,
 * the output's reader), timers, and hooks run after each batch of records.
 * Sources register with it; none owns the loop.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#define LOOP_FDS_MAX 32
#define LOOP_TIMERS_MAX 8
#define LOOP_HOOKS_MAX 8

/* What a callback returns: go on, stop cleanly (exit 0), or fail. */
enum loop_rc {
	LOOP_GO = 0,
	LOOP_STOP = 1,
};

typedef int (*loop_fd_fn)(void *ctx, uint32_t events);
typedef void (*loop_timer_fn)(void *ctx, uint64_t now_ns);
typedef int (*loop_hook_fn)(void *ctx);

struct loop {
	int epfd;
	struct ring_buffer *rb;
	struct {
		loop_fd_fn fn;
		void *ctx;
	} fds[LOOP_FDS_MAX];
	size_t nfds;
	struct {
		uint64_t every_ns, next_ns;
		loop_timer_fn fn;
		void *ctx;
	} timers[LOOP_TIMERS_MAX];
	size_t ntimers;
	struct {
		loop_hook_fn fn;
		void *ctx;
	} hooks[LOOP_HOOKS_MAX];
	size_t nhooks;
};

int loop__init(struct loop *l);
/* A ring buffer map: fn gets each record (a negative return stops the loop cleanly). */
int loop__add_ring(struct loop *l, int map_fd, ring_buffer_sample_fn fn, void *ctx);
/* A file descriptor, for events (0: errors and hang-ups only). */
int loop__add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *ctx);
void loop__every(struct loop *l, uint64_t every_ns, loop_timer_fn fn, void *ctx);
/* After each batch of records (writes out what they made, checks the outputs). */
void loop__after_batch(struct loop *l, loop_hook_fn fn, void *ctx);
/* Until *exiting, a callback stops it (0) or something fails (1, said on stderr). */
int loop__run(struct loop *l, volatile sig_atomic_t *exiting);
/* Every record queued now, without waiting (shutdown, offline replay). */
int loop__consume(struct loop *l);
void loop__free(struct loop *l);

#endif
