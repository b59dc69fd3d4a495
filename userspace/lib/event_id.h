/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_EVENT_ID_H
#define WHOFLOW_EVENT_ID_H

#include <stddef.h>
#include <stdint.h>

/* 32 lowercase hex digits and a NUL. */
/* The kind of ids made from no ring record: flows come from the flow table. */
#define EVENT_ID_FLOW 0x100
#define EVENT_ID_PROC 0x200 /* + enum proc_view_kind */
#define EVENT_ID_ALERT 0x300 /* a rule's match: the matched event's id and the rule's */
#define EVENT_ID_DROP 0x400 /* a window of drops of one kind */
#define EVENT_ID_FILE 0x500 /* a file record: its process and file */
#define EVENT_ID_LEN 33

/*
 * event.id: the same for the same kernel record, whoever reads it (a record
 * read again by the next agent after a SIGKILL keeps its id), different for
 * different records. The first 16 digits are the record's kernel time, so ids
 * sort by time; the last 16 a hash of the boot id (set once by
 * event_id__seed; clocks restart at boot) and the bytes that identify the
 * record. Not a secret: a label consumers use to drop doubles.
 */
void event_id__seed(const char *boot_id);
/* Over a's na bytes, then b's nb (b may be NULL with nb 0). */
void event_id__make(char out[EVENT_ID_LEN], uint64_t ts_ns, uint32_t kind, const void *a, size_t na,
		    const void *b, size_t nb);

#endif
