// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel function names (userspace/net/ksyms.c) from /proc/kallsyms lines as
 * the kernel writes them: text symbols only, the last one at or below an
 * address, a module's name kept, a file that hides its addresses refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>
#include "ksyms.h"

static char *write_file(const char *text)
{
	static char path[] = "/tmp/whoflow-ksyms-XXXXXX";
	char *p = strdup(path);
	int fd = mkstemp(p);
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static const char KALLSYMS[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff8192e200 t __udp4_lib_rcv\n"
	"ffffffff8192f000 T udp_rcv\n"
	"ffffffff82a00000 D some_data\n" /* not text: never a name */
	"ffffffffc0a01000 t veth_xmit\t[veth]\n"
	"ffffffffc0a02000 t veth_poll\t[veth]\n";

static void test_names_and_offsets(void **state)
{
	char *path = write_file(KALLSYMS);
	struct ksyms *k = ksyms__load(path);
	char buf[128];

	assert_non_null(k);
	assert_string_equal(ksyms__name(k, 0xffffffff8192e6bcull, buf, sizeof(buf)),
			    "__udp4_lib_rcv+0x4bc");
	assert_string_equal(ksyms__name(k, 0xffffffff8192f000ull, buf, sizeof(buf)), "udp_rcv+0x0");
	/* Past the last text symbol before the data: still the function before it. */
	assert_string_equal(ksyms__name(k, 0xffffffff82a00010ull, buf, sizeof(buf)),
			    "udp_rcv+0x10d1010");
	assert_string_equal(ksyms__name(k, 0xffffffffc0a01010ull, buf, sizeof(buf)),
			    "veth_xmit+0x10 [veth]");
	assert_string_equal(ksyms__name(k, 0x1000, buf, sizeof(buf)), "");
	ksyms__free(k);
	unlink(path);
	free(path);
}

static void test_hidden_addresses_are_refused(void **state)
{
	char *path = write_file("0000000000000000 T _stext\n0000000000000000 t udp_rcv\n");

	assert_null(ksyms__load(path));
	assert_null(ksyms__load("/nonexistent/kallsyms"));
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_offsets),
		cmocka_unit_test(test_hidden_addresses_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
