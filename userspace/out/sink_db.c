// SPDX-License-Identifier: GPL-2.0-only
/*
 * The store sink (--db PATH): each event copied into a bounded queue on the
 * ring-buffer readers' path, and written by a thread of its own in batched
 * transactions (out/db_store.c), so that SQLite never stalls the readers; a
 * full queue or a failed write costs events, counted. Retention runs on the
 * same thread every ten seconds; WAL checkpoints on a thread and connection of
 * their own, once a second, so that the inserts never wait for them.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <inttypes.h>
#include <linux/types.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "binkeep.h"
#include "cmdline.h"
#include "ctr_cache.h"
#include "db_store.h"
#include "log.h"
#include "proc_info.h"
#include "sink.h"
#include "timeconv.h"
#include "users.h"

/* Events waiting for the writer: beyond this, new ones are lost (counted). */
#define DB_QUEUE_BYTES (64u << 20)
#define DB_TRIM_EVERY_S 10
/* A WAL past this size is made to start over (a checkpoint that waits for the writer's
 * transaction): passive ones alone could let it grow while the writer never pauses. */
#define DB_WAL_RESTART_BYTES (256ull << 20)

/* A queued row: integers, then each string's offset and length in data (-1: absent). */
struct qrow {
	uint32_t len; /* the whole record, padded to 8 */
	uint8_t has_process;
	int64_t i[DBI__N];
	int32_t off[DBS__N];
	uint32_t n[DBS__N];
	char data[];
};

struct qbuf {
	char *buf;
	size_t len, cap;
};

struct db_sink {
	const struct config *cfg;
	struct db_store *store;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct qbuf in, out; /* the readers fill in; the writer swaps and empties out */
	bool stop;
	uint64_t lost, written; /* under lock */
	/* The checkpointer: a thread and a connection of its own, once a second (NULL: the
	 * writer checkpoints between batches, as before). */
	struct db_store *ckpt;
	pthread_t ckpt_thread;
	bool ckpt_started, ckpt_stop;
	pthread_cond_t ckpt_wake;
	int warned; /* what was said last: 0, or the errno-like cause */
	/* The row being built on the readers' path. */
	struct db_row row;
	char image[CTR_IMAGE_MAX + CTR_TAG_MAX + 2];
	char copy[4200];
};

/* n decimal digits at s, or -1 when one is not a digit. */
static int64_t db__digits(const char *s, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * 2026-12-01T13:00:00.123456789Z (what the events carry, timeconv__rfc3339) -> ns since
 * the epoch; 0 for anything else. By hand: sscanf and timegm cost several percent of the
 * pipeline's thread under load (perf). Days from the civil date as in H. Hinnant's
 * days_from_civil.
 */
static int64_t db__ts(const char *ts)
{
	int64_t y = db__digits(ts, 4), mo = db__digits(ts + 5, 2), d = db__digits(ts + 8, 2),
		h = db__digits(ts + 11, 2), mi = db__digits(ts + 14, 2), s = db__digits(ts + 17, 2),
		frac = 0, era, yoe, doy, doe;
	int nfrac = 0;

	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || mi < 0 || s < 0 ||
	    ts[4] != '-' || ts[7] != '-' || ts[10] != 'T' || ts[13] != ':' || ts[16] != ':')
		return 0;
	if (ts[19] == '.')
		for (nfrac = 0; nfrac < 9 && ts[20 + nfrac] >= '0' && ts[20 + nfrac] <= '9'; nfrac++)
			frac = frac * 10 + (ts[20 + nfrac] - '0');
	for (int i = nfrac; i < 9; i++)
		frac *= 10;
	y -= mo <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return ((era * 146097 + doe - 719468) * 86400 + h * 3600 + mi * 60 + s) * 1000000000 + frac;
}

static void row__str(struct db_row *r, enum db_str k, const char *v)
{
	r->s[k] = v && *v ? v : NULL;
	r->n[k] = r->s[k] ? strlen(v) : 0;
}


