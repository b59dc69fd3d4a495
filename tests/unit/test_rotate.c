// SPDX-License-Identifier: GPL-2.0-only
/* Rotation: when a file is due, and renaming with keep and gzip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "rotate.h"

static void test_due_by_size_and_age(void **state)
{
	struct rotor r = { .max_bytes = 1000 };

	rotor__start(&r, 0, 100);
	assert_false(rotor__due(&r, 5000, 100)); /* an empty file takes even a huge record */
	r.bytes = 900;
	assert_false(rotor__due(&r, 100, 100)); /* exactly the limit still fits */
	assert_true(rotor__due(&r, 101, 100));
	r = (struct rotor){ .max_seconds = 60 };
	rotor__start(&r, 10, 100);
	assert_false(rotor__due(&r, 1, 159));
	assert_true(rotor__due(&r, 1, 160));
	r = (struct rotor){ 0 };
	rotor__start(&r, 1u << 30, 0);
	assert_false(rotor__due(&r, 1u << 30, 1u << 30)); /* no limits: never */
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_shift_keeps_the_newest(void **state)
{
	char dir[] = "/tmp/whoflow-rotate-XXXXXX", path[256], name[300];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dns.log", dir);
	for (int i = 1; i <= 5; i++) {
		char text[32];

		snprintf(text, sizeof(text), "gen %d\n", i);
		put(path, text);
		assert_int_equal(rotate__shift(path, 3, false), 0);
		assert_null(get(path)); /* renamed away: the writer reopens the name */
	}
	snprintf(name, sizeof(name), "%s.1", path);
	assert_string_equal(get(name), "gen 5\n");
	snprintf(name, sizeof(name), "%s.3", path);
	assert_string_equal(get(name), "gen 3\n");
	snprintf(name, sizeof(name), "%s.4", path);
	assert_null(get(name)); /* beyond keep: gone */
	assert_int_equal(count_files(dir), 3);
	assert_int_equal(rotate__shift(path, 3, false), -ENOENT); /* nothing to rotate */
	for (int i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		unlink(name);
	}
	rmdir(dir);
}

static void test_shift_gzips_the_rotated(void **state)
{
	char dir[] = "/tmp/whoflow-rotate-XXXXXX", path[256], name[300], buf[64];
	struct stat st;
	gzFile z;
	int n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/process.log", dir);
	put(path, "first | line\n");
	assert_int_equal(rotate__shift(path, 2, true), 0);
	put(path, "second | line\n");
	assert_int_equal(rotate__shift(path, 2, true), 0);
	snprintf(name, sizeof(name), "%s.1", path);
	assert_null(get(name)); /* only the compressed copy stays */
	snprintf(name, sizeof(name), "%s.2.gz", path);
	z = gzopen(name, "rb");
	assert_non_null(z);
	n = gzread(z, buf, sizeof(buf) - 1);
	gzclose(z);
	assert_int_equal(n, strlen("first | line\n"));
	buf[n] = '\0';
	assert_string_equal(buf, "first | line\n");
	snprintf(name, sizeof(name), "%s.1.gz", path);
	assert_int_equal(stat(name, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(count_files(dir), 2);
	unlink(name);
	snprintf(name, sizeof(name), "%s.2.gz", path);
	unlink(name);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_by_size_and_age),
		cmocka_unit_test(test_shift_keeps_the_newest),
		cmocka_unit_test(test_shift_gzips_the_rotated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
