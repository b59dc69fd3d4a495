// SPDX-License-Identifier: GPL-2.0-only
/* The log files' lines: columns as the header names them, escaping, correlation ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "flow_events.h"
#include "log_rows.h"
#include "proc_info.h"
#include "dns_vectors.h"

#define COLW 512

/* Splits a line on " | " outside escapes; returns the column count. */
static size_t split(const char *line, char cols[][COLW], size_t max)
{
	size_t n = 0, k = 0;

	for (const char *p = line; *p && *p != '\n'; p++) {
		if (*p == '\\' && p[1]) {
			if (k + 2 < COLW)
				cols[n][k++] = *p, cols[n][k++] = p[1];
			p++;
		} else if (!strncmp(p, " | ", 3)) {
			cols[n][k] = '\0';
			if (++n >= max)
				return n;
			k = 0;
			p += 2;
		} else if (k + 1 < COLW) {
			cols[n][k++] = *p;
		}
	}
	cols[n][k] = '\0';
	return n + 1;
}

static size_t col_index(enum log_kind k, const char *name)
{
	for (size_t i = 0; i < log_schemas[k].ncols; i++)
		if (!strcmp(log_schemas[k].cols[i].name, name))
			return i;
	fail_msg("no column %s", name);
	return 0;
}

static struct dns_event dns_rec;
static struct dns_view dns_v;

/* A DNS event as the join leaves it, decoded from real bytes. */
static void dns_event_of(struct event *ev, const uint8_t *msg, size_t len, bool answer,
			 const struct owner_view *ov)
{
	memset(ev, 0, sizeof(*ev));
	memset(&dns_v, 0, sizeof(dns_v));
	dns_rec.id = (uint16_t)(msg[0] << 8 | msg[1]);
	dns_rec.flags = answer ? 0x8180 : 0x0100;
	dns_v.e = &dns_rec;
	assert_int_equal(dns__parse(msg, len, &dns_v.msg), 0);
	strcpy(dns_v.flow_id, "00112233aabbccdd");
	dns_v.ifname = "veth|0";
	ev->kind = EVENT_DNS;
	ev->dns = &dns_v;
	strcpy(ev->id, "0000000000000001ffffffffffffffff");
	strcpy(ev->ep.ts, "2026-12-01T13:00:00.123456789Z");
	strcpy(ev->ep.src, "192.0.2.1");
	strcpy(ev->ep.dst, "192.0.2.53");
	ev->ep.sport = 40000, ev->ep.dport = 53, ev->ep.proto = 17;
	ev->owner = *ov;
}

