// SPDX-License-Identifier: GPL-2.0-only
/* The command and option tables, and --help and getopt's tables made from them
 * (see options.h). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include "options.h"

#define M CMD_MONITOR
#define A CMD_ATTACH
#define D CMD_DETACH
#define S CMD_STATUS
#define SV CMD_SERVE
#define R CMD_RULES

#define OPTS_SECTION(title)                                   \
	{                                                     \
		0, NULL, NULL, title, NULL, 0, OPTDEF_SECTION \
	}

const struct command_def command_defs[] = {
	{ M, "monitor", "whoflow [monitor] [--xdp] [OPTIONS] [FILTER EXPRESSION]",
	  "report events as they happen (the default); reads the pinned classifiers' maps when "
	  "attach made them",
	  "FILTER EXPRESSION" },
	{ A, "attach", "whoflow attach IFACE... [OPTIONS]",
	  "attach the classifiers to interfaces and pin them and their maps in <bpffs>/whoflow: "
	  "they keep counting and buffering while no agent runs",
	  "IFACE" },
	{ D, "detach", "whoflow detach IFACE...|--all|--stale [--netns NAME]",
	  "remove what attach attached (exit 3: not attached)", "IFACE" },
	{ S, "status", "whoflow status [--json] [--netns NAME]",
	  "list pinned attachments in every namespace", NULL },
	{ SV, "serve", "whoflow serve --db PATH [--api ADDR:PORT]",
	  "serve the HTTP API over a store that --db made, without monitoring", NULL },
	{ R, "rules", "whoflow rules check DIR...\n       whoflow rules test RULES EVENTS.jsonl",
	  "check Sigma rules: one line per rule, usable, skipped: WHY or broken: WHERE, then the "
	  "counts (exit 1 when a rule is broken); or evaluate the rules in RULES (a file or a "
	  "directory) on recorded events (whoflow --json lines, - for stdin) and print each alert "
	  "as a JSON line",
	  "check DIR... | test RULES EVENTS" },
};

const size_t command_defs_n = sizeof(command_defs) / sizeof(command_defs[0]);

static const char overview[] =
	"Reports which process did what on this host: exec, exit and (optionally) fork,\n"
	"with command line, parent, user, cgroup and container; and what crossed the\n"
	"watched interfaces: flow records, DNS messages, TLS hellos and HTTP requests.\n"
	"A trailing FILTER EXPRESSION (tcpdump's syntax) selects packets in the kernel.\n"
	"Each command takes only its own options: 'whoflow COMMAND --help' lists them.\n";

static const char usage_tail[] =
	"FILTER EXPRESSION: tcpdump's syntax, run in the kernel (libpcap compiles it);\n"
	"for attach and detach, trailing words are interface names instead.\n"
	"\n"
	"whoflow prints 'whoflow: ready' on stderr once every hook is attached. SIGINT or\n"
	"SIGTERM flush pending events, remove the hooks and print a summary on stderr.\n";

const struct option_def option_defs[] = {
	OPTS_SECTION("Scope and output:"),
	{ 'i', "interface", "IFACE",
	  "interface to watch, attach or detach, repeatable; the monitor watches every interface "
	  "that is up, and those that come up later, when none is named (loopback only when "
	  "named)",
	  NULL, M | A | D, 0 },
	{ OPT_EXCLUDE, "exclude", "GLOB", "leave out interfaces matching GLOB, repeatable", NULL, M,
	  0 },
	{ OPT_NETNS, "netns", "NAME|PATH",
	  "interfaces in that network namespace (status: where stale attachments are looked for); "
	  "the monitor watches several when repeated",
	  NULL, M | A | D | S, 0 },
	{ OPT_CGROUP, "cgroup", "PATH", "cgroup2 directory whose subtree is tracked",
	  "the cgroup2 root, i.e. the whole host", M | A, OPTDEF_DEF_TEXT },
	{ 'D', "list-interfaces", NULL, "list the interfaces that can be watched, and exit", NULL,
	  M, 0 },
	{ 'o', "output", "text|json|table",
	  "output format (status: text or json); the log files have their own, --log-format",
	  "text", M | S, 0 },
	{ OPT_JSON, "json", NULL, "same as -o json: ECS-style JSON lines", NULL, M | S, 0 },
	{ OPT_TABLE, "table", NULL,
	  "same as -o table: columns TIME EVENT COMM PID PPID DETAILS for a person at a terminal, "
	  "lines cut with '...' to its width (COLUMNS, or the terminal's)",
	  NULL, M, 0 },
	{ 'c', "count", "N", "exit after N events", NULL, M, 0 },
	{ 'l', "line-buffered", NULL, "write each line at once",
	  "a terminal line by line, a pipe or file each batch of events", M, OPTDEF_DEF_TEXT },
	{ 'B', "buffer-size", "KiB", "size of each kernel ring buffer",
	  "2048 for process events, 4096 for packet events, 131072 for -w's packet copies", M | A, OPTDEF_DEF_TEXT },
	{ 'v', "verbose", NULL, "more messages; repeat for more (-vvv: libbpf debug)", NULL,
	  CMD_ANY, 0 },
	{ 'h', "help", NULL, "this text", NULL, CMD_ANY, 0 },
	{ 'V', "version", NULL, "print the version", NULL, CMD_ANY, 0 },
	OPTS_SECTION("Hooks:"),
	{ OPT_XDP, "xdp", NULL,
	  "take ingress with XDP (libxdp) on Ethernet devices, TC keeps egress; never displaces "
	  "another XDP program",
	  NULL, M | A, 0 },
	{ OPT_XDP_MODE, "xdp-mode", "native|skb",
	  "XDP driver mode (native) or generic mode (skb); implies --xdp", "native", M | A,
	  OPTDEF_DEF_TEXT },
	{ OPT_TC_MODE, "tc-mode", "auto|tcx|clsact",
	  "how the classifiers hang on TC: tcx, TCX links (Linux 6.6+), which the kernel removes "
	  "with their last holder (the monitor, or attach's pins); clsact, filters that stay "
	  "until removed; auto, TCX where the kernel has it, else clsact",
	  "auto", M | A, 0 },
	OPTS_SECTION("Detaching:"),
	{ OPT_ALL, "all", NULL, "remove every attachment, in every namespace", NULL, D, 0 },
	{ OPT_STALE, "stale", NULL,
	  "remove what a whoflow that died left (its clsact filters and XDP program, a clsact it "
	  "made, unused pins); status lists them",
	  NULL, D, 0 },
	OPTS_SECTION("Process events:"),
	{ OPT_SHOW_FORKS, "show-forks", NULL, "also report fork events", NULL, M, 0 },
	{ OPT_HASH, "hash-binaries", NULL, "add MD5 and SHA-256 of each executable", NULL, M, 0 },
	{ OPT_ENV, "env", NULL,
	  "add the environment at exec (secret-looking values redacted: *TOKEN* *SECRET* "
	  "*PASSWORD* *KEY* *CREDENTIAL*)",
	  NULL, M, 0 },
	OPTS_SECTION("File events and preserved binaries (docs/usage.md, \"File events\"):"),
	{ OPT_FILES, "files", NULL,
	  "what processes do to files: creations, closes after writing, deletions, renames, "
	  "attribute changes; one record per file and process over a short window",
	  NULL, M, 0 },
	{ OPT_FILES_ALL, "files-all", NULL, "with --files: one event per notification", NULL, M,
	  0 },
	{ OPT_FILE_WRITES, "file-writes", NULL,
	  "with --files: count writes too (a notification per write: each write(2) on the host "
	  "costs more)",
	  NULL, M, 0 },
	{ OPT_FILE_PATH, "file-path", "GLOB",
	  "with --files: only files whose path (or name before a rename) matches, repeatable",
	  NULL, M, 0 },
	{ OPT_HASH_FILES, "hash-files", NULL,
	  "with --files: MD5 and SHA-256 of a file after its last close after writing", NULL, M,
	  0 },
	{ OPT_HASH_MAX_SIZE, "hash-max-size", "SIZE",
	  "--hash-files: larger files are not read, and say so (bytes, or with K, M or G)", "64M",
	  M, 0 },
	{ OPT_PRESERVE_BINARIES, "preserve-binaries", "DIR",
	  "keep a copy of every executable that runs (and of scripts), named by its SHA-256, "
	  "0444 in a 0700 DIR, with index.json",
	  NULL, M, 0 },
	{ OPT_PRESERVE_MAX_SIZE, "preserve-max-size", "SIZE",
	  "--preserve-binaries: at most SIZE in DIR, the least recently seen removed first",
	  "1G", M, 0 },
	{ OPT_PRESERVE_MAX_FILE, "preserve-max-file", "SIZE",
	  "--preserve-binaries: larger executables are not copied (counted)", "256M", M, 0 },
	OPTS_SECTION("Packet events:"),
	{ OPT_DNS_PORTS, "dns-ports", "PORTS", "UDP and TCP ports decoded as DNS, comma list", "53",
	  M | A, 0 },
	{ OPT_FLOW_TIMEOUTS, "flow-timeouts", "IDLE,ACTIVE",
	  "report a flow after IDLE seconds without packets, or every ACTIVE seconds while it "
	  "lasts",
	  "15,1800", M, 0 },
	{ OPT_DROPS, "drops", NULL,
	  "report packets the kernel dropped in the watched namespaces, with the reason, the "
	  "place, the flow and the process; summed per kind each second",
	  NULL, M, 0 },
	{ OPT_DROPS_ALL, "drops-all", NULL, "with --drops: one event per dropped packet", NULL, M,
	  0 },
	{ OPT_FLOW_TABLE, "flow-table", "N",
	  "flows tracked at once; new flows beyond are counted as lost, never evict others",
	  "65536", M | A, 0 },
	{ OPT_SOCKET_TABLE, "socket-table", "N",
	  "sockets whose owner is remembered; beyond, the longest-unused are forgotten", "65536",
	  M | A, 0 },
	OPTS_SECTION(
		"Packet selectors (all given must match; comma lists match any item). Port,\naddress and direction selectors run in the kernel: left-out packets cost no work."),
	{ 'Q', "direction", "in|out|inout", "packets received, sent, or both", "inout", M | A, 0 },
	{ OPT_PORT, "port", "PORT[,PORT]", "either port; --sport and --dport for one side", NULL,
	  M | A, 0 },
	{ OPT_SPORT, "sport", "PORT[,PORT]", NULL, NULL, M | A, 0 },
	{ OPT_DPORT, "dport", "PORT[,PORT]", NULL, NULL, M | A, 0 },
	{ OPT_HOST, "host", "ADDR[/LEN]",
	  "either address (IPv4 or IPv6 network), repeatable; --src and --dst for one side", NULL,
	  M | A, 0 },
	{ OPT_SRC, "src", "ADDR[/LEN]", NULL, NULL, M | A, 0 },
	{ OPT_DST, "dst", "ADDR[/LEN]", NULL, NULL, M | A, 0 },
	{ OPT_DOMAIN, "domain", "GLOB",
	  "DNS events by question, TLS events by SNI, HTTP events by Host (case-insensitive), "
	  "repeatable",
	  NULL, M, 0 },
	{ OPT_SNI, "sni", "GLOB", "TLS events by SNI, repeatable", NULL, M, 0 },
	{ OPT_DNS_TYPE, "dns-type", "TYPE[,TYPE]", "DNS events by question type (A, AAAA, MX, ...)",
	  NULL, M, 0 },
	{ OPT_TLS_VERSION, "tls-version", "V[,V]",
	  "TLS events by negotiated version (1.2, 1.3, ...)", NULL, M, 0 },
	OPTS_SECTION("Capture (like tcpdump's; events are not printed while capturing):"),
	{ 'w', "write", "FILE",
	  "write the selected packets to FILE, '-' for stdout, each annotated with its owning "
	  "process (pcapng comment)",
	  NULL, M, 0 },
	{ OPT_PCAP_FORMAT, "pcap-format", "pcapng|pcap", "file format", "pcapng", M, 0 },
	{ 's', "snaplen", "N", "bytes of each packet to keep", "65535, the largest", M,
	  OPTDEF_DEF_TEXT },
	{ 'c', NULL, "N", "with -w: stop after N packets written", NULL, M, OPTDEF_DOC_ONLY },
	{ 'C', "file-size", "MB", "start a new file when this one exceeds MB million bytes", NULL,
	  M, 0 },
	{ 'G', "rotate-seconds", "N", "start a new file every N seconds (FILE may hold strftime %)",
	  NULL, M, 0 },
	{ 'W', "file-count", "N", "with -C: reuse N files in turn; with -G: stop after N files",
	  NULL, M, 0 },
	{ 'r', "read", "FILE",
	  "decode a pcap or pcapng file with the same classifier instead of watching interfaces "
	  "(no process events)",
	  NULL, M, 0 },
	OPTS_SECTION("Log files and syslog (besides the output on stdout):"),
	{ OPT_LOG_DIR, "log-dir", "DIR",
	  "append each event to its type's file in DIR: process.log, network.log, dns.log, "
	  "tls.log, http.log, and env.log with --env; made 0700 if missing, files 0600",
	  NULL, M, 0 },
	{ OPT_LOG_FORMAT, "log-format", "text|json",
	  "the files' lines: columns between ' | ' under a header line, or ECS JSON objects",
	  "text", M, 0 },
	{ OPT_LOG_ROTATE_SIZE, "log-rotate-size", "MB",
	  "rename a file to FILE.1 (older ones to FILE.2 ...) and start it anew before it "
	  "exceeds MB million bytes",
	  NULL, M, 0 },
	{ OPT_LOG_ROTATE_INTERVAL, "log-rotate-interval", "SECONDS", "the same, every SECONDS",
	  NULL, M, 0 },
	{ OPT_LOG_KEEP, "log-keep", "N", "rotated files kept of each log", "5", M, 0 },
	{ OPT_LOG_COMPRESS, "log-compress", NULL, "gzip rotated files (FILE.1.gz ...)", NULL, M,
	  0 },
	{ OPT_SYSLOG, "syslog", "TARGET",
	  "also send each event to syslog as an RFC 5424 message (MSGID the event type, the JSON "
	  "object as MSG): unix (/dev/log), unix:PATH, udp://HOST:PORT or tcp://HOST:PORT "
	  "(octet counting; reconnects)",
	  NULL, M, 0 },
	{ OPT_UDP, "udp", "HOST:PORT[,HOST:PORT]",
	  "also send each event as one JSON datagram to each target (HOST a name, an IPv4 "
	  "address or [IPv6]), repeatable; never fragmented: an event larger than the path allows "
	  "goes cut, in a wrapper that says so; what a target refuses is counted",
	  NULL, M, 0 },
	{ OPT_UDP_MAX_SIZE, "udp-max-size", "BYTES",
	  "the largest datagram --udp sends (events above it go cut)",
	  "the path's MTU, at most 65507", M, OPTDEF_DEF_TEXT },
	{ OPT_IPFIX, "ipfix", "udp://HOST:PORT|tcp://HOST:PORT",
	  "also export each flow record as IPFIX (RFC 7011, biflows per RFC 5103; libfixbuf) with "
	  "the processes at each end in whoflow's enterprise elements (docs/fleet.md); sent by a "
	  "thread of its own, what it cannot send counted",
	  NULL, M, 0 },
	{ OPT_IPFIX_DOMAIN, "ipfix-domain", "N", "the IPFIX observation domain id", "1", M, 0 },
	{ OPT_IPFIX_PEN, "ipfix-pen", "N",
	  "the private enterprise number of whoflow's IPFIX elements",
	  "32473, the documentation number (RFC 5612)", M, OPTDEF_DEF_TEXT },
	{ OPT_IPFIX_REFRESH, "ipfix-template-refresh", "SECONDS",
	  "over UDP, send the IPFIX templates again this often", "60", M, 0 },
	{ OPT_NATS, "nats", "URL",
	  "also publish each event's JSON to NATS JetStream (libnats) on SUBJECT.<type>, with its "
	  "event.id as Nats-Msg-Id (the stream drops doubles); nats://[USER:PASSWORD@]HOST:PORT, "
	  "tls:// for TLS, several comma-separated for a cluster",
	  NULL, M, 0 },
	{ OPT_NATS_SUBJECT, "nats-subject", "PREFIX", "the subjects' prefix", "whoflow", M, 0 },
	{ OPT_NATS_STREAM, "nats-stream", "NAME",
	  "the JetStream stream that takes PREFIX.>, made when missing", "WHOFLOW", M, 0 },
	{ OPT_NATS_QUEUE, "nats-queue", "N",
	  "events waiting to be published, at most (more are counted as lost)", "65536", M, 0 },
	{ OPT_NATS_DRAIN, "nats-drain-timeout", "SECONDS",
	  "at the end, how long to wait for the server's acknowledgements", "5", M, 0 },
	{ OPT_NATS_CREDS, "nats-creds", "FILE", "a NATS credentials file (JWT and NKey seed)", NULL,
	  M, 0 },
	{ OPT_NATS_TOKEN_FILE, "nats-token-file", "FILE",
	  "a file holding the NATS token (kept off the command line)", NULL, M, 0 },
	{ OPT_NATS_CA, "nats-ca", "FILE", "CA certificates to check the server's TLS certificate; "
	  "asks for TLS", NULL, M, 0 },
	{ OPT_SYSLOG_FACILITY, "syslog-facility", "NAME", "the messages' facility (local0 ...)",
	  "daemon", M, 0 },
	{ OPT_SYSLOG_SEVERITY, "syslog-severity", "NAME", "the messages' severity", "info", M, 0 },
	{ OPT_LEGEND, "legend", NULL, "print every log file's columns and what they mean, and exit",
	  NULL, M, 0 },
	{ OPT_METRICS, "metrics", "ADDR:PORT",
	  "serve the agent's counters for Prometheus at http://ADDR:PORT/metrics (events by "
	  "type, losses by cause, packets, flows, processes, DNS rcodes, TLS versions, outputs, "
	  "CPU, memory), refreshed every second; bind it to 127.0.0.1 unless a scraper elsewhere "
	  "needs it",
	  NULL, M, 0 },
	OPTS_SECTION(
		"Containers (names, images, labels and pods from the runtimes' local APIs;\nan event whose container is not known yet goes out with its id):"),
	{ OPT_DOCKER_SOCKET, "docker-socket", "PATH",
	  "the Docker Engine API (used when present; also given: used once it answers)",
	  "/var/run/docker.sock", M, OPTDEF_DEF_TEXT },
	{ OPT_PODMAN_SOCKET, "podman-socket", "PATH",
	  "Podman's Docker-compatible API (podman system service)", "/run/podman/podman.sock", M,
	  OPTDEF_DEF_TEXT },
	{ OPT_CONTAINERD_SOCKET, "containerd-socket", "PATH",
	  "containerd's socket: the task bundles beside it are read (CRI pods)",
	  "/run/containerd/containerd.sock", M, OPTDEF_DEF_TEXT },
	{ OPT_CONTAINER_LABEL, "container-label", "KEY",
	  "a label to report in container.labels, repeatable (16 at most); the first one given "
	  "replaces the default list",
	  "com.docker.compose.project,com.docker.compose.service,app,app.kubernetes.io/name", M,
	  OPTDEF_DEF_TEXT },
	{ OPT_NO_CONTAINER_META, "no-container-metadata", NULL,
	  "ask no runtime: containers are their ids", NULL, M, 0 },
	OPTS_SECTION("Detection:"),
	{ OPT_RULES, "rules", "DIR",
	  "evaluate the Sigma rules under DIR (*.yml and *.yaml, subfolders too; a file works too) "
	  "on every event and report each match as an alert event (docs/sigma.md); repeatable; "
	  "reloaded when the directory changes",
	  NULL, M, 0 },
	OPTS_SECTION("Store and API:"),
	{ OPT_DB, "db", "PATH",
	  "also keep every event in a SQLite store at PATH (made 0600; WAL; docs/store.md), "
	  "written off the readers' path (serve: the store to read)",
	  NULL, M | SV, 0 },
	{ OPT_API, "api", "ADDR:PORT",
	  "serve the HTTP API over the --db store (docs/api.md; its contract at /openapi.json); "
	  "every endpoint but /health needs the bearer token in --api-token-file",
	  "127.0.0.1:8080 with serve", M | SV, OPTDEF_DEF_TEXT },
	{ OPT_USER, "user", "NAME",
	  "run as this user once set up: serve with no capabilities; the monitor, once attached, "
	  "with its event loop keeping CAP_BPF, CAP_NET_ADMIN, CAP_SYS_PTRACE and "
	  "CAP_DAC_READ_SEARCH (and CAP_SYS_ADMIN with --files or --netns), its other threads none",
	  "serve: nobody, when started as root; monitor: root", M | SV, OPTDEF_DEF_TEXT },
	{ OPT_API_TOKEN_FILE, "api-token-file", "PATH",
	  "the API's token, made (random, 0600) when missing and kept",
	  "/var/lib/whoflow/api.token", M | SV, OPTDEF_DEF_TEXT },
	{ OPT_API_ALLOW_WRITE, "api-allow-write", NULL,
	  "let the API change things (monitor only): upload, enable, disable and delete rules in "
	  "the first --rules directory, and mark alerts acknowledged or resolved in the store",
	  "read only", M, OPTDEF_DEF_TEXT },
	{ OPT_DB_RETAIN, "db-retain", "AGE",
	  "remove events older than AGE (seconds, or with s, m, h or d: 7d)", NULL, M, 0 },
	{ OPT_DB_MAX_SIZE, "db-max-size", "SIZE",
	  "remove the oldest events while the data is larger than SIZE (bytes, or with K, M or G: "
	  "1G)",
	  NULL, M, 0 },
	OPTS_SECTION(
		"Process selectors, of process events and of network events by their owner\n(all given must match; comma lists match any item):"),
	{ OPT_PID, "pid", "PID[,PID]", "these processes", NULL, M, 0 },
	{ OPT_PPID, "ppid", "PID[,PID]", "children of these processes", NULL, M, 0 },
	{ OPT_TREE, "tree", "PID[,PID]",
	  "these processes and all their descendants, also later ones", NULL, M, 0 },
	{ OPT_COMM, "comm", "NAME[,NAME]", "by command name (comm)", NULL, M, 0 },
	{ OPT_EXE, "exe", "GLOB", "by executable path (shell glob), repeatable", NULL, M, 0 },
	{ OPT_CMDLINE, "cmdline", "TEXT", "by a substring of the command line, repeatable", NULL, M,
	  0 },
	{ OPT_CONTAINER, "container", "NAME|PREFIX",
	  "by container name (as its runtime knows it) or id prefix, repeatable", NULL, M, 0 },
	{ OPT_POD, "pod", "NAME", "by Kubernetes pod name, repeatable", NULL, M, 0 },
	{ OPT_K8S_NAMESPACE, "k8s-namespace", "NS", "by Kubernetes namespace, repeatable", NULL, M,
	  0 },
	{ OPT_CGROUP_PATH, "cgroup-path", "GLOB",
	  "by cgroup v2 path (shell glob, from the cgroup2 root), repeatable; --cgroup keeps its "
	  "meaning, the scope",
	  NULL, M, 0 },
	{ OPT_MIN_DURATION, "min-duration", "MS",
	  "exit events only of processes that lived this long", NULL, M, 0 },
};

const size_t option_defs_n = sizeof(option_defs) / sizeof(option_defs[0]);

/* Help starts in this column, lines end before WIDTH; an option's words that reach
 * the column push the help on. */
