// SPDX-License-Identifier: GPL-2.0-only
/* libmicrohttpd, loaded on demand (see mhd.h). */
#include <stdbool.h>
#include "dynlib.h"
#include "mhd.h"

#define MHD_SONAME "libmicrohttpd.so.12"

struct mhd_lib mhd;

int mhd__load(void)
{
	static const struct dynlib_call calls[] = {
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

	return dynlib__load(&lib, MHD_SONAME, "libmicrohttpd12", NULL, calls,
			    sizeof(calls) / sizeof(calls[0]));
}
