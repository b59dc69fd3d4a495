// SPDX-License-Identifier: GPL-2.0-only
/* Command line: a subcommand table, tcpdump's letters where they mean the same. */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "config.h"
#include "log.h"
#include "monitor.h"
#include "cmd_pin.h"
#include "xdp.h"

#define WHOFLOW_VERSION "0.1.0"

struct command {
	const char *name;
	int (*run)(struct config *cfg);
	const char *summary;
};

static const struct command commands[] = {
	{ "monitor", monitor__run, "report process events as they happen (the default)" },
	{ "attach", cmd__attach, "attach and pin the classifiers on interfaces" },
	{ "detach", cmd__detach, "remove what attach attached and pinned" },
	{ "status", cmd__status, "list whoflow's pinned attachments" },
};

static const char usage_text[] =
	"Usage: whoflow [monitor] [--xdp] [OPTIONS] [FILTER EXPRESSION]\n"
	"       whoflow attach IFACE... [--xdp [--xdp-mode native|skb]] [--netns NAME]\n"
	"                      [--cgroup PATH] [packet options]\n"
	"       whoflow detach IFACE...|--all|--stale [--netns NAME]\n"
	"       whoflow status [--json]\n"
	"\n"
	"Reports which process did what on this host: exec, exit and (optionally) fork,\n"
	"with command line, parent, user, cgroup and container; and what crossed the\n"
	"watched interfaces: flow records, DNS messages, TLS hellos and HTTP requests.\n"
	"A trailing FILTER EXPRESSION (tcpdump's syntax) selects packets in the kernel.\n"
	"\n"
	"Commands:\n"
	"  monitor                  report events as they happen (the default); reads\n"
	"                           the pinned classifiers' maps when attach made them\n"
	"  attach IFACE...          attach the classifiers to interfaces and pin them\n"
	"                           and their maps in <bpffs>/whoflow: they keep\n"
	"                           counting and buffering while no agent runs\n"
	"      --xdp                attach, monitor: take ingress with XDP (libxdp) on\n"
	"                           Ethernet devices, TC keeps egress; never displaces\n"
	"                           another XDP program\n"
	"      --xdp-mode native|skb  XDP driver mode (default) or generic mode\n"
	"      --tc-mode auto|tcx|clsact  attach, monitor: how the classifiers hang on\n"
	"                           TC: TCX links (Linux 6.6+), which the kernel\n"
	"                           removes with their last holder (the monitor, or\n"
	"                           attach's pins); clsact filters, which stay until\n"
	"                           removed; auto (default): TCX where the kernel has\n"
	"                           it, else clsact\n"
	"  detach IFACE...|--all    remove what attach attached (exit 3: not attached)\n"
	"      --stale              remove what a whoflow that died left (its clsact\n"
	"                           filters and XDP program, a clsact it made, unused\n"
	"                           pins); status lists them\n"
	"  status                   list pinned attachments in every namespace\n"
	"\n"
	"Scope and output:\n"
	"  -i, --interface IFACE    interface to watch, repeatable (default: every\n"
	"                           interface that is up, and those that come up later;\n"
	"                           loopback only when named)\n"
	"      --exclude GLOB       leave out interfaces matching GLOB, repeatable\n"
	"      --netns NAME|PATH    watch interfaces in that network namespace, repeatable\n"
	"      --cgroup PATH        cgroup2 directory whose subtree is tracked\n"
	"                           (default: the cgroup2 root, i.e. the whole host)\n"
	"  -o, --output text|json   output format (default: text)\n"
	"      --json               same as -o json: ECS-style JSON lines\n"
	"  -c, --count N            exit after N events\n"
	"  -l, --line-buffered      write each line at once (default: a terminal line by\n"
	"                           line, a pipe or file each batch of events)\n"
	"  -B, --buffer-size KiB    size of each kernel ring buffer (default: 2048 for\n"
	"                           process events, 4096 for packet events)\n"
	"  -v, --verbose            more messages; repeat for more (-vvv: libbpf debug)\n"
	"  -h, --help               this text\n"
	"  -V, --version            print the version\n"
	"\n"
	"Process events:\n"
	"      --show-forks         also report fork events\n"
	"      --hash-binaries      add MD5 and SHA-256 of each executable\n"
	"      --env                add the environment at exec (secret-looking values\n"
	"                           redacted: *TOKEN* *SECRET* *PASSWORD* *KEY* *CREDENTIAL*)\n"
	"\n"
	"Packet events:\n"
	"      --dns-ports PORTS    UDP and TCP ports decoded as DNS, comma list (default: 53)\n"
	"      --flow-timeouts IDLE,ACTIVE\n"
	"                           report a flow after IDLE seconds without packets, or\n"
	"                           every ACTIVE seconds while it lasts (default: 15,1800)\n"
	"      --flow-table N       flows tracked at once (default: 65536); new flows\n"
	"                           beyond are counted as lost, never evict others\n"
	"      --socket-table N     sockets whose owner is remembered (default: 65536);\n"
	"                           beyond, the longest-unused are forgotten\n"
	"\n"
	"Packet selectors (all given must match; comma lists match any item). Port,\n"
	"address and direction selectors run in the kernel: left-out packets cost no work.\n"
	"  -Q, --direction in|out|inout  packets received, sent, or both (default)\n"
	"      --port PORT[,PORT]   either port; --sport and --dport for one side\n"
	"      --sport PORT[,PORT]\n"
	"      --dport PORT[,PORT]\n"
	"      --host ADDR[/LEN]    either address (IPv4 or IPv6 network), repeatable;\n"
	"                           --src and --dst for one side\n"
	"      --src ADDR[/LEN]\n"
	"      --dst ADDR[/LEN]\n"
	"      --domain GLOB        DNS events by question, TLS events by SNI, HTTP events\n"
	"                           by Host (case-insensitive), repeatable\n"
	"      --sni GLOB           TLS events by SNI, repeatable\n"
	"      --dns-type TYPE[,TYPE]  DNS events by question type (A, AAAA, MX, ...)\n"
	"      --tls-version V[,V]  TLS events by negotiated version (1.2, 1.3, ...)\n"
	"  -D, --list-interfaces    list the interfaces that can be watched, and exit\n"
	"\n"
	"Capture (like tcpdump's; events are not printed while capturing):\n"
	"  -w, --write FILE         write the selected packets to FILE, '-' for stdout,\n"
	"                           each annotated with its owning process (pcapng comment)\n"
	"      --pcap-format pcapng|pcap  file format (default: pcapng)\n"
	"  -s, --snaplen N          bytes of each packet to keep (default and largest: 65535)\n"
	"  -c N                     with -w: stop after N packets written\n"
	"  -C, --file-size MB       start a new file when this one exceeds MB million bytes\n"
	"  -G, --rotate-seconds N   start a new file every N seconds (FILE may hold strftime %)\n"
	"  -W, --file-count N       with -C: reuse N files in turn; with -G: stop after N files\n"
	"  -r, --read FILE          decode a pcap or pcapng file with the same classifier\n"
	"                           instead of watching interfaces (no process events)\n"
	"\n"
	"Process selectors, of process events and of network events by their owner\n"
	"(all given must match; comma lists match any item):\n"
	"      --pid PID[,PID]      these processes\n"
	"      --ppid PID[,PID]     children of these processes\n"
	"      --tree PID[,PID]     these processes and all their descendants, also later ones\n"
	"      --comm NAME[,NAME]   by command name (comm)\n"
	"      --exe GLOB           by executable path (shell glob), repeatable\n"
	"      --cmdline TEXT       by a substring of the command line, repeatable\n"
	"      --container PREFIX   by container id prefix, repeatable\n"
	"      --cgroup-path GLOB   by cgroup v2 path (shell glob, from the cgroup2 root),\n"
	"                           repeatable; --cgroup keeps its meaning, the scope\n"
	"      --min-duration MS    exit events only of processes that lived this long\n"
	"\n"
	"FILTER EXPRESSION: tcpdump's syntax, run in the kernel (libpcap compiles it);\n"
	"for attach and detach, trailing words are interface names instead.\n"
	"\n"
	"whoflow prints 'whoflow: ready' on stderr once every hook is attached. SIGINT or\n"
	"SIGTERM flush pending events, remove the hooks and print a summary on stderr.\n";

