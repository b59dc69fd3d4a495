/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OPTIONS_H
#define WHOFLOW_OPTIONS_H

/*
 * The command line's one table: each option's name, argument, help and
 * section. --help, getopt's tables and the docs' checks all come from it
 * (tests/integration/test_cli.py compares docs/usage.md and the man page).
 */
#include <getopt.h>
#include <stdio.h>

/* getopt values of options with no letter (those with one use the letter). */
enum option_id {
	OPT_NETNS = 256,
	OPT_CGROUP,
	OPT_JSON,
	OPT_SHOW_FORKS,
	OPT_HASH,
	OPT_ENV,
	OPT_PID,
	OPT_PPID,
	OPT_TREE,
	OPT_COMM,
	OPT_EXE,
	OPT_CMDLINE,
	OPT_CONTAINER,
	OPT_CGROUP_PATH,
	OPT_MIN_DURATION,
	OPT_DNS_PORTS,
	OPT_FLOW_TIMEOUTS,
	OPT_PORT,
	OPT_SPORT,
	OPT_DPORT,
	OPT_HOST,
	OPT_SRC,
	OPT_DST,
	OPT_DOMAIN,
	OPT_SNI,
	OPT_DNS_TYPE,
	OPT_TLS_VERSION,
	OPT_FLOW_TABLE,
	OPT_SOCKET_TABLE,
	OPT_ALL,
	OPT_STALE,
	OPT_EXCLUDE,
	OPT_XDP,
	OPT_PCAP_FORMAT,
	OPT_XDP_MODE,
	OPT_TC_MODE,
};

enum option_flags {
	OPTDEF_HELP_BELOW = 1, /* the help starts on the line below the option */
	OPTDEF_DOC_ONLY = 2, /* a second line for an option listed elsewhere (-c N with -w) */
	OPTDEF_COMMAND = 4, /* a subcommand, not an option */
	OPTDEF_SECTION = 8, /* a section title (help holds it) */
	OPTDEF_HIDDEN = 16, /* taken, but shown in its command's line instead (detach --all) */
};

struct option_def {
	int id; /* getopt's value: the letter, an enum option_id; 0 for commands and titles */
	const char *name; /* long name, the command's words, or NULL (letter only) */
	const char *arg; /* the argument's name in --help, NULL: none */
	const char *help; /* lines, '\n'-separated; NULL: none */
	unsigned int flags;
};

extern const struct option_def option_defs[];
extern const size_t option_defs_n;

/* The --help text, rendered from the table. */
void options__usage(FILE *f);
/* getopt_long's tables: long (NULL-terminated, at most max) and short ("" + ":"). */
void options__getopt(struct option *longs, size_t max, char *shorts, size_t shorts_max);

#endif
