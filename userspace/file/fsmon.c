// SPDX-License-Identifier: GPL-2.0-only
/* The fanotify group of --files: marks, reads, handles to paths (see fsmon.h). */
#define _GNU_SOURCE /* open_by_handle_at */
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "fsmon.h"
#include "log.h"

/*
 * What a process does to files that whoflow reports. FAN_MODIFY (--file-writes)
 * costs the writer a notification per write(2), merged by the kernel while
 * unread: 0.93x the bare rate of make bench's part 17 against 1.06x without it
 * (docs/performance.md); a close after writing says the same once per open.
 */
#define FSMON_MASK (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_ATTRIB | FAN_CLOSE_WRITE | FAN_ONDIR)

/* Filesystems with no files of their own, or only the kernel's. */
static const char *const pseudo_fs[] = {
	"proc",	      "sysfs",	   "cgroup",	"cgroup2", "devtmpfs", "devpts",     "mqueue",
	"bpf",	      "tracefs",   "debugfs",	"securityfs", "pstore", "configfs",  "fusectl",
	"hugetlbfs",  "autofs",	   "binfmt_misc", "nsfs",  "rpc_pipefs", "efivarfs", "selinuxfs",
	"fuse.gvfsd-fuse", "fuse.portal",
};

static bool fs__pseudo(const char *type)
{
	for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if (!strcmp(type, pseudo_fs[i]))
			return true;
	return false;
}

static bool fsid__same(const uint32_t a[2], const uint32_t b[2])
{
	return a[0] == b[0] && a[1] == b[1];
}

/* Marked already, or refused already: a filesystem is judged once (several mounts share it). */
static bool fsmon__known(const struct fsmon *m, const uint32_t fsid[2])
{
	for (size_t i = 0; i < m->nmounts; i++)
		if (fsid__same(m->mounts[i].fsid, fsid))
			return true;
	for (size_t i = 0; i < m->nrefused; i++)
		if (fsid__same(m->refused[i], fsid))
			return true;
	return false;
}

static void fsmon__refused(struct fsmon *m, const uint32_t fsid[2])
{
	if (m->nrefused == FSMON_MOUNTS_MAX)
		return; /* judged again at the next rescan, not counted again */
	memcpy(m->refused[m->nrefused++], fsid, 8);
	m->mark_failed++;
}

/* Whether the filesystem's handles hold the inode's generation (see file_agg.c, ident__of). */
static bool fsmon__gen_layout(int fd)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int mnt;

	return !name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH) && h.fh.handle_type == 1 &&
	       (h.fh.handle_bytes == 8 || h.fh.handle_bytes == 12);
}

/* Marks the filesystem under point once (several mounts of one filesystem share its fsid). */
static void fsmon__mark(struct fsmon *m, const char *point, uint64_t mask)
{
	struct fsmon_mount *mt = &m->mounts[m->nmounts];
	struct statfs sf;
	struct stat st;
	int fd;

	fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstatfs(fd, &sf)) {
		close(fd);
		return;
	}
	memcpy(mt->fsid, &sf.f_fsid, 8);
	if (fsmon__known(m, mt->fsid)) {
		close(fd);
		return;
	}
	if (m->nmounts == FSMON_MOUNTS_MAX - 1) { /* the last slot stays free: mt is it */
		fsmon__refused(m, mt->fsid); /* counted: its files are not reported */
		close(fd);
		return;
	}
	if (fanotify_mark(m->fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, fd, NULL)) {
		pr_debug("--files: %s cannot be watched: %s\n", point, strerror(errno));
		fsmon__refused(m, mt->fsid);
		close(fd);
		return;
	}
	pr_debug("--files: watching %s\n", point);
	mt->fd = fd;
	mt->point = strdup(point);
	mt->dev = fstat(fd, &st) ? 0 : st.st_dev;
	mt->gen_handles = fsmon__gen_layout(fd);
	m->nmounts++;
}

/* Marks every filesystem mounted now that holds files and is not marked yet. */
static void fsmon__scan(struct fsmon *m)
{
	struct mntent *e;
	FILE *f = setmntent("/proc/self/mounts", "r");

	while (f && (e = getmntent(f)))
		if (!fs__pseudo(e->mnt_type))
			fsmon__mark(m, e->mnt_dir, m->mask);
	if (f)
		endmntent(f);
}

size_t fsmon__rescan(struct fsmon *m)
{
	struct pollfd p = { .fd = m->mounts_fd, .events = POLLPRI };
	size_t before = m->nmounts;

	if (m->mounts_fd < 0 || poll(&p, 1, 0) <= 0 || !(p.revents & (POLLPRI | POLLERR)))
		return 0;
	fsmon__scan(m);
	return m->nmounts - before;
}

int fsmon__open(struct fsmon *m, bool writes)
{
	memset(m, 0, sizeof(*m));
	m->mounts_fd = -1;
	m->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
				      FAN_REPORT_DFID_NAME_TARGET,
			      O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (m->fd < 0) {
		pr_warn("--files: fanotify_init: %s (needs Linux 5.17 or newer and "
			"CAP_SYS_ADMIN)\n",
			strerror(errno));
		return -1;
	}
	m->mask = FSMON_MASK | (writes ? FAN_MODIFY : 0);
	/* Read, then polled: the kernel flags the mount table's changes on it. */
	m->mounts_fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	fsmon__scan(m);
	if (!m->nmounts) {
		pr_warn("--files: no filesystem could be watched\n");
		fsmon__close(m);
		return -1;
	}
	return 0;
}

