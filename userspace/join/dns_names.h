/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DNS_NAMES_H
#define WHOFLOW_DNS_NAMES_H

#include <stdint.h>
#include "event.h"

/* A DNS answer event: its A and AAAA addresses, by the process that asked (join). */
void dns_names__learn(const struct event *ev);
/* The name that process resolved to addr (4 or 16 bytes by family), or NULL. */
const char *dns_names__find(const struct wf_owner *o, uint8_t family, const uint8_t *addr,
			    uint64_t now);
void dns_names__free(void);

#endif
