// SPDX-License-Identifier: GPL-2.0-only
/* O_DIRECT file writing with two writer threads (see dwriter.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dwriter.h"

#define DW_ALIGN 4096u /* a multiple of every device's logical block size */
#define DW_BUF (4u << 20)
#define DW_BUFS 8 /* 32 MiB: the one being filled and up to seven queued or in flight */
#define DW_THREADS 2

struct dw_buf {
	uint8_t *p;
	uint64_t off; /* file offset of p[0] */
};

struct dwriter {
	int fd;
	pthread_t th[DW_THREADS];
	int nth;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a buffer queued, or stop */
	pthread_cond_t done; /* a buffer written */
	struct dw_buf queue[DW_BUFS]; /* full buffers, in order */
	unsigned qhead, qlen;
	uint8_t *spare[DW_BUFS]; /* free buffers */
	unsigned nspare;
	unsigned busy; /* queued or being written */
	int err; /* the first failure, negative errno */
	bool stop;
	struct dw_buf cur; /* being filled */
	size_t len;
	bool dirty; /* put since the last flush (an idle capture writes nothing) */
	struct dwriter_stats *acc; /* the caller's, or own */
	struct dwriter_stats own;
	uint64_t busy_since; /* CLOCK_MONOTONIC ns when busy went from 0 to 1 */
};

static uint64_t dw__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Under d->mu: adds to one of the figures (read by another thread: one store). */
static void dw__count(uint64_t *field, uint64_t n)
{
	__atomic_store_n(field, *field + n, __ATOMIC_RELAXED);
}

/* Under d->mu: a write is queued (the disk is busy from now, if it was idle). */
static void dw__busy_inc(struct dwriter *d)
{
	if (!d->busy++)
		d->busy_since = dw__now();
}

/* Under d->mu: a write of n bytes is done. */
static void dw__busy_dec(struct dwriter *d, size_t n)
{
	dw__count(&d->acc->bytes, n);
	if (!--d->busy)
		dw__count(&d->acc->busy_ns, dw__now() - d->busy_since);
}

/*
 * All of n (a multiple of DW_ALIGN) at off, or the failure. A full disk
 * refuses a direct write whole, or takes part of it: what still fits is then
 * written a page at a time, so that the file keeps every block before the cut.
 */
static int dw__pwrite(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	ssize_t r = pwrite(fd, p, n, (off_t)off);
	size_t done;

	if (r == (ssize_t)n)
		return 0;
	if (r < 0 && errno != ENOSPC && errno != EFBIG && errno != EDQUOT)
		return -errno;
	done = r > 0 ? (size_t)r & ~(size_t)(DW_ALIGN - 1) : 0;
	while (done < n && pwrite(fd, p + done, DW_ALIGN, (off_t)(off + done)) == DW_ALIGN)
		done += DW_ALIGN;
	return -ENOSPC;
}

static void *dw__thread(void *arg)
{
	struct dwriter *d = arg;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		struct dw_buf b;
		int err;

		while (!d->qlen && !d->stop)
			pthread_cond_wait(&d->work, &d->mu);
		if (!d->qlen)
			break;
		b = d->queue[d->qhead];
		d->qhead = (d->qhead + 1) % DW_BUFS;
		d->qlen--;
		pthread_mutex_unlock(&d->mu);
		err = __atomic_load_n(&d->err, __ATOMIC_RELAXED) ?
			      0 :
			      dw__pwrite(d->fd, b.p, DW_BUF, b.off);
		pthread_mutex_lock(&d->mu);
		if (err && !d->err)
			d->err = err;
		d->spare[d->nspare++] = b.p;
		dw__busy_dec(d, err ? 0 : DW_BUF);
		pthread_cond_broadcast(&d->done);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

struct dwriter *dwriter__new(int fd, struct dwriter_stats *acc)
{
	struct dwriter *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = fd;
	d->acc = acc ? acc : &d->own;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->done, NULL);
	for (int i = 0; i < DW_BUFS; i++) {
		if (posix_memalign((void **)&d->spare[i], DW_ALIGN, DW_BUF)) {
			d->spare[i] = NULL;
			dwriter__free(d);
			return NULL;
		}
		d->nspare++;
	}
	for (; d->nth < DW_THREADS; d->nth++) {
		if (pthread_create(&d->th[d->nth], NULL, dw__thread, d)) {
			dwriter__free(d);
			return NULL;
		}
		pthread_setname_np(d->th[d->nth], "wf-disk");
	}
	d->cur.p = d->spare[--d->nspare];
	return d;
}

