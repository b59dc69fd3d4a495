// SPDX-License-Identifier: GPL-2.0-only
/* Command line: a subcommand table, tcpdump's letters where they mean the same. */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "api.h"
#include "attach.h"
#include "config.h"
#include "filter.h"
#include "log.h"
#include "log_libbpf.h"
#include "log_rows.h"
#include "syslog_target.h"
#include "monitor.h"
#include "options.h"
#include "parse_container.h"
#include "parse_export.h"
#include "parse_files.h"
#include "cmd_pin.h"
#include "cmd_rules.h"
#include "cmd_serve.h"
#include "xdp.h"

#define WHOFLOW_VERSION "0.1.0"

struct command {
	unsigned int id; /* enum command_id: its row in options.c's command_defs */
	int (*run)(struct config *cfg);
};

static const struct command commands[] = {
	{ CMD_MONITOR, monitor__run }, { CMD_ATTACH, cmd__attach }, { CMD_DETACH, cmd__detach },
	{ CMD_STATUS, cmd__status },   { CMD_SERVE, cmd__serve }, { CMD_RULES, cmd__rules },
};

/* "whoflow", or "whoflow attach" once a command was named: where --help is. */
static char usage_where[32] = "whoflow";

static int usage__error(const char *fmt, const char *arg)
{
	fputs("whoflow: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", usage_where);
	return 2;
}

/* Selector options; returns 0, or 2 after printing a usage error. */
static int parse__selector(struct config *cfg, int opt, const char *arg)
{
	struct proc_filter *f = &cfg->filter;
	unsigned long ms;

	switch (opt) {
	case OPT_PID:
		return pidlist__add_csv(&f->pids, arg) ? usage__error("bad --pid '%s'", arg) : 0;
	case OPT_PPID:
		return pidlist__add_csv(&f->ppids, arg) ? usage__error("bad --ppid '%s'", arg) : 0;
	case OPT_TREE:
		return pidlist__add_csv(&f->trees, arg) ? usage__error("bad --tree '%s'", arg) : 0;
	case OPT_COMM:
		return strlist__add_csv(&f->comms, arg) ? 2 : 0;
	case OPT_EXE:
		return strlist__add(&f->exes, arg) ? 2 : 0;
	case OPT_CMDLINE:
		return strlist__add(&f->cmdlines, arg) ? 2 : 0;
	case OPT_CONTAINER:
		return strlist__add(&f->containers, arg) ? 2 : 0;
	case OPT_CGROUP_PATH:
		return strlist__add(&f->cgroup_paths, arg) ? 2 : 0;
	case OPT_MIN_DURATION:
		if (options__ulong(arg, 1000000000ul, &ms))
			return usage__error("bad --min-duration '%s' (milliseconds)", arg);
		f->min_duration_ns = ms * 1000000ull;
		f->has_min_duration = true;
		return 0;
	}
	return usage__error("unknown option%s", "");
}

/* --dns-ports 53,5353: replaces the default list (up to 8 ports). */
static int parse__dns_ports(struct config *cfg, const char *arg)
{
	struct strlist l = { 0 };
	unsigned long port;
	int rc = 0;

	memset(cfg->dns_ports, 0, sizeof(cfg->dns_ports));
	if (strlist__add_csv(&l, arg) || !l.n || l.n > 8)
		rc = usage__error("bad --dns-ports '%s' (1 to 8 ports, comma-separated)", arg);
	for (size_t i = 0; !rc && i < l.n; i++) {
		if (options__ulong(l.v[i], 65535, &port) || !port)
			rc = usage__error("bad port in --dns-ports '%s'", arg);
		else
			cfg->dns_ports[i] = (unsigned short)port;
	}
	strlist__free(&l);
	return rc;
}

