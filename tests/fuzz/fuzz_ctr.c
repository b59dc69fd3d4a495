// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the container runtimes' JSON (inspect, events, OCI bundles). */
#include <stddef.h>
#include <stdint.h>
#include "ctr_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "team", "app", "io.kubernetes.pod.name" };
	static const struct ctr_allow allow = { keys, 3 };
	static struct ctr_meta m;
	const char *buf = (const char *)data;

	ctr_json__inspect(buf, size, &allow, &m);
	ctr_json__event(buf, size, &allow, &m);
	ctr_json__oci_config(buf, size, "0123abcd", &allow, &m);
	return 0;
}
