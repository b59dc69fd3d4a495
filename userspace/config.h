/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CONFIG_H
#define WHOFLOW_CONFIG_H

#include <stdbool.h>
#include "filter.h"
#include "strlist.h"

enum output_format {
	OUTPUT_TEXT,
	OUTPUT_JSON,
};

/* Everything the command line decides, for every subcommand. */
struct config {
	struct strlist ifaces; /* -i, repeatable */
	const char *netns; /* --netns NAME|PATH */
	const char *cgroup; /* --cgroup PATH, NULL: the cgroup2 root */
	enum output_format format;
	long count; /* -c: stop after this many events, 0 = no limit */
	bool line_buffered; /* -l, or stdout is not a terminal */
	bool show_forks;
	bool hash_binaries;
	bool env;
	unsigned long buffer_kib; /* -B: ring buffer size */
	unsigned short dns_ports[8]; /* --dns-ports; 0 ends the list */
	unsigned long long flow_idle_ns; /* --flow-timeouts IDLE,ACTIVE */
	unsigned long long flow_active_ns;
	struct proc_filter filter;
	int nexpr; /* trailing filter expression words */
	char **expr;
};

#endif
