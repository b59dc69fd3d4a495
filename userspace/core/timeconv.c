// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "timeconv.h"

static int64_t boot_to_real_offset;
static uint64_t ticks_per_sec = 100;

static uint64_t clock__ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void timeconv__init(void)
{
	/* Sampled once: wall-clock jumps after startup shift later timestamps, as in tcpdump. */
	uint64_t b1 = clock__ns(CLOCK_BOOTTIME), r = clock__ns(CLOCK_REALTIME);
	uint64_t b2 = clock__ns(CLOCK_BOOTTIME);
	long hz = sysconf(_SC_CLK_TCK);

	boot_to_real_offset = (int64_t)r - (int64_t)(b1 + (b2 - b1) / 2);
	if (hz > 0)
		ticks_per_sec = hz;
}

void timeconv__init_offline(void)
{
	timeconv__init();
	boot_to_real_offset = 0;
}

uint64_t timeconv__boot_to_real(uint64_t boot_ns)
{
	return boot_ns + boot_to_real_offset;
}

uint64_t timeconv__now_boot(void)
{
	return clock__ns(CLOCK_BOOTTIME);
}

uint64_t timeconv__mono_to_boot(void)
{
	uint64_t mono = clock__ns(CLOCK_MONOTONIC), boot = clock__ns(CLOCK_BOOTTIME);

	return boot > mono ? boot - mono : 0;
}

/*
 * 2026-12-01T13:00:00.123456789Z. Every event has one or two: the date and time of day are
 * made once per second (each thread keeps its last), the nanoseconds by hand.
 */
void timeconv__rfc3339(uint64_t real_ns, char *out, size_t outsz)
{
	static __thread time_t last_sec = -1;
	static __thread char base[32];
	static __thread size_t base_len;
	time_t sec = real_ns / 1000000000ull;
	uint64_t frac = real_ns % 1000000000ull;
	char text[48];
	struct tm tm;

	if (sec != last_sec) {
		gmtime_r(&sec, &tm);
		base_len = strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = sec;
	}
	memcpy(text, base, base_len);
	text[base_len] = '.';
	for (int i = 9; i >= 1; i--, frac /= 10)
		text[base_len + i] = '0' + frac % 10;
	text[base_len + 10] = 'Z';
	if (outsz) { /* as snprintf would: cut to outsz, always terminated */
		size_t n = base_len + 11 < outsz ? base_len + 11 : outsz - 1;

		memcpy(out, text, n);
		out[n] = '\0';
	}
}

uint64_t timeconv__ticks_per_sec(void)
{
	return ticks_per_sec;
}
