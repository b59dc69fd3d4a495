// SPDX-License-Identifier: GPL-2.0-only
/* fanotify's records (directory handles and names), from a real read and cut or broken ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/fanotify.h>
#include "fsnote.h"
#include "fsnote_vectors.h"

struct seen {
	struct fs_note n[8];
	int count;
};

static void keep(void *ctx, const struct fs_note *n)
{
	struct seen *s = ctx;

	if (s->count < 8)
		s->n[s->count] = *n;
	s->count++;
}

static void test_real_read(void **state)
{
	struct seen s = { 0 };

	assert_int_equal(fsnote__parse(fsnote_real, sizeof(fsnote_real), keep, &s), 5);
	/* create, modify, chmod and close after writing: one record, merged by the kernel */
	assert_int_equal(s.n[0].mask, FAN_CREATE | FAN_MODIFY | FAN_ATTRIB | FAN_CLOSE_WRITE);
	assert_true(s.n[0].has_dir && s.n[0].has_obj);
	assert_string_equal(s.n[0].name, "a.txt");
	assert_int_equal(s.n[0].dir.bytes, 12);
	/* the rename: old and new names, and the object */
	assert_int_equal(s.n[1].mask, FAN_RENAME);
	assert_true(s.n[1].has_old && s.n[1].has_new && s.n[1].has_obj && !s.n[1].has_dir);
	assert_string_equal(s.n[1].old_name, "a.txt");
	assert_string_equal(s.n[1].new_name, "b.txt");
	/* the same object: its handle is the first record's */
	assert_int_equal(s.n[1].obj.bytes, s.n[0].obj.bytes);
	assert_memory_equal(s.n[1].obj.f_handle, s.n[0].obj.f_handle, s.n[0].obj.bytes);
	/* the renamed inode's own change: its handle alone */
	assert_int_equal(s.n[2].mask, FAN_ATTRIB);
	assert_true(s.n[2].has_obj && !s.n[2].has_dir);
	assert_int_equal(s.n[3].mask, FAN_DELETE);
	assert_string_equal(s.n[3].name, "b.txt");
	assert_int_equal(s.n[4].mask, FAN_CREATE | FAN_DELETE | FAN_ONDIR);
	assert_string_equal(s.n[4].name, "sub");
	for (int i = 0; i < 5; i++)
		assert_true(s.n[i].pid > 0 && s.n[i].pid == s.n[0].pid);
	assert_memory_equal(s.n[4].fsid, s.n[0].fsid, 8);
}

/* Cut anywhere but at a record's end: refused, the whole records before it given. */
static void test_cut(void **state)
{
	for (size_t n = 1; n < sizeof(fsnote_real); n++) {
		struct seen s = { 0 };
		int rc = fsnote__parse(fsnote_real, n, keep, &s);

		if (n == 96 || n == 232 || n == 288 || n == 384)
			assert_int_equal(rc, s.count);
		else
			assert_int_equal(rc, -1);
	}
}

static void test_broken_lengths(void **state)
{
	unsigned char b[sizeof(fsnote_real)];
	struct seen s = { 0 };

	/* an info record longer than its event */
	memcpy(b, fsnote_real, sizeof(b));
	b[sizeof(struct fanotify_event_metadata) + 2] = 0xff;
	assert_int_equal(fsnote__parse(b, sizeof(b), keep, &s), -1);
	/* a handle longer than its info record */
	memcpy(b, fsnote_real, sizeof(b));
	b[sizeof(struct fanotify_event_metadata) + 12] = 0xf0;
	assert_int_equal(fsnote__parse(b, sizeof(b), keep, &s), -1);
	/* a name with no end */
	memcpy(b, fsnote_real, sizeof(b));
	memset(b + sizeof(struct fanotify_event_metadata) + 20 + 12, 'x', 8);
	assert_int_equal(fsnote__parse(b, sizeof(b), keep, &s), -1);
	/* an event length of 0: no endless loop */
	memcpy(b, fsnote_real, sizeof(b));
	memset(b, 0, 4);
	assert_int_equal(fsnote__parse(b, sizeof(b), keep, &s), -1);
	/* another metadata version */
	memcpy(b, fsnote_real, sizeof(b));
	b[4] = FANOTIFY_METADATA_VERSION + 1;
	assert_int_equal(fsnote__parse(b, sizeof(b), keep, &s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_read),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_broken_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
