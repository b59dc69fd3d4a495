// SPDX-License-Identifier: GPL-2.0-only
/* A container as the sinks print it (see ctr_fmt.h); its metadata from lib/ctr_cache.c. */
#include "ctr_cache.h"
#include "ctr_fmt.h"
#include "json.h"

static void ctr__json_meta(struct json *j, const struct ctr_meta *m)
{
	if (m->name[0])
		json__str(j, "name", m->name);
	if (m->image_name[0]) {
		json__obj_open(j, "image");
		json__str(j, "name", m->image_name);
		if (m->image_tag[0])
			json__str(j, "tag", m->image_tag);
		json__obj_close(j);
	}
	if (m->nlabels) {
		json__obj_open(j, "labels");
		for (unsigned int i = 0; i < m->nlabels; i++)
			json__str(j, m->labels[i].key, m->labels[i].value);
		json__obj_close(j);
	}
}

void ctr__json(struct json *j, const struct container *c)
{
	const struct ctr_meta *m;

	if (!c->id[0])
		return;
	m = ctr_cache__find(c);
	json__obj_open(j, "container");
	json__str(j, "id", c->id);
	json__str(j, "runtime", c->runtime);
	if (m)
		ctr__json_meta(j, m);
	json__obj_close(j);
	if (!m || !m->pod_name[0])
		return;
	json__obj_open(j, "orchestrator");
	if (m->pod_namespace[0])
		json__str(j, "namespace", m->pod_namespace);
	json__obj_open(j, "resource");
	json__str(j, "name", m->pod_name);
	json__str(j, "type", "pod");
	if (m->pod_uid[0])
		json__str(j, "id", m->pod_uid);
	json__obj_close(j);
	json__str(j, "type", "kubernetes");
	json__obj_close(j);
}

const char *ctr__name(const struct container *c)
{
	const struct ctr_meta *m = c->id[0] ? ctr_cache__find(c) : NULL;

	return m ? m->name : "";
}

const char *ctr__image(const struct container *c, char *buf, size_t n)
{
	const struct ctr_meta *m = c->id[0] ? ctr_cache__find(c) : NULL;

	if (!m || !m->image_name[0])
		return "";
	snprintf(buf, n, "%s%s%s", m->image_name, m->image_tag[0] ? ":" : "", m->image_tag);
	return buf;
}

const char *ctr__pod(const struct container *c, char *buf, size_t n)
{
	const struct ctr_meta *m = c->id[0] ? ctr_cache__find(c) : NULL;

	if (!m || !m->pod_name[0])
		return "";
	snprintf(buf, n, "%s%s%s", m->pod_namespace, m->pod_namespace[0] ? "/" : "", m->pod_name);
	return buf;
}

void ctr__text(FILE *f, const char *prefix, const struct container *c)
{
	char pod[2 * CTR_NAME_MAX + 2];

	if (*ctr__name(c))
		fprintf(f, " %sctr=%s", prefix, ctr__name(c));
	if (*ctr__pod(c, pod, sizeof(pod)))
		fprintf(f, " %spod=%s", prefix, pod);
}
