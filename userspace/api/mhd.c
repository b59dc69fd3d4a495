// SPDX-License-Identifier: GPL-2.0-only
/* libmicrohttpd, loaded on demand (see mhd.h). */
#include <dlfcn.h>
#include <stdbool.h>
#include "log.h"
#include "mhd.h"

#define MHD_SONAME "libmicrohttpd.so.12"

struct mhd_lib mhd;

int mhd__load(void)
{
	static const struct {
		const char *name;
		void **slot;
	} calls[] = {
		{ "MHD_start_daemon", (void **)&mhd.start_daemon },
		{ "MHD_stop_daemon", (void **)&mhd.stop_daemon },
		{ "MHD_create_response_from_buffer", (void **)&mhd.create_response_from_buffer },
		{ "MHD_add_response_header", (void **)&mhd.add_response_header },
		{ "MHD_queue_response", (void **)&mhd.queue_response },
		{ "MHD_destroy_response", (void **)&mhd.destroy_response },
		{ "MHD_get_connection_values", (void **)&mhd.get_connection_values },
		{ "MHD_lookup_connection_value", (void **)&mhd.lookup_connection_value },
	};
	static void *lib;

	if (lib)
		return 0;
	lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		pr_warn("the API needs %s (Debian: libmicrohttpd12): %s\n", MHD_SONAME, dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		*calls[i].slot = dlsym(lib, calls[i].name);
		if (!*calls[i].slot) {
			pr_warn("%s has no %s: %s\n", MHD_SONAME, calls[i].name, dlerror());
			dlclose(lib);
			lib = NULL;
			return -1;
		}
	}
	return 0;
}