/* --port/--sport/--dport 53,443: adds to that list (8 ports at most). */
static int parse__ports(struct config *cfg, int list, const char *opt, const char *arg)
{
	struct strlist l = { 0 };
	unsigned long port;
	int rc = 0;

	if (strlist__add_csv(&l, arg) || !l.n)
		rc = usage__error("bad port list '%s'", arg);
	for (size_t i = 0; !rc && i < l.n; i++) {
		if (options__ulong(l.v[i], 65535, &port) || cfg->pkt.nports[list] >= 8) {
			pr_say("bad %s '%s' (ports 0-65535, 8 at most)\n", opt, arg);
			rc = 2;
		} else {
			cfg->pkt.ports[list][cfg->pkt.nports[list]++] = (unsigned short)port;
		}
	}
	strlist__free(&l);
	return rc;
}

/* --host/--src/--dst ADDR[/PREFIX], IPv4 or IPv6 (8 per option at most). */
static int parse__net(struct config *cfg, int list, const char *opt, const char *arg)
{
	struct net_filter *n = &cfg->pkt.nets[list][cfg->pkt.nnets[list]];
	char addr[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long prefix;

	snprintf(addr, sizeof(addr), "%s", arg);
	slash = strchr(addr, '/');
	if (slash)
		*slash++ = '\0';
	if (cfg->pkt.nnets[list] >= 8)
		return usage__error("too many networks in %s (8 at most)", opt);
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, addr, n->addr) == 1)
		n->family = 4, prefix = 32;
	else if (inet_pton(AF_INET6, addr, n->addr) == 1)
		n->family = 6, prefix = 128;
	else
		return usage__error(
			"bad address '%s' (an IPv4 or IPv6 address, optionally /PREFIX)", arg);
	if (slash && options__ulong(slash, prefix, &prefix))
		return usage__error("bad prefix length in '%s'", arg);
	n->prefix = (unsigned char)prefix;
	cfg->pkt.nnets[list]++;
	return 0;
}

static int parse__direction(struct config *cfg, const char *arg)
{
	if (!strcmp(arg, "in"))
		cfg->pkt.hooks = 1;
	else if (!strcmp(arg, "out"))
		cfg->pkt.hooks = 2;
	else if (!strcmp(arg, "inout"))
		cfg->pkt.hooks = 3;
	else
		return usage__error("bad -Q '%s' (in, out or inout)", arg);
	return 0;
}

/* Packet selectors; returns 0, 2 after a usage error, or -1 when opt is not one. */
static int parse__packet_option(struct config *cfg, int opt, const char *arg)
{
	switch (opt) {
	case 'Q':
		return parse__direction(cfg, arg);
	case OPT_PORT:
		return parse__ports(cfg, 0, "--port", arg);
	case OPT_SPORT:
		return parse__ports(cfg, 1, "--sport", arg);
	case OPT_DPORT:
		return parse__ports(cfg, 2, "--dport", arg);
	case OPT_HOST:
		return parse__net(cfg, 0, "--host", arg);
	case OPT_SRC:
		return parse__net(cfg, 1, "--src", arg);
	case OPT_DST:
		return parse__net(cfg, 2, "--dst", arg);
	case OPT_DOMAIN:
		return strlist__add(&cfg->pkt.domains, arg) ? 2 : 0;
	case OPT_SNI:
		return strlist__add(&cfg->pkt.snis, arg) ? 2 : 0;
	case OPT_DNS_TYPE:
		return strlist__add_csv(&cfg->pkt.dns_types, arg) ? 2 : 0;
	case OPT_TLS_VERSION:
		return strlist__add_csv(&cfg->pkt.tls_versions, arg) ? 2 : 0;
	}
	return -1;
}