/* The full current buffer to the threads, and a free one to fill (waiting for one if need be). */
static int dw__hand_over(struct dwriter *d)
{
	int err;

	pthread_mutex_lock(&d->mu);
	d->queue[(d->qhead + d->qlen) % DW_BUFS] = d->cur;
	d->qlen++;
	dw__busy_inc(d);
	pthread_cond_signal(&d->work);
	if (!d->nspare) {
		uint64_t t0 = dw__now();

		while (!d->nspare)
			pthread_cond_wait(&d->done, &d->mu);
		dw__count(&d->acc->wait_ns, dw__now() - t0);
	}
	d->cur.p = d->spare[--d->nspare];
	err = d->err;
	pthread_mutex_unlock(&d->mu);
	d->cur.off += DW_BUF;
	d->len = 0;
	return err;
}

int dwriter__put(struct dwriter *d, const void *p, size_t n)
{
	const uint8_t *s = p;
	int err = __atomic_load_n(&d->err, __ATOMIC_RELAXED);

	if (err)
		return err;
	d->dirty = true;
	while (n) {
		size_t c = DW_BUF - d->len < n ? DW_BUF - d->len : n;

		memcpy(d->cur.p + d->len, s, c);
		d->len += c;
		s += c;
		n -= c;
		if (d->len == DW_BUF && (err = dw__hand_over(d)))
			return err;
	}
	return 0;
}

static void dw__wait_idle(struct dwriter *d)
{
	pthread_mutex_lock(&d->mu);
	while (d->busy)
		pthread_cond_wait(&d->done, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

/* The last partial page, padded to a whole one, and the file cut back to its real length. */
static int dw__write_tail(struct dwriter *d)
{
	size_t padded = (d->len + DW_ALIGN - 1) & ~(size_t)(DW_ALIGN - 1);
	int err;

	memset(d->cur.p + d->len, 0, padded - d->len);
	pthread_mutex_lock(&d->mu);
	dw__busy_inc(d);
	pthread_mutex_unlock(&d->mu);
	err = dw__pwrite(d->fd, d->cur.p, padded, d->cur.off);
	pthread_mutex_lock(&d->mu);
	dw__busy_dec(d, err ? 0 : padded);
	pthread_mutex_unlock(&d->mu);
	if (!err && ftruncate(d->fd, (off_t)(d->cur.off + d->len)))
		err = -errno;
	return err;
}

int dwriter__flush(struct dwriter *d)
{
	size_t whole = d->len & ~(size_t)(DW_ALIGN - 1);
	uint64_t t0;
	int err;

	/* Nothing put since: nothing handed over either, the file is as it should be. */
	if (!d->dirty)
		return d->err;
	t0 = dw__now();
	dw__wait_idle(d);
	err = d->err || !d->len ? d->err : dw__write_tail(d);
	pthread_mutex_lock(&d->mu);
	dw__count(&d->acc->wait_ns, dw__now() - t0);
	pthread_mutex_unlock(&d->mu);
	if (err || !d->len) {
		d->err = err;
		d->dirty = err != 0;
		return err;
	}
	d->dirty = false;
	/* The partial page stays at the buffer's start, written again whole next time. */
	memmove(d->cur.p, d->cur.p + whole, d->len - whole);
	d->cur.off += whole;
	d->len -= whole;
	return 0;
}

void dwriter__discard(struct dwriter *d)
{
	dw__wait_idle(d);
	d->len = 0;
}

void dwriter__free(struct dwriter *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->mu);
	for (int i = 0; i < d->nth; i++)
		pthread_join(d->th[i], NULL);
	for (unsigned i = 0; i < d->nspare; i++)
		free(d->spare[i]);
	free(d->cur.p);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->work);
	pthread_cond_destroy(&d->done);
	free(d);
}
