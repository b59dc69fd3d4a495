// SPDX-License-Identifier: GPL-2.0-only
/* FILE records: notifications per file and process over a window (see file_agg.h). */
#define _GNU_SOURCE /* O_PATH, MAX_HANDLE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
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
};

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

int file_tracker__open(struct file_tracker *ft, const struct config *cfg,
		       const struct proc_tracker *procs, bool all_scope, struct event_out *out)
{
	memset(ft, 0, sizeof(*ft));
	ft->mon.fd = -1;
	ft->cfg = cfg;
	ft->procs = procs;
	ft->out = out;
	ft->self = getpid();
	ft->all_scope = all_scope;
	ft->buckets = calloc(FILE_BUCKETS, sizeof(*ft->buckets));
	if (!ft->buckets)
		return -1;
	return fsmon__open(&ft->mon, cfg->file_writes);
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

/* The actor, as the process table knows it now (a process that exits at once is kept a while). */
static bool note__actor(struct file_tracker *ft, pid_t pid, uint64_t *start_ns)
{
	const struct proc_info *p;
	bool reused;

	if (pid == ft->self)
		return false; /* whoflow's own files (--log-dir, --db) */
	p = ft->procs ? proc_tracker__lookup(ft->procs, pid, 0, &reused) : NULL;
	*start_ns = p ? p->start_ns : 0;
	if (!p && !ft->all_scope) {
		ft->out_of_scope++;
		return false;
	}
	return true;
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
	if (!key || key->bytes > MAX_HANDLE_SZ || !note__actor(ft, n->pid, &start))
		return;
	r = rec__find(ft, n->pid, n->fsid, key, &b);
	keep = !ft->cfg->files_all && (r || ft->nrecs < FILE_RECS_MAX);
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return;
		r->pid = n->pid;
		r->proc_start_ns = start;
		memcpy(r->fsid, n->fsid, 8);
		r->htype = key->type;
		r->hbytes = key->bytes;
		memcpy(r->handle, key->f_handle, key->bytes);
		if (!(n->mask & FAN_DELETE))
			rec__stat(ft, r); /* its identity while it is there */
		if (keep) {
			r->next = ft->buckets[b];
			ft->buckets[b] = r;
			ft->nrecs++;
		} else if (!ft->cfg->files_all) {
			ft->unaggregated++; /* the table is full: reported on its own */
		}
	}
	rec__names(ft, r, n);
	rec__count(r, n->mask, real, mono);
	if (!keep) {
		rec__emit(ft, r);
		rec__free(r);
	}
}

int file_tracker__readable(void *ctx, uint32_t events)
{
	struct file_tracker *ft = ctx;

	fsmon__read(&ft->mon, file__note, ft);
	return 0;
}

void file_tracker__flush(struct file_tracker *ft, bool all)
{
	uint64_t now = clock__ns(CLOCK_MONOTONIC);

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
			rec__emit(ft, r);
			rec__free(r);
		}
	}
}

void file_tracker__close(struct file_tracker *ft)
{
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