#define HELP_COL 27
#define WIDTH 80

/* Writes text from column col (a fresh line or column: no space before the first
 * word), wrapped at word boundaries; continuation lines start at indent. '\n' in
 * text is a space. */
static void usage__wrap(FILE *f, const char *text, int col, int indent)
{
	const char *w = text;
	bool fresh = true;

	while (*w) {
		size_t n;

		while (*w == ' ' || *w == '\n')
			w++;
		n = strcspn(w, " \n");
		if (!n)
			break;
		if (!fresh && col + 1 + (int)n >= WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (!fresh) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)n, w);
		col += (int)n;
		w += n;
		fresh = false;
	}
}

static void usage__entry(FILE *f, const char *col_text, const char *help, const char *def)
{
	char text[512];
	int len = (int)strlen(col_text);

	fputs(col_text, f);
	if (help || def) {
		snprintf(text, sizeof(text), "%s%s%s%s", help ? help : "", help && def ? " " : "",
			 def ? "(default: " : "", def ? def : "");
		if (def)
			strncat(text, ")", sizeof(text) - strlen(text) - 1);
		if (len <= HELP_COL - 2) {
			fprintf(f, "%*s", HELP_COL - len, "");
		} else {
			fputs("  ", f);
			len += 2;
		}
		/* the first word on the option's own line, however long the column */
		usage__wrap(f, text, len > HELP_COL ? len : HELP_COL, HELP_COL);
	}
	fputc('\n', f);
}

