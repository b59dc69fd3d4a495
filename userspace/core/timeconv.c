// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
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

void timeconv__rfc3339(uint64_t real_ns, char *out, size_t outsz)
{
	time_t sec = real_ns / 1000000000ull;
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outsz, "%s.%09lluZ", base, (unsigned long long)(real_ns % 1000000000ull));
}

uint64_t timeconv__ticks_per_sec(void)
{
	return ticks_per_sec;
}
