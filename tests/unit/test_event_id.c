// SPDX-License-Identifier: GPL-2.0-only
/* event.id: stable for the same record, different for different ones, time first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "event_id.h"

static void test_same_record_same_id(void **state)
{
	const char rec[] = "a kernel record: addresses, ports, times";
	char a[EVENT_ID_LEN], b[EVENT_ID_LEN];

	event_id__seed("6a1e3c9e-1111-4b7a-9a54-0c5d1f2e3a4b");
	event_id__make(a, 0x123456789abcdefull, 3, rec, sizeof(rec), "xy", 2);
	event_id__make(b, 0x123456789abcdefull, 3, rec, sizeof(rec), "xy", 2);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 32);
	assert_memory_equal(a, "0123456789abcdef", 16); /* the time, so ids sort by it */
	for (int i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
}

static void test_any_difference_changes_the_id(void **state)
{
	unsigned char rec[80] = { 0 };
	char base[EVENT_ID_LEN], other[EVENT_ID_LEN];

	event_id__seed("boot-a");
	event_id__make(base, 1000, 1, rec, sizeof(rec), NULL, 0);
	/* every byte of the record counts, the tail ones included */
	for (size_t i = 0; i < sizeof(rec); i++) {
		rec[i] ^= 1;
		event_id__make(other, 1000, 1, rec, sizeof(rec), NULL, 0);
		assert_string_not_equal(base, other);
		rec[i] ^= 1;
	}
	event_id__make(other, 1000, 2, rec, sizeof(rec), NULL, 0); /* another kind */
	assert_string_not_equal(base, other);
	event_id__make(other, 1001, 1, rec, sizeof(rec), NULL, 0); /* another time */
	assert_string_not_equal(base + 16, other + 16);
	event_id__make(other, 1000, 1, rec, sizeof(rec) - 1, NULL, 0); /* shorter */
	assert_string_not_equal(base, other);
	event_id__make(other, 1000, 1, rec, sizeof(rec), "", 1); /* a byte more */
	assert_string_not_equal(base, other);
	event_id__seed("boot-b"); /* clocks restart at boot: another boot, other ids */
	event_id__make(other, 1000, 1, rec, sizeof(rec), NULL, 0);
	assert_string_not_equal(base, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_record_same_id),
		cmocka_unit_test(test_any_difference_changes_the_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
