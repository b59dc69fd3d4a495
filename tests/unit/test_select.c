// SPDX-License-Identifier: GPL-2.0-only
/*
 * The select stage on events made from real bytes: DNS messages, a TLS
 * ClientHello and an HTTP request head decoded by the decoders, and processes
 * as the process table holds them. Each selector alone, and together (AND).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <cmocka.h>
#include <string.h>
#include "config.h"
#include "dns.h"
#include "event.h"
#include "filter.h"
#include "http.h"
#include "proc_info.h"
#include "select.h"
#include "tls.h"

/* dig www.example.com AAAA: the query's bytes. */
static const uint8_t dns_query_aaaa[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 'w',
	'w',  'w',  0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',
	0x00, 0x00, 0x1c, 0x00, 0x01,
};

/* A ClientHello body (after the handshake header): TLS 1.2, one suite, SNI api.example.net. */
static const uint8_t client_hello[] = {
	0x03, 0x03, /* legacy version */
	1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,   16,
	17,   18,   19,   20,   21,   22,   23,   24,   25,   26,   27,   28,   29,   30,   31,   32,
	0x00, /* session id */
	0x00, 0x02, 0x13, 0x01, /* cipher suites */
	0x01, 0x00, /* compression */
	0x00, 0x18, /* extensions */
	0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 'a', 'p', 'i', '.', 'e', 'x', 'a',
	'm',  'p',  'l',  'e',  '.',  'n',  'e',  't',
};

static const char http_head[] = "GET /index.html HTTP/1.1\r\nHost: shop.example.org\r\n"
				"User-Agent: curl/7.88.1\r\n\r\n";

static struct config cfg;

static int setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	return 0;
}

static int teardown(void **state)
{
	strlist__free(&cfg.pkt.domains);
	strlist__free(&cfg.pkt.snis);
	strlist__free(&cfg.pkt.dns_types);
	strlist__free(&cfg.pkt.tls_versions);
	filter__free(&cfg.filter);
	return 0;
}

static bool dns_selected(void)
{
	struct dns_view v = { 0 };
	struct event ev = { .kind = EVENT_DNS, .dns = &v };

	assert_int_equal(dns__parse(dns_query_aaaa, sizeof(dns_query_aaaa), &v.msg), 0);
	return select__event(&cfg, NULL, &ev);
}

static bool tls_selected(void)
{
	struct tls_view v = { 0 };
	struct event ev = { .kind = EVENT_TLS, .tls = &v };

	assert_int_equal(tls__client_hello(client_hello, sizeof(client_hello), &v.ch), 0);
	assert_true(v.ch.has_sni);
	return select__event(&cfg, NULL, &ev);
}

static bool http_selected(void)
{
	struct http_view v = { 0 };
	struct event ev = { .kind = EVENT_HTTP, .http = &v };

	assert_int_equal(http__parse_request((const uint8_t *)http_head, strlen(http_head), &v.req), 0);
	return select__event(&cfg, NULL, &ev);
}

static void test_no_selector_selects_everything(void **state)
{
	assert_true(dns_selected());
	assert_true(tls_selected());
	assert_true(http_selected());
}

static void test_domain_globs_select_dns_tls_and_http(void **state)
{
	strlist__add(&cfg.pkt.domains, "*.EXAMPLE.com"); /* case-insensitive */
	assert_true(dns_selected());
	assert_false(tls_selected());
	assert_false(http_selected());
	strlist__add(&cfg.pkt.domains, "api.example.*");
	assert_true(tls_selected());
	strlist__add(&cfg.pkt.domains, "shop.example.org");
	assert_true(http_selected());
}

static void test_tls_only_selectors_leave_dns_and_http_out(void **state)
{
	strlist__add(&cfg.pkt.snis, "api.example.net");
	assert_true(tls_selected());
	assert_false(dns_selected());
	assert_false(http_selected());
}

static void test_dns_type(void **state)
{
	strlist__add(&cfg.pkt.dns_types, "A");
	assert_false(dns_selected());
	strlist__add(&cfg.pkt.dns_types, "aaaa");
	assert_true(dns_selected());
	assert_false(tls_selected()); /* a DNS-only selector */
}

static void test_tls_version_needs_the_server_hello(void **state)
{
	strlist__add(&cfg.pkt.tls_versions, "1.2");
	assert_false(tls_selected()); /* no ServerHello seen: version unknown */
}

static void test_process_selectors(void **state)
{
	struct proc_info sh = { .pid = 42, .ppid = 1 }, curl = { .pid = 43, .ppid = 42 };
	struct event ev = { .kind = EVENT_PROC, .proc_info = &curl, .proc_kind = PROC_VIEW_EXEC };
	struct owner_ctx oc = { .filter = &cfg.filter, .selecting = true };
	struct owner_view owner = { .known = true, .p = &curl };
	struct dns_view dv = { 0 };
	struct event net = { .kind = EVENT_DNS, .dns = &dv, .owner = owner };

	strcpy(sh.comm, "sh");
	strcpy(curl.comm, "curl");
	assert_int_equal(dns__parse(dns_query_aaaa, sizeof(dns_query_aaaa), &dv.msg), 0);
	strlist__add(&cfg.filter.comms, "curl");
	assert_true(select__event(&cfg, &oc, &ev));
	assert_true(select__event(&cfg, &oc, &net)); /* by its owner */
	ev.proc_info = &sh;
	net.owner.p = &sh;
	assert_false(select__event(&cfg, &oc, &ev));
	assert_false(select__event(&cfg, &oc, &net));
	net.owner.known = false; /* nobody known: a process selector cannot match */
	assert_false(select__event(&cfg, &oc, &net));
	assert_int_equal(pidlist__add_csv(&cfg.filter.ppids, "42"), 0); /* and children of 42 */
	ev.proc_info = &curl;
	assert_true(select__event(&cfg, &oc, &ev));
	curl.ppid = 7;
	assert_false(select__event(&cfg, &oc, &ev));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_selector_selects_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_globs_select_dns_tls_and_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_only_selectors_leave_dns_and_http_out, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dns_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_version_needs_the_server_hello, setup, teardown),
		cmocka_unit_test_setup_teardown(test_process_selectors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
