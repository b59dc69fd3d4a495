// SPDX-License-Identifier: GPL-2.0-only
/*
 * The detection stage: the rules of --rules, evaluated on every joined event
 * (before selection: a selector narrows what is printed, not what is
 * watched), their matches handed on as alert events. The directories are
 * watched (inotify): a change reloads the whole set, and the new set replaces
 * the old only when no file of it is broken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include "detect.h"
#include "event_id.h"
#include "json.h"
#include "log.h"
#include "proc_info.h"
#include "sigma_bag.h"

/*
 * The rules as the API lists them (/api/rules), rebuilt at every load: the API
 * answers from its own threads and never touches the set itself.
 */
static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static char *snapshot;
static size_t snapshot_len;
/* Each rule's id and file, for the API's writes (rule_admin.c), under the same lock. */
static struct rule_ref {
	char *id, *file;
} *refs;
static size_t nrefs;
/* The first --rules directory, when it is one ("": none): its .whoflow-disabled counts
 * always; uploads go there when the API may write (writable). */
static char rules_dir[4096];
static bool writable;

struct detect {
	struct sigma_set *set;
	const char *const *dirs;
	size_t ndirs;
	int ifd; /* inotify, -1: none */
	unsigned int disabled; /* rules .whoflow-disabled names */
	uint64_t alerts, reloads, reload_refused;
	bool quiet; /* a reload: say only what changed */
};

/* Why each rule was left out, said once at load. */
static void detect__report(void *ctx, const char *file, int line, const char *title,
			   enum sigma_verdict v, const char *why)
{
	const struct detect *d = ctx;

	if (v == SIGMA_BROKEN)
		pr_warn("rules: %s:%d: %s%sbroken: %s\n", file, line, title ? title : "",
			title ? ": " : "", why);
	else if (v == SIGMA_SKIPPED && !d->quiet)
		/* Rules for other products and services are many in public libraries: counted,
		 * said with -vv. A rule for this host that needs what whoflow lacks: said. */
		log__printf(strstr(why, "logsource") ? LOG_DEBUG : LOG_WARN,
			    "rules: %s:%d: %s: skipped: %s\n", file, line, title ? title : "", why);
}

static void watch__dir(struct detect *d, const char *dir, int depth)
{
	DIR *dh;
	struct dirent *e;

	if (inotify_add_watch(d->ifd, dir,
			      IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO) <
		    0 ||
	    depth >= 16 || !(dh = opendir(dir)))
		return;
	while ((e = readdir(dh))) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			watch__dir(d, path, depth + 1);
	}
	closedir(dh);
}

/* Watches every directory of the set (again after a reload: folders come and go). */
static void detect__watch(struct detect *d)
{
	if (d->ifd < 0)
		d->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ifd < 0) {
		pr_warn("rules: cannot watch the rule directories (%s): rules will not reload\n",
			strerror(errno));
		return;
	}
	for (size_t i = 0; i < d->ndirs; i++)
		watch__dir(d, d->dirs[i], 0);
}

static void snapshot__rule(void *ctx, const struct sigma_rule_info *r, enum sigma_cat cat)
{
	struct json *j = ctx;
	struct rule_ref *nr;

	if (r->id && (nr = realloc(refs, (nrefs + 1) * sizeof(*refs)))) {
		refs = nr;
		refs[nrefs].id = strdup(r->id);
		refs[nrefs].file = strdup(r->file);
		nrefs += refs[nrefs].id && refs[nrefs].file;
	}

	json__obj_open(j, NULL);
	if (r->id)
		json__str(j, "id", r->id);
	json__str(j, "title", r->title);
	if (r->level)
		json__str(j, "level", r->level);
	if (r->status)
		json__str(j, "status", r->status);
	json__str(j, "category", sigma_cat__name(cat));
	json__str(j, "file", r->file);
	json__bool(j, "enabled", !r->disabled);
	json__arr_open(j, "tags");
	for (size_t i = 0; i < r->ntags; i++)
		json__str(j, NULL, r->tags[i]);
	json__arr_close(j);
	json__obj_close(j);
}

static void refs__free(void)
{
	for (size_t i = 0; i < nrefs; i++) {
		free(refs[i].id);
		free(refs[i].file);
	}
	free(refs);
	refs = NULL;
	nrefs = 0;
}