/* The container's name, image and pod, as its runtime said them (copied at the push). */
static void row__container(struct db_sink *d, const struct container *c)
{
	const struct ctr_meta *m = c->id[0] ? ctr_cache__find(c) : NULL;
	struct db_row *r = &d->row;

	row__str(r, DBS_CTR_NAME, m ? m->name : NULL);
	row__str(r, DBS_POD, m ? m->pod_name : NULL);
	row__str(r, DBS_K8S_NS, m ? m->pod_namespace : NULL);
	d->image[0] = '\0';
	if (m && m->image_name[0])
		snprintf(d->image, sizeof(d->image), "%s%s%s", m->image_name,
			 m->image_tag[0] ? ":" : "", m->image_tag);
	row__str(r, DBS_CTR_IMAGE, d->image);
}

/* The process columns, from what the join found. */
static void row__process(struct db_sink *d, const struct proc_info *p,
			 const struct proc_info *parent, const char *cmdline)
{
	struct db_row *r = &d->row;

	r->has_process = true;
	r->i[DBI_PID] = p->pid;
	r->i[DBI_PPID] = p->ppid;
	r->i[DBI_UID] = p->uid;
	r->i[DBI_GID] = p->gid;
	r->i[DBI_START] = (int64_t)timeconv__boot_to_real(p->start_ns);
	row__str(r, DBS_ENTITY, p->entity_id);
	row__str(r, DBS_PARENT, parent ? parent->entity_id : NULL);
	row__str(r, DBS_COMM, p->comm);
	row__str(r, DBS_EXE, p->exe);
	if (!cmdline)
		cmdline = proc_info__cmdline(p);
	row__str(r, DBS_CMDLINE, cmdline);
	row__str(r, DBS_CWD, p->cwd);
	row__str(r, DBS_USER, users__user_name(p->uid));
	row__str(r, DBS_CONTAINER, proc_info__container(p)->id);
	row__container(d, proc_info__container(p));
	d->copy[0] = '\0';
	if (d->cfg->preserve_dir && (p->bin_status == BIN_KEPT || p->bin_status == BIN_KNOWN) &&
	    p->sha256[0])
		snprintf(d->copy, sizeof(d->copy), "%s/%s", d->cfg->preserve_dir, p->sha256);
	row__str(r, DBS_BIN_COPY, d->copy);
	row__str(r, DBS_CGROUP, p->cgroup_path);
	row__str(r, DBS_MD5, p->md5);
	row__str(r, DBS_SHA256, p->sha256);
}

static void row__network(struct db_sink *d, const struct event *ev, const char *uid,
			 const char *name)
{
	struct db_row *r = &d->row;
	const struct owner_view *ov = &ev->owner;

	r->i[DBI_TS] = db__ts(ev->ep.ts);
	row__str(r, DBS_NETWORK_UID, uid);
	row__str(r, DBS_SRC, ev->ep.src);
	row__str(r, DBS_DST, ev->ep.dst);
	row__str(r, DBS_NAME, name);
	r->i[DBI_SPORT] = ev->ep.sport;
	r->i[DBI_DPORT] = ev->ep.dport;
	if (ov->p) {
		row__process(d, ov->p, ov->parent, NULL);
	} else if (ov->known) {
		r->i[DBI_PID] = ov->o.tgid;
		row__str(r, DBS_COMM, ov->o.comm);
	}
}