/* A number with an optional unit: --db-retain 7d (s m h d), --db-max-size 1G (K M G, of 1024). */
static int parse__db_limit(struct config *cfg, int opt, const char *arg)
{
	static const char units[2][5] = { "smhd", "KMG" };
	static const unsigned long long mult[2][4] = { { 1, 60, 3600, 86400 },
						       { 1024, 1048576, 1073741824 } };
	bool size = opt == OPT_DB_MAX_SIZE;
	unsigned long long v, m = 1;
	const char *u;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end && !end[1] && (u = strchr(units[size], *end)))
		m = mult[size][u - units[size]];
	else if (*end)
		end = NULL;
	if (errno || !end || end == arg || *arg == '-' || !v || v > (1ull << 50) / m)
		return usage__error(
			size ? "bad --db-max-size '%s' (bytes, or a number with K, M "
			       "or G)" :
			       "bad --db-retain '%s' (seconds, or a number with s, m, h "
			       "or d)",
			arg);
	if (size)
		cfg->db_max_bytes = v * m;
	else
		cfg->db_retain_s = (unsigned long)(v * m);
	return 0;
}

/* --syslog and its facility and severity: checked now, so a typo is a usage error. */
static int parse__syslog(struct config *cfg, int opt, const char *arg)
{
	struct syslog_target t;

	if (opt == OPT_SYSLOG_FACILITY && syslog_target__facility(arg) < 0)
		return usage__error("bad --syslog-facility '%s' (daemon, user, local0 ... local7, "
				    "...)",
				    arg);
	if (opt == OPT_SYSLOG_SEVERITY && syslog_target__severity(arg) < 0)
		return usage__error("bad --syslog-severity '%s' (emerg, alert, crit, err, "
				    "warning, notice, info, debug)",
				    arg);
	if (opt == OPT_SYSLOG && syslog_target__parse(&t, arg, NULL, NULL)) {
		fprintf(stderr, "whoflow: bad --syslog '%s': %s\n", arg, t.error);
		fprintf(stderr, "Try '%s --help' for more information.\n", usage_where);
		return 2;
	}
	if (opt == OPT_SYSLOG)
		cfg->syslog_target = arg;
	else if (opt == OPT_SYSLOG_FACILITY)
		cfg->syslog_facility = arg;
	else
		cfg->syslog_severity = arg;
	return 0;
}

/* --flow-timeouts IDLE,ACTIVE in seconds. */
static int parse__flow_timeouts(struct config *cfg, const char *arg)
{
	unsigned long idle, active;
	char *comma = strchr(arg, ','), buf[32];

	if (!comma || (size_t)(comma - arg) >= sizeof(buf))
		return usage__error("bad --flow-timeouts '%s' (IDLE,ACTIVE in seconds)", arg);
	memcpy(buf, arg, comma - arg);
	buf[comma - arg] = '\0';
	if (options__ulong(buf, 86400, &idle) || options__ulong(comma + 1, 86400 * 7, &active) ||
	    !idle || !active)
		return usage__error("bad --flow-timeouts '%s' (IDLE,ACTIVE in seconds)", arg);
	cfg->flow_idle_ns = idle * 1000000000ull;
	cfg->flow_active_ns = active * 1000000000ull;
	return 0;
}

