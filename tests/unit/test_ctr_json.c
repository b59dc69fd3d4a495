// SPDX-License-Identifier: GPL-2.0-only
/* The runtimes' JSON into container metadata, from real answers; and broken ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "ctr_json.h"
#include "ctr_vectors.h"

static const char *const keys[] = { "team", "app" };
static const struct ctr_allow allow = { keys, 2 };

static const char *label(const struct ctr_meta *m, const char *key)
{
	for (unsigned int i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i].key, key))
			return m->labels[i].value;
	return NULL;
}

static void test_inspect(void **state)
{
	struct ctr_meta m;

	assert_int_equal(ctr_json__inspect(docker_inspect, strlen(docker_inspect), &allow, &m),
			 CTR_JSON_OK);
	assert_string_equal(m.id, "b4126332ef65895f92fcabf677af1e496a54e5b10ff06fb6ed8f5b3ceaad5c5b");
	assert_string_equal(m.name, "wfrun"); /* Docker's "/wfrun" */
	assert_string_equal(m.image_name, "wf-busybox");
	assert_string_equal(m.image_tag, "test");
	assert_string_equal(m.pod_name, "web-7d9f");
	assert_string_equal(m.pod_namespace, "prod");
	/* Only the allow-list's keys; the pod's labels are fields, not labels. */
	assert_int_equal(m.nlabels, 1);
	assert_string_equal(label(&m, "team"), "blue");
	assert_false(m.exited);
}

static void test_inspect_no_allow_list(void **state)
{
	struct ctr_meta m;

	assert_int_equal(ctr_json__inspect(docker_inspect, strlen(docker_inspect), NULL, &m),
			 CTR_JSON_OK);
	assert_int_equal(m.nlabels, 0);
	assert_string_equal(m.pod_name, "web-7d9f");
}

static void test_events(void **state)
{
	struct ctr_meta m;

	assert_int_equal(ctr_json__event(docker_event_create, strlen(docker_event_create), &allow,
					 &m),
			 CTR_JSON_OK);
	assert_string_equal(m.name, "wfrun");
	assert_string_equal(m.image_name, "wf-busybox");
	assert_string_equal(m.image_tag, "test");
	assert_string_equal(label(&m, "team"), "blue");
	assert_false(m.exited);

	assert_int_equal(ctr_json__event(docker_event_rename, strlen(docker_event_rename), &allow,
					 &m),
			 CTR_JSON_OK);
	assert_string_equal(m.name, "wfr3");
	assert_null(label(&m, "oldName")); /* the engine's keys are not labels */

	assert_int_equal(ctr_json__event(docker_event_destroy, strlen(docker_event_destroy),
					 &allow, &m),
			 CTR_JSON_OK);
	assert_true(m.exited);
	assert_string_equal(m.name, "wfrun");
}

static void test_event_not_container(void **state)
{
	static const char net[] = "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"ID\":"
				  "\"abc\",\"Attributes\":{\"name\":\"bridge\"}}}";
	struct ctr_meta m;

	assert_int_equal(ctr_json__event(net, strlen(net), &allow, &m), CTR_JSON_IGNORED);
}

static void test_oci_config(void **state)
{
	static const char id[] = "f4cb9bf36b4be93ee60da5681b26a93981f23acf535cd894e6f9192329499dc4";
	struct ctr_meta m;

	assert_int_equal(ctr_json__oci_config(oci_config, strlen(oci_config), id, &allow, &m),
			 CTR_JSON_OK);
	assert_string_equal(m.id, id);
	assert_string_equal(m.name, "web");
	assert_string_equal(m.image_name, "docker.io/library/wf-busybox");
	assert_string_equal(m.image_tag, "test");
	assert_string_equal(m.pod_name, "web-7d9f");
	assert_string_equal(m.pod_namespace, "prod");
	assert_string_equal(m.pod_uid, "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab");
	assert_string_equal(label(&m, "app"), "shop");
}

