/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OPTIONS_H
#define WHOFLOW_OPTIONS_H

/*
 * The command line's tables: the subcommands, and each option's name,
 * argument, default, help, section and the subcommands that take it. Every
 * command's --help, getopt's tables, the defaults a run starts from and the
 * docs' checks all come from them (tests/integration/test_cli.py compares
 * docs/usage.md and the man page with each command's --help).
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
	OPT_DROPS,
	OPT_DROPS_ALL,
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
	OPT_LOG_DIR,
	OPT_LOG_FORMAT,
	OPT_LOG_ROTATE_SIZE,
	OPT_LOG_ROTATE_INTERVAL,
	OPT_LOG_KEEP,
	OPT_LOG_COMPRESS,
	OPT_TABLE,
	OPT_LEGEND,
	OPT_SYSLOG,
	OPT_SYSLOG_FACILITY,
	OPT_SYSLOG_SEVERITY,
	OPT_DB,
	OPT_DB_RETAIN,
	OPT_DB_MAX_SIZE,
	OPT_API,
	OPT_API_TOKEN_FILE,
	OPT_API_ALLOW_WRITE,
	OPT_USER,
	OPT_RULES,
	OPT_UDP,
	OPT_UDP_MAX_SIZE,
	OPT_METRICS,
	OPT_IPFIX,
	OPT_IPFIX_DOMAIN,
	OPT_IPFIX_PEN,
	OPT_IPFIX_REFRESH,
	OPT_NATS,
	OPT_NATS_SUBJECT,
	OPT_NATS_STREAM,
	OPT_NATS_QUEUE,
	OPT_NATS_DRAIN,
	OPT_NATS_CREDS,
	OPT_NATS_TOKEN_FILE,
	OPT_NATS_CA,
	OPT_POD,
	OPT_K8S_NAMESPACE,
	OPT_DOCKER_SOCKET,
	OPT_PODMAN_SOCKET,
	OPT_CONTAINERD_SOCKET,
	OPT_NO_CONTAINER_META,
	OPT_CONTAINER_LABEL,
	OPT_FILES,
	OPT_FILES_ALL,
	OPT_FILE_WRITES,
	OPT_FILE_PATH,
	OPT_HASH_FILES,
	OPT_HASH_MAX_SIZE,
	OPT_PRESERVE_BINARIES,
	OPT_PRESERVE_MAX_SIZE,
	OPT_PRESERVE_MAX_FILE,
};

/* The subcommands, as bits: an option names those that take it. */
enum command_id {
	CMD_MONITOR = 1,
	CMD_ATTACH = 2,
	CMD_DETACH = 4,
	CMD_STATUS = 8,
	CMD_SERVE = 16,
	CMD_RULES = 32,
	CMD_ANY = 63,
};

enum option_flags {
	OPTDEF_DOC_ONLY = 1, /* a second line for an option listed elsewhere (-c N with -w) */
	OPTDEF_SECTION = 2, /* a section title (help holds it) */
	OPTDEF_DEF_TEXT = 4, /* def only describes the default: nothing to apply */
};

struct option_def {
	int id; /* getopt's value: the letter, or an enum option_id; 0 for titles */
	const char *name; /* long name, or NULL (letter only) */
	const char *arg; /* the argument's name in --help, NULL: none */
	const char *help; /* one paragraph; --help wraps it */
	const char *def; /* the default: parsed as if given first, and shown in --help */
	unsigned int cmds; /* enum command_id bits: the subcommands that take it */
	unsigned int flags;
};

struct command_def {
	unsigned int id; /* enum command_id */
	const char *name;
	const char *usage; /* its usage line(s), after "Usage: " */
	const char *summary; /* one paragraph, for --help */
	const char *words; /* what trailing words are, NULL: it takes none */
};

extern const struct option_def option_defs[];
extern const size_t option_defs_n;
extern const struct command_def command_defs[];
extern const size_t command_defs_n;

/* --help: every command and option (cmd NULL), or one command's own. */
void options__usage(FILE *f, const struct command_def *cmd);
/* getopt_long's tables, of every option: long (NULL-terminated, at most max),
 * short ("" + ":"). Options of other commands are refused after getopt. */
void options__getopt(struct option *longs, size_t max, char *shorts, size_t shorts_max);
/* The option a getopt value stands for, NULL if none. */
const struct option_def *options__find(int id);
const struct command_def *options__command(const char *name);
/* "monitor and status": the commands in a mask, for messages. */
void options__command_names(unsigned int cmds, char *buf, size_t n);
/* A decimal number up to max (no sign, nothing after it): 0, or -1. */
int options__ulong(const char *s, unsigned long max, unsigned long *out);

#endif
