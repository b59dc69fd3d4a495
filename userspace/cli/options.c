// SPDX-License-Identifier: GPL-2.0-only
/* The option table, and --help and getopt's tables made from it (see options.h). */
#include <string.h>
#include "options.h"

#define OPTS_SECTION(title)                          \
	{                                            \
		0, NULL, NULL, title, OPTDEF_SECTION \
	}

static const char usage_head[] =
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
	"\n";

static const char usage_tail[] =
	"FILTER EXPRESSION: tcpdump's syntax, run in the kernel (libpcap compiles it);\n"
	"for attach and detach, trailing words are interface names instead.\n"
	"\n"
	"whoflow prints 'whoflow: ready' on stderr once every hook is attached. SIGINT or\n"
	"SIGTERM flush pending events, remove the hooks and print a summary on stderr.\n";

const struct option_def option_defs[] = {
	OPTS_SECTION("Commands:"),
	{ 0, "monitor", NULL,
	  "report events as they happen (the default); reads\nthe pinned classifiers' maps when attach made them",
	  OPTDEF_COMMAND },
	{ 0, "attach IFACE...", NULL,
	  "attach the classifiers to interfaces and pin them\nand their maps in <bpffs>/whoflow: they keep\ncounting and buffering while no agent runs",
	  OPTDEF_COMMAND },
	{ OPT_XDP, "xdp", NULL,
	  "attach, monitor: take ingress with XDP (libxdp) on\nEthernet devices, TC keeps egress; never displaces\nanother XDP program",
	  0 },
	{ OPT_XDP_MODE, "xdp-mode", "native|skb", "XDP driver mode (default) or generic mode", 0 },
	{ OPT_TC_MODE, "tc-mode", "auto|tcx|clsact",
	  "attach, monitor: how the classifiers hang on\nTC: TCX links (Linux 6.6+), which the kernel\nremoves with their last holder (the monitor, or\nattach's pins); clsact filters, which stay until\nremoved; auto (default): TCX where the kernel has\nit, else clsact",
	  0 },
	{ 0, "detach IFACE...|--all", NULL, "remove what attach attached (exit 3: not attached)",
	  OPTDEF_COMMAND },
	{ OPT_ALL, "all", NULL, NULL, OPTDEF_HIDDEN },
	{ OPT_STALE, "stale", NULL,
	  "remove what a whoflow that died left (its clsact\nfilters and XDP program, a clsact it made, unused\npins); status lists them",
	  0 },
	{ 0, "status", NULL, "list pinned attachments in every namespace", OPTDEF_COMMAND },
	OPTS_SECTION("Scope and output:"),
	{ 'i', "interface", "IFACE",
	  "interface to watch, repeatable (default: every\ninterface that is up, and those that come up later;\nloopback only when named)",
	  0 },
	{ OPT_EXCLUDE, "exclude", "GLOB", "leave out interfaces matching GLOB, repeatable", 0 },
	{ OPT_NETNS, "netns", "NAME|PATH", "watch interfaces in that network namespace, repeatable",
	  0 },
	{ OPT_CGROUP, "cgroup", "PATH",
	  "cgroup2 directory whose subtree is tracked\n(default: the cgroup2 root, i.e. the whole host)",
	  0 },
	{ 'o', "output", "text|json", "output format (default: text)", 0 },
	{ OPT_JSON, "json", NULL, "same as -o json: ECS-style JSON lines", 0 },
	{ 'c', "count", "N", "exit after N events", 0 },
	{ 'l', "line-buffered", NULL,
	  "write each line at once (default: a terminal line by\nline, a pipe or file each batch of events)",
	  0 },
	{ 'B', "buffer-size", "KiB",
	  "size of each kernel ring buffer (default: 2048 for\nprocess events, 4096 for packet events)",
	  0 },
	{ 'v', "verbose", NULL, "more messages; repeat for more (-vvv: libbpf debug)", 0 },
	{ 'h', "help", NULL, "this text", 0 },
	{ 'V', "version", NULL, "print the version", 0 },
	OPTS_SECTION("Process events:"),
	{ OPT_SHOW_FORKS, "show-forks", NULL, "also report fork events", 0 },
	{ OPT_HASH, "hash-binaries", NULL, "add MD5 and SHA-256 of each executable", 0 },
	{ OPT_ENV, "env", NULL,
	  "add the environment at exec (secret-looking values\nredacted: *TOKEN* *SECRET* *PASSWORD* *KEY* *CREDENTIAL*)",
	  0 },
	OPTS_SECTION("Packet events:"),
	{ OPT_DNS_PORTS, "dns-ports", "PORTS",
	  "UDP and TCP ports decoded as DNS, comma list (default: 53)", 0 },
	{ OPT_FLOW_TIMEOUTS, "flow-timeouts", "IDLE,ACTIVE",
	  "report a flow after IDLE seconds without packets, or\nevery ACTIVE seconds while it lasts (default: 15,1800)",
	  OPTDEF_HELP_BELOW },
	{ OPT_FLOW_TABLE, "flow-table", "N",
	  "flows tracked at once (default: 65536); new flows\nbeyond are counted as lost, never evict others",
	  0 },
	{ OPT_SOCKET_TABLE, "socket-table", "N",
	  "sockets whose owner is remembered (default: 65536);\nbeyond, the longest-unused are forgotten",
	  0 },
	OPTS_SECTION(
		"Packet selectors (all given must match; comma lists match any item). Port,\naddress and direction selectors run in the kernel: left-out packets cost no work."),
	{ 'Q', "direction", "in|out|inout", "packets received, sent, or both (default)", 0 },
	{ OPT_PORT, "port", "PORT[,PORT]", "either port; --sport and --dport for one side", 0 },
	{ OPT_SPORT, "sport", "PORT[,PORT]", NULL, 0 },
	{ OPT_DPORT, "dport", "PORT[,PORT]", NULL, 0 },
	{ OPT_HOST, "host", "ADDR[/LEN]",
	  "either address (IPv4 or IPv6 network), repeatable;\n--src and --dst for one side", 0 },
	{ OPT_SRC, "src", "ADDR[/LEN]", NULL, 0 },
	{ OPT_DST, "dst", "ADDR[/LEN]", NULL, 0 },
	{ OPT_DOMAIN, "domain", "GLOB",
	  "DNS events by question, TLS events by SNI, HTTP events\nby Host (case-insensitive), repeatable",
	  0 },
	{ OPT_SNI, "sni", "GLOB", "TLS events by SNI, repeatable", 0 },
	{ OPT_DNS_TYPE, "dns-type", "TYPE[,TYPE]", "DNS events by question type (A, AAAA, MX, ...)",
	  0 },
	{ OPT_TLS_VERSION, "tls-version", "V[,V]",
	  "TLS events by negotiated version (1.2, 1.3, ...)", 0 },
	{ 'D', "list-interfaces", NULL, "list the interfaces that can be watched, and exit", 0 },
	OPTS_SECTION("Capture (like tcpdump's; events are not printed while capturing):"),
	{ 'w', "write", "FILE",
	  "write the selected packets to FILE, '-' for stdout,\neach annotated with its owning process (pcapng comment)",
	  0 },
	{ OPT_PCAP_FORMAT, "pcap-format", "pcapng|pcap", "file format (default: pcapng)", 0 },
	{ 's', "snaplen", "N", "bytes of each packet to keep (default and largest: 65535)", 0 },
	{ 'c', NULL, "N", "with -w: stop after N packets written", OPTDEF_DOC_ONLY },
	{ 'C', "file-size", "MB", "start a new file when this one exceeds MB million bytes", 0 },
	{ 'G', "rotate-seconds", "N", "start a new file every N seconds (FILE may hold strftime %)",
	  0 },
	{ 'W', "file-count", "N", "with -C: reuse N files in turn; with -G: stop after N files",
	  0 },
	{ 'r', "read", "FILE",
	  "decode a pcap or pcapng file with the same classifier\ninstead of watching interfaces (no process events)",
	  0 },
	OPTS_SECTION(
		"Process selectors, of process events and of network events by their owner\n(all given must match; comma lists match any item):"),
	{ OPT_PID, "pid", "PID[,PID]", "these processes", 0 },
	{ OPT_PPID, "ppid", "PID[,PID]", "children of these processes", 0 },
	{ OPT_TREE, "tree", "PID[,PID]",
	  "these processes and all their descendants, also later ones", 0 },
	{ OPT_COMM, "comm", "NAME[,NAME]", "by command name (comm)", 0 },
	{ OPT_EXE, "exe", "GLOB", "by executable path (shell glob), repeatable", 0 },
	{ OPT_CMDLINE, "cmdline", "TEXT", "by a substring of the command line, repeatable", 0 },
	{ OPT_CONTAINER, "container", "PREFIX", "by container id prefix, repeatable", 0 },
	{ OPT_CGROUP_PATH, "cgroup-path", "GLOB",
	  "by cgroup v2 path (shell glob, from the cgroup2 root),\nrepeatable; --cgroup keeps its meaning, the scope",
	  0 },
	{ OPT_MIN_DURATION, "min-duration", "MS",
	  "exit events only of processes that lived this long", 0 },
};