static int parse__option(struct config *cfg, int opt, const char *arg)
{
	unsigned long v;
	int rc;

	switch (opt) {
	case 'i':
		return strlist__add(&cfg->ifaces, arg) ? 2 : 0;
	case OPT_NETNS:
		if (!cfg->netns)
			cfg->netns = arg;
		return strlist__add(&cfg->netnses, arg) ? 2 : 0;
	case OPT_CGROUP:
		cfg->cgroup = arg;
		return 0;
	case 'o':
		if (!strcmp(arg, "json"))
			cfg->format = OUTPUT_JSON;
		else if (!strcmp(arg, "text"))
			cfg->format = OUTPUT_TEXT;
		else if (!strcmp(arg, "table"))
			cfg->format = OUTPUT_TABLE;
		else
			return usage__error("bad --output '%s' (text, json or table)", arg);
		return 0;
	case OPT_TABLE:
		cfg->format = OUTPUT_TABLE;
		return 0;
	case OPT_JSON:
		cfg->format = OUTPUT_JSON;
		return 0;
	case 'c':
		if (options__ulong(arg, 1ul << 62, &v) || !v)
			return usage__error("bad --count '%s' (a positive number)", arg);
		cfg->count = v;
		return 0;
	case 'l':
		cfg->line_buffered = true;
		return 0;
	case 'B':
		if (options__ulong(arg, 4ul << 20, &v) || v < 4)
			return usage__error("bad --buffer-size '%s' (KiB, 4 to 4194304)", arg);
		cfg->buffer_kib = v;
		return 0;
	case 'v':
		log_verbosity++;
		return 0;
	case OPT_SHOW_FORKS:
		cfg->show_forks = true;
		return 0;
	case OPT_HASH:
		cfg->hash_binaries = true;
		return 0;
	case OPT_ENV:
		cfg->env = true;
		return 0;
	case OPT_DNS_PORTS:
		return parse__dns_ports(cfg, arg);
	case OPT_FLOW_TIMEOUTS:
		return parse__flow_timeouts(cfg, arg);
	case OPT_FLOW_TABLE:
		if (options__ulong(arg, 1ul << 24, &v) || v < 16)
			return usage__error("bad --flow-table '%s' (16 to 16777216 flows)", arg);
		cfg->flow_table = v;
		return 0;
	case 'w':
		cfg->write_file = arg;
		return 0;
	case 's':
		if (options__ulong(arg, 262144, &v))
			return usage__error("bad -s '%s' (bytes, 0 for the largest)", arg);
		cfg->snaplen = v;
		return 0;
	case 'C':
		if (options__ulong(arg, 1ul << 30, &v) || !v)
			return usage__error("bad -C '%s' (megabytes, 1 or more)", arg);
		cfg->rotate_mb = v;
		return 0;
	case 'G':
		if (options__ulong(arg, 1ul << 30, &v) || !v)
			return usage__error("bad -G '%s' (seconds, 1 or more)", arg);
		cfg->rotate_seconds = v;
		return 0;
	case 'W':
		if (options__ulong(arg, 1ul << 20, &v) || !v)
			return usage__error("bad -W '%s' (a file count, 1 or more)", arg);
		cfg->rotate_files = v;
		return 0;
	case OPT_PCAP_FORMAT:
		if (strcmp(arg, "pcap") && strcmp(arg, "pcapng"))
			return usage__error("bad --pcap-format '%s' (pcapng or pcap)", arg);
		cfg->pcap_classic = !strcmp(arg, "pcap");
		return 0;
	case OPT_XDP:
		cfg->xdp = true;
		return 0;
	case OPT_DROPS:
		cfg->drops = true;
		return 0;
	case OPT_DROPS_ALL:
		cfg->drops = cfg->drops_all = true;
		return 0;
	case OPT_XDP_MODE:
		if (strcmp(arg, "native") && strcmp(arg, "skb"))
			return usage__error("bad --xdp-mode '%s' (native or skb)", arg);
		cfg->xdp_skb = !strcmp(arg, "skb");
		cfg->xdp = true;
		return 0;
	case OPT_TC_MODE:
		if (!strcmp(arg, "auto"))
			cfg->tc_mode = TC_MODE_AUTO;
		else if (!strcmp(arg, "tcx"))
			cfg->tc_mode = TC_MODE_TCX;
		else if (!strcmp(arg, "clsact"))
			cfg->tc_mode = TC_MODE_CLSACT;
		else
			return usage__error("bad --tc-mode '%s' (auto, tcx or clsact)", arg);
		return 0;
	case OPT_EXCLUDE:
		return strlist__add(&cfg->excludes, arg) ? 2 : 0;
	case OPT_ALL:
		cfg->detach_all = true;
		return 0;
	case OPT_STALE:
		cfg->detach_stale = true;
		return 0;
	case OPT_SOCKET_TABLE:
		if (options__ulong(arg, 1ul << 24, &v) || v < 16)
			return usage__error("bad --socket-table '%s' (16 to 16777216 sockets)",
					    arg);
		cfg->socket_table = v;
		return 0;
	case 'D':
		cfg->list_ifaces = true;
		return 0;
	case OPT_LOG_DIR:
		cfg->log_dir = arg;
		return 0;
	case OPT_LOG_FORMAT:
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			return usage__error("bad --log-format '%s' (text or json)", arg);
		cfg->log_json = !strcmp(arg, "json");
		return 0;
	case OPT_LOG_ROTATE_SIZE:
		if (options__ulong(arg, 1ul << 30, &v) || !v)
			return usage__error("bad --log-rotate-size '%s' (megabytes, 1 or more)",
					    arg);
		cfg->log_rotate_mb = v;
		return 0;
	case OPT_LOG_ROTATE_INTERVAL:
		if (options__ulong(arg, 1ul << 30, &v) || !v)
			return usage__error("bad --log-rotate-interval '%s' (seconds, 1 or more)",
					    arg);
		cfg->log_rotate_seconds = v;
		return 0;
	case OPT_LOG_KEEP:
		if (options__ulong(arg, 1000, &v) || !v)
			return usage__error("bad --log-keep '%s' (1 to 1000 files)", arg);
		cfg->log_keep = v;
		return 0;
	case OPT_LOG_COMPRESS:
		cfg->log_compress = true;
		return 0;
	case OPT_DB:
		cfg->db_path = arg;
		return 0;
	case OPT_RULES: {
		char why[512];

		if (access(arg, R_OK)) {
			snprintf(why, sizeof(why), "%s: %s", arg, strerror(errno));
			return usage__error("--rules %s (a directory or file of Sigma rules)", why);
		}
		return strlist__add(&cfg->rules_dirs, arg) ? usage__error("%s", "out of memory") : 0;
	}
	case OPT_API:
		if (api__check_listen(arg))
			return usage__error(
				"bad --api '%s' (ADDR:PORT or [ADDR6]:PORT: an address, "
				"not a name, and a port 1-65535)",
				arg);
		cfg->api_listen = arg;
		return 0;
	case OPT_API_TOKEN_FILE:
		cfg->api_token_file = arg;
		return 0;
	case OPT_API_ALLOW_WRITE:
		cfg->api_allow_write = true;
		return 0;
	case OPT_USER:
		if (!getpwnam(arg))
			return usage__error("bad --user '%s' (no such user on this host)", arg);
		cfg->run_user = arg;
		return 0;
	case OPT_DB_RETAIN:
	case OPT_DB_MAX_SIZE:
		return parse__db_limit(cfg, opt, arg);
	case OPT_SYSLOG:
	case OPT_SYSLOG_FACILITY:
	case OPT_SYSLOG_SEVERITY:
		return parse__syslog(cfg, opt, arg);
	case 'r':
		cfg->read_file = arg;
		return 0;
	}
	rc = parse__packet_option(cfg, opt, arg);
	if (rc < 0)
		rc = parse_export__option(cfg, opt, arg, usage__error);
	if (rc < 0)
		rc = parse_container__option(cfg, opt, arg, usage__error);
	if (rc < 0)
		rc = parse_files__option(cfg, opt, arg, usage__error);
	return rc >= 0 ? rc : parse__selector(cfg, opt, arg);
}

