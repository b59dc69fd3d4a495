// SPDX-License-Identifier: GPL-2.0-only
/* The container metadata cache: asks once, never waits, bounded, renames seen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "ctr_cache.h"

static int asked;
static bool accept_asks = true;
static char last_runtime[16];

static bool ask(void *ctx, const char *id, const char *runtime)
{
	if (!accept_asks)
		return false;
	asked++;
	snprintf(last_runtime, sizeof(last_runtime), "%s", runtime ? runtime : "");
	return true;
}

static struct container ctr(const char *id)
{
	struct container c = { .runtime = "docker" };

	snprintf(c.id, sizeof(c.id), "%s", id);
	return c;
}

static struct ctr_meta meta(const char *id, const char *name)
{
	struct ctr_meta m = { 0 };

	snprintf(m.id, sizeof(m.id), "%s", id);
	snprintf(m.name, sizeof(m.name), "%s", name);
	return m;
}

static int setup(void **state)
{
	asked = 0;
	accept_asks = true;
	ctr_cache__init(16, ask, NULL);
	return 0;
}

static int teardown(void **state)
{
	ctr_cache__free();
	return 0;
}

static void test_ask_once_then_known(void **state)
{
	struct container c = ctr("aa01");
	struct ctr_meta m = meta("aa01", "web");
	struct ctr_cache_stats st;

	assert_null(ctr_cache__find(&c));
	assert_null(ctr_cache__find(&c));
	assert_int_equal(asked, 1);
	assert_string_equal(last_runtime, "docker");
	assert_true(ctr_cache__put(&m));
	assert_string_equal(ctr_cache__find(&c)->name, "web");
	ctr_cache__stats(&st);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.entries, 1);
}

static void test_put_reports_changes(void **state)
{
	struct ctr_meta m = meta("bb02", "old");

	assert_true(ctr_cache__put(&m));
	assert_false(ctr_cache__put(&m)); /* the same answer again */
	snprintf(m.name, sizeof(m.name), "new");
	assert_true(ctr_cache__put(&m)); /* a rename */
	m.nlabels = 1;
	snprintf(m.labels[0].key, sizeof(m.labels[0].key), "team");
	snprintf(m.labels[0].value, sizeof(m.labels[0].value), "blue");
	assert_true(ctr_cache__put(&m));
}

static void test_refused_ask_tried_again(void **state)
{
	struct container c = ctr("cc03");

	accept_asks = false;
	assert_null(ctr_cache__find(&c));
	accept_asks = true;
	assert_null(ctr_cache__find(&c));
	assert_int_equal(asked, 1);
}

static void test_exited_kept_not_asked(void **state)
{
	struct container c = ctr("dd04");
	struct ctr_meta m = meta("dd04", "gone");

	m.exited = true;
	assert_true(ctr_cache__put(&m)); /* an event stream's word, before any lookup */
	assert_string_equal(ctr_cache__find(&c)->name, "gone");
	assert_int_equal(asked, 0);
}

static void test_bounded_lru(void **state)
{
	struct container first = ctr("e000");
	struct ctr_cache_stats st;
	char id[16];

	for (int i = 0; i < 16; i++) {
		struct ctr_meta m;

		snprintf(id, sizeof(id), "e%03d", i);
		m = meta(id, id);
		ctr_cache__put(&m);
	}
	/* e000 used now: e001 is the least recently used. */
	assert_non_null(ctr_cache__find(&first));
	{
		struct ctr_meta m = meta("f999", "newest");

		ctr_cache__put(&m);
	}
	ctr_cache__stats(&st);
	assert_int_equal(st.entries, 16);
	assert_int_equal(st.evicted, 1);
	assert_non_null(ctr_cache__find(&first));
	{
		struct container lru = ctr("e001"), kept = ctr("e002");

		assert_non_null(ctr_cache__find(&kept));
		assert_null(ctr_cache__find(&lru)); /* evicted: unknown again (and asked for) */
	}
}

static void test_off_and_no_id(void **state)
{
	struct container none = { 0 }, c = ctr("ff05"), lxc = { .id = "web1", .runtime = "lxc" };

	assert_null(ctr_cache__find(&none));
	assert_null(ctr_cache__find(&lxc)); /* its id is its name: nobody to ask */
	assert_int_equal(asked, 0);
	ctr_cache__init(0, ask, NULL);
	assert_null(ctr_cache__find(&c));
	assert_int_equal(asked, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ask_once_then_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_reports_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_ask_tried_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exited_kept_not_asked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded_lru, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_and_no_id, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
