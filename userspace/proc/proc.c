// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "digest.h"
#include "cgroup_path.h"
#include "config.h"
#include "filter.h"
#include "hash.h"
#include "log.h"
#include "loop.h"
#include "event.h"
#include "proc.h"
#include "percpu.h"
#include "event_id.h"
#include "proc.skel.h"
#include "timeconv.h"

static void tracker__read_boot_id(struct proc_tracker *t)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (!f || !fgets(t->boot_id, sizeof(t->boot_id), f))
		snprintf(t->boot_id, sizeof(t->boot_id), "unknown");
	t->boot_id[strcspn(t->boot_id, "\n")] = '\0';
	if (f)
		fclose(f);
	event_id__seed(t->boot_id);
}

/* Stable across pid reuse: the same (boot, pid, start tick) is the same process. */
static void info__entity_id(const struct proc_tracker *t, struct proc_info *p)
{
	unsigned char md[32] = { 0 };
	unsigned long long ticks = p->start_ns / (1000000000ull / timeconv__ticks_per_sec());
	char in[96];
	int len = snprintf(in, sizeof(in), "%s:%d:%llu", t->boot_id, p->pid, ticks);

	digest__once(DIGEST_SHA256, in, len, md);
	hex__encode(md, 16, p->entity_id);
}

/*
 * Leaves the verdict of -w's process selectors on p's current image where the
 * classifiers look it up: its packets are then judged in the kernel, and only
 * selected ones copied. Until then they are copied and judged here.
 */
static void tracker__judge(struct proc_tracker *t, const struct proc_info *p)
{
	struct wf_proc_image key = { .tgid = p->pid, .gen = p->exec_gen };
	struct wf_proc_verdict v = { .start_ns = p->start_ns, .cgroup_id = p->cgroup_id };

	if (!t->judge_images)
		return;
	v.selected = filter__match(&t->cfg->filter, p, false, 0);
	/* If the kernel refuses it, the packets stay undecided: copied and judged here. */
	bpf_map_update_elem(bpf_map__fd(t->skel->maps.proc_verdicts), &key, &v, BPF_ANY);
}

void proc_tracker__judge_all(struct proc_tracker *t)
{
	struct proc_info *p;
	size_t i;

	proc_table__for_each(&t->table, p, i)
		tracker__judge(t, p);
}

void proc_tracker__judge_container(struct proc_tracker *t, const char *id)
{
	struct proc_info *p;
	size_t i;

	if (!t->judge_images)
		return;
	proc_table__for_each(&t->table, p, i)
		if (!strcmp(proc_info__container(p)->id, id))
			tracker__judge(t, p);
}

int proc_tracker__gen_fd(const struct proc_tracker *t)
{
	return t->judge_images ? bpf_map__fd(t->skel->maps.proc_gen) : -1;
}

int proc_tracker__verdicts_fd(const struct proc_tracker *t)
{
	return t->judge_images ? bpf_map__fd(t->skel->maps.proc_verdicts) : -1;
}

/* A forgotten process's generation goes too, unless its pid lives again (whose
 * fork reset it in the kernel already). */
static void tracker__forget_image(struct proc_tracker *t, pid_t pid)
{
	__u32 key = pid;

	if (t->judge_images && !proc_table__find(&t->table, pid))
		bpf_map_delete_elem(bpf_map__fd(t->skel->maps.proc_gen), &key);
}

void proc_tracker__expire(struct proc_tracker *t, uint64_t now_ns)
{
	struct proc_info *p, *next;

	if (t->keep)
		binkeep__sync(t->keep); /* index.json, once a second at most */
	for (size_t i = 0; i < t->exited.nbuckets; i++)
		for (p = t->exited.buckets[i]; p; p = next) {
			next = p->next;
			if (p->exit_ns + PROC_EXITED_KEEP_NS < now_ns) {
				tracker__forget_image(t, p->pid);
				proc_table__remove(&t->exited, p->pid);
			}
		}
}

/* Processes differ when their start times do (the table's may be in clock ticks). */
static bool start__same(uint64_t a, uint64_t b)
{
	return !a || !b || (a > b ? a - b : b - a) < 20000000ull;
}

const struct proc_info *proc_tracker__lookup(const struct proc_tracker *t, pid_t pid,
					     uint64_t start_ns, bool *reused)
{
	const struct proc_info *p = proc_table__find(&t->table, pid);

	*reused = false;
	if (p && start__same(p->start_ns, start_ns))
		return p;
	if (p)
		*reused = true;
	p = proc_table__find(&t->exited, pid);
	if (p && start__same(p->start_ns, start_ns)) {
		*reused = false;
		return p;
	}
	if (p)
		*reused = true;
	return NULL;
}

