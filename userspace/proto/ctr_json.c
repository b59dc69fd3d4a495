// SPDX-License-Identifier: GPL-2.0-only
/* Container runtimes' JSON (Docker Engine API, OCI bundles) into struct ctr_meta. */
#define _GNU_SOURCE /* memrchr */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "ctr_json.h"

static void str__set(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/*
 * A name, image, tag or pod field: one word in every output (text and comments
 * are key=value lines). No runtime allows spaces, control bytes, quotes, '=' or
 * backslashes in these: any that come are shown as '_'.
 */
static void word__clean(char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("\"'=\\", *p))
			*p = '_';
}

static void word__set(char *dst, size_t n, const char *src)
{
	str__set(dst, n, src);
	word__clean(dst);
}

static const char *obj__str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *obj__obj(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* A hex id as runtimes give it (Docker's and containerd's are 64 hex digits). */
static bool id__valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n >= CONTAINER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", id[i]))
			return false;
	return true;
}

void ctr_json__split_image(const char *ref, struct ctr_meta *out)
{
	const char *at = strchr(ref, '@'), *slash, *colon;
	size_t n = at ? (size_t)(at - ref) : strlen(ref);

	out->image_tag[0] = '\0';
	/* "sha256:..." alone is an image id: no name to split. */
	if (!strncmp(ref, "sha256:", 7)) {
		word__set(out->image_name, sizeof(out->image_name), ref);
		return;
	}
	slash = memrchr(ref, '/', n);
	colon = memrchr(slash ? slash : ref, ':', n - (slash ? (size_t)(slash - ref) : 0));
	if (colon) {
		snprintf(out->image_tag, sizeof(out->image_tag), "%.*s", (int)(n - (colon - ref) - 1),
			 colon + 1);
		n = colon - ref;
	} else if (!at) {
		str__set(out->image_tag, sizeof(out->image_tag), "latest"); /* as the runtime reads it */
	}
	snprintf(out->image_name, sizeof(out->image_name), "%.*s", (int)n, ref);
	word__clean(out->image_name);
	word__clean(out->image_tag);
}

static bool allow__has(const struct ctr_allow *allow, const char *key)
{
	for (unsigned int i = 0; allow && i < allow->n; i++)
		if (!strcmp(allow->keys[i], key))
			return true;
	return false;
}

/* What a label or annotation says of the pod, the container's name and image. */
static void meta__label(struct ctr_meta *m, const struct ctr_allow *allow, const char *key,
			const char *val, bool oci)
{
	static const struct {
		const char *key;
		size_t off, n;
	} pod[] = {
		{ "io.kubernetes.pod.name", offsetof(struct ctr_meta, pod_name), CTR_NAME_MAX },
		{ "io.kubernetes.pod.namespace", offsetof(struct ctr_meta, pod_namespace),
		  CTR_NAME_MAX },
		{ "io.kubernetes.pod.uid", offsetof(struct ctr_meta, pod_uid), 64 },
		{ "io.kubernetes.cri.sandbox-name", offsetof(struct ctr_meta, pod_name),
		  CTR_NAME_MAX },
		{ "io.kubernetes.cri.sandbox-namespace", offsetof(struct ctr_meta, pod_namespace),
		  CTR_NAME_MAX },
		{ "io.kubernetes.cri.sandbox-uid", offsetof(struct ctr_meta, pod_uid), 64 },
	};

	for (size_t i = 0; i < sizeof(pod) / sizeof(pod[0]); i++)
		if (!strcmp(key, pod[i].key))
			word__set((char *)m + pod[i].off, pod[i].n, val);
	/* A bundle has no name of its own: the orchestrator's is the one people know. */
	if (oci && (!strcmp(key, "io.kubernetes.cri.container-name") ||
		    !strcmp(key, "io.kubernetes.container.name") || !strcmp(key, "nerdctl/name")))
		word__set(m->name, sizeof(m->name), val);
	if (oci && !strcmp(key, "io.kubernetes.cri.image-name"))
		ctr_json__split_image(val, m);
	if (m->nlabels < CTR_LABELS_MAX && allow__has(allow, key)) {
		struct ctr_label *l = &m->labels[m->nlabels++];

		str__set(l->key, sizeof(l->key), key);
		str__set(l->value, sizeof(l->value), val);
	}
}

