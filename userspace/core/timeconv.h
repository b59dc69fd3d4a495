/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_TIMECONV_H
#define WHOFLOW_TIMECONV_H

#include <stddef.h>
#include <stdint.h>

/* Kernel events carry CLOCK_BOOTTIME; output wants wall-clock time. */
void timeconv__init(void);
/* -r: event times are capture times already (wall clock): no offset. */
void timeconv__init_offline(void);
uint64_t timeconv__boot_to_real(uint64_t boot_ns);
uint64_t timeconv__now_boot(void);
/* What CLOCK_BOOTTIME is ahead of CLOCK_MONOTONIC (the time spent suspended). */
uint64_t timeconv__mono_to_boot(void);
/* RFC 3339 UTC with nanoseconds: 2026-11-22T02:23:10.123456789Z */
void timeconv__rfc3339(uint64_t real_ns, char *out, size_t outsz);
/* Clock ticks (as in /proc/PID/stat) per second. */
uint64_t timeconv__ticks_per_sec(void);

#endif