const struct proc_info *proc_tracker__parent(const struct proc_tracker *t,
					     const struct proc_info *p)
{
	const struct proc_info *q = proc_table__find(&t->table, p->ppid);

	if (!q || q->start_ns > p->start_ns)
		q = proc_table__find(&t->exited, p->ppid);
	return q && q != p && q->start_ns <= p->start_ns ? q : NULL;
}

bool proc_tracker__in_scope(const struct proc_tracker *t, const char *path)
{
	size_t n = strlen(t->scope_path);

	if (!strcmp(t->scope_path, "/"))
		return true;
	return path && !strncmp(path, t->scope_path, n) && (path[n] == '\0' || path[n] == '/');
}

void proc_tracker__derive(struct proc_tracker *t, struct proc_info *p)
{
	const char *cg = cgroup_path__lookup(p->cgroup_id);

	if (cg && (!p->cgroup_path || strcmp(cg, p->cgroup_path)))
		proc_info__set_str(&p->cgroup_path, cg);
	if (p->cgroup_path) {
		struct container c;

		container__from_cgroup_path(p->cgroup_path, &c);
		proc_info__set_container(p, &c);
	}
	info__entity_id(t, p);
}

static void info__from_hdr(struct proc_tracker *t, struct proc_info *p,
			   const struct proc_event_hdr *h)
{
	p->tid = h->tid;
	p->ppid = h->ppid;
	p->start_ns = h->start_ns;
	p->cgroup_id = h->cgroup_id;
	p->exec_gen = h->exec_gen;
	p->uid = h->uid;
	p->gid = h->gid;
	memcpy(p->comm, h->comm, sizeof(p->comm));
	memcpy(p->pcomm, h->pcomm, sizeof(p->pcomm));
	p->comm[sizeof(p->comm) - 1] = p->pcomm[sizeof(p->pcomm) - 1] = '\0';
	proc_tracker__derive(t, p);
}

static char *path__readlink(const char *fmt, pid_t pid)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), fmt, pid);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/*
 * The image comes from the kernel (bprm->interp), so it cannot race with a
 * later exec. The cwd is read from /proc while the process lives; a process
 * already gone keeps the cwd it inherited (unless it changed it and exited).
 */
static void exec__image(struct proc_info *p, const struct proc_exec_event *e)
{
	char *cwd = path__readlink("/proc/%d/cwd", p->pid);
	char filename[WF_PROC_PATH_LEN + 1];

	if (cwd) {
		free(p->cwd);
		p->cwd = cwd;
	}
	memcpy(filename, e->filename, WF_PROC_PATH_LEN);
	filename[WF_PROC_PATH_LEN] = '\0';
	if (filename[0] == '/' || !p->cwd) {
		proc_info__set_str(&p->exe, filename);
	} else {
		char *abs = NULL;

		if (asprintf(&abs, "%s/%s", strcmp(p->cwd, "/") ? p->cwd : "", filename) > 0) {
			free(p->exe);
			p->exe = abs;
		}
	}
}

/*
 * An image exec'd through a process's link or a descriptor (/proc/self/exe, as
 * chromium and runc start their children; /dev/fd/N, fexecve) has a name that
 * says nothing: it is named by the file it is, read from /proc/PID/exe while
 * the process still runs that very image (its inode and device from the exec
 * record); otherwise the name stays as the kernel gave it.
 */
static void exec__resolve_link(struct proc_info *p)
{
	char link[40];
	struct stat st;
	char *real;

	if (!p->exe || (strncmp(p->exe, "/proc/", 6) && strncmp(p->exe, "/dev/fd/", 8)))
		return;
	snprintf(link, sizeof(link), "/proc/%d/exe", p->pid);
	if (stat(link, &st) ||
	    (p->image_ino && (st.st_ino != p->image_ino || st.st_dev != p->image_dev)))
		return;
	real = path__readlink("/proc/%d/exe", p->pid);
	if (real && real[0] == '/') {
		free(p->exe);
		p->exe = real;
	} else {
		free(real);
	}
}

static void tracker__emit(struct proc_tracker *t, struct proc_info *p, enum proc_view_kind kind,
			  uint64_t ts, __u32 bpf_kind)
{
	struct event ev = { .kind = EVENT_PROC, .proc_info = p, .proc_kind = kind, .proc_ts = ts };

	event__emit(t->out, &ev);
	t->printed[bpf_kind]++;
}

