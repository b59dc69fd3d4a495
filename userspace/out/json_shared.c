// SPDX-License-Identifier: GPL-2.0-only
/* Every sink that writes JSON (stdout, log files, syslog, the store) shares one rendering of
 * each event: sink_json__render runs once per event, however many of them are open. */
#include <stdbool.h>
#include "sink.h"

static struct sink shared;
static const struct event *shared_ev;
static bool shared_ok;

void sink_json__forget(void)
{
	shared_ev = NULL;
}

const struct json *sink_json__object(const struct event *ev)
{
	if (!shared.host[0])
		sink_json__init(&shared);
	if (shared_ev != ev) {
		shared_ok = sink_json__render(&shared, ev);
		shared_ev = ev;
	}
	return shared_ok ? &shared.j : NULL;
}

void sink_json__object_free(void)
{
	if (shared.host[0])
		json__free(&shared.j);
	shared.host[0] = '\0';
	shared_ev = NULL;
}