/* Fills d->row from an event; false when it has none to store. */
static bool row__make(struct db_sink *d, const struct event *ev)
{
	static const char *const procs[] = { "exec", "fork", "exit" };
	struct db_row *r = &d->row;

	memset(r, 0, sizeof(*r));
	row__str(r, DBS_EVENT_ID, ev->id);
	switch (ev->kind) {
	case EVENT_PROC:
		row__str(r, DBS_TYPE, procs[ev->proc.kind]);
		r->i[DBI_TS] = db__ts(ev->proc.ts);
		row__process(d, ev->proc.p, ev->proc.parent, ev->proc.command_line);
		if (ev->proc.kind == PROC_VIEW_EXIT) {
			r->i[DBI_EXIT_TS] = r->i[DBI_TS];
			r->i[DBI_EXIT_CODE] = ev->proc.exit_code;
		}
		break;
	case EVENT_FLOW:
		row__str(r, DBS_TYPE, "flow");
		row__network(d, ev, ev->flow->flow_id, NULL);
		break;
	case EVENT_DNS:
		row__str(r, DBS_TYPE, "dns");
		row__network(d, ev, ev->dns->flow_id,
			     ev->dns->msg.nquestions ? ev->dns->msg.questions[0].name : NULL);
		break;
	case EVENT_TLS:
		row__str(r, DBS_TYPE, "tls");
		row__network(d, ev, ev->tls->flow_id, ev->tls->ch.has_sni ? ev->tls->ch.sni : NULL);
		break;
	case EVENT_HTTP:
		row__str(r, DBS_TYPE, "http");
		row__network(d, ev, ev->http->flow_id,
			     ev->http->req.has_host ? ev->http->req.domain : NULL);
		break;
	case EVENT_ALERT:
		row__str(r, DBS_TYPE, "alert");
		r->i[DBI_TS] = db__ts(event__ts(ev->alert->ev));
		row__str(r, DBS_NAME, ev->alert->title);
		if (ev->alert->p)
			row__process(d, ev->alert->p, ev->alert->parent, NULL);
		break;
	case EVENT_DROP:
		/* name: the reason, so that the store can sum drops by it. */
		row__str(r, DBS_TYPE, "drop");
		row__network(d, ev, ev->drop->has_flow ? ev->drop->flow_id : NULL,
			     ev->drop->reason);
		break;
	case EVENT_FILE:
		/* name: the path, so that the store finds a file's events by it. */
		row__str(r, DBS_TYPE, "file");
		row__network(d, ev, NULL, ev->file->path);
		break;
	case EVENT_PACKET:
		return false;
	}
	const struct json *j = sink_json__object(ev);

	if (!j)
		return false;
	r->s[DBS_JSON] = j->buf;
	r->n[DBS_JSON] = j->len;
	return true;
}

/* Copies d->row into the queue (lock held). */
static bool queue__push(struct db_sink *d)
{
	const struct db_row *r = &d->row;
	size_t len = sizeof(struct qrow), at;
	struct qrow *q;

	for (int k = 0; k < DBS__N; k++)
		len += r->s[k] ? r->n[k] + 1 : 0;
	len = (len + 7) & ~(size_t)7;
	if (d->in.len + len > DB_QUEUE_BYTES)
		return false;
	if (d->in.len + len > d->in.cap) {
		size_t cap = d->in.cap ? d->in.cap : 1 << 20;
		char *nb;

		while (cap < d->in.len + len)
			cap *= 2;
		nb = realloc(d->in.buf, cap);
		if (!nb)
			return false;
		d->in.buf = nb;
		d->in.cap = cap;
	}
	q = (struct qrow *)(d->in.buf + d->in.len);
	q->len = (uint32_t)len;
	q->has_process = r->has_process;
	memcpy(q->i, r->i, sizeof(q->i));
	at = 0;
	for (int k = 0; k < DBS__N; k++) {
		q->off[k] = r->s[k] ? (int32_t)at : -1;
		q->n[k] = (uint32_t)r->n[k];
		if (r->s[k]) {
			memcpy(q->data + at, r->s[k], r->n[k]);
			q->data[at + r->n[k]] = '\0';
			at += r->n[k] + 1;
		}
	}
	d->in.len += len;
	return true;
}

