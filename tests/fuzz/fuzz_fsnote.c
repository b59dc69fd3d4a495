// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: fanotify's records with directory handles and names. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "fsnote.h"

static void touch(void *ctx, const struct fs_note *n)
{
	size_t *sum = ctx;

	/* Every part the parser hands out must be readable where it says. */
	for (const char *s = n->name ? n->name : ""; *s; s++)
		(*sum)++;
	if (n->has_dir)
		for (uint32_t i = 0; i < n->dir.bytes; i++)
			*sum += n->dir.f_handle[i];
	if (n->has_obj)
		for (uint32_t i = 0; i < n->obj.bytes; i++)
			*sum += n->obj.f_handle[i];
	*sum += strlen(n->old_name ? n->old_name : "") + strlen(n->new_name ? n->new_name : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sum = 0;

	fsnote__parse(data, size, touch, &sum);
	return 0;
}
