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

#endif