static void sink_db__write(struct sink *s, const struct event *ev)
{
	struct db_sink *d = s->priv;
	bool ok;

	if (ev->kind == EVENT_PACKET)
		return;
	ok = row__make(d, ev);
	pthread_mutex_lock(&d->lock);
	if (!ok || !queue__push(d))
		d->lost++;
	pthread_mutex_unlock(&d->lock);
}

/* The writer's side: every queued row in one transaction. */
static void db__write_batch(struct db_sink *d, const struct qbuf *b)
{
	uint64_t ok = 0, bad = 0, rows = 0;
	const char *why = NULL;

	for (size_t at = 0; at < b->len; at += ((const struct qrow *)(b->buf + at))->len)
		rows++;
	if (db_store__begin(d->store)) {
		why = db_store__error(d->store);
		bad = rows;
	}
	for (size_t at = 0; !why && at < b->len;) {
		const struct qrow *q = (const struct qrow *)(b->buf + at);
		struct db_row r = { .has_process = q->has_process };

		memcpy(r.i, q->i, sizeof(r.i));
		for (int k = 0; k < DBS__N; k++) {
			r.s[k] = q->off[k] < 0 ? NULL : q->data + q->off[k];
			r.n[k] = q->n[k];
		}
		if (db_store__insert(d->store, &r)) {
			bad++;
			why = why ? why : db_store__error(d->store);
		} else {
			ok++;
		}
		at += q->len;
	}
	if (!bad && db_store__commit(d->store)) {
		why = db_store__error(d->store);
		bad = rows, ok = 0;
	}
	pthread_mutex_lock(&d->lock);
	d->written += ok;
	d->lost += bad;
	pthread_mutex_unlock(&d->lock);
	if (why && !d->warned)
		pr_warn("store %s: cannot write: %s; events are counted as lost until it can\n",
			d->cfg->db_path, why);
	else if (!why && d->warned && ok)
		pr_warn("store %s: writing again\n", d->cfg->db_path);
	d->warned = why != NULL;
}

static void db__trim(struct db_sink *d)
{
	int64_t cutoff = 0;
	uint64_t n;

	if (!d->cfg->db_retain_s && !d->cfg->db_max_bytes)
		return;
	if (d->cfg->db_retain_s)
		cutoff = (int64_t)time(NULL) * 1000000000 -
			 (int64_t)d->cfg->db_retain_s * 1000000000;
	n = db_store__trim(d->store, cutoff, d->cfg->db_max_bytes);
	if (n)
		pr_debug("store %s: %" PRIu64 " events past retention removed\n", d->cfg->db_path,
			 n);
}

