// SPDX-License-Identifier: GPL-2.0-only
/* The log files' columns: names, meanings, order (see log_rows.h); the lines are log_rows.c's. */
#include <stdio.h>
#include "log_rows.h"

#define C(name, meaning)      \
	{                     \
		name, meaning \
	}
#define HEAD_COLS                                                                         \
	C("ts", "the event's time, RFC 3339 UTC with nanoseconds"),                       \
		C("session_uid", "one per agent run: 32 hex digits, new at every start"), \
		C("event_id", "event.id: the same on a re-read after a restart")
#define PROC_COLS                                                                               \
	C("process_uid", "the process's entity id (process.entity_id): the same on every line " \
			 "of every file for one process, across its execs"),                    \
		C("parent_process_uid", "its parent's process_uid, when the parent is known"),  \
		C("pid", "process id"), C("ppid", "its parent's process id"),                   \
		C("comm", "command name"),                                                      \
		C("container", "its container: the name its runtime gives, else the id's first " \
			       "12 digits")
#define NET_COLS                                                                                \
	C("attribution", "how the socket's owner was found, or why not (whoflow.attribution)"), \
		C("iface", "the interface"), C("transport", "tcp, udp, icmp, ..."),             \
		C("src_ip", "source address, in the packet's own direction (a flow: the "       \
			    "initiator's)"),                                                    \
		C("src_port", "source port"), C("dst_ip", "destination address"),               \
		C("dst_port", "destination port")
#define FLOW_UID \
	C("network_uid", "the flow's id (flow.id): a flow and its DNS, TLS, HTTP lines share it")
#define COMMUNITY C("community_id", "the Community ID of the flow")

static const struct log_col process_cols[] = {
	HEAD_COLS,
	C("event", "exec, fork (with --show-forks) or exit"),
	PROC_COLS,
	C("uid", "user id"),
	C("user", "user name"),
	C("gid", "group id"),
	C("group", "group name"),
	C("exe", "executable"),
	C("command_line", "command line, shell-quoted"),
	C("cwd", "working directory"),
	C("parent_exe", "the parent's executable, when known"),
	C("parent_command_line", "the parent's command line, when known"),
	C("cgroup", "cgroup v2 path"),
	C("container_id", "container id"),
	C("container_image", "the container's image, as its runtime ran it (name:tag)"),
	C("pod", "Kubernetes: the container's pod, namespace/name"),
	C("process_start", "when the process started (RFC 3339)"),
	C("exit_code", "exit: the status as a shell reports it (128 + signal when killed)"),
	C("signal", "exit: the signal that ended it"),
	C("duration_ms", "exit: how long it lived"),
};
static const struct log_col network_cols[] = {
	HEAD_COLS,
	FLOW_UID,
	PROC_COLS,
	NET_COLS,
	C("direction", "the hook of the flow's first packet: egress or ingress"),
	C("orig_packets", "packets from the initiator"),
	C("orig_bytes", "bytes from the initiator"),
	C("reply_packets", "packets from the responder"),
	C("reply_bytes", "bytes from the responder"),
	C("duration_ms", "first to last packet"),
	C("tcp_flags", "TCP flags seen, initiator/responder"),
	C("reason", "why it is reported now: fin, rst, idle, active, exit"),
	COMMUNITY,
	C("tcp_retrans", "TCP: segments the local socket retransmitted (its health is known)"),
	C("tcp_rtt_ms", "TCP: the local socket's smoothed RTT"),
	C("tcp_state", "TCP: the connection's state at its last change (CLOSE once ended)"),
};
static const struct log_col dns_cols[] = {
	HEAD_COLS,
	C("dns_conversation_uid", "the same on a query and its answer (their flow and DNS id)"),
	FLOW_UID,
	PROC_COLS,
	NET_COLS,
	C("kind", "query or answer"),
	C("dns_id", "the message's id"),
	C("qname", "the first question's name"),
	C("qtype", "the first question's type"),
	C("rcode", "answers: NOERROR, NXDOMAIN, ..."),
	C("answers",
	  "answers: the answer section in wire order, OWNER TTL TYPE DATA, ', ' between"),
	C("rtt_ms", "answers: time since the query, when whoflow saw it"),
	COMMUNITY,
};
static const struct log_col tls_cols[] = {
	HEAD_COLS,
	FLOW_UID,
	PROC_COLS,
	NET_COLS,
	C("sni", "the ClientHello's server name"),
	C("alpn", "the ClientHello's ALPN list, comma-separated"),
	C("version", "the version the server chose, when its ServerHello was seen"),
	C("cipher", "the cipher suite the server chose"),
	C("ciphers", "the client's cipher suites by IANA name, GREASE left out"),
	C("groups", "the client's supported groups by name, GREASE left out"),
	C("ja3", "JA3 hash"),
	C("ja4", "JA4 fingerprint"),
	COMMUNITY,
};
static const struct log_col http_cols[] = {
	HEAD_COLS,
	FLOW_UID,
	PROC_COLS,
	NET_COLS,
	C("method", "request method"),
	C("host", "Host header"),
	C("target", "request target as sent"),
	C("version", "HTTP version"),
	C("user_agent", "User-Agent header"),
	COMMUNITY,
};
static const struct log_col env_cols[] = {
	HEAD_COLS,
	C("process_uid", "the exec's process (joins process.log)"),
	C("pid", "process id"),
	C("comm", "command name"),
	C("name", "a variable captured at exec"),
	C("value", "its value, secret-looking ones redacted as on stdout"),
};
static const struct log_col sigma_cols[] = {
	C("ts", "the matched event's time, RFC 3339 UTC with nanoseconds"),
	C("session_uid", "one per agent run: 32 hex digits, new at every start"),
	C("event_id", "the alert's event.id (as in JSON and the store)"),
	C("matched_event_id", "the matched event's event.id (its line in the other files has it)"),
	C("rule_id", "the rule's id"),
	C("rule", "the rule's title"),
	C("level", "the rule's level: informational, low, medium, high or critical"),
	C("category", "the log source category the event was read as"),
	C("process_uid", "the process the event names (joins process.log)"),
	C("pid", "its process id"),
	C("exe", "its executable"),
	C("matched", "the fields of the selections that matched, Field=value, ', ' between"),
	C("rule_file", "the file the rule came from"),
};

