// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "privs.h"
#include "log.h"

#define BTF_PATH "/sys/kernel/btf/vmlinux"

struct cap_need {
	int bit;
	const char *name;
};

/* CAP_SYS_ADMIN covers mounting cgroup2 and older kernels without CAP_BPF. */
static const struct cap_need needs[] = {
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
	{ CAP_PERFMON, "CAP_PERFMON" },
	{ CAP_BPF, "CAP_BPF" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
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

/* The capabilities privs__check wants or a monitor keeps, by name. */
static const struct cap_need names[] = {
	{ CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" },
	{ CAP_FOWNER, "CAP_FOWNER" },
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
	{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
	{ CAP_PERFMON, "CAP_PERFMON" },
	{ CAP_BPF, "CAP_BPF" },
};

void privs__names(uint64_t set, char *out, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (set & PRIV_CAP(names[i].bit))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? ", " : "",
				 names[i].name);
}

/* The calling thread's effective and permitted sets, nothing inheritable. */
static int privs__caps_self(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * glibc changes the ids of every thread (setresuid is process-wide in POSIX);
 * the kernel clears each thread's capabilities as its uid leaves 0, except in
 * a thread that set keep-caps, a per-thread flag: only this one. It then
 * narrows what it kept to keep.
 */
int privs__become(const char *name, uint64_t keep, bool user_groups)
{
	struct passwd *pw = getpwnam(name);

	if (!pw) {
		pr_say("no user %s on this host\n", name);
		return -1;
	}
	if (!pw->pw_uid)
		return 0; /* root asked for: nothing to give up */
	if ((keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) ||
	    (user_groups ? initgroups(pw->pw_name, pw->pw_gid) : setgroups(0, NULL)) ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) || (keep && privs__caps_self(keep)) ||
	    (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0)) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		pr_say("cannot run as %s: %m\n", name);
		return -1;
	}
	if (!setuid(0)) {
		pr_say("could take root back after running as %s: stopping\n", name);
		return -1;
	}
	return 0;
}
