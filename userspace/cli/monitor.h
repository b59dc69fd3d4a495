/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MONITOR_H
#define WHOFLOW_MONITOR_H

struct config;

/* The monitor subcommand; returns the process exit code. */
int monitor__run(struct config *cfg);

#endif
