// SPDX-License-Identifier: GPL-2.0-only
/*
 * The log directory sink (--log-dir): each event appended to its type's file
 * (out/log_rows.c makes the lines), a batch at a time; rotation by renaming
 * (lib/rotate.c); a full disk costs the lines that do not fit, counted per
 * file, never a partial line, and writing resumes when there is room.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "log.h"
#include "log_rows.h"
#include "rotate.h"
#include "sink.h"

/* A file's buffer is written out before it grows past this, batch or not. */
#define LOG_FLUSH_BYTES (1u << 20)

struct log_file {
	int fd; /* -1: not written (env.log without --env, or with JSON) */
	char path[PATH_MAX + 16];
	struct row_buf out; /* lines waiting for the next flush */
	struct rotor rot;
	uint64_t written, lost;
	bool need_header;
	int err; /* the last write's errno while writes fail, 0 when they succeed */
};

struct logdir {
	const struct config *cfg;
	char session[33];
	struct log_file files[LOG__N];
	struct row_buf rows[LOG__N];
};

static struct logdir *logdir__of(const struct sink *s)
{
	return s->priv;
}

static void logdir__session(char out[33])
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);

		memcpy(r, &t, sizeof(t));
		memcpy(r + 8, &t, sizeof(t));
	}
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", r[i]);
}

static size_t file__write(struct log_file *f, const char *buf, size_t len);

/* A new text file starts with its header line (tried again before the next lines
 * when the disk is full). */
static void file__header(struct log_file *f, enum log_kind k)
{
	struct row_buf h = { 0 };

	if (!f->need_header || f->fd < 0)
		return;
	log_rows__header(&h, k);
	if (!h.oom && file__write(f, h.buf, h.len) == h.len) {
		f->need_header = false;
		f->rot.bytes += h.len;
	}
	row_buf__free(&h);
}

static int file__open(struct log_file *f, enum log_kind k, bool json)
{
	struct stat st;

	f->fd = open(f->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (f->fd < 0 || fstat(f->fd, &st))
		return -errno;
	f->need_header = !json && st.st_size == 0;
	rotor__start(&f->rot, (uint64_t)st.st_size, time(NULL));
	file__header(f, k);
	return 0;
}

/* DIR made 0700 when missing (its parent must exist); it must be a writable directory. */
static int logdir__mkdir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return access(dir, W_OK | X_OK) ? -errno : 0;
}

static int logdir__open_files(struct logdir *d, const struct config *cfg)
{
	for (int k = 0; k < LOG__N; k++) {
		struct log_file *f = &d->files[k];
		int err;

		f->fd = -1;
		f->rot.max_bytes = cfg->log_rotate_mb * 1000000ull;
		f->rot.max_seconds = cfg->log_rotate_seconds;
		snprintf(f->path, sizeof(f->path), "%s/%s", cfg->log_dir, log_schemas[k].file);
		if (k == LOG_ENV && (!cfg->env || cfg->log_json))
			continue; /* JSON carries the environment in the process object */
		if (k == LOG_SIGMA && !cfg->rules_dirs.n)
			continue; /* alerts come with --rules */
		if (k == LOG_DROP && !cfg->drops)
			continue; /* drops come with --drops */
		if (k == LOG_FILE && !cfg->files)
			continue; /* file events come with --files */
		if (k == LOG_BINARY && !cfg->preserve_dir)
			continue;
		err = file__open(f, (enum log_kind)k, cfg->log_json);
		if (err) {
			pr_warn("cannot write %s: %s; give --log-dir a directory whoflow can "
				"write\n",
				f->path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int sink_logdir__open(struct sink *s, const struct config *cfg)
{
	struct logdir *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	s->priv = d;
	d->cfg = cfg;
	for (int k = 0; k < LOG__N; k++)
		d->files[k].fd = -1;
	logdir__session(d->session);
	err = logdir__mkdir(cfg->log_dir);
	if (err) {
		pr_warn("cannot write log files in %s: %s; give --log-dir a directory whoflow "
			"can write (its parent must exist)\n",
			cfg->log_dir, strerror(-err));
		return err;
	}
	err = logdir__open_files(d, cfg);
	if (!err)
		pr_info("log files in %s, session_uid %s\n", cfg->log_dir, d->session);
	return err;
}

/* Writes what fits; a line cut short by a full disk is cut off again, so the file only
 * ever holds whole lines. Returns the bytes that are in the file. */
static size_t file__write(struct log_file *f, const char *buf, size_t len)
{
	size_t done = 0, whole;
	ssize_t n = 0;

	while (done < len && (n = write(f->fd, buf + done, len - done)) > 0)
		done += (size_t)n;
	if (done == len)
		return len;
	f->err = n < 0 ? errno : ENOSPC;
	whole = done;
	while (whole && buf[whole - 1] != '\n')
		whole--;
	if (whole < done && ftruncate(f->fd, (off_t)(f->rot.bytes + whole)))
		pr_debug("cannot cut a partial line off %s: %m\n", f->path);
	return whole;
}

static void file__rotate(struct logdir *d, struct log_file *f, enum log_kind k)
{
	int err;

	close(f->fd);
	f->fd = -1;
	err = rotate__shift(f->path, (unsigned int)d->cfg->log_keep, d->cfg->log_compress);
	if (err)
		pr_warn("cannot rotate %s: %s; writing on\n", f->path, strerror(-err));
	err = file__open(f, k, d->cfg->log_json);
	if (err)
		pr_warn("cannot reopen %s after rotation: %s\n", f->path, strerror(-err));
}

static uint64_t lines__in(const char *buf, size_t len)
{
	uint64_t n = 0;

	for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + len - p))); p++)
		n++;
	return n;
}

