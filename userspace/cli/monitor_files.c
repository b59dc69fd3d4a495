// SPDX-License-Identifier: GPL-2.0-only
/* The monitor's --files: the fanotify group on the loop, records flushed, the summary. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "file_agg.h"
#include "log.h"
#include "loop.h"
#include "monitor_files.h"
#include "proc.h"

/* Records left alone for FILE_IDLE_NS are looked for this often. */
#define FILES_FLUSH_NS (250000000ull)

static struct file_tracker files = { .mon.fd = -1, .mon.mounts_fd = -1 };
static bool running;

static void monitor_files__tick(void *ctx, uint64_t now)
{
	file_tracker__flush(&files, false);
}

static void monitor_files__read(void *ctx, uint64_t now)
{
	file_tracker__readable(&files, 0);
}

int monitor_files__start(const struct config *cfg, const struct proc_tracker *t,
			 struct event_out *out, struct loop *l)
{
	if (!cfg->files)
		return 0;
	if (file_tracker__open(&files, cfg, t, !strcmp(t->scope_path, "/"), out)) {
		file_tracker__close(&files);
		return 1;
	}
	loop__every(l, 50000000ull, monitor_files__read, NULL);
	loop__every(l, FILES_FLUSH_NS, monitor_files__tick, NULL);
	running = true;
	return 0;
}

void monitor_files__stop(void)
{
	if (!running)
		return;
	file_tracker__readable(&files, 0); /* what is queued still counts */
	file_tracker__flush(&files, true);
}

void monitor_files__binaries(const struct proc_tracker *t)
{
	const struct binkeep *k = t->keep;

	if (k)
		pr_say("summary: binaries kept=%" PRIu64 " already_kept=%" PRIu64 " in_dir=%zu "
		       "bytes=%" PRIu64 " evicted=%" PRIu64 "; lost missed=%" PRIu64
		       " too_large=%" PRIu64 " failed=%" PRIu64 "\n",
		       k->kept, k->known, k->n, k->total, k->evicted, k->missed, k->too_large,
		       k->failed);
}

void monitor_files__summary(void)
{
	char opens[24] = "off";

	if (!running)
		return;
	if (files.opens_on)
		snprintf(opens, sizeof(opens), "%" PRIu64, files.opens_seen);
	pr_say("summary: files watched_filesystems=%zu refused_filesystems=%u notifications=%" PRIu64
	       " reported=%" PRIu64 " out_of_scope=%" PRIu64 " unaggregated=%" PRIu64
	       " hashed=%" PRIu64 " hash_skipped=%" PRIu64 " opens_for_writing=%s"
	       " (on a notified file %" PRIu64 ", from the descriptor %" PRIu64
	       "); lost queue_overflow=%" PRIu64 " unreadable_reads=%" PRIu64
	       " open_ringbuf_full=%" PRIu64 " open_unresolved=%" PRIu64 "\n",
	       files.mon.nmounts, files.mon.mark_failed, files.notes, files.reported,
	       files.out_of_scope, files.unaggregated, files.hashed, files.hash_skipped,
	       opens, files.opens_matched,
	       files.opens_resolved, files.mon.overflows, files.mon.malformed,
	       file_opens__lost(&files.opens), files.opens_unresolved);
	file_tracker__close(&files);
	running = false;
}

uint64_t monitor_files__overflows(void)
{
	return running ? files.mon.overflows : 0;
}

void monitor_files__opens_lost(uint64_t *ring_full, uint64_t *unresolved)
{
	*ring_full = running ? file_opens__lost(&files.opens) : 0;
	*unresolved = running ? files.opens_unresolved : 0;
}
