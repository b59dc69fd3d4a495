// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Sigma fields of the pipeline's events, with Linux semantics as Sysmon
 * for Linux reports them (docs/sigma.md): Image is the executable's path as
 * the kernel resolved it at exec, CommandLine the arguments joined by single
 * spaces, User the user's name. A flow is read once per local end, as the
 * network connection of that end's process (Initiated: it made the flow).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "cmdline.h"
#include "flow_events.h"
#include "proc_info.h"
#include "sigma_bag.h"
#include "users.h"

/*
 * Image: the executable with its symlinks resolved, as the kernel found it at
 * exec (/bin/sh is /usr/bin/dash on Debian), seen from the process's own root
 * while it lives (a container's files), else from the agent's; the path as
 * exec'd when neither resolves.
 */
static char *image__resolve(const struct proc_info *p)
{
	char path[4096], root[64], *r;
	size_t n;

	if (!p->exe || p->exe[0] != '/')
		return p->exe ? strdup(p->exe) : NULL;
	n = (size_t)snprintf(root, sizeof(root), "/proc/%d/root", p->pid);
	snprintf(path, sizeof(path), "%s%s", root, p->exe);
	r = realpath(path, NULL);
	if (r && !strncmp(r, root, n)) {
		memmove(r, r + n, strlen(r + n) + 1);
		return r;
	}
	if (r && strncmp(r, "/proc/", 6))
		return r; /* its root is the agent's: the path is whole */
	free(r);
	r = realpath(p->exe, NULL);
	return r ? r : strdup(p->exe);
}

/*
 * A process's Image and CommandLine, made once per image: a busy process (a
 * resolver client) has many events, and resolving a path costs system calls.
 * Direct-mapped by pid; an entry serves while the process's start time,
 * executable and arguments are the ones it was made from (an exec changes them).
 */
#define IMAGE_SLOTS 1024

struct image_slot {
	pid_t pid;
	uint64_t start_ns;
	char *exe, *args; /* what it was made from: an exec changes them */
	size_t args_len;
	char *image, *cmdline;
};

static struct image_slot image_slots[IMAGE_SLOTS];

static bool slot__is(const struct image_slot *s, const struct proc_info *p)
{
	return s->pid == p->pid && s->start_ns == p->start_ns && s->args_len == p->args_len &&
	       !strcmp(s->exe ? s->exe : "", p->exe ? p->exe : "") &&
	       (!p->args_len || !memcmp(s->args, p->args, p->args_len));
}

static void slot__free(struct image_slot *s)
{
	free(s->exe);
	free(s->args);
	free(s->image);
	free(s->cmdline);
	*s = (struct image_slot){ 0 };
}

static const struct image_slot *image__get(const struct proc_info *p)
{
	struct image_slot *s = &image_slots[(unsigned int)p->pid % IMAGE_SLOTS];

	if (s->pid && slot__is(s, p))
		return s;
	slot__free(s);
	*s = (struct image_slot){ .pid = p->pid, .start_ns = p->start_ns, .args_len = p->args_len };
	s->exe = p->exe ? strdup(p->exe) : NULL;
	s->args = p->args_len ? malloc(p->args_len) : NULL;
	if (s->args)
		memcpy(s->args, p->args, p->args_len);
	else
		s->args_len = 0;
	s->image = image__resolve(p);
	s->cmdline = p->args ? cmdline__join(p->args, p->args_len) : NULL;
	return s;
}

void sigma_bag__forget_images(void)
{
	for (size_t i = 0; i < IMAGE_SLOTS; i++)
		slot__free(&image_slots[i]);
}

static void bag__process(struct sigma_bag *b, const struct proc_info *p,
			 const struct proc_info *parent)
{
	const struct image_slot *img;

	if (!p)
		return;
	/* The parent's first, copied: its slot may be the one the process's then takes. */
	if (parent) {
		img = image__get(parent);
		sigma_bag__own(b, SF_PARENT_IMAGE, img->image ? strdup(img->image) : NULL);
		sigma_bag__own(b, SF_PARENT_COMMAND_LINE, img->cmdline ? strdup(img->cmdline) : NULL);
	}
	img = image__get(p);
	sigma_bag__set(b, SF_IMAGE, img->image);
	sigma_bag__set(b, SF_COMMAND_LINE, img->cmdline);
	sigma_bag__set(b, SF_CURRENT_DIRECTORY, p->cwd);
	sigma_bag__set(b, SF_USER, users__user_name(p->uid));
	sigma_bag__num(b, SF_PROCESS_ID, (uint64_t)p->pid);
	sigma_bag__num(b, SF_PARENT_PROCESS_ID, (uint64_t)p->ppid);
	if (p->md5[0] || p->sha256[0])
		sigma_bag__fmt(b, SF_HASHES, "MD5=%s,SHA256=%s", p->md5, p->sha256);
}

