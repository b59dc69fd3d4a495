/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OWNER_H
#define WHOFLOW_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "event.h"
#include "sock_events.h"


/*
 * Resolves a kernel owner record: completes a pending one from the owner map,
 * looks the process up, and names the reason when the owner is unknown.
 * hook/has_sk: where the packet was seen, and whether it carried a socket.
 */
void owner__view(struct owner_view *v, const struct owner_ctx *ctx, const struct wf_owner *o,
		 __u8 attr, __u8 hook, bool has_sk);

/*
 * The process a file notification names (fanotify gives its pid): attribution
 * "pid" when the table has it (start_ns: the process it was then, 0: any),
 * else unknown:process_not_tracked.
 */
void owner__pid_view(struct owner_view *v, const struct owner_ctx *ctx, pid_t pid,
		     uint64_t start_ns);

#endif
