/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DYNLIB_H
#define WHOFLOW_DYNLIB_H

#include <stddef.h>

/*
 * A library loaded when the output that needs it starts, not linked: a monitor
 * without that output does not map it, nor what it brings (libmicrohttpd and
 * GnuTLS, libfixbuf and GLib, libnats and libssl: docs/performance.md, part 6).
 * Each function is called through a pointer the table fills.
 */
struct dynlib_call {
	const char *name;
	void **slot;
};

#define DYNLIB_CALL(table, f)           \
	{                               \
#f, (void **)&(table).f \
	}

/*
 * dlopen(soname) once (*lib keeps it), then every call's symbol, looked up in
 * it or, when not there, in also (a library it uses without naming it; may be
 * NULL). 0, or -1 after saying what is missing and what package gives it.
 */
int dynlib__load(void **lib, const char *soname, const char *package, void *also,
		 const struct dynlib_call *calls, size_t n);

#endif
