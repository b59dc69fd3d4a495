/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SELECT_H
#define WHOFLOW_SELECT_H

#include <stdbool.h>
#include "event.h"

struct config;
struct owner_ctx;

/* Whether the selectors let the event through (network events: after the join). */
bool select__event(const struct config *cfg, const struct owner_ctx *oc, const struct event *ev);
/* Whether the process selectors (--pid, --comm, ...) let a network event's owner through. */
bool owner__selected(const struct owner_ctx *ctx, const struct owner_view *v);

#endif