bool detect__rule_file(const char *id, char *file, size_t n)
{
	bool found = false;

	pthread_mutex_lock(&snapshot_lock);
	for (size_t i = 0; i < nrefs && !found; i++)
		if (!strcmp(refs[i].id, id)) {
			snprintf(file, n, "%s", refs[i].file);
			found = true;
		}
	pthread_mutex_unlock(&snapshot_lock);
	return found;
}

const char *detect__write_dir(void)
{
	return writable && rules_dir[0] ? rules_dir : NULL;
}

/* .whoflow-disabled: one rule id a line. */
static bool disabled__lists(void *ctx, const struct sigma_rule_info *r)
{
	const char *list = ctx;
	size_t n = r->id ? strlen(r->id) : 0;

	for (const char *p = list; n && (p = strstr(p, r->id)); p += n)
		if ((p == list || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static void detect__disable(struct detect *d)
{
	char path[4200], list[65536];
	FILE *f;
	size_t n;

	d->disabled = 0;
	if (!rules_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/%s", rules_dir, DETECT_DISABLED_FILE);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(list, 1, sizeof(list) - 1, f);
	fclose(f);
	list[n] = '\0';
	d->disabled = sigma_set__disable(d->set, disabled__lists, list);
}

/* {"detection":true,"counts":{...},"writable":...,"items":[the usable rules]} */
static void detect__snapshot(const struct detect *d)
{
	struct sigma_counts c = sigma_set__counts(d->set);
	struct json j;
	char *text;

	json__init(&j);
	json__obj_open(&j, NULL);
	json__bool(&j, "detection", true);
	json__obj_open(&j, "counts");
	json__u64(&j, "usable", c.usable);
	json__u64(&j, "skipped", c.skipped);
	json__u64(&j, "broken", c.broken);
	json__u64(&j, "files", c.files);
	json__u64(&j, "disabled", d->disabled);
	json__obj_close(&j);
	json__bool(&j, "writable", detect__write_dir() != NULL);
	json__arr_open(&j, "items");
	pthread_mutex_lock(&snapshot_lock);
	refs__free();
	sigma_set__each(d->set, snapshot__rule, &j);
	json__arr_close(&j);
	json__obj_close(&j);
	text = j.oom ? NULL : strndup(j.buf, j.len);
	free(snapshot);
	snapshot = text;
	snapshot_len = text ? j.len : 0;
	pthread_mutex_unlock(&snapshot_lock);
	json__free(&j);
}

char *detect__rules_json(size_t *len)
{
	char *copy = NULL;

	pthread_mutex_lock(&snapshot_lock);
	if (snapshot && (copy = malloc(snapshot_len + 1))) {
		memcpy(copy, snapshot, snapshot_len + 1);
		*len = snapshot_len;
	}
	pthread_mutex_unlock(&snapshot_lock);
	return copy;
}

static void detect__say_counts(const struct detect *d, const char *what)
{
	struct sigma_counts c = sigma_set__counts(d->set);

	pr_say("rules: %s %u usable, %u skipped, %u broken, from %u files\n", what, c.usable,
		c.skipped, c.broken, c.files);
	if (d->disabled)
		pr_say("rules: %u of them disabled (%s/%s)\n", d->disabled, rules_dir,
		       DETECT_DISABLED_FILE);
}

struct detect *detect__open(const char *const *dirs, size_t ndirs, bool api_writes)
{
	struct detect *d = calloc(1, sizeof(*d));
	struct stat st;

	if (!d)
		return NULL;
	d->dirs = dirs;
	d->ndirs = ndirs;
	d->ifd = -1;
	d->set = sigma_set__load(dirs, ndirs, detect__report, d);
	if (!d->set) {
		free(d);
		return NULL;
	}
	if (ndirs && !stat(dirs[0], &st) && S_ISDIR(st.st_mode))
		snprintf(rules_dir, sizeof(rules_dir), "%s", dirs[0]);
	writable = api_writes;
	detect__disable(d);
	detect__say_counts(d, "loaded:");
	detect__snapshot(d);
	detect__watch(d);
	return d;
}

/* A new set from the directories: it replaces the old one unless a file of it is broken. */
static void detect__reload(struct detect *d)
{
	struct sigma_set *s;
	struct sigma_counts c;

	d->quiet = true;
	s = sigma_set__load(d->dirs, d->ndirs, detect__report, d);
	d->quiet = false;
	detect__watch(d);
	if (!s)
		return;
	c = sigma_set__counts(s);
	if (c.broken) {
		d->reload_refused++;
		pr_warn("rules: changed, but %u broken (said above): the rules loaded before stay\n",
			c.broken);
		sigma_set__free(s);
		return;
	}
	sigma_set__free(d->set);
	d->set = s;
	d->reloads++;
	detect__disable(d);
	detect__say_counts(d, "reloaded:");
	detect__snapshot(d);
}

/*
 * What changed under the directories: a rule file written and closed, moved,
 * deleted, or a folder made. Creating a file is not a change yet: its writer
 * closing it is.
 */
static bool detect__changed(struct detect *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(d->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if (!(e->mask & IN_CREATE) || (e->mask & IN_ISDIR))
				changed = true;
			p += sizeof(*e) + e->len;
		}
	}
	return changed;
}

void detect__poll(struct detect *d)
{
	if (d && d->ifd >= 0 && detect__changed(d))
		detect__reload(d);
}

int detect__fd(const struct detect *d)
{
	return d ? d->ifd : -1;
}

/* The kernel time in an event id's first 16 hex digits (event_id.h). */
static uint64_t id__time(const char *id)
{
	char ts[17];

	snprintf(ts, sizeof(ts), "%.16s", id);
	return strtoull(ts, NULL, 16);
}

struct match_ctx {
	struct detect *d;
	const struct event *ev;
	const struct sigma_bag *b;
	const struct owner_view *ov;
	enum sigma_cat cat;
	detect_emit_fn emit;
	void *emit_ctx;
};

static void detect__on_match(void *ctx, const struct sigma_rule_info *r, uint64_t fields)
{
	struct match_ctx *m = ctx;
	struct alert_view a = {
		.rule_id = r->id, .title = r->title, .author = r->author, .license = r->license,
		.level = r->level, .status = r->status, .description = r->description,
		.file = r->file, .tags = r->tags, .ntags = r->ntags, .ev = m->ev,
		.category = sigma_cat__name(m->cat),
	};
	struct event alert = { .kind = EVENT_ALERT, .alert = &a };

	if (m->ov) {
		a.p = m->ov->p;
		a.parent = m->ov->parent;
	} else {
		a.p = m->ev->proc.p;
		a.parent = m->ev->proc.parent;
	}
	for (int f = 0; f < SF__COUNT && a.nfields < ALERT_FIELDS_MAX; f++) {
		if (!(fields & 1ull << f) || !m->b->f[f].n)
			continue;
		a.names[a.nfields] = sigma_field__name((enum sigma_field)f);
		a.values[a.nfields++] = m->b->f[f].v[0];
	}
	/* Its own id, stable as the matched event's is: the event's time, its id and the rule. */
	event_id__make(alert.id, id__time(m->ev->id),
		       EVENT_ID_ALERT, m->ev->id, strlen(m->ev->id), r->id ? r->id : r->title,
		       strlen(r->id ? r->id : r->title));
	m->d->alerts++;
	m->emit(m->emit_ctx, &alert);
}

static void detect__on_bag(void *ctx, enum sigma_cat cat, struct sigma_bag *b,
			   const struct owner_view *ov)
{
	struct match_ctx *m = ctx;

	m->b = b;
	m->ov = ov;
	m->cat = cat;
	sigma_set__eval(m->d->set, cat, b, detect__on_match, m);
}

void detect__event(struct detect *d, const struct event *ev, detect_emit_fn emit, void *ctx)
{
	struct match_ctx m = { .d = d, .ev = ev, .emit = emit, .emit_ctx = ctx };

	if (!d)
		return;
	sigma_bag__events(ev, d->set, detect__on_bag, &m);
}

void detect__stats(const struct detect *d, struct detect_stats *st)
{
	struct sigma_counts c = sigma_set__counts(d ? d->set : NULL);

	*st = (struct detect_stats){ .usable = c.usable, .skipped = c.skipped, .broken = c.broken,
				     .alerts = d ? d->alerts : 0, .reloads = d ? d->reloads : 0,
				     .reload_refused = d ? d->reload_refused : 0 };
}

void detect__close(struct detect *d)
{
	if (!d)
		return;
	if (d->ifd >= 0)
		close(d->ifd);
	sigma_set__free(d->set);
	sigma_bag__forget_images();
	pthread_mutex_lock(&snapshot_lock);
	free(snapshot);
	snapshot = NULL;
	refs__free();
	rules_dir[0] = '\0';
	writable = false;
	pthread_mutex_unlock(&snapshot_lock);
	free(d);
}