static const char *proto__name(uint8_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 || proto == 58 ? "icmp" : NULL;
}

/* One local end of a flow, as that process's network connection. */
static void bag__flow_end(const struct event *ev, const struct owner_view *ov, bool initiated,
			  const struct sigma_set *set, sigma_bag_fn fn, void *ctx)
{
	struct sigma_bag b = { 0 };

	if (!ov->known)
		return;
	bag__process(&b, ov->p, ov->parent);
	if (!ov->p)
		sigma_bag__num(&b, SF_PROCESS_ID, ov->o.tgid);
	sigma_bag__set(&b, SF_SOURCE_IP, ev->ep.src);
	sigma_bag__num(&b, SF_SOURCE_PORT, ev->ep.sport);
	sigma_bag__set(&b, SF_DESTINATION_IP, ev->ep.dst);
	sigma_bag__num(&b, SF_DESTINATION_PORT, ev->ep.dport);
	sigma_bag__set(&b, SF_DESTINATION_HOSTNAME, initiated ? ev->dest_domain : NULL);
	sigma_bag__set(&b, SF_INITIATED, initiated ? "true" : "false");
	sigma_bag__set(&b, SF_PROTOCOL, proto__name(ev->ep.proto));
	fn(ctx, SIGMA_CAT_NETWORK_CONNECTION, &b, ov);
	sigma_bag__clear(&b);
}

/* Sysmon's DNS status: 0, or the Windows error code of the DNS rcode (9000 + rcode). */
static uint64_t dns__status(const struct dns_msg *m)
{
	return m->rcode ? 9000u + m->rcode : 0;
}

static void bag__dns(const struct event *ev, const struct sigma_set *set, sigma_bag_fn fn,
		     void *ctx)
{
	const struct dns_msg *m = &ev->dns->msg;
	enum sigma_cat cat = m->response ? SIGMA_CAT_DNS_ANSWER : SIGMA_CAT_DNS_QUERY;
	struct sigma_bag b = { 0 };
	char type[16], results[1024];
	size_t len = 0;

	if (!m->nquestions || !sigma_set__rules_for(set, cat))
		return;
	bag__process(&b, ev->owner.p, ev->owner.parent);
	sigma_bag__set(&b, SF_QUERY_NAME, m->questions[0].name);
	sigma_bag__fmt(&b, SF_RECORD_TYPE, "%s",
		       dns__type_name(m->questions[0].type, type, sizeof(type)));
	if (m->response) {
		results[0] = '\0';
		for (size_t i = 0; i < m->nrrs[DNS_SECTION_ANSWER]; i++) {
			const struct dns_rr *rr = &m->rrs[DNS_SECTION_ANSWER][i];

			sigma_bag__add(&b, SF_ANSWER, rr->data);
			sigma__query_result(results, sizeof(results), &len, rr->type, rr->data);
		}
		sigma_bag__own(&b, SF_QUERY_RESULTS, strdup(results));
		sigma_bag__num(&b, SF_QUERY_STATUS, dns__status(m));
	}
	fn(ctx, cat, &b, &ev->owner);
	sigma_bag__clear(&b);
}