static void file__flush(struct logdir *d, struct log_file *f, struct row_buf *b, int k)
{
	int was = f->err;
	size_t n;

	if (!b->len)
		return;
	if (f->fd >= 0 && rotor__due(&f->rot, b->len, time(NULL)))
		file__rotate(d, f, (enum log_kind)k);
	file__header(f, (enum log_kind)k);
	f->err = 0;
	n = f->fd >= 0 && !f->need_header ? file__write(f, b->buf, b->len) : 0;
	if (f->fd < 0 || f->need_header)
		f->err = f->fd < 0 ? EBADF : ENOSPC;
	f->rot.bytes += n;
	f->written += lines__in(b->buf, n);
	f->lost += b->lines - lines__in(b->buf, n);
	if (f->err && !was)
		pr_warn("cannot write %s: %s; its lines are counted as lost until it can\n",
			f->path, strerror(f->err));
	else if (!f->err && was)
		pr_warn("writing %s again (%" PRIu64 " lines lost)\n", f->path, f->lost);
	b->len = 0;
	b->lines = 0;
}

static void sink_logdir__flush(struct sink *s)
{
	struct logdir *d = logdir__of(s);

	for (int k = 0; k < LOG__N; k++)
		file__flush(d, &d->files[k], &d->rows[k], k);
}

/* --log-format json: sink_json's object, as one line of the event's file. */
static void logdir__json(struct logdir *d, const struct event *ev)
{
	struct row_buf *b = &d->rows[log_rows__kind(ev)];

	const struct json *j = sink_json__object(ev);

	if (!j) {
		b->oom = true; /* counted as lost */
		return;
	}
	row_buf__line(b, j->buf, j->len);
}

static void sink_logdir__write(struct sink *s, const struct event *ev)
{
	struct logdir *d = logdir__of(s);

	if (ev->kind == EVENT_PACKET)
		return;
	if (d->cfg->log_json)
		logdir__json(d, ev);
	else
		log_rows__event(d->rows, ev, d->session);
	for (int k = 0; k < LOG__N; k++) {
		if (d->rows[k].oom) {
			d->files[k].lost += d->rows[k].lines + 1;
			d->rows[k].oom = false;
		}
		if (d->rows[k].len >= LOG_FLUSH_BYTES)
			file__flush(d, &d->files[k], &d->rows[k], k);
	}
}

/* SIGHUP: a file moved away (logrotate) is started anew under its name. */
static void sink_logdir__reopen(struct sink *s)
{
	struct logdir *d = logdir__of(s);

	sink_logdir__flush(s);
	for (int k = 0; k < LOG__N; k++) {
		struct log_file *f = &d->files[k];
		struct stat cur, now;

		if (f->fd < 0 || (!fstat(f->fd, &cur) && !stat(f->path, &now) &&
				  cur.st_dev == now.st_dev && cur.st_ino == now.st_ino))
			continue;
		close(f->fd);
		if (file__open(f, (enum log_kind)k, d->cfg->log_json))
			pr_warn("SIGHUP: cannot reopen %s: %m\n", f->path);
		else
			pr_warn("SIGHUP: %s was moved away; writing a new one under that name\n",
				f->path);
	}
}

static uint64_t sink_logdir__losses(const struct sink *s, char *what, size_t n)
{
	const struct logdir *d = logdir__of(s);
	uint64_t sum = 0;
	size_t len = 0;

	if (n)
		what[0] = '\0';
	for (int k = 0; k < LOG__N; k++) {
		const struct log_file *f = &d->files[k];

		if (!f->lost)
			continue;
		sum += f->lost;
		if (len < n)
			len += (size_t)snprintf(what + len, n - len, "%s%s %" PRIu64,
						len ? ", " : "", log_schemas[k].file, f->lost);
	}
	return sum;
}

static void sink_logdir__close(struct sink *s)
{
	struct logdir *d = logdir__of(s);

	if (!d)
		return;
	sink_logdir__flush(s);
	for (int k = 0; k < LOG__N; k++) {
		if (d->files[k].fd >= 0)
			close(d->files[k].fd);
		row_buf__free(&d->rows[k]);
	}
}

const struct sink_ops sink_logdir_ops = {
	.name = "logdir",
	.open = sink_logdir__open,
	.write = sink_logdir__write,
	.flush = sink_logdir__flush,
	.close = sink_logdir__close,
	.reopen = sink_logdir__reopen,
	.losses = sink_logdir__losses,
};
