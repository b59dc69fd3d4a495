// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Sigma fields of a recorded event (a line of whoflow --json, parsed with
 * json-c), read the same way as the live pipeline's (sigma_bag.c), so that
 * `whoflow rules test` matches what the agent would have matched.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "dns.h"
#include "sigma_jsonl.h"

/* The value at a dotted path, or NULL. */
static struct json_object *jget(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

static const char *jstr(struct json_object *o, const char *path)
{
	struct json_object *v = jget(o, path);

	return v && !json_object_is_type(v, json_type_object) &&
			       !json_object_is_type(v, json_type_array) ?
		       json_object_get_string(v) :
		       NULL;
}

/* An args array joined by single spaces (CommandLine), owned by the bag. */
static void bag__args(struct sigma_bag *b, enum sigma_field f, struct json_object *args)
{
	size_t n = args && json_object_is_type(args, json_type_array) ?
			   json_object_array_length(args) :
			   0, len = 0;
	char *out;

	if (!args)
		return;
	for (size_t i = 0; i < n; i++)
		len += strlen(json_object_get_string(json_object_array_get_idx(args, i))) + 1;
	out = malloc(len + 1);
	if (!out)
		return;
	len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(args, i));

		len += (size_t)sprintf(out + len, "%s%s", i ? " " : "", a);
	}
	out[len] = '\0';
	sigma_bag__own(b, f, out);
}

/* Image: symlinks resolved on this host, as the agent resolves them (sigma_bag.c). */
static void bag__image(struct sigma_bag *b, enum sigma_field f, const char *exe)
{
	char *r = exe ? realpath(exe, NULL) : NULL;

	if (r)
		sigma_bag__own(b, f, r);
	else
		sigma_bag__set(b, f, exe);
}

/* process.* (or, for a flow's peer, whoflow.peer.process.*). */
static void bag__process(struct sigma_bag *b, struct json_object *proc)
{
	const char *md5 = jstr(proc, "hash.md5"), *sha = jstr(proc, "hash.sha256");

	if (!proc)
		return;
	bag__image(b, SF_IMAGE, jstr(proc, "executable"));
	bag__args(b, SF_COMMAND_LINE, jget(proc, "args"));
	sigma_bag__set(b, SF_CURRENT_DIRECTORY, jstr(proc, "working_directory"));
	sigma_bag__set(b, SF_USER, jstr(proc, "user.name"));
	sigma_bag__set(b, SF_PROCESS_ID, jstr(proc, "pid"));
	sigma_bag__set(b, SF_PARENT_PROCESS_ID, jstr(proc, "parent.pid"));
	bag__image(b, SF_PARENT_IMAGE, jstr(proc, "parent.executable"));
	bag__args(b, SF_PARENT_COMMAND_LINE, jget(proc, "parent.args"));
	if (md5 || sha)
		sigma_bag__fmt(b, SF_HASHES, "MD5=%s,SHA256=%s", md5 ? md5 : "", sha ? sha : "");
}

static void bag__flow_end(struct json_object *ev, struct json_object *proc, bool initiated,
			  sigma_jsonl_fn fn, void *ctx)
{
	struct sigma_bag b = { 0 };

	bag__process(&b, proc);
	sigma_bag__set(&b, SF_SOURCE_IP, jstr(ev, "source.ip"));
	sigma_bag__set(&b, SF_SOURCE_PORT, jstr(ev, "source.port"));
	sigma_bag__set(&b, SF_DESTINATION_IP, jstr(ev, "destination.ip"));
	sigma_bag__set(&b, SF_DESTINATION_PORT, jstr(ev, "destination.port"));
	sigma_bag__set(&b, SF_DESTINATION_HOSTNAME, initiated ? jstr(ev, "destination.domain") : NULL);
	sigma_bag__set(&b, SF_INITIATED, initiated ? "true" : "false");
	sigma_bag__set(&b, SF_PROTOCOL, jstr(ev, "network.transport"));
	fn(ctx, SIGMA_CAT_NETWORK_CONNECTION, &b);
	sigma_bag__clear(&b);
}

/* The number of a record type by its name (as the events print it: A, CNAME, TYPE65280). */
static unsigned int type__number(const char *name)
{
	char buf[16];

	if (!strncmp(name, "TYPE", 4))
		return (unsigned int)strtoul(name + 4, NULL, 10);
	for (unsigned int t = 1; t < 300; t++)
		if (!strcmp(dns__type_name((uint16_t)t, buf, sizeof(buf)), name))
			return t;
	return 0;
}

static uint64_t rcode__status(const char *name)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP",	"REFUSED" };

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return i ? 9000 + i : 0;
	return name && !strncmp(name, "RCODE", 5) ? 9000 + strtoull(name + 5, NULL, 10) : 0;
}