static const struct log_col drop_cols[] = {
	HEAD_COLS,
	C("network_uid", "the flow the packets belonged to, when it is tracked ('-': none)"),
	PROC_COLS,
	NET_COLS,
	C("reason", "the kernel's drop reason, without SKB_DROP_REASON_ (NO_SOCKET, ...)"),
	C("count", "packets dropped of this kind since the line before"),
	C("bytes", "their bytes"),
	C("location", "the kernel function that freed them, name+offset"),
	COMMUNITY,
};

static const struct log_col file_cols[] = {
	HEAD_COLS,
	PROC_COLS,
	C("attribution", "pid when the process table had the actor, else why not"),
	C("action", "what it mostly was: creation, modification, deletion, rename, "
		    "attributes_modified, open_write (event.action)"),
	C("path", "the file's path (its last name)"),
	C("old_path", "renamed: its name before"),
	C("type", "file or dir"),
	C("creations", "notifications of each kind over the record's window, merged by the "
		       "kernel while unread: creations"),
	C("modifications", "writes (see docs/usage.md, File events)"),
	C("closes_after_write", "closes of the file opened for writing"),
	C("deletions", "deletions"),
	C("renames", "renames"),
	C("attribute_changes", "mode, owner, times or link count changed"),
	C("opens_for_writing", "opens of the file for writing (the sys_exit tracepoint)"),
	C("first_ts", "the first notification's time"),
	C("inode", "the file's inode number, read while it existed"),
	C("device", "its device number"),
	C("mode", "its mode bits, octal"),
	C("uid", "its owner"),
	C("gid", "its group"),
	C("size", "its size at the end of the window"),
	C("md5", "--hash-files: of its content after the last close after writing"),
	C("sha256", "the same, SHA-256"),
};

static const struct log_col binary_cols[] = {
	HEAD_COLS,
	C("process_uid", "the exec's process (joins process.log)"),
	C("pid", "process id"),
	C("comm", "command name"),
	C("exe", "the executable's path"),
	C("status", "kept (copied now), missed (the process was gone first), too_large, failed"),
	C("sha256", "the copy's name in the directory, and its SHA-256"),
	C("md5", "its MD5"),
};

#define SCHEMA(f, what, c)                           \
	{                                            \
		f, what, c, sizeof(c) / sizeof(c[0]) \
	}
const struct log_schema log_schemas[LOG__N] = {
	SCHEMA("process.log", "exec and exit (fork with --show-forks)", process_cols),
	SCHEMA("network.log", "flows", network_cols),
	SCHEMA("dns.log", "DNS queries and answers", dns_cols),
	SCHEMA("tls.log", "TLS ClientHellos, with the server's choice", tls_cols),
	SCHEMA("http.log", "HTTP requests", http_cols),
	SCHEMA("env.log", "the environment at exec, one variable a line (text, with --env)",
	       env_cols),
	SCHEMA("sigma.log", "Sigma rule matches (with --rules)", sigma_cols),
	SCHEMA("drop.log", "packets the kernel dropped, per kind each second (with --drops)",
	       drop_cols),
	SCHEMA("file.log", "what processes did to files, per file and process (with --files)",
	       file_cols),
	SCHEMA("binary.log",
	       "executables copied, or not, at exec (with --preserve-binaries; those already kept "
	       "are not listed again)",
	       binary_cols),
};

void log_rows__legend(FILE *f)
{
	fputs("Log files (--log-dir): columns between ' | ', in this order; '-' is a value that "
	      "is absent.\n",
	      f);
	for (int k = 0; k < LOG__N; k++) {
		fprintf(f, "\n%s: %s\n", log_schemas[k].file, log_schemas[k].what);
		for (size_t i = 0; i < log_schemas[k].ncols; i++)
			fprintf(f, "  %-21s %s\n", log_schemas[k].cols[i].name,
				log_schemas[k].cols[i].meaning);
	}
}
