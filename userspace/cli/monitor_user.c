// SPDX-License-Identifier: GPL-2.0-only
/* --user for a monitor run: what it keeps, what it hands over, what it checks. */
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include "api.h"
#include "log.h"
#include "mounts.h"
#include "monitor_user.h"
#include "privs.h"

int monitor_user__check(const struct config *cfg)
{
	if (!cfg->run_user || !cfg->xdp)
		return 0;
	/* libxdp keeps its dispatcher's state in bpffs files only root can remove. */
	pr_say("--user and --xdp do not go together: detaching XDP at exit needs root "
	       "(leave --user out, or use the TC classifiers)\nTry 'whoflow --help' for more "
	       "information.\n");
	return 2;
}

/*
 * What the loop's thread still does after start, and needs for it:
 * CAP_BPF: every map read and update, and the links of interfaces that come up later;
 * CAP_NET_ADMIN: attaching to those interfaces;
 * CAP_SYS_PTRACE: /proc/PID/exe and cwd of other users' processes (names, hashes, copies);
 * CAP_DAC_READ_SEARCH: reading those binaries, and files by handle for --hash-files;
 * CAP_SYS_ADMIN: only for fanotify marks on filesystems mounted later (--files), for
 * entering the namespaces of --netns, and for unmounting a cgroup2 mount whoflow made,
 * with CAP_FOWNER to remove its directory.
 */
static uint64_t monitor_user__keep(const struct config *cfg)
{
	uint64_t keep = PRIV_CAP(CAP_BPF) | PRIV_CAP(CAP_NET_ADMIN) |
			PRIV_CAP(CAP_SYS_PTRACE) | PRIV_CAP(CAP_DAC_READ_SEARCH);

	if (cfg->files || cfg->netnses.n || mounts__made_own())
		keep |= PRIV_CAP(CAP_SYS_ADMIN);
	if (mounts__made_own())
		keep |= PRIV_CAP(CAP_FOWNER);
	return keep;
}

/* The store and its companions are whoflow's files: the user gets them (API writes open it). */
static int monitor_user__give_store(const char *db, const struct passwd *pw)
{
	static const char *const ext[] = { "", "-wal", "-shm" };
	char path[PATH_MAX];

	for (size_t i = 0; db && i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db, ext[i]);
		if (access(path, F_OK))
			continue;
		if (chown(path, pw->pw_uid, pw->pw_gid)) {
			pr_say("--user %s: cannot hand the store %s over: %m\n", pw->pw_name, path);
			return -1;
		}
	}
	return 0;
}

/* A directory whoflow makes files in later must be the user's to write. */
static int monitor_user__can_write(const char *user, const char *dir, const char *why)
{
	if (!dir || !access(dir, W_OK | X_OK))
		return 0;
	pr_say("--user %s: %s cannot write %s, where whoflow makes %s: give it a directory it "
	       "can write (chown %s %s), or leave --user out\n",
	       user, user, dir, why, user, dir);
	return -1;
}

static int monitor_user__check_dirs(const struct config *cfg)
{
	char wdir[PATH_MAX] = "";

	if (cfg->write_file && strcmp(cfg->write_file, "-") &&
	    (cfg->rotate_mb || cfg->rotate_seconds)) {
		snprintf(wdir, sizeof(wdir), "%s", cfg->write_file);
		snprintf(wdir, sizeof(wdir), "%s", dirname(wdir));
	}
	return monitor_user__can_write(cfg->run_user, cfg->log_dir, "the log files") ||
	       monitor_user__can_write(cfg->run_user, cfg->preserve_dir,
				       "the preserved binaries") ||
	       monitor_user__can_write(cfg->run_user,
				       cfg->api_allow_write && cfg->rules_dirs.n ?
					       cfg->rules_dirs.v[0] :
					       NULL,
				       "the rules the API uploads") ||
	       monitor_user__can_write(cfg->run_user, wdir[0] ? wdir : NULL,
				       "the capture's next files (-C, -G)");
}

int monitor_user__drop(const struct config *cfg, struct api *api)
{
	uint64_t keep = monitor_user__keep(cfg);
	char kept[160];
	struct passwd *pw;

	if (!cfg->run_user)
		return 0;
	pw = getpwnam(cfg->run_user);
	if (!pw) {
		pr_say("no user %s on this host\n", cfg->run_user);
		return 1;
	}
	if (!pw->pw_uid)
		return 0;
	if (monitor_user__give_store(cfg->db_path, pw) || api__open_pool(api) ||
	    privs__become(cfg->run_user, keep, true) || monitor_user__check_dirs(cfg))
		return 1;
	privs__names(keep, kept, sizeof(kept));
	pr_say("running as %s (uid %u); the event loop keeps %s, every other thread none\n",
	       cfg->run_user, pw->pw_uid, kept);
	return 0;
}
