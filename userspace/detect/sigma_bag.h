/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SIGMA_BAG_H
#define WHOFLOW_SIGMA_BAG_H

#include "event.h"
#include "sigma.h"

/* One reading of an event: its category, its fields, and the process they name (NULL:
 * the event's own, for process events). */
typedef void (*sigma_bag_fn)(void *ctx, enum sigma_cat cat, struct sigma_bag *b,
			     const struct owner_view *ov);

/*
 * Reads a joined event as Sigma sees it: an exec as process_creation, a flow
 * as network_connection once per local end, a DNS query or answer, an HTTP
 * request as proxy (and webserver). Categories without rules in set are not
 * read at all.
 */
void sigma_bag__events(const struct event *ev, const struct sigma_set *set, sigma_bag_fn fn,
		       void *ctx);
/* Frees the cache of resolved images and joined command lines (at exit). */
void sigma_bag__forget_images(void);

#endif
