// SPDX-License-Identifier: GPL-2.0-only
/* FILE records: notifications per file and process over a window (see file_agg.h). */
#define _GNU_SOURCE /* O_PATH, MAX_HANDLE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include "file_agg.h"
#include "file_hash.h"
#include "log.h"
#include "proc.h"
#include "timeconv.h"

#define FILE_BUCKETS 4096

struct file_rec {
	pid_t pid;
	uint64_t proc_start_ns;
	uint32_t fsid[2];
	int32_t htype;
	uint32_t hbytes;
	unsigned char handle[MAX_HANDLE_SZ];
	char *path, *old_path;
	bool is_dir, deleted, has_stat;
	struct stat st;
	uint32_t counts[FILE__N];
	uint64_t first_ns, last_ns; /* realtime */
	uint64_t first_mono, last_mono;
	struct file_rec *next;
	struct file_rec *inext; /* in ibuckets, by process and inode (indexed: it is there) */
	bool indexed, has_gen;
	uint64_t ino, dev; /* its identity for opens (ident__of) */
	uint32_t gen;
};

/*
 * An open for writing not yet matched to a record: fanotify's notifications
 * for the file may come a moment after the open's, or never (a file held
 * open and not yet written). Resolved by the process's descriptor when none
 * came within FILE_OPEN_WAIT_NS.
 */
struct open_pending {
	pid_t pid;
	int fd;
	uint64_t ino, dev;
	uint32_t gen, n;
	uint64_t real, mono;
	struct open_pending *next;
};

#define FILE_OPEN_WAIT_NS (500000000ull)
#define FILE_OPENS_PENDING_MAX 4096

static uint64_t clock__ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned int rec__hash(pid_t pid, const uint32_t fsid[2], const unsigned char *h,
			      uint32_t n)
{
	uint32_t x = 2166136261u ^ (uint32_t)pid ^ fsid[0] ^ fsid[1];

	for (uint32_t i = 0; i < n; i++)
		x = (x ^ h[i]) * 16777619u;
	return x % FILE_BUCKETS;
}

/*
 * Records and waiting opens by process and file. The generation is hashed in
 * where the filesystem's handles give it: a loop that creates and deletes a
 * file gets one inode number again and again, and its records would
 * otherwise share one chain.
 */