static void usage__option(FILE *f, const struct option_def *d)
{
	char col[96];

	if (!d->name)
		snprintf(col, sizeof(col), "  -%c%s%s", d->id, d->arg ? " " : "",
			 d->arg ? d->arg : "");
	else
		snprintf(col, sizeof(col), "  %c%c%c --%s%s%s", d->id < 256 ? '-' : ' ',
			 d->id < 256 ? d->id : ' ', d->id < 256 ? ',' : ' ', d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
	usage__entry(f, col, d->help, d->def);
}

/* A section's title is shown when one of its options is. */
static bool usage__section_shown(size_t title, unsigned int cmds)
{
	for (size_t i = title + 1; i < option_defs_n; i++) {
		if (option_defs[i].flags & OPTDEF_SECTION)
			return false;
		if (option_defs[i].cmds & cmds)
			return true;
	}
	return false;
}

static void usage__options(FILE *f, unsigned int cmds)
{
	for (size_t i = 0; i < option_defs_n; i++) {
		const struct option_def *d = &option_defs[i];

		if (d->flags & OPTDEF_SECTION) {
			if (usage__section_shown(i, cmds))
				fprintf(f, "\n%s\n", d->help);
		} else if (d->cmds & cmds) {
			usage__option(f, d);
		}
	}
}

static void usage__overview(FILE *f)
{
	char col[64];

	fputs("Usage:", f);
	for (size_t i = 0; i < command_defs_n; i++)
		fprintf(f, "%s%s\n", i ? "       " : " ", command_defs[i].usage);
	fprintf(f, "\n%s\nCommands:\n", overview);
	for (size_t i = 0; i < command_defs_n; i++) {
		snprintf(col, sizeof(col), "  %s%s%s", command_defs[i].name,
			 command_defs[i].words ? " " : "",
			 command_defs[i].id == CMD_RULES ? "check|test ..." :
			 command_defs[i].words && command_defs[i].id != CMD_MONITOR ? "IFACE..." :
										      "");
		usage__entry(f, col, command_defs[i].summary, NULL);
	}
	usage__options(f, CMD_ANY);
}

void options__usage(FILE *f, const struct command_def *cmd)
{
	if (!cmd) {
		usage__overview(f);
	} else {
		char text[1024];

		snprintf(text, sizeof(text), "%s.", cmd->summary);
		text[0] = (char)toupper((unsigned char)text[0]);
		fprintf(f, "Usage: %s\n\n", cmd->usage);
		usage__wrap(f, text, 0, 0);
		fputc('\n', f);
		usage__options(f, cmd->id);
	}
	fputs("\n", f);
	if (!cmd || cmd->id == CMD_MONITOR)
		fputs(usage_tail, f);
	else if (cmd->id == CMD_RULES)
		fputs("A rule's verdicts and the Sigma features whoflow supports: docs/sigma.md.\n", f);
	else if (cmd->words)
		fputs("Trailing words are interface names, as with -i.\n", f);
}

void options__getopt(struct option *longs, size_t max, char *shorts, size_t shorts_max)
{
	size_t nl = 0, ns = 0;

	if (shorts_max)
		shorts[ns++] = ':'; /* a missing argument is told apart from an unknown option */
	for (size_t i = 0; i < option_defs_n; i++) {
		const struct option_def *d = &option_defs[i];

		if (d->flags & (OPTDEF_SECTION | OPTDEF_DOC_ONLY))
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

const struct option_def *options__find(int id)
{
	for (size_t i = 0; i < option_defs_n; i++)
		if (option_defs[i].id == id &&
		    !(option_defs[i].flags & (OPTDEF_SECTION | OPTDEF_DOC_ONLY)))
			return &option_defs[i];
	return NULL;
}

const struct command_def *options__command(const char *name)
{
	for (size_t i = 0; i < command_defs_n; i++)
		if (!strcmp(command_defs[i].name, name))
			return &command_defs[i];
	return NULL;
}

void options__command_names(unsigned int cmds, char *buf, size_t n)
{
	size_t k = 0, len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < command_defs_n; i++)
		if (cmds & command_defs[i].id)
			k++;
	for (size_t i = 0, seen = 0; i < command_defs_n && len < n; i++) {
		if (!(cmds & command_defs[i].id))
			continue;
		seen++;
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
					seen == 1 ? "" :
					seen == k ? " and " :
						    ", ",
					command_defs[i].name);
	}
}

int options__ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out > max ? -1 : 0;
}
