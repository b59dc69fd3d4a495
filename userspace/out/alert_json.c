// SPDX-License-Identifier: GPL-2.0-only
/*
 * Alert events in JSON: ECS rule.*, the process the matched event names, and
 * the match itself (whoflow.sigma.*: the category, the matched event's id, the
 * fields that matched).
 */
#include <stdlib.h>
#include <string.h>
#include "alert_json.h"
#include "cmdline.h"
#include "owner_fmt.h"
#include "proc_info.h"
#include "users.h"

/* ECS event.severity: the Sigma levels from 1 (informational) to 5 (critical). */
static int level__severity(const char *level)
{
	static const char *const levels[] = { "informational", "low", "medium", "high", "critical" };

	for (int i = 0; level && i < 5; i++)
		if (!strcmp(level, levels[i]))
			return i + 1;
	return 0;
}

static void alert__process(struct json *j, const struct proc_info *p, const struct proc_info *parent)
{
	char *cl = cmdline__dup(p->args, p->args_len);

	json__obj_open(j, "process");
	json__i64(j, "pid", p->pid);
	json__str(j, "name", p->comm);
	json__str(j, "entity_id", p->entity_id);
	if (p->exe)
		json__str(j, "executable", p->exe);
	if (cl)
		json__str(j, "command_line", cl);
	free(cl);
	owner__json_args(j, "args", p->args, p->args_len);
	owner__json_parent(j, p, parent);
	if (users__user_name(p->uid)) {
		json__obj_open(j, "user");
		json__str(j, "name", users__user_name(p->uid));
		json__obj_close(j);
	}
	json__obj_close(j);
}

static void alert__rule(struct json *j, const struct alert_view *a)
{
	json__obj_open(j, "rule");
	if (a->rule_id)
		json__str(j, "id", a->rule_id);
	json__str(j, "name", a->title);
	if (a->author)
		json__str(j, "author", a->author);
	if (a->license)
		json__str(j, "license", a->license);
	if (a->description)
		json__str(j, "description", a->description);
	json__str(j, "ruleset", "sigma");
	json__obj_close(j);
	if (a->ntags) {
		json__arr_open(j, "tags");
		for (size_t i = 0; i < a->ntags; i++)
			json__str(j, NULL, a->tags[i]);
		json__arr_close(j);
	}
}

void alert_json__body(struct json *j, const struct event *ev, const char *host)
{
	const struct alert_view *a = ev->alert;
	int severity = level__severity(a->level);

	json__str(j, "@timestamp", event__ts(a->ev));
	json__obj_open(j, "event");
	json__str(j, "kind", "alert");
	json__str(j, "id", ev->id);
	json__arr_open(j, "category");
	json__str(j, NULL, a->ev->kind == EVENT_PROC ? "process" : "network");
	json__arr_close(j);
	json__arr_open(j, "type");
	json__str(j, NULL, "info");
	json__arr_close(j);
	json__str(j, "action", "sigma-match");
	json__str(j, "dataset", "whoflow.sigma");
	if (severity)
		json__i64(j, "severity", severity);
	json__obj_close(j);
	json__obj_open(j, "host");
	json__str(j, "name", host);
	json__obj_close(j);
	alert__rule(j, a);
	if (a->p)
		alert__process(j, a->p, a->parent);
	json__obj_open(j, "whoflow");
	json__obj_open(j, "rule");
	if (a->level)
		json__str(j, "level", a->level);
	if (a->status)
		json__str(j, "status", a->status);
	json__str(j, "file", a->file);
	json__obj_close(j);
	json__obj_open(j, "sigma");
	json__str(j, "category", a->category);
	json__str(j, "event_id", a->ev->id);
	json__obj_open(j, "matched");
	for (size_t i = 0; i < a->nfields; i++)
		json__str(j, a->names[i], a->values[i]);
	json__obj_close(j);
	json__obj_close(j);
	json__obj_close(j);
}