static void meta__labels(struct ctr_meta *m, const struct ctr_allow *allow,
			 struct json_object *labels, bool oci)
{
	if (!labels)
		return;
	json_object_object_foreach(labels, key, val)
	{
		if (json_object_is_type(val, json_type_string))
			meta__label(m, allow, key, json_object_get_string(val), oci);
	}
}

static bool rest__blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!strchr(" \t\r\n", *p) || !*p)
			return false;
	return true;
}

static struct json_object *doc__parse(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	/* One whole document: a cut one, or bytes after it, are not what was asked. */
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  !json_object_is_type(o, json_type_object) ||
		  !rest__blank(buf + json_tokener_get_parse_end(tok), buf + len))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int ctr_json__inspect(const char *buf, size_t len, const struct ctr_allow *allow,
		      struct ctr_meta *out)
{
	struct json_object *doc = len <= 0x7fffffff ? doc__parse(buf, len) : NULL;
	struct json_object *config = obj__obj(doc, "Config"), *state = obj__obj(doc, "State");
	const char *id = obj__str(doc, "Id"), *name = obj__str(doc, "Name");
	const char *image = obj__str(config, "Image");

	memset(out, 0, sizeof(*out));
	if (!doc || !id__valid(id)) {
		json_object_put(doc);
		return CTR_JSON_BAD;
	}
	str__set(out->id, sizeof(out->id), id);
	word__set(out->name, sizeof(out->name), name && name[0] == '/' ? name + 1 : name);
	if (image)
		ctr_json__split_image(image, out);
	meta__labels(out, allow, obj__obj(config, "Labels"), false);
	if (state) {
		struct json_object *running;

		if (json_object_object_get_ex(state, "Running", &running) &&
		    json_object_is_type(running, json_type_boolean))
			out->exited = !json_object_get_boolean(running);
	}
	json_object_put(doc);
	return CTR_JSON_OK;
}

int ctr_json__event(const char *buf, size_t len, const struct ctr_allow *allow,
		    struct ctr_meta *out)
{
	struct json_object *doc = len <= 0x7fffffff ? doc__parse(buf, len) : NULL;
	struct json_object *actor = obj__obj(doc, "Actor"), *attrs = obj__obj(actor, "Attributes");
	const char *type = obj__str(doc, "Type"), *action = obj__str(doc, "Action");
	const char *id = obj__str(actor, "ID");
	int rc = CTR_JSON_OK;

	memset(out, 0, sizeof(*out));
	if (!doc || !type || !action) {
		rc = CTR_JSON_BAD;
		goto out;
	}
	if (strcmp(type, "container")) {
		rc = CTR_JSON_IGNORED;
		goto out;
	}
	if (!id__valid(id) || !attrs) {
		rc = CTR_JSON_BAD;
		goto out;
	}
	str__set(out->id, sizeof(out->id), id);
	json_object_object_foreach(attrs, key, val)
	{
		const char *s = json_object_is_type(val, json_type_string) ?
					json_object_get_string(val) :
					NULL;

		if (!s)
			continue;
		/* Attributes are the labels plus the engine's own keys. */
		if (!strcmp(key, "name"))
			word__set(out->name, sizeof(out->name), s[0] == '/' ? s + 1 : s);
		else if (!strcmp(key, "image"))
			ctr_json__split_image(s, out);
		else
			meta__label(out, allow, key, s, false);
	}
	out->exited = !strcmp(action, "die") || !strcmp(action, "destroy");
out:
	json_object_put(doc);
	return rc;
}

int ctr_json__oci_config(const char *buf, size_t len, const char *id,
			 const struct ctr_allow *allow, struct ctr_meta *out)
{
	struct json_object *doc = len <= 0x7fffffff ? doc__parse(buf, len) : NULL;
	struct json_object *ann = obj__obj(doc, "annotations");
	int rc = CTR_JSON_OK;

	memset(out, 0, sizeof(*out));
	if (!doc || !id__valid(id) || !obj__str(doc, "ociVersion")) {
		rc = CTR_JSON_BAD;
		goto out;
	}
	str__set(out->id, sizeof(out->id), id);
	meta__labels(out, allow, ann, true);
	if (!out->name[0] && !out->pod_name[0] && !out->image_name[0])
		rc = CTR_JSON_IGNORED;
out:
	json_object_put(doc);
	return rc;
}
