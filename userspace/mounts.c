// SPDX-License-Identifier: GPL-2.0-only
#define _GNU_SOURCE
#include <errno.h>
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

int mounts__find(const char *fstype, char *out, size_t outsz)
{
	FILE *f = setmntent("/proc/mounts", "r");
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