/* An option the command does not take is refused, naming the commands that do. */
static int parse__applies(const struct command_def *cmd, int opt, bool as_long)
{
	const struct option_def *d = options__find(opt);
	char names[64], what[64];

	if (!d || (d->cmds & cmd->id))
		return 0;
	options__command_names(d->cmds, names, sizeof(names));
	if (d->id < 256 && !as_long)
		snprintf(what, sizeof(what), "-%c", d->id);
	else
		snprintf(what, sizeof(what), "--%s", d->name);
	fprintf(stderr, "whoflow: %s does not apply to %s; it is an option of %s\n", what,
		cmd->name, names);
	fprintf(stderr, "Try '%s --help' for more information.\n", usage_where);
	return 2;
}

/* Every default the option table gives as a value is applied through the same
 * parser as the command line, so --help and the behaviour cannot disagree. */
static void parse__defaults(struct config *cfg)
{
	for (size_t i = 0; i < option_defs_n; i++) {
		const struct option_def *d = &option_defs[i];

		if (d->def && !(d->flags & (OPTDEF_DEF_TEXT | OPTDEF_SECTION)) &&
		    parse__option(cfg, d->id, d->def))
			abort(); /* a bad default in the table: caught by every test */
	}
}

/* Returns -1 to go on, else the exit code (0 after --help/--version, 2 on bad usage). */
static int parse__args(struct config *cfg, const struct command_def *cmd, bool named, int argc,
		       char **argv)
{
	struct option longs[128];
	char shorts[64];
	int opt, rc, li;

	options__getopt(longs, sizeof(longs) / sizeof(longs[0]), shorts, sizeof(shorts));
	opterr = 0;
	while ((li = -1, opt = getopt_long(argc, argv, shorts, longs, &li)) != -1) {
		if (opt == 'h') {
			options__usage(stdout, named ? cmd : NULL);
			return 0;
		}
		if (opt == 'V') {
			printf("whoflow %s (libbpf %s)\n", WHOFLOW_VERSION,
			       libbpf_version_string());
			return 0;
		}
		if (opt == '?')
			return usage__error("unknown option '%s'", argv[optind - 1]);
		if (opt == OPT_LEGEND && !parse__applies(cmd, opt, true)) {
			log_rows__legend(stdout);
			return 0;
		}
		if (opt == ':')
			return usage__error("option '%s' needs a value", argv[optind - 1]);
		rc = parse__applies(cmd, opt, li >= 0);
		rc = rc ?: parse__option(cfg, opt, optarg);
		if (rc)
			return rc;
	}
	cfg->nexpr = argc - optind;
	cfg->expr = argv + optind;
	if (cfg->nexpr && !cmd->words)
		return usage__error("%s takes no arguments", cmd->name);
	if (cfg->read_file && cfg->xdp)
		return usage__error("%s: a file is replayed through the TC program, not XDP",
				    "--xdp with -r");
	return -1;
}

