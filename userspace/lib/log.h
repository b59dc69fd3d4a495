/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_LOG_H
#define WHOFLOW_LOG_H

#include <stdarg.h>
#include <bpf/libbpf.h>

/* Each -v raises the level by one; libbpf's own messages sit one level lower. */
enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
	LOG_LIBBPF_DEBUG = 3,
};

extern int log_verbosity;

void log__printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hook for libbpf_set_print(): libbpf warnings at -v, its info at -vv, its debug at -vvv. */
int log__libbpf(enum libbpf_print_level level, const char *fmt, va_list ap);

#define pr_warn(...) log__printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__printf(LOG_DEBUG, __VA_ARGS__)

#endif