static unsigned int ino__hash(pid_t pid, uint64_t ino, uint64_t dev, bool use_gen, uint32_t gen)
{
	uint64_t x = ((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ull) ^ ino ^ (dev << 17);

	if (use_gen)
		x ^= (uint64_t)gen * 0xff51afd7ed558ccdull;

	return (unsigned int)((x ^ (x >> 29)) % FILE_BUCKETS);
}

static void file__open(void *ctx, const struct wf_file_open *e);

int file_tracker__open(struct file_tracker *ft, const struct config *cfg,
		       const struct proc_tracker *procs, bool all_scope, struct event_out *out)
{
	memset(ft, 0, sizeof(*ft));
	ft->mon.fd = ft->mon.mounts_fd = -1;
	ft->cfg = cfg;
	ft->procs = procs;
	ft->out = out;
	ft->self = getpid();
	ft->all_scope = all_scope;
	ft->buckets = calloc(FILE_BUCKETS, sizeof(*ft->buckets));
	ft->ibuckets = calloc(FILE_BUCKETS, sizeof(*ft->ibuckets));
	ft->pending = calloc(FILE_BUCKETS, sizeof(*ft->pending));
	if (!ft->buckets || !ft->ibuckets || !ft->pending)
		return -1;
	if (fsmon__open(&ft->mon, cfg->file_writes))
		return -1;
	/* Without it, --files still reports the rest: said once, at start. */
	ft->opens_on = !file_opens__start(&ft->opens, file__open, ft);
	return 0;
}

/* The object's own handle keys its record; without one, the directory's and the name. */
static const struct fs_handle *note__key(const struct fs_note *n)
{
	if (n->has_obj)
		return &n->obj;
	if (n->has_new)
		return &n->new_dir;
	return n->has_dir ? &n->dir : NULL;
}

static struct file_rec *rec__find(struct file_tracker *ft, pid_t pid, const uint32_t fsid[2],
				  const struct fs_handle *h, unsigned int *b)
{
	*b = rec__hash(pid, fsid, h->f_handle, h->bytes);
	for (struct file_rec *r = ft->buckets[*b]; r; r = r->next)
		if (r->pid == pid && r->hbytes == h->bytes && r->htype == h->type &&
		    !memcmp(r->fsid, fsid, 8) && !memcmp(r->handle, h->f_handle, h->bytes))
			return r;
	return NULL;
}

/*
 * A record's file as opens name it: inode, device and, where the handle
 * shows it, the inode's generation (an inode number freed by a deletion and
 * given to a new file at once is another file). The handle of ext2/3/4 and
 * xfs holds the inode and generation (8 bytes), tmpfs's the generation and a
 * 64-bit inode (12 bytes): a file deleted before whoflow could stat it is
 * still known by it. Checked against stat when there is one.
 */
static bool ident__of(struct file_tracker *ft, struct file_rec *r)
{
	uint32_t w[3];

	r->has_gen = false;
	if (r->htype == 1 && (r->hbytes == 8 || r->hbytes == 12)) {
		memcpy(w, r->handle, r->hbytes);
		r->has_gen = true;
		r->gen = r->hbytes == 8 ? w[1] : w[0];
		r->ino = r->hbytes == 8 ? w[0] : (w[1] | (uint64_t)w[2] << 32);
		r->dev = fsmon__dev_of(&ft->mon, r->fsid);
		if (r->has_stat && (r->st.st_ino != r->ino || r->st.st_dev != r->dev))
			r->has_gen = false; /* another layout: stat says */
		else if (r->dev)
			return true;
	}
	if (!r->has_stat)
		return false;
	r->has_gen = false;
	r->ino = r->st.st_ino;
	r->dev = r->st.st_dev;
	return true;
}

static bool ident__same(const struct file_rec *r, pid_t pid, uint64_t ino, uint64_t dev,
			uint32_t gen)
{
	return r->pid == pid && r->ino == ino && r->dev == dev && (!r->has_gen || r->gen == gen);
}

static struct file_rec *rec__by_ino(struct file_tracker *ft, pid_t pid, uint64_t ino,
				    uint64_t dev, bool use_gen, uint32_t gen)
{
	for (struct file_rec *r = ft->ibuckets[ino__hash(pid, ino, dev, use_gen, gen)]; r;
	     r = r->inext)
		if (ident__same(r, pid, ino, dev, gen))
			return r;
	return NULL;
}

static void rec__index(struct file_tracker *ft, struct file_rec *r)
{
	unsigned int b;

	if (r->indexed || !ident__of(ft, r))
		return;
	b = ino__hash(r->pid, r->ino, r->dev, r->has_gen, r->gen);
	r->inext = ft->ibuckets[b];
	ft->ibuckets[b] = r;
	r->indexed = true;
}

static void rec__unindex(struct file_tracker *ft, struct file_rec *r)
{
	struct file_rec **pp;

	if (!r->indexed)
		return;
	pp = &ft->ibuckets[ino__hash(r->pid, r->ino, r->dev, r->has_gen, r->gen)];
	while (*pp && *pp != r)
		pp = &(*pp)->inext;
	if (*pp)
		*pp = r->inext;
	r->indexed = false;
}

static void rec__stat(struct file_tracker *ft, struct file_rec *r)
{
	struct fs_handle h = { .bytes = r->hbytes, .type = r->htype, .f_handle = r->handle };
	int fd = fsmon__open_obj(&ft->mon, r->fsid, &h, O_PATH);

	if (fd < 0)
		return;
	if (!fstat(fd, &r->st))
		r->has_stat = true;
	close(fd);
}

static void rec__set_path(char **dst, const char *path)
{
	if (!path)
		return;
	free(*dst);
	*dst = strdup(path);
}

/* The names this notification gives: the path now, and the one before a rename. */
static void rec__names(struct file_tracker *ft, struct file_rec *r, const struct fs_note *n)
{
	char path[PATH_MAX];

	if (n->has_new && n->has_old) {
		if (!r->old_path && !fsmon__path(&ft->mon, n->fsid, &n->old_dir, n->old_name, path,
						 sizeof(path)))
			rec__set_path(&r->old_path, path);
		if (!fsmon__path(&ft->mon, n->fsid, &n->new_dir, n->new_name, path, sizeof(path)))
			rec__set_path(&r->path, path);
		return;
	}
	if (r->path)
		return;
	if (n->has_dir && !fsmon__path(&ft->mon, n->fsid, &n->dir, n->name, path, sizeof(path)))
		rec__set_path(&r->path, path);
	else if (n->has_obj && !fsmon__path(&ft->mon, n->fsid, &n->obj, NULL, path, sizeof(path)))
		rec__set_path(&r->path, path);
}

static void rec__count(struct file_rec *r, uint64_t mask, uint64_t real, uint64_t mono)
{
	static const struct {
		uint64_t bit;
		enum file_action a;
	} bits[] = { { FAN_CREATE, FILE_CREATE },	  { FAN_MODIFY, FILE_MODIFY },
		     { FAN_CLOSE_WRITE, FILE_CLOSE_WRITE }, { FAN_DELETE, FILE_DELETE },
		     { FAN_RENAME, FILE_RENAME },	  { FAN_ATTRIB, FILE_ATTRIB } };

	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (mask & bits[i].bit)
			r->counts[bits[i].a]++;
	if (mask & FAN_ONDIR)
		r->is_dir = true;
	if (mask & FAN_DELETE)
		r->deleted = true;
	else if (mask & FAN_CREATE)
		r->deleted = false; /* the name made again */
	if (!r->first_ns) {
		r->first_ns = real;
		r->first_mono = mono;
	}
	r->last_ns = real;
	r->last_mono = mono;
}

static void rec__free(struct file_rec *r)
{
	free(r->path);
	free(r->old_path);
	free(r);
}

static void rec__hash_content(struct file_tracker *ft, struct file_rec *r, struct file_view *v)
{
	struct fs_handle h = { .bytes = r->hbytes, .type = r->htype, .f_handle = r->handle };
	int fd;

	if (!ft->cfg->hash_files || r->is_dir || !r->counts[FILE_CLOSE_WRITE])
		return;
	if (r->deleted) {
		v->hash_skipped = "deleted";
	} else if ((fd = fsmon__open_obj(&ft->mon, r->fsid, &h, O_RDONLY)) < 0) {
		/* Stale: removed since, by another process (this one's record would say so). */
		v->hash_skipped = errno == ESTALE || errno == ENOENT ? "gone" : "unreadable";
	} else {
		v->hash_skipped = file_hash__fd(fd, ft->cfg->hash_max_bytes, v->md5, v->sha256);
		close(fd);
	}
	if (v->hash_skipped)
		ft->hash_skipped++;
	else
		ft->hashed++;
}

/* One record out as a FILE event. */
static void rec__emit(struct file_tracker *ft, struct file_rec *r)
{
	struct file_view v = { .pid = r->pid, .proc_start_ns = r->proc_start_ns };
	struct event ev = { .kind = EVENT_FILE, .file = &v };

	if (!r->deleted)
		rec__stat(ft, r); /* its size after */
	v.path = r->path ? r->path : "";
	v.old_path = r->old_path;
	v.is_dir = r->is_dir;
	v.deleted = r->deleted;
	memcpy(v.counts, r->counts, sizeof(v.counts));
	v.first_ns = r->first_ns;
	v.last_ns = r->last_ns;
	timeconv__rfc3339(r->first_ns, v.first_ts, sizeof(v.first_ts));
	if (r->has_stat) {
		v.has_stat = true;
		v.inode = r->st.st_ino;
		v.dev = r->st.st_dev;
		v.size = r->st.st_size;
		v.mode = r->st.st_mode;
		v.uid = r->st.st_uid;
		v.gid = r->st.st_gid;
	}
	rec__hash_content(ft, r, &v);
	v.id_bytes = (const char *)r->handle;
	v.id_len = r->hbytes;
	ft->reported++;
	event__emit(ft->out, &ev);
}

/*
 * The actor, as the process table knows it now (a process that exits at once
 * is kept a while). Notifications left out are counted (out_of_scope); opens
 * (count false) are not: the tracepoint sees the whole host's.
 */
static bool note__actor(struct file_tracker *ft, pid_t pid, uint64_t *start_ns, bool count)
{
	const struct proc_info *p;
	bool reused;

	if (pid == ft->self)
		return false; /* whoflow's own files (--log-dir, --db) */
	p = ft->procs ? proc_tracker__lookup(ft->procs, pid, 0, &reused) : NULL;
	*start_ns = p ? p->start_ns : 0;
	if (!p && !ft->all_scope) {
		ft->out_of_scope += count;
		return false;
	}
	return true;
}

/* A record for this file and process, not in the table yet. */
static struct file_rec *rec__new(pid_t pid, uint64_t start, const uint32_t fsid[2],
				 const struct fs_handle *key)
{
	struct file_rec *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pid = pid;
	r->proc_start_ns = start;
	memcpy(r->fsid, fsid, 8);
	r->htype = key->type;
	r->hbytes = key->bytes;
	memcpy(r->handle, key->f_handle, key->bytes);
	return r;
}

static void rec__insert(struct file_tracker *ft, struct file_rec *r, unsigned int b)
{
	r->next = ft->buckets[b];
	ft->buckets[b] = r;
	ft->nrecs++;
	rec__index(ft, r);
}

static void rec__count_opens(struct file_rec *r, uint32_t n, uint64_t real, uint64_t mono)
{
	r->counts[FILE_OPEN_WRITE] += n;
	if (!r->first_ns || real < r->first_ns) {
		r->first_ns = real;
		r->first_mono = mono;
	}
	if (real > r->last_ns) {
		r->last_ns = real;
		r->last_mono = mono;
	}
}

/* The opens that waited for this record (same process, same file). */
static void rec__take_opens(struct file_tracker *ft, struct file_rec *r)
{
	struct open_pending **pp;

	if (!r->indexed)
		return;
	pp = &ft->pending[ino__hash(r->pid, r->ino, r->dev, r->has_gen, r->gen)];
	while (*pp) {
		struct open_pending *p = *pp;

		if (!ident__same(r, p->pid, p->ino, p->dev, p->gen)) {
			pp = &p->next;
			continue;
		}
		rec__count_opens(r, p->n, p->real, p->mono);
		ft->opens_matched += p->n;
		*pp = p->next;
		ft->npending--;
		free(p);
	}
}

static void file__note(void *ctx, const struct fs_note *n)
{
	struct file_tracker *ft = ctx;
	const struct fs_handle *key = note__key(n);
	uint64_t real = clock__ns(CLOCK_REALTIME), mono = clock__ns(CLOCK_MONOTONIC);
	uint64_t start;
	struct file_rec *r;
	unsigned int b;
	bool keep;

	ft->notes++;
	if (!key || key->bytes > MAX_HANDLE_SZ || !note__actor(ft, n->pid, &start, true))
		return;
	r = rec__find(ft, n->pid, n->fsid, key, &b);
	keep = !ft->cfg->files_all && (r || ft->nrecs < FILE_RECS_MAX);
	if (!r) {
		if (!(r = rec__new(n->pid, start, n->fsid, key)))
			return;
		if (!(n->mask & FAN_DELETE))
			rec__stat(ft, r); /* its identity while it is there */
		if (keep)
			rec__insert(ft, r, b);
		else if (!ft->cfg->files_all)
			ft->unaggregated++; /* the table is full: reported on its own */
		if (keep && ft->npending)
			rec__take_opens(ft, r);
	}
	rec__names(ft, r, n);
	rec__count(r, n->mask, real, mono);
	if (!keep) {
		rec__emit(ft, r);
		rec__free(r);
	}
}

/*
 * An open nothing matched in time: the file as the process's descriptor
 * shows it now, if the descriptor is still that file. Its record then takes
 * fanotify's later notifications as any other.
 */
static bool pend__resolve(struct file_tracker *ft, const struct open_pending *p)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	char link[64], path[PATH_MAX];
	struct fs_handle key;
	struct file_rec *r;
	struct statfs sf;
	struct stat st;
	uint64_t start;
	unsigned int b;
	ssize_t len;
	int mnt;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)p->pid, p->fd);
	if (stat(link, &st) || st.st_ino != p->ino || st.st_dev != p->dev || statfs(link, &sf) ||
	    name_to_handle_at(AT_FDCWD, link, &h.fh, &mnt, AT_SYMLINK_FOLLOW) ||
	    (len = readlink(link, path, sizeof(path) - 1)) <= 0)
		return false;
	path[len] = 0;
	key = (struct fs_handle){ .bytes = h.fh.handle_bytes, .type = h.fh.handle_type,
				  .f_handle = h.fh.f_handle };
	if (!note__actor(ft, p->pid, &start, false))
		return true; /* out of scope now: the process left the table */
	r = rec__find(ft, p->pid, (const uint32_t *)&sf.f_fsid, &key, &b);
	if (!r) {
		if (!(r = rec__new(p->pid, start, (const uint32_t *)&sf.f_fsid, &key)))
			return false;
		r->st = st;
		r->has_stat = true;
		rec__set_path(&r->path, path);
		if (ft->cfg->files_all || ft->nrecs >= FILE_RECS_MAX) {
			rec__count_opens(r, p->n, p->real, p->mono);
			rec__emit(ft, r);
			rec__free(r);
			return true;
		}
		rec__insert(ft, r, b);
	}
	rec__count_opens(r, p->n, p->real, p->mono);
	return true;
}

