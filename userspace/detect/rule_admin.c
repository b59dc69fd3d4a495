// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules' files as the API changes them (--api-allow-write), from the API's
 * threads. Nothing here touches the loaded set: each change is a file in the
 * first --rules directory (an uploaded rule, api-ID.yml; the list of disabled
 * ids, .whoflow-disabled), written whole under another name and renamed, so
 * that the monitor's watch (detect.c) reloads a complete set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "detect.h"
#include "rule_admin.h"
#include "sigma.h"

static pthread_mutex_t admin_lock = PTHREAD_MUTEX_INITIALIZER;

struct check {
	enum sigma_verdict worst;
	char why[400];
	int line;
	struct rule_added *out;
	unsigned int rules;
};

static void check__report(void *ctx, const char *file, int line, const char *title,
			  enum sigma_verdict v, const char *why)
{
	struct check *c = ctx;

	if (v > c->worst || !c->why[0]) {
		c->worst = v > c->worst ? v : c->worst;
		c->line = line;
		snprintf(c->why, sizeof(c->why), "%s", why ? why : "");
	}
}

static void check__rule(void *ctx, const struct sigma_rule_info *r, enum sigma_cat cat)
{
	struct check *c = ctx;

	c->rules++;
	snprintf(c->out->id, sizeof(c->out->id), "%s", r->id ? r->id : "");
	snprintf(c->out->title, sizeof(c->out->title), "%s", r->title ? r->title : "");
	snprintf(c->out->category, sizeof(c->out->category), "%s", sigma_cat__name(cat));
}

/* An id that can name a file: letters, digits, '-', '_' and '.', not first. */
static bool id__safe(const char *id)
{
	if (!id[0] || id[0] == '.' || strlen(id) > 100)
		return false;
	for (const char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
			    *p))
			return false;
	return true;
}

/* data as dir/name, whole or not at all: written to a hidden name, then renamed (replace:
 * over an existing file; otherwise EEXIST when there is one). */