static void bag__dns(struct json_object *ev, sigma_jsonl_fn fn, void *ctx)
{
	const char *type = jstr(ev, "dns.type");
	bool answer = type && !strcmp(type, "answer");
	struct json_object *answers = jget(ev, "dns.answers");
	size_t n = answers ? json_object_array_length(answers) : 0, len = 0;
	struct sigma_bag b = { 0 };
	char results[1024] = "";

	if (!jstr(ev, "dns.question.name"))
		return;
	bag__process(&b, jget(ev, "process"));
	sigma_bag__set(&b, SF_QUERY_NAME, jstr(ev, "dns.question.name"));
	sigma_bag__set(&b, SF_RECORD_TYPE, jstr(ev, "dns.question.type"));
	if (answer) {
		for (size_t i = 0; i < n; i++) {
			struct json_object *a = json_object_array_get_idx(answers, i);
			const char *data = jstr(a, "data"), *t = jstr(a, "type");

			if (!data || !t)
				continue;
			sigma_bag__add(&b, SF_ANSWER, data);
			sigma__query_result(results, sizeof(results), &len, type__number(t), data);
		}
		sigma_bag__own(&b, SF_QUERY_RESULTS, strdup(results));
		sigma_bag__num(&b, SF_QUERY_STATUS, rcode__status(jstr(ev, "dns.response_code")));
	}
	fn(ctx, answer ? SIGMA_CAT_DNS_ANSWER : SIGMA_CAT_DNS_QUERY, &b);
	sigma_bag__clear(&b);
}

static void bag__http(struct json_object *ev, sigma_jsonl_fn fn, void *ctx)
{
	const char *domain = jstr(ev, "url.domain"), *port = jstr(ev, "url.port"),
		   *path = jstr(ev, "url.path"), *query = jstr(ev, "url.query");
	struct sigma_bag b = { 0 };

	bag__process(&b, jget(ev, "process"));
	if (domain && path) {
		char *uri = NULL;

		if (asprintf(&uri, "http://%s%s%s%s%s%s", domain, port ? ":" : "", port ? port : "",
			     path, query ? "?" : "", query ? query : "") < 0)
			uri = NULL;
		sigma_bag__own(&b, SF_C_URI, uri);
	} else {
		sigma_bag__set(&b, SF_C_URI, jstr(ev, "url.original"));
	}
	sigma_bag__set(&b, SF_C_URI_STEM, path);
	sigma_bag__set(&b, SF_CS_URI_STEM, path);
	sigma_bag__set(&b, SF_C_URI_QUERY, query);
	sigma_bag__set(&b, SF_CS_URI_QUERY, query);
	if (domain)
		sigma_bag__fmt(&b, SF_CS_HOST, "%s%s%s", domain, port ? ":" : "", port ? port : "");
	sigma_bag__set(&b, SF_C_USERAGENT, jstr(ev, "user_agent.original"));
	sigma_bag__set(&b, SF_CS_METHOD, jstr(ev, "http.request.method"));
	sigma_bag__set(&b, SF_C_IP, jstr(ev, "source.ip"));
	sigma_bag__set(&b, SF_DST_IP, jstr(ev, "destination.ip"));
	fn(ctx, SIGMA_CAT_PROXY, &b);
	sigma_bag__clear(&b);
}

static bool count__of(struct json_object *counts, const char *name)
{
	struct json_object *n;

	return counts && json_object_object_get_ex(counts, name, &n) &&
	       json_object_get_int64(n) > 0;
}

/* As sigma_bag.c's bag__file, from the record's JSON. */
static void bag__file(struct json_object *ev, sigma_jsonl_fn fn, void *ctx)
{
	struct json_object *c = jget(ev, "whoflow.file.counts");
	const bool in[] = {
		[SIGMA_CAT_FILE_EVENT] = count__of(c, "creation") || count__of(c, "open_write") ||
					 count__of(c, "modification") || count__of(c, "close_write"),
		[SIGMA_CAT_FILE_DELETE] = count__of(c, "deletion"),
		[SIGMA_CAT_FILE_RENAME] = count__of(c, "rename"),
	};

	for (int cat = SIGMA_CAT_FILE_EVENT; cat <= SIGMA_CAT_FILE_RENAME; cat++) {
		struct sigma_bag b = { 0 };

		if (!in[cat])
			continue;
		bag__process(&b, jget(ev, "process"));
		sigma_bag__set(&b, SF_TARGET_FILENAME, jstr(ev, "file.path"));
		if (cat == SIGMA_CAT_FILE_RENAME)
			sigma_bag__set(&b, SF_SOURCE_FILENAME, jstr(ev, "whoflow.file.old_path"));
		fn(ctx, (enum sigma_cat)cat, &b);
		sigma_bag__clear(&b);
	}
}

void sigma_jsonl__event(struct json_object *ev, sigma_jsonl_fn fn, void *ctx)
{
	const char *dataset = jstr(ev, "event.dataset");
	const char *action = jstr(ev, "event.action");
	struct sigma_bag b = { 0 };
	struct json_object *init;

	if (!action)
		return;
	if (!strcmp(action, "exec")) {
		bag__process(&b, jget(ev, "process"));
		fn(ctx, SIGMA_CAT_PROCESS_CREATION, &b);
		sigma_bag__clear(&b);
	} else if (!strcmp(action, "flow")) {
		init = jget(ev, "whoflow.flow.initiated");
		if (jget(ev, "process"))
			bag__flow_end(ev, jget(ev, "process"), init && json_object_get_boolean(init),
				      fn, ctx);
		if (jget(ev, "whoflow.peer.process"))
			bag__flow_end(ev, jget(ev, "whoflow.peer.process"), false, fn, ctx);
	} else if (!strncmp(action, "dns", 3)) {
		bag__dns(ev, fn, ctx);
	} else if (!strcmp(action, "http-request")) {
		bag__http(ev, fn, ctx);
	} else if (dataset && !strcmp(dataset, "whoflow.file")) {
		bag__file(ev, fn, ctx);
	}
}