/* An open for writing, from the tracepoint: counted on its record, or kept a moment for it. */
static void file__open(void *ctx, const struct wf_file_open *e)
{
	struct file_tracker *ft = ctx;
	uint64_t dev = file_opens__dev(e->dev), start;
	uint64_t real = clock__ns(CLOCK_REALTIME), mono = clock__ns(CLOCK_MONOTONIC);
	const struct fsmon_mount *mt = fsmon__by_dev(&ft->mon, dev);
	struct open_pending *p;
	struct file_rec *r;
	unsigned int b;

	if (!mt || !note__actor(ft, (pid_t)e->tgid, &start, false))
		return; /* the notifications of such files are not reported either */
	ft->opens_seen++;
	r = ft->cfg->files_all ? NULL :
				 rec__by_ino(ft, (pid_t)e->tgid, e->ino, dev, mt->gen_handles, e->gen);
	if (r) {
		rec__count_opens(r, 1, real, mono);
		ft->opens_matched++;
		return;
	}
	b = ino__hash((pid_t)e->tgid, e->ino, dev, mt->gen_handles, e->gen);
	for (p = ft->pending[b]; p; p = p->next)
		if (p->pid == (pid_t)e->tgid && p->ino == e->ino && p->dev == dev &&
		    p->gen == e->gen && p->fd == (int)e->fd)
			break;
	if (p) {
		p->n++;
		return;
	}
	if (ft->npending >= FILE_OPENS_PENDING_MAX || !(p = calloc(1, sizeof(*p)))) {
		ft->opens_unresolved++;
		return;
	}
	*p = (struct open_pending){ .pid = (pid_t)e->tgid, .fd = (int)e->fd, .ino = e->ino,
				    .dev = dev, .gen = e->gen, .n = 1, .real = real, .mono = mono,
				    .next = ft->pending[b] };
	ft->pending[b] = p;
	ft->npending++;
}