static void test_split_image(void **state)
{
	static const struct {
		const char *ref, *name, *tag;
	} cases[] = {
		{ "wf-busybox:test", "wf-busybox", "test" },
		{ "nginx", "nginx", "latest" },
		{ "registry.local:5000/team/app:1.2", "registry.local:5000/team/app", "1.2" },
		{ "registry.local:5000/team/app", "registry.local:5000/team/app", "latest" },
		{ "app@sha256:0123abcd", "app", "" },
		{ "app:1.0@sha256:0123abcd", "app", "1.0" },
		{ "sha256:df864fa5b82c", "sha256:df864fa5b82c", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctr_meta m = { 0 };

		ctr_json__split_image(cases[i].ref, &m);
		assert_string_equal(m.image_name, cases[i].name);
		assert_string_equal(m.image_tag, cases[i].tag);
	}
}

/* Not the document asked for: refused whole, never half-read. */
static void test_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[1,2]",
		"{\"Id\":\"zz-not-hex\",\"Name\":\"/x\"}",
		"{\"Name\":\"/no-id\"}",
		"{\"Id\":12,\"Name\":\"/x\"}",
		"{\"Id\":\"abc\",\"Name\":\"/x\"} trailing",
	};
	struct ctr_meta m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ctr_json__inspect(bad[i], strlen(bad[i]), &allow, &m), CTR_JSON_BAD);
		assert_int_equal(ctr_json__event(bad[i], strlen(bad[i]), &allow, &m), CTR_JSON_BAD);
		assert_int_equal(ctr_json__oci_config(bad[i], strlen(bad[i]), "abc", &allow, &m),
				 CTR_JSON_BAD);
	}
	/* Cut anywhere, the real answer is refused. */
	for (size_t n = 0; n < strlen(docker_inspect); n += 97)
		assert_int_equal(ctr_json__inspect(docker_inspect, n, &allow, &m), CTR_JSON_BAD);
}

/* Values longer than the fields are cut, labels past the bound left out. */
static void test_bounds(void **state)
{
	char doc[8192], name[400];
	const char *many[20];
	char keybuf[20][8];
	struct ctr_allow all = { many, 20 };
	struct ctr_meta m;
	size_t len;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	len = (size_t)snprintf(doc, sizeof(doc), "{\"Id\":\"abc123\",\"Name\":\"/%s\",\"Config\":{"
				   "\"Image\":\"i:t\",\"Labels\":{", name);
	for (int i = 0; i < 20; i++) {
		snprintf(keybuf[i], sizeof(keybuf[i]), "k%d", i);
		many[i] = keybuf[i];
		len += (size_t)snprintf(doc + len, sizeof(doc) - len, "%s\"k%d\":\"v\"", i ? "," : "", i);
	}
	snprintf(doc + len, sizeof(doc) - len, "}}}");
	assert_int_equal(ctr_json__inspect(doc, strlen(doc), &all, &m), CTR_JSON_OK);
	assert_int_equal(strlen(m.name), CTR_NAME_MAX - 1);
	assert_int_equal(m.nlabels, CTR_LABELS_MAX);
}

/* A name, image or pod field is one word in text and comments: what no runtime allows becomes '_'. */
static void test_words(void **state)
{
	static const char doc[] = "{\"Id\":\"abc123\",\"Name\":\"/bad name\\n=\\\"x\",\"Config\":{"
				  "\"Image\":\"img x:t\\u0001g\",\"Labels\":{\"io.kubernetes.pod.name\":"
				  "\"p od\",\"team\":\"a b\"}}}";
	struct ctr_meta m;

	assert_int_equal(ctr_json__inspect(doc, strlen(doc), &allow, &m), CTR_JSON_OK);
	assert_string_equal(m.name, "bad_name___x");
	assert_string_equal(m.image_name, "img_x");
	assert_string_equal(m.image_tag, "t_g");
	assert_string_equal(m.pod_name, "p_od");
	assert_string_equal(label(&m, "team"), "a b"); /* a label value is JSON's, escaped there */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect),	       cmocka_unit_test(test_inspect_no_allow_list),
		cmocka_unit_test(test_events),	       cmocka_unit_test(test_event_not_container),
		cmocka_unit_test(test_oci_config),     cmocka_unit_test(test_split_image),
		cmocka_unit_test(test_bad),	       cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