static void tracker__on_exec(struct proc_tracker *t, const struct proc_exec_event *e, size_t len)
{
	const struct proc_event_hdr *h = &e->hdr;
	struct proc_info *p = proc_table__get(&t->table, h->pid);
	struct proc_info *parent = proc_table__find(&t->table, h->ppid);
	size_t data_len = e->data_len;

	if (!p)
		return;
	if (data_len > len - offsetof(struct proc_exec_event, data))
		data_len = len - offsetof(struct proc_exec_event, data);
	if (!p->cwd && parent && parent->cwd)
		proc_info__set_str(&p->cwd, parent->cwd);
	info__from_hdr(t, p, h);
	proc_info__set_bytes(&p->args, &p->args_len, e->data, data_len);
	proc_info__forget_cmdline(p);
	p->args_truncated = e->flags & WF_PROC_EXEC_TRUNCATED;
	/* The ENV record is sent just before its EXEC with the same timestamp. */
	if (p->env && p->env_ts != h->ts_ns)
		proc_info__set_bytes(&p->env, &p->env_len, NULL, 0);
	exec__image(p, e);
	p->image_ino = e->image_ino;
	/* The kernel's dev_t: 12 bits of major above 20 of minor. */
	p->image_dev = makedev(e->image_dev >> 20, e->image_dev & 0xfffff);
	exec__resolve_link(p);
	p->md5[0] = '\0';
	/* Now, while the process most likely still runs its image: it may delete it at once. */
	p->bin_status = t->keep ? binkeep__exec(t->keep, p) : BIN_NONE;
	p->source = PROC_SOURCE_EXEC;
	p->in_tree = p->in_tree || filter__in_tree(&t->cfg->filter, p->pid, parent);
	tracker__judge(t, p);
	tracker__emit(t, p, PROC_VIEW_EXEC, h->ts_ns, WF_PROC_EVENT_EXEC);
}

static void tracker__on_env(struct proc_tracker *t, const struct proc_exec_event *e, size_t len)
{
	struct proc_info *p = proc_table__get(&t->table, e->hdr.pid);
	size_t data_len = e->data_len;

	if (!p)
		return;
	if (data_len > len - offsetof(struct proc_exec_event, data))
		data_len = len - offsetof(struct proc_exec_event, data);
	proc_info__set_bytes(&p->env, &p->env_len, e->data, data_len);
	p->env_truncated = e->flags & WF_PROC_EXEC_TRUNCATED;
	p->env_ts = e->hdr.ts_ns;
}

static void tracker__on_fork(struct proc_tracker *t, const struct proc_event_hdr *h)
{
	struct proc_info *c = proc_table__get(&t->table, h->pid);
	struct proc_info *parent = proc_table__find(&t->table, h->ppid);

	if (!c)
		return;
	if (parent) {
		proc_info__inherit(c, parent);
		proc_info__set_bytes(&c->env, &c->env_len, parent->env, parent->env_len);
	}
	info__from_hdr(t, c, h);
	c->source = PROC_SOURCE_FORK;
	c->bin_status = BIN_NONE;
	c->in_tree = filter__in_tree(&t->cfg->filter, c->pid, parent);
	tracker__judge(t, c);
	if (t->cfg->show_forks)
		tracker__emit(t, c, PROC_VIEW_FORK, h->ts_ns, WF_PROC_EVENT_FORK);
}

static void tracker__on_exit(struct proc_tracker *t, const struct proc_exit_event *e)
{
	const struct proc_event_hdr *h = &e->hdr;
	struct proc_info *p = proc_table__find(&t->table, h->pid);

	if (!p) {
		/* Never seen: it ran before we started and /proc no longer had it. */
		p = proc_table__get(&t->table, h->pid);
		if (!p)
			return;
		p->source = PROC_SOURCE_EXIT_ONLY;
		p->in_tree = filter__in_tree(&t->cfg->filter, p->pid,
					     proc_table__find(&t->table, h->ppid));
	}
	/* Reparenting, prctl(PR_SET_NAME) and cgroup moves since exec show up here. */
	info__from_hdr(t, p, h);
	p->exit_status = e->exit_status;
	p->exit_ns = h->ts_ns;
	p->exited = true;
	tracker__emit(t, p, PROC_VIEW_EXIT, h->ts_ns, WF_PROC_EVENT_EXIT);
	/* Packets it sent may still be queued, and replies still on their way. */
	proc_table__put(&t->exited, proc_table__unlink(&t->table, h->pid));
}

static bool tracker__limit_reached(const struct proc_tracker *t)
{
	return event__done(t->out);
}

