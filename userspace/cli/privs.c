// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "privs.h"
#include "log.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"

struct cap_need {
	int bit;
	const char *name;
};

/* CAP_SYS_ADMIN covers mounting cgroup2 and older kernels without CAP_BPF. */
static const struct cap_need needs[] = {
	{ 21, "CAP_SYS_ADMIN" },
	{ 38, "CAP_PERFMON" },
	{ 39, "CAP_BPF" },
	{ 12, "CAP_NET_ADMIN" },
};

static unsigned long long privs__effective(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long caps = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

int privs__check(void)
{
	unsigned long long caps = privs__effective();
	char missing[128] = "";

	for (size_t i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		if (caps & (1ull << needs[i].bit))
			continue;
		if (missing[0])
			strncat(missing, ", ", sizeof(missing) - strlen(missing) - 1);
		strncat(missing, needs[i].name, sizeof(missing) - strlen(missing) - 1);
	}
	if (missing[0]) {
		pr_say(
			"missing %s%s: run whoflow as root (sudo whoflow ...) or grant "
			"those capabilities to it\n",
			missing, geteuid() ? " (not running as root)" : "");
		return 1;
	}
	if (access(BTF_PATH, R_OK)) {
		pr_say(
			"this kernel has no BTF (%s is missing): use a kernel built with "
			"CONFIG_DEBUG_INFO_BTF=y, as Debian, Ubuntu, Fedora and RHEL ship\n",
			BTF_PATH);
		return 1;
	}
	return 0;
}
