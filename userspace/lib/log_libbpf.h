/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_LOG_LIBBPF_H
#define WHOFLOW_LOG_LIBBPF_H

#include <stdarg.h>
#include <bpf/libbpf.h>

/* Hook for libbpf_set_print(): libbpf warnings at -v, its info at -vv, its debug at -vvv. */
int log__libbpf(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif
