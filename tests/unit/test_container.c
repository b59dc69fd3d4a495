// SPDX-License-Identifier: GPL-2.0-only
/* cgroup path -> container id and runtime, for every layout whoflow recognises. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "container.h"

#define ID64 "3f1c2d5e8a9b0c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d"

struct case_ {
	const char *path;
	const char *id; /* NULL: no container */
	const char *runtime;
};

static const struct case_ cases[] = {
	/* docker, systemd driver (v2) and cgroupfs driver (v1 and v2) */
	{ "/system.slice/docker-" ID64 ".scope", ID64, "docker" },
	{ "/docker/" ID64, ID64, "docker" },
	/* kubernetes + containerd, systemd driver */
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6b9e4bb4_1e0c_4c9f_"
	  "8a55_7d6f1d2c3b4a.slice/cri-containerd-" ID64 ".scope",
	  ID64, "containerd" },
	/* kubernetes cgroupfs driver: the runtime is not in the path */
	{ "/kubepods/burstable/pod6b9e4bb4-1e0c-4c9f-8a55-7d6f1d2c3b4a/" ID64, ID64, "cri" },
	/* cri-o */
	{ "/kubepods.slice/kubepods-pod1.slice/crio-" ID64 ".scope", ID64, "cri-o" },
	{ "/kubepods.slice/kubepods-pod1.slice/crio-conmon-" ID64 ".scope", NULL, NULL },
	/* podman: rootful, rootless, cgroupfs, and systemd running inside the container */
	{ "/machine.slice/libpod-" ID64 ".scope", ID64, "podman" },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope", ID64,
	  "podman" },
	{ "/libpod_parent/libpod-" ID64, ID64, "podman" },
	{ "/machine.slice/libpod-" ID64 ".scope/container/init.scope", ID64, "podman" },
	{ "/machine.slice/libpod-conmon-" ID64 ".scope", NULL, NULL },
	/* containerd's own namespaces (nerdctl, ctr) */
	{ "/default/" ID64, ID64, "containerd" },
	{ "/system.slice/nerdctl-" ID64 ".scope", ID64, "containerd" },
	/* systemd-nspawn and lxc */
	{ "/machine.slice/machine-debian.scope", "debian", "systemd-nspawn" },
	{ "/lxc/web1", "web1", "lxc" },
	{ "/lxc.payload.web1", "web1", "lxc" },
	/* a test cgroup with a containerd-style child, as the integration tests make */
	{ "/whoflow-test-123/cri-containerd-" ID64 ".scope", ID64, "containerd" },
	/* not containers */
	{ "/", NULL, NULL },
	{ "", NULL, NULL },
	{ "/system.slice/sshd.service", NULL, NULL },
	{ "/user.slice/user-0.slice/session-3.scope", NULL, NULL },
	{ "/system.slice/docker-"
	  "3f1c2d"
	  ".scope",
	  NULL, NULL }, /* short id */
	{ "/system.slice/docker-" ID64 "x.scope", NULL, NULL },
	{ "/docker/notanid", NULL, NULL },
	{ "/system.slice/docker.service", NULL, NULL },
};

static void test_paths(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct container c;
		bool found = container__from_cgroup_path(cases[i].path, &c);

		if (!cases[i].id) {
			if (found)
				fail_msg("path %s: unexpected container %s", cases[i].path, c.id);
			assert_string_equal(c.id, "");
			continue;
		}
		if (!found)
			fail_msg("path %s: no container found", cases[i].path);
		assert_string_equal(c.id, cases[i].id);
		assert_string_equal(c.runtime, cases[i].runtime);
	}
}

static void test_proc_cgroup_v2_preferred(void **state)
{
	const char *text = "12:memory:/docker/" ID64 "\n"
			   "1:name=systemd:/system.slice/docker-" ID64 ".scope\n"
			   "0::/system.slice/docker-" ID64 ".scope\n";
	char out[512];

	assert_true(container__cgroup_from_proc(text, out, sizeof(out)) > 0);
	assert_string_equal(out, "/system.slice/docker-" ID64 ".scope");
}

static void test_proc_cgroup_v1_only(void **state)
{
	/* Pure cgroup v1 host: name=systemd wins over the first controller line. */
	const char *text = "12:memory:/docker/" ID64 "\n"
			   "11:cpu,cpuacct:/docker/" ID64 "\n"
			   "1:name=systemd:/docker/" ID64 "\n";
	struct container c;
	char out[512];

	assert_true(container__cgroup_from_proc(text, out, sizeof(out)) > 0);
	assert_string_equal(out, "/docker/" ID64);
	assert_true(container__from_cgroup_path(out, &c));
	assert_string_equal(c.runtime, "docker");
}

static void test_proc_cgroup_first_v1_and_bad(void **state)
{
	char out[64];

	assert_int_equal(container__cgroup_from_proc("4:pids:/x/y\n3:cpu:/z\n", out, sizeof(out)),
			 4);
	assert_string_equal(out, "/x/y");
	assert_int_equal(container__cgroup_from_proc("garbage\n", out, sizeof(out)), -1);
	assert_int_equal(container__cgroup_from_proc("", out, sizeof(out)), -1);
	/* A path longer than the buffer is cut, never overflowed. */
	assert_int_equal(container__cgroup_from_proc("0::/" ID64 ID64 "\n", out, 16), 15);
	assert_int_equal(strlen(out), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_proc_cgroup_v2_preferred),
		cmocka_unit_test(test_proc_cgroup_v1_only),
		cmocka_unit_test(test_proc_cgroup_first_v1_and_bad),
	};

	return cmocka_run_group_tests_name("container", tests, NULL, NULL);
}