static void test_dns_answer_line(void **state)
{
	struct proc_info p = { .pid = 4242, .ppid = 1, .comm = "dig" }, parent = { .pid = 1 };
	struct owner_view ov = {
		.known = true, .p = &p, .parent = &parent, .attribution = "cookie"
	};
	struct row_buf bufs[LOG__N] = { 0 };
	char cols[40][COLW], head[40][COLW];
	struct event ev;
	size_t n;

	strcpy(p.entity_id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	strcpy(parent.entity_id, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	dns_event_of(&ev, cname_chain, sizeof(cname_chain), true, &ov);
	log_rows__event(bufs, &ev, "5e55105e55105e55105e55105e55105e");
	assert_int_equal(bufs[LOG_DNS].lines, 1);
	for (int k = 0; k < LOG__N; k++)
		if (k != LOG_DNS)
			assert_int_equal(bufs[k].len, 0);
	bufs[LOG_DNS].buf[bufs[LOG_DNS].len] = '\0';
	n = split(bufs[LOG_DNS].buf, cols, 40);
	assert_int_equal(n, log_schemas[LOG_DNS].ncols);
	assert_string_equal(cols[col_index(LOG_DNS, "ts")], "2026-12-01T13:00:00.123456789Z");
	assert_string_equal(cols[col_index(LOG_DNS, "process_uid")], p.entity_id);
	assert_string_equal(cols[col_index(LOG_DNS, "parent_process_uid")], parent.entity_id);
	assert_string_equal(cols[col_index(LOG_DNS, "pid")], "4242");
	assert_string_equal(cols[col_index(LOG_DNS, "iface")], "veth\\|0"); /* '|' escaped */
	assert_string_equal(cols[col_index(LOG_DNS, "kind")], "answer");
	assert_string_equal(cols[col_index(LOG_DNS, "qname")], "www.example.com");
	assert_string_equal(cols[col_index(LOG_DNS, "dns_id")], "4660");
	assert_string_equal(cols[col_index(LOG_DNS, "rtt_ms")], "-");
	assert_string_equal(
		cols[col_index(LOG_DNS, "answers")],
		"www.example.com 300 CNAME web.example.com, "
		"web.example.com 300 CNAME lb.example.net, "
		"lb.example.net 60 A 192.0.2.11, lb.example.net 60 A 192.0.2.10"); /* wire order */
	/* the header names the same columns, in the same order */
	log_rows__header(&bufs[LOG_ENV], LOG_DNS);
	bufs[LOG_ENV].buf[bufs[LOG_ENV].len] = '\0';
	assert_memory_equal(bufs[LOG_ENV].buf, "# ts | session_uid | event_id", 29);
	assert_int_equal(split(bufs[LOG_ENV].buf + 2, head, 40), n);
	assert_string_equal(head[col_index(LOG_DNS, "answers")], "answers");
	for (int k = 0; k < LOG__N; k++)
		row_buf__free(&bufs[k]);
	dns__free(&dns_v.msg);
}

/* A query and its answer share dns_conversation_uid; another id does not. */
static void test_conversation_uid(void **state)
{
	struct owner_view ov = { .attribution = "unknown:no_local_socket" };
	struct row_buf b[LOG__N] = { 0 };
	char c1[40][COLW], c2[40][COLW], c3[40][COLW];
	struct event ev;
	size_t conv = col_index(LOG_DNS, "dns_conversation_uid");

	dns_event_of(&ev, query_a, sizeof(query_a), false, &ov);
	log_rows__event(b, &ev, "s");
	b[LOG_DNS].buf[b[LOG_DNS].len] = '\0';
	split(b[LOG_DNS].buf, c1, 40);
	b[LOG_DNS].len = 0;
	dns_rec.flags = 0x8180; /* the answer to it */
	log_rows__event(b, &ev, "s");
	b[LOG_DNS].buf[b[LOG_DNS].len] = '\0';
	split(b[LOG_DNS].buf, c2, 40);
	b[LOG_DNS].len = 0;
	dns_rec.id ^= 1;
	log_rows__event(b, &ev, "s");
	b[LOG_DNS].buf[b[LOG_DNS].len] = '\0';
	split(b[LOG_DNS].buf, c3, 40);
	assert_string_equal(c1[conv], c2[conv]);
	assert_string_not_equal(c1[conv], c3[conv]);
	assert_int_equal(strlen(c1[conv]), 16);
	/* nobody owns it: the process columns say so, the attribution says why */
	assert_string_equal(c1[col_index(LOG_DNS, "process_uid")], "-");
	assert_string_equal(c1[col_index(LOG_DNS, "pid")], "-");
	assert_string_equal(c1[col_index(LOG_DNS, "attribution")], "unknown:no_local_socket");
	row_buf__free(&b[LOG_DNS]);
	dns__free(&dns_v.msg);
}

/* Control bytes, backslashes and empty values: nothing can break a line or a column. */
static void test_exec_line_escapes(void **state)
{
	static char args[] = "sh\0-c\0echo a|b\\c\nd";
	struct proc_info p = { .pid = 7,
			       .ppid = 1,
			       .comm = "s\th",
			       .exe = "/bin/sh",
			       .args = args,
			       .args_len = sizeof(args) };
	struct row_buf b[LOG__N] = { 0 };
	char cols[40][COLW];
	struct event ev = { .kind = EVENT_PROC };

	ev.proc.kind = PROC_VIEW_EXEC;
	ev.proc.p = &p;
	ev.proc.command_line = "sh -c 'echo a|b\\c\nd'";
	ev.proc.env = "A=1\0SECRET_TOKEN=[REDACTED]";
	ev.proc.env_len = sizeof("A=1\0SECRET_TOKEN=[REDACTED]");
	strcpy(ev.proc.ts, "2026-12-01T13:00:00.000000001Z");
	log_rows__event(b, &ev, "s");
	assert_int_equal(b[LOG_PROCESS].lines, 1);
	assert_int_equal(b[LOG_ENV].lines, 2);
	b[LOG_PROCESS].buf[b[LOG_PROCESS].len] = '\0';
	assert_int_equal(split(b[LOG_PROCESS].buf, cols, 40), log_schemas[LOG_PROCESS].ncols);
	assert_string_equal(cols[col_index(LOG_PROCESS, "command_line")],
			    "sh -c 'echo a\\|b\\\\c\\nd'");
	assert_string_equal(cols[col_index(LOG_PROCESS, "comm")], "s\\x09h");
	assert_string_equal(cols[col_index(LOG_PROCESS, "exit_code")], "-");
	assert_string_equal(cols[col_index(LOG_PROCESS, "parent_process_uid")], "-");
	b[LOG_ENV].buf[b[LOG_ENV].len] = '\0';
	assert_non_null(strstr(b[LOG_ENV].buf, " | SECRET_TOKEN | [REDACTED]\n"));
	assert_int_equal(strchr(b[LOG_PROCESS].buf, '\n') - b[LOG_PROCESS].buf + 1,
			 (long)b[LOG_PROCESS].len); /* one line */
	for (int k = 0; k < LOG__N; k++)
		row_buf__free(&b[k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_answer_line),
		cmocka_unit_test(test_conversation_uid),
		cmocka_unit_test(test_exec_line_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
