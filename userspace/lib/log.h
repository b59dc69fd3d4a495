/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_LOG_H
#define WHOFLOW_LOG_H

#include <stdarg.h>

/* Each -v raises the level by one; libbpf's own messages sit one level lower. */
enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
	LOG_LIBBPF_DEBUG = 3,
};

extern int log_verbosity;

void log__printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A library's message (libbpf, libxdp: they carry their own prefix), unprefixed. */
int log__vlib(enum log_level level, const char *fmt, va_list ap);
/* libbpf's messages go through log__libbpf (log_libbpf.h). */

#define pr_warn(...) log__printf(LOG_WARN, __VA_ARGS__)
/* What a command always says (results, summaries, usage errors): shown at every verbosity. */
#define pr_say(...) log__printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__printf(LOG_DEBUG, __VA_ARGS__)

#endif