enum long_only {
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

static const struct option long_options[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "count", required_argument, NULL, 'c' },
	{ "line-buffered", no_argument, NULL, 'l' },
	{ "buffer-size", required_argument, NULL, 'B' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "show-forks", no_argument, NULL, OPT_SHOW_FORKS },
	{ "hash-binaries", no_argument, NULL, OPT_HASH },
	{ "env", no_argument, NULL, OPT_ENV },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "ppid", required_argument, NULL, OPT_PPID },
	{ "tree", required_argument, NULL, OPT_TREE },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "exe", required_argument, NULL, OPT_EXE },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "cgroup-path", required_argument, NULL, OPT_CGROUP_PATH },
	{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
	{ "dns-ports", required_argument, NULL, OPT_DNS_PORTS },
	{ "flow-timeouts", required_argument, NULL, OPT_FLOW_TIMEOUTS },
	{ "direction", required_argument, NULL, 'Q' },
	{ "list-interfaces", no_argument, NULL, 'D' },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "dport", required_argument, NULL, OPT_DPORT },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "src", required_argument, NULL, OPT_SRC },
	{ "dst", required_argument, NULL, OPT_DST },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "sni", required_argument, NULL, OPT_SNI },
	{ "dns-type", required_argument, NULL, OPT_DNS_TYPE },
	{ "tls-version", required_argument, NULL, OPT_TLS_VERSION },
	{ "flow-table", required_argument, NULL, OPT_FLOW_TABLE },
	{ "socket-table", required_argument, NULL, OPT_SOCKET_TABLE },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "stale", no_argument, NULL, OPT_STALE },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "xdp", no_argument, NULL, OPT_XDP },
	{ "write", required_argument, NULL, 'w' },
	{ "snaplen", required_argument, NULL, 's' },
	{ "file-size", required_argument, NULL, 'C' },
	{ "rotate-seconds", required_argument, NULL, 'G' },
	{ "file-count", required_argument, NULL, 'W' },
	{ "pcap-format", required_argument, NULL, OPT_PCAP_FORMAT },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "tc-mode", required_argument, NULL, OPT_TC_MODE },
	{ "read", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

static int usage__error(const char *fmt, const char *arg)
{
	fputs("whoflow: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'whoflow --help' for more information.\n", stderr);
	return 2;
}

static int parse__ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
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
		if (parse__ulong(arg, 1000000000ul, &ms))
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
		if (parse__ulong(l.v[i], 65535, &port) || !port)
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
		if (parse__ulong(l.v[i], 65535, &port) || cfg->pkt.nports[list] >= 8) {
			fprintf(stderr, "whoflow: bad %s '%s' (ports 0-65535, 8 at most)\n", opt,
				arg);
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
	if (slash && parse__ulong(slash, prefix, &prefix))
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

/* --flow-timeouts IDLE,ACTIVE in seconds. */
static int parse__flow_timeouts(struct config *cfg, const char *arg)
{
	unsigned long idle, active;
	char *comma = strchr(arg, ','), buf[32];

	if (!comma || (size_t)(comma - arg) >= sizeof(buf))
		return usage__error("bad --flow-timeouts '%s' (IDLE,ACTIVE in seconds)", arg);
	memcpy(buf, arg, comma - arg);
	buf[comma - arg] = '\0';
	if (parse__ulong(buf, 86400, &idle) || parse__ulong(comma + 1, 86400 * 7, &active) ||
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
		else
			return usage__error("bad --output '%s' (text or json)", arg);
		return 0;
	case OPT_JSON:
		cfg->format = OUTPUT_JSON;
		return 0;
	case 'c':
		if (parse__ulong(arg, 1ul << 62, &v) || !v)
			return usage__error("bad --count '%s' (a positive number)", arg);
		cfg->count = v;
		return 0;
	case 'l':
		cfg->line_buffered = true;
		return 0;
	case 'B':
		if (parse__ulong(arg, 4ul << 20, &v) || v < 4)
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
		if (parse__ulong(arg, 1ul << 24, &v) || v < 16)
			return usage__error("bad --flow-table '%s' (16 to 16777216 flows)", arg);
		cfg->flow_table = v;
		return 0;
	case 'w':
		cfg->write_file = arg;
		return 0;
	case 's':
		if (parse__ulong(arg, 262144, &v))
			return usage__error("bad -s '%s' (bytes, 0 for the largest)", arg);
		cfg->snaplen = v;
		return 0;
	case 'C':
		if (parse__ulong(arg, 1ul << 30, &v) || !v)
			return usage__error("bad -C '%s' (megabytes, 1 or more)", arg);
		cfg->rotate_mb = v;
		return 0;
	case 'G':
		if (parse__ulong(arg, 1ul << 30, &v) || !v)
			return usage__error("bad -G '%s' (seconds, 1 or more)", arg);
		cfg->rotate_seconds = v;
		return 0;
	case 'W':
		if (parse__ulong(arg, 1ul << 20, &v) || !v)
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
		if (parse__ulong(arg, 1ul << 24, &v) || v < 16)
			return usage__error("bad --socket-table '%s' (16 to 16777216 sockets)", arg);
		cfg->socket_table = v;
		return 0;
	case 'D':
		cfg->list_ifaces = true;
		return 0;
	case 'r':
		cfg->read_file = arg;
		return 0;
	}
	rc = parse__packet_option(cfg, opt, arg);
	return rc >= 0 ? rc : parse__selector(cfg, opt, arg);
}

/* Returns -1 to go on, else the exit code (0 after --help/--version, 2 on bad usage). */
static int parse__args(struct config *cfg, int argc, char **argv)
{
	int opt, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:o:c:lB:vhVQ:Dr:w:s:C:G:W:", long_options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		if (opt == 'V') {
			printf("whoflow %s (libbpf %s)\n", WHOFLOW_VERSION,
			       libbpf_version_string());
			return 0;
		}
		if (opt == '?')
			return usage__error("unknown option '%s'", argv[optind - 1]);
		if (opt == ':')
			return usage__error("option '%s' needs a value", argv[optind - 1]);
		rc = parse__option(cfg, opt, optarg);
		if (rc)
			return rc;
	}
	cfg->nexpr = argc - optind;
	cfg->expr = argv + optind;
	if (cfg->read_file && cfg->xdp)
		return usage__error("%s: a file is replayed through the TC program, not XDP",
				    "--xdp with -r");
	return -1;
}

static const struct command *command__find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
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
}

int main(int argc, char **argv)
{
	struct config cfg = { .format = OUTPUT_TEXT,
			      .buffer_kib = 0, /* each ring its default */
			      .dns_ports = { 53 },
			      .flow_idle_ns = 15 * 1000000000ull,
			      .flow_active_ns = 1800 * 1000000000ull,
			      .flow_table = 65536,
			      .socket_table = 65536,
			      .pkt = { .hooks = 3 } };
	const struct command *cmd = &commands[0];
	int rc;

	if (argc > 1 && argv[1][0] != '-' && command__find(argv[1])) {
		cmd = command__find(argv[1]);
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	rc = parse__args(&cfg, argc, argv);
	if (rc < 0) {
		libbpf_set_print(log__libbpf);
		xdp__init_logging();
		rc = cmd->run(&cfg);
	}
	config__free(&cfg);
	return rc;
}
