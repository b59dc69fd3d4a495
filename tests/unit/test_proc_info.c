// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process entries share their container (userspace/core/proc_info.c): one
 * copy per container id, taken by a fork, changed by a move to another
 * cgroup, gone with the last process that names it. The ids are docker's
 * cgroup v2 scope names as the tracker reads them from real cgroup paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "container.h"
#include "proc_info.h"

#define CG_A "/system.slice/docker-4f3c9b1e0c5d7a2b8e6f1d3c5b7a9e0f2d4c6b8a0e1f3d5c7b9a1e2f4d6c8b0a.scope"
#define CG_B "/system.slice/docker-0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9.scope"

static void ctr__from(const char *path, struct container *c)
{
	assert_true(container__from_cgroup_path(path, c));
}

static void test_a_process_in_no_container_has_an_empty_one(void **state)
{
	struct proc_info p = {};
	struct container none;

	assert_non_null(proc_info__container(&p));
	assert_string_equal(proc_info__container(&p)->id, "");
	assert_false(container__from_cgroup_path("/user.slice/user-0.slice/session-3.scope", &none));
	proc_info__set_container(&p, &none);
	assert_null(p.container);
	assert_string_equal(proc_info__container(&p)->id, "");
}

static void test_processes_of_one_container_share_it(void **state)
{
	struct proc_info a = {}, b = {}, child = {};
	struct container c;

	ctr__from(CG_A, &c);
	proc_info__set_container(&a, &c);
	proc_info__set_container(&b, &c);
	proc_info__share_container(&child, &a);
	assert_non_null(a.container);
	assert_ptr_equal(a.container, b.container);
	assert_ptr_equal(a.container, child.container);
	assert_string_equal(proc_info__container(&child)->id, c.id);
	assert_string_equal(proc_info__container(&child)->runtime, "docker");
	/* The copy is the shared one's, not the caller's. */
	memset(&c, 0, sizeof(c));
	assert_string_equal(proc_info__container(&a)->id, proc_info__container(&b)->id);
	assert_int_equal(strlen(proc_info__container(&a)->id), 64);
	proc_info__drop_container(&a);
	proc_info__drop_container(&b);
	assert_null(a.container);
	/* The last one left still holds it whole. */
	assert_int_equal(strlen(proc_info__container(&child)->id), 64);
	assert_string_equal(proc_info__container(&child)->runtime, "docker");
	proc_info__drop_container(&child);
}

static void test_a_move_to_another_container_leaves_the_others(void **state)
{
	struct proc_info a = {}, b = {};
	struct container ca, cb;

	ctr__from(CG_A, &ca);
	ctr__from(CG_B, &cb);
	proc_info__set_container(&a, &ca);
	proc_info__share_container(&b, &a);
	proc_info__set_container(&b, &cb);
	assert_ptr_not_equal(a.container, b.container);
	assert_string_equal(proc_info__container(&a)->id, ca.id);
	assert_string_equal(proc_info__container(&b)->id, cb.id);
	/* Setting the same container again changes nothing. */
	const struct container *was = b.container;
	proc_info__set_container(&b, &cb);
	assert_ptr_equal(b.container, was);
	proc_info__drop_container(&a);
	proc_info__drop_container(&b);
	/* After the last one went, the id is made again from its path. */
	proc_info__set_container(&a, &ca);
	assert_string_equal(proc_info__container(&a)->id, ca.id);
	proc_info__drop_container(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_process_in_no_container_has_an_empty_one),
		cmocka_unit_test(test_processes_of_one_container_share_it),
		cmocka_unit_test(test_a_move_to_another_container_leaves_the_others),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