const size_t option_defs_n = sizeof(option_defs) / sizeof(option_defs[0]);

/* Help starts in this column; an option's words that reach it push the help on. */
#define HELP_COL 27

static void usage__help(FILE *f, const char *help, size_t col_len, unsigned int flags)
{
	const char *line = help;

	if (flags & OPTDEF_HELP_BELOW)
		col_len = HELP_COL + 1; /* as if too wide: the help goes below */
	for (int first = 1; line; first = 0) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);

		if (first && col_len <= HELP_COL - 2)
			fprintf(f, "%*s", (int)(HELP_COL - col_len), "");
		else if (first && !(flags & OPTDEF_HELP_BELOW))
			fputs("  ", f);
		else
			fprintf(f, "\n%*s", HELP_COL, "");
		fprintf(f, "%.*s", n, line);
		line = nl ? nl + 1 : NULL;
	}
}

static void usage__entry(FILE *f, const struct option_def *d)
{
	char col[96];
	int len;

	if (d->flags & OPTDEF_COMMAND)
		len = snprintf(col, sizeof(col), "  %s", d->name);
	else if (!d->name)
		len = snprintf(col, sizeof(col), "  -%c%s%s", d->id, d->arg ? " " : "",
			       d->arg ? d->arg : "");
	else
		len = snprintf(col, sizeof(col), "  %c%c%c --%s%s%s", d->id < 256 ? '-' : ' ',
			       d->id < 256 ? d->id : ' ', d->id < 256 ? ',' : ' ', d->name,
			       d->arg ? " " : "", d->arg ? d->arg : "");
	fputs(col, f);
	if (d->help)
		usage__help(f, d->help, (size_t)len, d->flags);
	fputc('\n', f);
}

