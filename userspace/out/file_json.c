// SPDX-License-Identifier: GPL-2.0-only
/* A FILE event as ECS JSON (see file_json.h). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "file_json.h"
#include "owner_fmt.h"

static void file_json__event(struct json *j, const struct event *ev)
{
	const struct file_view *v = ev->file;

	json__obj_open(j, "event");
	json__str(j, "kind", "event");
	json__str(j, "id", ev->id);
	json__arr_open(j, "category");
	json__str(j, NULL, "file");
	json__arr_close(j);
	json__arr_open(j, "type");
	if (v->counts[FILE_CREATE])
		json__str(j, NULL, "creation");
	if (v->counts[FILE_DELETE])
		json__str(j, NULL, "deletion");
	if (v->counts[FILE_MODIFY] || v->counts[FILE_CLOSE_WRITE] || v->counts[FILE_RENAME] ||
	    v->counts[FILE_ATTRIB])
		json__str(j, NULL, "change");
	if (v->counts[FILE_OPEN_WRITE])
		json__str(j, NULL, "access");
	json__arr_close(j);
	json__str(j, "action", file_view__action(v));
	json__str(j, "dataset", "whoflow.file");
	json__str(j, "start", v->first_ts);
	json__str(j, "end", ev->ep.ts);
	json__obj_close(j);
}

/* ECS file.*: the path split, its identity while it existed, the hashes. */
static void file_json__file(struct json *j, const struct file_view *v)
{
	const char *slash = strrchr(v->path, '/');
	char num[32];

	json__obj_open(j, "file");
	json__str(j, "path", v->path);
	if (slash) {
		json__str(j, "name", slash + 1);
		json__strn(j, "directory", v->path, slash > v->path ? (size_t)(slash - v->path) : 1);
	}
	json__str(j, "type", v->is_dir ? "dir" : "file");
	if (v->has_stat) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v->inode);
		json__str(j, "inode", num);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v->dev);
		json__str(j, "device", num);
		snprintf(num, sizeof(num), "%04o", v->mode & 07777);
		json__str(j, "mode", num);
		snprintf(num, sizeof(num), "%u", v->uid);
		json__str(j, "uid", num);
		snprintf(num, sizeof(num), "%u", v->gid);
		json__str(j, "gid", num);
		if (!v->is_dir)
			json__u64(j, "size", v->size);
	}
	if (v->sha256[0]) {
		json__obj_open(j, "hash");
		json__str(j, "md5", v->md5);
		json__str(j, "sha256", v->sha256);
		json__obj_close(j);
	}
	json__obj_close(j);
}

void file_json__body(struct json *j, const struct event *ev, const char *host)
{
	const struct file_view *v = ev->file;

	json__str(j, "@timestamp", ev->ep.ts);
	file_json__event(j, ev);
	json__obj_open(j, "host");
	json__str(j, "name", host);
	json__obj_close(j);
	file_json__file(j, v);
	owner__json_ecs(j, NULL, &ev->owner);
	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, &ev->owner);
	json__obj_open(j, "file");
	if (v->old_path)
		json__str(j, "old_path", v->old_path);
	json__obj_open(j, "counts");
	for (int i = 0; i < FILE__N; i++)
		if (v->counts[i])
			json__u64(j, file_action_names[i], v->counts[i]);
	json__obj_close(j);
	if (v->deleted)
		json__bool(j, "deleted", true);
	if (v->hash_skipped)
		json__str(j, "hash_skipped", v->hash_skipped);
	json__obj_close(j);
	json__obj_close(j);
}
