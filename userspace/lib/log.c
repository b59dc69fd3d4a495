// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "log_libbpf.h"

int log_verbosity;

void log__printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level > log_verbosity)
		return;
	va_start(ap, fmt);
	fputs("whoflow: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int log__libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Demoted one level: libbpf warns about things whoflow already handles. */
	int ours = level == LIBBPF_WARN ? LOG_INFO :
		   level == LIBBPF_INFO ? LOG_DEBUG :
					  LOG_LIBBPF_DEBUG;

	return log__vlib(ours, fmt, ap);
}

int log__vlib(enum log_level level, const char *fmt, va_list ap)
{
	if ((int)level > log_verbosity)
		return 0;
	return vfprintf(stderr, fmt, ap);
}