static void bag__http(const struct event *ev, const struct sigma_set *set, sigma_bag_fn fn,
		      void *ctx)
{
	const struct http_request *r = &ev->http->req;
	struct sigma_bag b = { 0 };

	if (!sigma_set__rules_for(set, SIGMA_CAT_PROXY))
		return;
	bag__process(&b, ev->owner.p, ev->owner.parent);
	if (r->has_host && r->path[0]) {
		char *uri = NULL;

		if (asprintf(&uri, "http://%s%s%s%s", r->host, r->path, r->has_query ? "?" : "",
			     r->has_query ? r->query : "") < 0)
			uri = NULL;
		sigma_bag__own(&b, SF_C_URI, uri);
	} else {
		sigma_bag__set(&b, SF_C_URI, r->target);
	}
	sigma_bag__set(&b, SF_C_URI_STEM, r->path);
	sigma_bag__set(&b, SF_CS_URI_STEM, r->path);
	sigma_bag__set(&b, SF_C_URI_QUERY, r->has_query ? r->query : NULL);
	sigma_bag__set(&b, SF_CS_URI_QUERY, r->has_query ? r->query : NULL);
	sigma_bag__set(&b, SF_CS_HOST, r->has_host ? r->host : NULL);
	sigma_bag__set(&b, SF_C_USERAGENT, r->has_user_agent ? r->user_agent : NULL);
	sigma_bag__set(&b, SF_CS_METHOD, r->method);
	sigma_bag__set(&b, SF_C_IP, ev->ep.src);
	sigma_bag__set(&b, SF_DST_IP, ev->ep.dst);
	fn(ctx, SIGMA_CAT_PROXY, &b, &ev->owner);
	sigma_bag__clear(&b);
}

/*
 * A FILE record feeds each file category it qualifies for: file_event
 * (Sysmon for Linux's FileCreate: created, or opened for writing, written,
 * closed after writing), file_delete, file_rename (SourceFilename: the name
 * before).
 */
static void bag__file(const struct event *ev, const struct sigma_set *set, sigma_bag_fn fn,
		      void *ctx)
{
	const struct file_view *v = ev->file;
	const bool in[] = {
		[SIGMA_CAT_FILE_EVENT] = v->counts[FILE_CREATE] || v->counts[FILE_OPEN_WRITE] ||
					 v->counts[FILE_MODIFY] || v->counts[FILE_CLOSE_WRITE],
		[SIGMA_CAT_FILE_DELETE] = v->counts[FILE_DELETE] > 0,
		[SIGMA_CAT_FILE_RENAME] = v->counts[FILE_RENAME] > 0,
	};

	for (int cat = SIGMA_CAT_FILE_EVENT; cat <= SIGMA_CAT_FILE_RENAME; cat++) {
		struct sigma_bag b = { 0 };

		if (!in[cat] || !sigma_set__rules_for(set, (enum sigma_cat)cat))
			continue;
		bag__process(&b, ev->owner.p, ev->owner.parent);
		sigma_bag__set(&b, SF_TARGET_FILENAME, v->path[0] ? v->path : NULL);
		if (cat == SIGMA_CAT_FILE_RENAME)
			sigma_bag__set(&b, SF_SOURCE_FILENAME, v->old_path);
		fn(ctx, (enum sigma_cat)cat, &b, &ev->owner);
		sigma_bag__clear(&b);
	}
}

void sigma_bag__events(const struct event *ev, const struct sigma_set *set, sigma_bag_fn fn,
		       void *ctx)
{
	struct sigma_bag b = { 0 };

	switch (ev->kind) {
	case EVENT_PROC:
		if (ev->proc.kind != PROC_VIEW_EXEC ||
		    !sigma_set__rules_for(set, SIGMA_CAT_PROCESS_CREATION))
			return;
		bag__process(&b, ev->proc.p, ev->proc.parent);
		fn(ctx, SIGMA_CAT_PROCESS_CREATION, &b, NULL);
		sigma_bag__clear(&b);
		return;
	case EVENT_FLOW:
		if (!sigma_set__rules_for(set, SIGMA_CAT_NETWORK_CONNECTION))
			return;
		/* owner: the initiator's process when it is local, else the responder's. */
		bag__flow_end(ev, &ev->owner, ev->flow->v->ep_attr[WF_DIR_ORIG] != WF_ATTR_NONE, set,
			      fn, ctx);
		bag__flow_end(ev, &ev->peer, false, set, fn, ctx);
		return;
	case EVENT_DNS:
		bag__dns(ev, set, fn, ctx);
		return;
	case EVENT_HTTP:
		bag__http(ev, set, fn, ctx);
		return;
	case EVENT_FILE:
		bag__file(ev, set, fn, ctx);
		return;
	default:
		return;
	}
}
