// SPDX-License-Identifier: GPL-2.0-only
/* fanotify's event records with directory file handles and names (see fsnote.h). */
#include <string.h>
#include <sys/fanotify.h>
#include "fsnote.h"

#ifndef FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
#define FAN_EVENT_INFO_TYPE_OLD_DFID_NAME 10
#define FAN_EVENT_INFO_TYPE_NEW_DFID_NAME 12
#endif

/* An info record with a handle (and a name after it, for the DFID_NAME kinds). */
static int info__handle(const unsigned char *p, size_t len, bool named, uint32_t fsid[2],
			struct fs_handle *h, const char **name)
{
	/* header (4), fsid (8), handle_bytes (4), handle_type (4), f_handle[] */
	size_t fixed = 4 + 8 + 8;
	uint32_t bytes;

	if (len < fixed)
		return -1;
	memcpy(fsid, p + 4, 8);
	memcpy(&bytes, p + 12, 4);
	memcpy(&h->type, p + 16, 4);
	if (bytes > len - fixed)
		return -1;
	h->bytes = bytes;
	h->f_handle = p + fixed;
	if (!named)
		return 0;
	/* The name follows, NUL-terminated, padded to the record's end. */
	if (bytes == len - fixed || !memchr(p + fixed + bytes, '\0', len - fixed - bytes))
		return -1;
	*name = (const char *)p + fixed + bytes;
	return 0;
}

static int note__info(struct fs_note *n, const unsigned char *p, size_t len)
{
	uint8_t type = p[0];
	uint16_t ilen;

	memcpy(&ilen, p + 2, 2);
	if (ilen < 4 || ilen > len)
		return -1;
	switch (type) {
	case FAN_EVENT_INFO_TYPE_DFID_NAME:
		n->has_dir = true;
		return info__handle(p, ilen, true, n->fsid, &n->dir, &n->name) ? -1 : ilen;
	case FAN_EVENT_INFO_TYPE_DFID:
		n->has_dir = true;
		return info__handle(p, ilen, false, n->fsid, &n->dir, NULL) ? -1 : ilen;
	case FAN_EVENT_INFO_TYPE_FID:
		n->has_obj = true;
		return info__handle(p, ilen, false, n->fsid, &n->obj, NULL) ? -1 : ilen;
	case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
		n->has_old = true;
		return info__handle(p, ilen, true, n->fsid, &n->old_dir, &n->old_name) ? -1 : ilen;
	case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
		n->has_new = true;
		return info__handle(p, ilen, true, n->fsid, &n->new_dir, &n->new_name) ? -1 : ilen;
	default:
		return ilen; /* a kind this reader does not use (a pidfd, an error): skipped */
	}
}

int fsnote__parse(const void *buf, size_t len, void (*fn)(void *ctx, const struct fs_note *n),
		  void *ctx)
{
	const unsigned char *p = buf;
	int count = 0;

	while (len >= sizeof(struct fanotify_event_metadata)) {
		struct fanotify_event_metadata m;
		struct fs_note n = { 0 };
		size_t off;

		memcpy(&m, p, sizeof(m));
		if (m.event_len < sizeof(m) || m.event_len > len || m.metadata_len < sizeof(m) ||
		    m.metadata_len > m.event_len || m.vers != FANOTIFY_METADATA_VERSION)
			return -1;
		n.mask = m.mask;
		n.pid = m.pid;
		for (off = m.metadata_len; off + 4 <= m.event_len;) {
			int used = note__info(&n, p + off, m.event_len - off);

			if (used < 0)
				return -1;
			off += (size_t)used;
		}
		if (off != m.event_len)
			return -1;
		fn(ctx, &n);
		count++;
		p += m.event_len;
		len -= m.event_len;
	}
	return len ? -1 : count;
}