static void *db__writer(void *arg)
{
	struct db_sink *d = arg;
	time_t next_trim = 0, next_checkpoint = 0;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct qbuf t;

		if (!d->in.len && !d->stop) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 200 * 1000000;
			if (until.tv_nsec >= 1000000000)
				until.tv_sec++, until.tv_nsec -= 1000000000;
			pthread_cond_timedwait(&d->wake, &d->lock, &until);
		}
		t = d->out, d->out = d->in, d->in = t;
		d->in.len = 0;
		pthread_mutex_unlock(&d->lock);
		if (d->out.len)
			db__write_batch(d, &d->out);
		if (!d->ckpt_started && time(NULL) >= next_checkpoint) {
			db_store__checkpoint(d->store, false);
			next_checkpoint = time(NULL) + 1;
		}
		if (time(NULL) >= next_trim) {
			unsigned long every = d->cfg->db_retain_s / 2;

			db__trim(d);
			/* a short retention is kept to closely, a long one every ten seconds */
			next_trim = time(NULL) + (every < 1		  ? 1 :
						  every > DB_TRIM_EVERY_S ? DB_TRIM_EVERY_S :
									    every);
		}
		pthread_mutex_lock(&d->lock);
		if (d->stop && !d->in.len)
			break;
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void *db__checkpointer(void *arg)
{
	struct db_sink *d = arg;
	char wal[4200];
	struct stat st;

	snprintf(wal, sizeof(wal), "%s-wal", d->cfg->db_path);
	pthread_mutex_lock(&d->lock);
	while (!d->ckpt_stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec++;
		pthread_cond_timedwait(&d->ckpt_wake, &d->lock, &until);
		if (d->ckpt_stop)
			break;
		pthread_mutex_unlock(&d->lock);
		db_store__checkpoint(d->ckpt, !stat(wal, &st) &&
						      (uint64_t)st.st_size > DB_WAL_RESTART_BYTES);
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void db__start_checkpointer(struct db_sink *d)
{
	char err[512];

	pthread_cond_init(&d->ckpt_wake, NULL);
	d->ckpt = db_store__open_checkpointer(d->cfg->db_path, err, sizeof(err));
	if (d->ckpt && !pthread_create(&d->ckpt_thread, NULL, db__checkpointer, d)) {
		pthread_setname_np(d->ckpt_thread, "wf-store-ckpt");
		d->ckpt_started = true;
		return;
	}
	pr_info("store %s: checkpoints between the writer's batches (%s)\n", d->cfg->db_path,
		d->ckpt ? "no thread" : err);
	db_store__close(d->ckpt);
	d->ckpt = NULL;
}

static void db__stop_checkpointer(struct db_sink *d)
{
	if (d->ckpt_started) {
		pthread_mutex_lock(&d->lock);
		d->ckpt_stop = true;
		pthread_cond_signal(&d->ckpt_wake);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->ckpt_thread, NULL);
		d->ckpt_started = false;
	}
	db_store__close(d->ckpt); /* the writer's connection closes last: its close checkpoints */
	d->ckpt = NULL;
}

static void sink_db__flush(struct sink *s)
{
	struct db_sink *d = s->priv;

	pthread_cond_signal(&d->wake); /* the batch just read goes in one transaction */
}

static int sink_db__open(struct sink *s, const struct config *cfg)
{
	struct db_sink *d = calloc(1, sizeof(*d));
	char err[512];

	if (!d)
		return -ENOMEM;
	s->priv = d;
	d->cfg = cfg;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	d->store = db_store__open(cfg->db_path, err, sizeof(err));
	if (!d->store) {
		pr_warn("cannot use --db %s: %s\n", cfg->db_path, err);
		return -EINVAL;
	}
	db__start_checkpointer(d);
	if (pthread_create(&d->thread, NULL, db__writer, d)) {
		pr_warn("cannot start the store's writer thread: %m\n");
		db__stop_checkpointer(d);
		return -errno;
	}
	pthread_setname_np(d->thread, "wf-store"); /* what top -H and perf show */
	d->started = true;
	pr_info("store: %s (schema version %d)\n", cfg->db_path, DB_SCHEMA_VERSION);
	return 0;
}

static void sink_db__close(struct sink *s)
{
	struct db_sink *d = s->priv;

	if (!d)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_cond_signal(&d->wake);
		pthread_mutex_unlock(&d->lock);
		pthread_join(d->thread, NULL); /* everything queued is committed first */
		d->started = false;
	}
	db__stop_checkpointer(d);
	db_store__close(d->store);
	d->store = NULL;
	free(d->in.buf);
	free(d->out.buf);
	d->in = d->out = (struct qbuf){ 0 };
}

static uint64_t sink_db__losses(const struct sink *s, char *what, size_t n)
{
	struct db_sink *d = s->priv;
	uint64_t lost;

	pthread_mutex_lock(&d->lock);
	lost = d->lost;
	pthread_mutex_unlock(&d->lock);
	if (n && lost)
		snprintf(what, n, "db %" PRIu64, lost);
	else if (n)
		what[0] = '\0';
	return lost;
}

const struct sink_ops sink_db_ops = {
	.name = "db",
	.open = sink_db__open,
	.write = sink_db__write,
	.flush = sink_db__flush,
	.close = sink_db__close,
	.losses = sink_db__losses,
};
