/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_NET_FMT_H
#define WHOFLOW_NET_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Words both sinks print for network events. */
const char *proto__name(uint8_t proto, char *buf, size_t n);
void tcp_flags__text(uint8_t f, char *out, size_t n);
bool proto__has_ports(uint8_t p);
/* The kernel's TCP state names (include/net/tcp_states.h): ESTABLISHED ... CLOSING. */
const char *tcp_state__name(uint8_t state, char *buf, size_t n);

#endif
