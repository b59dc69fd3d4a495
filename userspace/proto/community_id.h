/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_COMMUNITY_ID_H
#define WHOFLOW_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#define COMMUNITY_ID_LEN 31 /* "1:" + 28 base64 characters + NUL */

/*
 * Community ID v1 (corelight/community-id-spec) of a flow, so whoflow's events
 * join Zeek's and Suricata's. Addresses in network order (4 or 16 bytes by
 * family), ports in host order; for ICMP/ICMPv6 pass type as sport and code as
 * dport. Writes "1:<base64>" to out; returns 0, or -1 if out is too small.
 */
int community_id__v1(uint16_t seed, int family, const uint8_t *saddr, const uint8_t *daddr,
		     uint8_t proto, uint16_t sport, uint16_t dport, char *out, size_t outsz);

#endif