void fsmon__close(struct fsmon *m)
{
	for (size_t i = 0; i < m->nmounts; i++) {
		close(m->mounts[i].fd);
		free(m->mounts[i].point);
	}
	fsmon__forget_dirs(m);
	if (m->fd >= 0)
		close(m->fd);
	if (m->mounts_fd >= 0)
		close(m->mounts_fd);
	m->fd = m->mounts_fd = -1;
	m->nmounts = 0;
}

struct read_ctx {
	struct fsmon *m;
	void (*fn)(void *ctx, const struct fs_note *n);
	void *ctx;
};

static void fsmon__note(void *arg, const struct fs_note *n)
{
	struct read_ctx *rc = arg;

	if (n->mask & FAN_Q_OVERFLOW) {
		rc->m->overflows++;
		return;
	}
	/* A directory renamed or removed: the paths under it changed. */
	if ((n->mask & FAN_ONDIR) && (n->mask & (FAN_RENAME | FAN_DELETE)))
		fsmon__forget_dirs(rc->m);
	rc->fn(rc->ctx, n);
}

int fsmon__read(struct fsmon *m, void (*fn)(void *ctx, const struct fs_note *n), void *ctx)
{
	static unsigned char buf[1 << 16] __attribute__((aligned(8)));
	struct read_ctx rc = { m, fn, ctx };
	int total = 0;

	for (int i = 0; i < 64; i++) { /* bounded: the loop's other sources get their turn */
		ssize_t n = read(m->fd, buf, sizeof(buf));
		int got;

		if (n <= 0)
			break;
		got = fsnote__parse(buf, (size_t)n, fsmon__note, &rc);
		if (got < 0)
			m->malformed++;
		else
			total += got;
	}
	return total;
}

uint64_t fsmon__dev_of(const struct fsmon *m, const uint32_t fsid[2])
{
	for (size_t i = 0; i < m->nmounts; i++)
		if (fsid__same(m->mounts[i].fsid, fsid))
			return m->mounts[i].dev;
	return 0;
}

const struct fsmon_mount *fsmon__by_dev(const struct fsmon *m, uint64_t dev)
{
	for (size_t i = 0; i < m->nmounts; i++)
		if (m->mounts[i].dev == dev)
			return &m->mounts[i];
	return NULL;
}

static const struct fsmon_mount *fsmon__mount(const struct fsmon *m, const uint32_t fsid[2])
{
	for (size_t i = 0; i < m->nmounts; i++)
		if (fsid__same(m->mounts[i].fsid, fsid))
			return &m->mounts[i];
	return NULL;
}

int fsmon__open_obj(const struct fsmon *m, const uint32_t fsid[2], const struct fs_handle *h,
		    int flags)
{
	const struct fsmon_mount *mt = fsmon__mount(m, fsid);
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} buf;

	if (!mt || h->bytes > MAX_HANDLE_SZ)
		return -1;
	buf.fh.handle_bytes = h->bytes;
	buf.fh.handle_type = h->type;
	memcpy(buf.fh.f_handle, h->f_handle, h->bytes);
	return open_by_handle_at(mt->fd, &buf.fh, flags | O_CLOEXEC);
}

/* The path an open descriptor names; -1 when it was deleted. */
static int fd__path(int fd, char *out, size_t n)
{
	char link[64];
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, out, n - 1);
	if (len <= 0 || (size_t)len >= n - 1)
		return -1;
	out[len] = '\0';
	if (len > 10 && !strcmp(out + len - 10, " (deleted)"))
		return -1;
	return 0;
}

static struct fsmon_dir *dir__slot(struct fsmon *m, const uint32_t fsid[2],
				   const struct fs_handle *h)
{
	uint32_t x = 2166136261u ^ fsid[0] ^ fsid[1];

	for (uint32_t i = 0; i < h->bytes; i++)
		x = (x ^ h->f_handle[i]) * 16777619u;
	return &m->dirs[x % FSMON_DIRS];
}

/* A directory's path, remembered by its handle until a directory is renamed or removed. */
static const char *fsmon__dir(struct fsmon *m, const uint32_t fsid[2], const struct fs_handle *h)
{
	struct fsmon_dir *d = dir__slot(m, fsid, h);
	char path[PATH_MAX];
	int fd;

	if (d->path && d->bytes == h->bytes && fsid__same(d->fsid, fsid) &&
	    !memcmp(d->handle, h->f_handle, h->bytes))
		return d->path;
	if (h->bytes > sizeof(d->handle) || (fd = fsmon__open_obj(m, fsid, h, O_PATH)) < 0)
		return NULL;
	if (fd__path(fd, path, sizeof(path))) {
		close(fd);
		return NULL;
	}
	close(fd);
	free(d->path);
	d->path = strdup(path);
	memcpy(d->fsid, fsid, 8);
	d->bytes = h->bytes;
	memcpy(d->handle, h->f_handle, h->bytes);
	return d->path;
}

int fsmon__path(struct fsmon *m, const uint32_t fsid[2], const struct fs_handle *dir,
		const char *name, char *out, size_t n)
{
	const char *d;
	int fd;

	if (!name) { /* the object itself */
		int rc;

		if ((fd = fsmon__open_obj(m, fsid, dir, O_PATH)) < 0)
			return -1;
		rc = fd__path(fd, out, n);
		close(fd);
		return rc;
	}
	if (!(d = fsmon__dir(m, fsid, dir)))
		return -1;
	return (size_t)snprintf(out, n, "%s%s%s", d, strcmp(d, "/") ? "/" : "", name) < n ? 0 : -1;
}

void fsmon__forget_dirs(struct fsmon *m)
{
	for (size_t i = 0; i < FSMON_DIRS; i++) {
		free(m->dirs[i].path);
		m->dirs[i].path = NULL;
	}
}