/* Opens that waited long enough (all: every one) resolved by their descriptors, or counted. */
static void pend__expire_one(struct file_tracker *ft, struct open_pending **pp, uint64_t now,
			     bool all)
{
	while (*pp) {
		struct open_pending *p = *pp;

		if (!all && !ft->cfg->files_all && now - p->mono < FILE_OPEN_WAIT_NS) {
			pp = &p->next;
			continue;
		}
		if (pend__resolve(ft, p))
			ft->opens_resolved += p->n;
		else
			ft->opens_unresolved += p->n;
		*pp = p->next;
		ft->npending--;
		free(p);
	}
}

static void pend__expire(struct file_tracker *ft, uint64_t now, bool all)
{
	for (size_t b = 0; ft->npending && b < FILE_BUCKETS; b++)
		pend__expire_one(ft, &ft->pending[b], now, all);
}

int file_tracker__readable(void *ctx, uint32_t events)
{
	struct file_tracker *ft = ctx;

	/* Opens first: the notifications read next find them waiting. */
	file_opens__read(&ft->opens);
	fsmon__read(&ft->mon, file__note, ft);
	return 0;
}

void file_tracker__flush(struct file_tracker *ft, bool all)
{
	uint64_t now = clock__ns(CLOCK_MONOTONIC);

	/* Filesystems mounted since start (a container's volume, a USB disk): watched from now. */
	if (!all)
		fsmon__rescan(&ft->mon);
	pend__expire(ft, now, all);
	for (size_t i = 0; ft->buckets && i < FILE_BUCKETS; i++) {
		struct file_rec **pp = &ft->buckets[i];

		while (*pp) {
			struct file_rec *r = *pp;

			if (!all && now - r->last_mono < FILE_IDLE_NS &&
			    now - r->first_mono < FILE_SPAN_NS) {
				pp = &r->next;
				continue;
			}
			*pp = r->next;
			ft->nrecs--;
			rec__unindex(ft, r);
			rec__emit(ft, r);
			rec__free(r);
		}
	}
}

void file_tracker__close(struct file_tracker *ft)
{
	for (size_t b = 0; ft->pending && b < FILE_BUCKETS; b++)
		while (ft->pending[b]) {
			struct open_pending *p = ft->pending[b];

			ft->pending[b] = p->next;
			free(p);
		}
	free(ft->pending);
	ft->pending = NULL;
	ft->npending = 0;
	file_opens__stop(&ft->opens);
	free(ft->ibuckets);
	ft->ibuckets = NULL;
	if (ft->buckets) {
		for (size_t i = 0; i < FILE_BUCKETS; i++)
			while (ft->buckets[i]) {
				struct file_rec *r = ft->buckets[i];

				ft->buckets[i] = r->next;
				rec__free(r);
			}
		free(ft->buckets);
		ft->buckets = NULL;
	}
	fsmon__close(&ft->mon);
}