static int tracker__on_record(void *ctx, void *data, size_t len)
{
	struct proc_tracker *t = ctx;
	const struct proc_event_hdr *h = data;

	if (tracker__limit_reached(t))
		return -ECANCELED;
	if (len < sizeof(*h) || h->kind > WF_PROC_EVENT_ENV)
		return 0;
	t->seen[h->kind]++;
	if ((h->kind == WF_PROC_EVENT_EXEC || h->kind == WF_PROC_EVENT_ENV) &&
	    len >= offsetof(struct proc_exec_event, data)) {
		if (h->kind == WF_PROC_EVENT_EXEC)
			tracker__on_exec(t, data, len);
		else
			tracker__on_env(t, data, len);
	} else if (h->kind == WF_PROC_EVENT_FORK) {
		tracker__on_fork(t, h);
	} else if (h->kind == WF_PROC_EVENT_EXIT && len >= sizeof(struct proc_exit_event)) {
		tracker__on_exit(t, data);
	}
	return tracker__limit_reached(t) ? -ECANCELED : 0;
}

static int tracker__configure(struct proc_tracker *t)
{
	struct proc_bpf *s = t->skel;

	s->rodata->scope_enabled = t->scope_fd >= 0;
	s->rodata->want_env = t->cfg->env;
	s->rodata->track_images = t->judge_images;
	if (!t->judge_images) { /* kernel memory for nothing otherwise */
		bpf_map__set_max_entries(s->maps.proc_gen, 1);
		bpf_map__set_max_entries(s->maps.proc_verdicts, 1);
	}
	return bpf_map__set_max_entries(s->maps.proc_events, config__ring_bytes(t->cfg, RING_PROC_KIB));
}

static int tracker__open_scope(struct proc_tracker *t)
{
	const char *rel;

	t->scope_fd = -1;
	snprintf(t->scope_path, sizeof(t->scope_path), "/");
	if (!t->cfg->cgroup)
		return 0;
	t->scope_fd = open(t->cfg->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->scope_fd < 0) {
		pr_warn("cannot open --cgroup %s: %m\n", t->cfg->cgroup);
		return -errno;
	}
	rel = cgroup_path__lookup(cgroup_path__id_of(t->cfg->cgroup));
	snprintf(t->scope_path, sizeof(t->scope_path), "%s", rel ? rel : "/");
	return 0;
}

int proc_tracker__load(struct proc_tracker *t, const struct config *cfg, struct event_out *out,
		       const char *cgroup_mount, bool judge_images)
{
	__u32 zero = 0;
	int err;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->out = out;
	t->scope_fd = -1;
	t->judge_images = judge_images;
	snprintf(t->cgroup_mount, sizeof(t->cgroup_mount), "%s", cgroup_mount);
	tracker__read_boot_id(t);
	if (proc_table__init(&t->table) || proc_table__init(&t->exited) ||
	    cgroup_path__init(cgroup_mount))
		return -ENOMEM;
	err = tracker__open_scope(t);
	if (err)
		return err;
	if (cfg->preserve_dir) {
		t->keep = calloc(1, sizeof(*t->keep));
		if (!t->keep || binkeep__open(t->keep, cfg->preserve_dir, cfg->preserve_max_bytes,
					      cfg->preserve_max_file))
			return -EINVAL;
	}
	t->skel = proc_bpf__open();
	if (!t->skel) {
		pr_warn("cannot open the process tracker BPF object: %s\n", strerror(errno));
		return -errno;
	}
	err = tracker__configure(t);
	if (!err)
		err = proc_bpf__load(t->skel);
	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot load the process tracker into the kernel: %s (run with -vv to see "
			"the verifier's log)\n",
			msg);
		return err;
	}
	if (t->scope_fd >= 0 &&
	    bpf_map_update_elem(bpf_map__fd(t->skel->maps.scope_cgroup), &zero, &t->scope_fd, 0)) {
		pr_warn("cannot set the cgroup scope to %s: %m\n", cfg->cgroup);
		return -errno;
	}
	return 0;
}

int proc_tracker__attach(struct proc_tracker *t, struct loop *l)
{
	int err = proc_bpf__attach(t->skel);

	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot attach the exec/fork/exit tracepoints: %s\n", msg);
		return err;
	}
	return loop__add_ring(l, bpf_map__fd(t->skel->maps.proc_events), tracker__on_record, t);
}

void proc_tracker__detach(struct proc_tracker *t)
{
	if (t->skel)
		proc_bpf__detach(t->skel);
}

void proc_tracker__losses(const struct proc_tracker *t, uint64_t out[WF_PROC_LOSS__MAX])
{
	percpu__sum(t->skel ? bpf_map__fd(t->skel->maps.proc_losses) : -1, out, WF_PROC_LOSS__MAX);
}

void proc_tracker__destroy(struct proc_tracker *t)
{
	proc_bpf__destroy(t->skel);
	if (t->scope_fd >= 0)
		close(t->scope_fd);
	proc_table__free(&t->table);
	proc_table__free(&t->exited);
	cgroup_path__free();
	hash__free();
	if (t->keep) {
		binkeep__close(t->keep);
		free(t->keep);
		t->keep = NULL;
	}
	t->skel = NULL;
}
