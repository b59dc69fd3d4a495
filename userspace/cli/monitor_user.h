/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MONITOR_USER_H
#define WHOFLOW_MONITOR_USER_H

#include "config.h"

struct api;

/* --user NAME with the monitor: a usage error for what cannot run without root (2), or 0. */
int monitor_user__check(const struct config *cfg);

/*
 * Once everything is loaded and attached: the monitor runs as cfg->run_user,
 * its loop's thread keeping only the capabilities it still uses, the others
 * none (docs/usage.md, "--user NAME"). Nothing without --user. 0, or 1 after
 * saying why.
 */
int monitor_user__drop(const struct config *cfg, struct api *api);

#endif