void options__usage(FILE *f)
{
	fputs(usage_head, f);
	for (size_t i = 0; i < option_defs_n; i++) {
		if (option_defs[i].flags & OPTDEF_SECTION)
			fprintf(f, "%s%s\n", i ? "\n" : "", option_defs[i].help);
		else if (!(option_defs[i].flags & OPTDEF_HIDDEN))
			usage__entry(f, &option_defs[i]);
	}
	fputs("\n", f);
	fputs(usage_tail, f);
}

void options__getopt(struct option *longs, size_t max, char *shorts, size_t shorts_max)
{
	size_t nl = 0, ns = 0;

	if (shorts_max)
		shorts[ns++] = ':'; /* a missing argument is told apart from an unknown option */
	for (size_t i = 0; i < option_defs_n; i++) {
		const struct option_def *d = &option_defs[i];

		if (d->flags & (OPTDEF_COMMAND | OPTDEF_SECTION | OPTDEF_DOC_ONLY))
			continue;
		if (d->name && nl + 1 < max)
			longs[nl++] =
				(struct option){ d->name, d->arg ? required_argument : no_argument,
						 NULL, d->id };
		if (d->id < 256 && ns + 3 < shorts_max) {
			shorts[ns++] = (char)d->id;
			if (d->arg)
				shorts[ns++] = ':';
		}
	}
	longs[nl] = (struct option){ 0 };
	if (shorts_max)
		shorts[ns < shorts_max ? ns : shorts_max - 1] = '\0';
}