static void config__free(struct config *cfg)
{
	strlist__free(&cfg->ifaces);
	strlist__free(&cfg->excludes);
	strlist__free(&cfg->netnses);
	filter__free(&cfg->filter);
	strlist__free(&cfg->pkt.domains);
	strlist__free(&cfg->pkt.snis);
	strlist__free(&cfg->pkt.dns_types);
	strlist__free(&cfg->pkt.tls_versions);
	strlist__free(&cfg->rules_dirs);
	strlist__free(&cfg->container_labels);
	strlist__free(&cfg->file_paths);
	strlist__free(&cfg->udp_targets);
}

int main(int argc, char **argv)
{
	struct config cfg = { .ipfix_domain = 1,
			      .ipfix_pen = 32473,
			      .ipfix_refresh_s = 60,
			      .nats_subject = "whoflow",
			      .nats_stream = "WHOFLOW",
			      .nats_queue = 65536,
			      .nats_drain_s = 5 };
	const struct command_def *cmd = &command_defs[0];
	bool named = false;
	int rc;

	if (argc > 1 && argv[1][0] != '-' && options__command(argv[1])) {
		cmd = options__command(argv[1]);
		named = true;
		snprintf(usage_where, sizeof(usage_where), "whoflow %s", cmd->name);
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	parse__defaults(&cfg);
	rc = parse__args(&cfg, cmd, named, argc, argv);
	for (size_t i = 0; rc < 0 && i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].id != cmd->id)
			continue;
		libbpf_set_print(log__libbpf);
		xdp__init_logging();
		rc = commands[i].run(&cfg);
	}
	config__free(&cfg);
	return rc;
}
