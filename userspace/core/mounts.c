// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <mntent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "log.h"
#include "mounts.h"

static char tmp_mount[64];

static int mounts__find_in(const char *table, const char *fstype, char *out, size_t outsz)
{
	FILE *f = setmntent(table, "r");
	struct mntent *m;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, fstype)) {
			snprintf(out, outsz, "%s", m->mnt_dir);
			err = 0;
			break;
		}
	}
	endmntent(f);
	return err;
}

int mounts__find(const char *fstype, char *out, size_t outsz)
{
	return mounts__find_in("/proc/mounts", fstype, out, outsz);
}

/*
 * Whether mounts made here are the host's. Where pid 1's namespace cannot be
 * read (a sandboxed init), the answer is assumed yes.
 */
/* `ip netns exec NAME` mounts a fresh sysfs on /sys named after the namespace. */
static bool mounts__in_ip_netns_exec(void)
{
	FILE *f = setmntent("/proc/mounts", "r");
	struct mntent *m;
	bool yes = false;

	while (f && (m = getmntent(f))) {
		char path[PATH_MAX];

		if (strcmp(m->mnt_dir, "/sys") || strcmp(m->mnt_type, "sysfs") ||
		    !strcmp(m->mnt_fsname, "sysfs") || strchr(m->mnt_fsname, '/'))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", m->mnt_fsname);
		yes = !access(path, F_OK);
	}
	if (f)
		endmntent(f);
	return yes;
}

static bool mounts__same_ns_as_init(void)
{
	struct stat a, b;

	if (mounts__in_ip_netns_exec())
		return false;
	if (stat("/proc/self/ns/mnt", &a) || stat("/proc/1/ns/mnt", &b))
		return true;
	return a.st_ino == b.st_ino;
}

/*
 * Pins must outlive the command that made them, so they live in the host's
 * bpffs, reached through /proc/1/root when this command sees another /sys
 * (`ip netns exec`). A host without bpffs gets one at /sys/fs/bpf.
 */
int mounts__bpffs_lookup(char *out, size_t outsz, bool warn)
{
	char dir[PATH_MAX];

	if (!mounts__find("bpf", out, outsz))
		return 0;
	if (mounts__same_ns_as_init() || mounts__find_in("/proc/1/mounts", "bpf", dir, sizeof(dir)))
		return -ENOENT;
	snprintf(out, outsz, "/proc/1/root%s", dir);
	if (access(out, X_OK)) {
		if (warn)
			pr_warn("the host's BPF file system (%s) cannot be reached from this mount namespace "
				"(%m): run whoflow outside 'ip netns exec' and name the namespace "
				"with --netns\n",
				dir);
		return -EACCES;
	}
	return 0;
}

int mounts__bpffs(char *out, size_t outsz)
{
	char dir[PATH_MAX];

	if (mounts__same_ns_as_init()) {
		if (!mounts__find("bpf", out, outsz))
			return 0;
		if (mount("bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0700")) {
			pr_warn("the BPF file system is not mounted and mounting it on /sys/fs/bpf "
				"failed: %m. Mount it with 'mount -t bpf bpf /sys/fs/bpf'\n");
			return -errno;
		}
		pr_info("mounted the BPF file system on /sys/fs/bpf\n");
		snprintf(out, outsz, "/sys/fs/bpf");
		return 0;
	}
	if (mounts__find_in("/proc/1/mounts", "bpf", dir, sizeof(dir))) {
		pr_warn("the host has no BPF file system mounted: mount it with 'mount -t bpf bpf "
			"/sys/fs/bpf' (outside 'ip netns exec')\n");
		return -ENOENT;
	}
	snprintf(out, outsz, "/proc/1/root%s", dir);
	return 0;
}

bool mounts__is_cgroup2(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static int mounts__private_ns(void)
{
	if (unshare(CLONE_NEWNS)) {
		pr_warn("cannot create a private mount namespace to mount cgroup2: %m\n");
		return -errno;
	}
	/* Slave, not private: host mounts still reach us, ours never reach the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		pr_warn("cannot make / a slave mount: %m\n");
		return -errno;
	}
	return 0;
}

int mounts__cgroup2(char *out, size_t outsz)
{
	const char *target = "/sys/fs/cgroup";
	int err;

	if (!mounts__find("cgroup2", out, outsz))
		return 0;
	pr_info("cgroup2 is not mounted here; mounting it in a private mount namespace\n");
	err = mounts__private_ns();
	if (err)
		goto fail;
	if (mount("cgroup2", target, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		snprintf(tmp_mount, sizeof(tmp_mount), "/tmp/whoflow-cgroup2.XXXXXX");
		if (!mkdtemp(tmp_mount) || mount("cgroup2", tmp_mount, "cgroup2",
						 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
			err = -errno;
			goto fail;
		}
		target = tmp_mount;
	}
	snprintf(out, outsz, "%s", target);
	return 0;
fail:
	pr_warn("cgroup2 is not mounted and mounting it failed (%s). Mount it with "
		"'mount -t cgroup2 none /sys/fs/cgroup/unified' or run whoflow outside "
		"'ip netns exec' and select the namespace with --netns\n",
		strerror(-err));
	return err;
}

void mounts__cleanup(void)
{
	if (!tmp_mount[0])
		return;
	umount2(tmp_mount, MNT_DETACH);
	rmdir(tmp_mount);
	tmp_mount[0] = '\0';
}

bool mounts__made_own(void)
{
	return tmp_mount[0] != '\0';
}