static int file__put(const char *dir, const char *name, const char *data, size_t len, bool replace)
{
	char tmp[4200], path[4200];
	ssize_t n;
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir, name, (int)gettid());
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (size_t at = 0; at < len && !err; at += n) {
		n = write(fd, data + at, len - at);
		if (n < 0)
			err = -errno;
	}
	if (!err && fsync(fd))
		err = -errno;
	close(fd);
	if (!err && (replace ? rename(tmp, path) :
			       renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int rule_admin__add(const char *yaml, size_t len, struct rule_added *out, char *err, size_t n)
{
	struct check c = { .worst = SIGMA_USABLE, .out = out };
	const char *dir = detect__write_dir();
	char *text = strndup(yaml, len), name[160], had[4096];
	struct sigma_set *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dir) {
		snprintf(err, n,
			 "the rules are not writable here (the first --rules is not a "
			 "directory)");
		free(text);
		return 409;
	}
	if (!text || strlen(text) != len) {
		snprintf(err, n, "the rule is not text (it holds a NUL byte)");
		free(text);
		return 400;
	}
	s = sigma_set__load_text(text, "upload", check__report, &c);
	sigma_set__each(s, check__rule, &c);
	sigma_set__free(s);
	free(text);
	if (!s)
		return snprintf(err, n, "out of memory"), 500;
	if (c.worst == SIGMA_BROKEN)
		return snprintf(err, n, "the rule is broken (line %d): %s", c.line, c.why), 400;
	if (c.worst == SIGMA_SKIPPED || !c.rules)
		return snprintf(err, n, "the rule would never match here: %s",
				c.why[0] ? c.why : "no usable rule in it"),
		       400;
	if (c.rules != 1)
		return snprintf(err, n, "one rule per upload (this text holds %u)", c.rules), 400;
	if (!out->id[0])
		return snprintf(err, n, "the rule needs an id (a UUID) for the API to manage it"),
		       400;
	if (!id__safe(out->id))
		return snprintf(err, n,
				"the rule's id '%.100s' cannot name a file (letters, digits, "
				"'-', '_' and '.' only)",
				out->id),
		       400;
	if (detect__rule_file(out->id, had, sizeof(had)))
		return snprintf(err, n, "a rule with id %s is loaded already, from %s", out->id,
				had),
		       409;
	snprintf(name, sizeof(name), "api-%s.yml", out->id);
	pthread_mutex_lock(&admin_lock);
	rc = file__put(dir, name, yaml, len, false);
	pthread_mutex_unlock(&admin_lock);
	snprintf(out->file, sizeof(out->file), "%s/%s", dir, name);
	if (rc == -EEXIST)
		return snprintf(err, n, "%s exists already (its rule is not loaded yet)",
				out->file),
		       409;
	if (rc)
		return snprintf(err, n, "cannot write %s: %s", out->file, strerror(-rc)), 500;
	return 201;
}

/* The ids in .whoflow-disabled, as its text, into buf ("" when there is none). */
static int disabled__read(const char *dir, char *buf, size_t n)
{
	char path[4200];
	FILE *f;
	size_t got;

	snprintf(path, sizeof(path), "%s/%s", dir, DETECT_DISABLED_FILE);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	got = fread(buf, 1, n - 1, f);
	fclose(f);
	buf[got] = '\0';
	return 0;
}

/* The list without id, then with it when on is false. */
static size_t disabled__edit(const char *list, const char *id, bool on, char *out, size_t n)
{
	size_t len = 0, idn = strlen(id);

	for (const char *p = list; *p;) {
		size_t ln = strcspn(p, "\n");

		if (ln && !(ln == idn && !strncmp(p, id, idn)) && len + ln + 1 < n) {
			memcpy(out + len, p, ln);
			len += ln;
			out[len++] = '\n';
		}
		p += ln + (p[ln] == '\n');
	}
	if (!on && len + idn + 1 < n) {
		memcpy(out + len, id, idn);
		len += idn;
		out[len++] = '\n';
	}
	out[len] = '\0';
	return len;
}

/* id into .whoflow-disabled (on false) or out of it; 200, or 500 with err. */
static int disabled__set(const char *dir, const char *id, bool on, char *err, size_t n)
{
	static char list[65536], edited[65536 + 128]; /* under admin_lock */
	size_t len;
	int rc;

	pthread_mutex_lock(&admin_lock);
	rc = disabled__read(dir, list, sizeof(list));
	if (!rc && (!on || strstr(list, id))) {
		len = disabled__edit(list, id, on, edited, sizeof(edited));
		rc = file__put(dir, DETECT_DISABLED_FILE, edited, len, true);
	}
	pthread_mutex_unlock(&admin_lock);
	if (rc)
		return snprintf(err, n, "cannot write %s/%s: %s", dir, DETECT_DISABLED_FILE,
				strerror(-rc)),
		       500;
	return 200;
}

int rule_admin__enable(const char *id, bool on, char *file, size_t nfile, char *err, size_t n)
{
	const char *dir = detect__write_dir();

	if (!dir)
		return snprintf(err, n, "the rules are not writable here"), 409;
	if (!detect__rule_file(id, file, nfile))
		return snprintf(err, n, "no rule with id %.100s is loaded", id), 404;
	return disabled__set(dir, id, on, err, n);
}

int rule_admin__delete(const char *id, char *file, size_t nfile, char *err, size_t n)
{
	const char *dir = detect__write_dir();
	char mine[4200];

	if (!dir)
		return snprintf(err, n, "the rules are not writable here"), 409;
	if (!detect__rule_file(id, file, nfile))
		return snprintf(err, n, "no rule with id %.100s is loaded", id), 404;
	snprintf(mine, sizeof(mine), "%s/api-%s.yml", dir, id);
	if (strcmp(file, mine))
		return snprintf(err, n,
				"rule %.100s comes from %s, which the API did not write: "
				"change it there",
				id, file),
		       409;
	if (unlink(mine) && errno != ENOENT)
		return snprintf(err, n, "cannot delete %s: %s", mine, strerror(errno)), 500;
	/* Nor disabled any more: a rule uploaded later with the same id starts enabled. */
	return disabled__set(dir, id, true, err, n);
}
