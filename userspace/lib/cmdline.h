/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CMDLINE_H
#define WHOFLOW_CMDLINE_H

#include <stddef.h>

/*
 * argv as the kernel keeps it: arguments separated by NUL bytes, the last one
 * NUL-terminated unless the buffer was cut. These helpers never read past len.
 */

/* Number of arguments in buf. */
size_t cmdline__count(const char *buf, size_t len);

/*
 * Calls fn for each argument (pointer and length, without the NUL). Returns the
 * number of arguments visited.
 */
size_t cmdline__each(const char *buf, size_t len, void (*fn)(const char *arg, size_t n, void *ctx),
		     void *ctx);

/*
 * Formats argv as one line a POSIX shell (bash for $'..') would split back into
 * the same arguments: plain words stay bare, others are single-quoted, and words
 * with control bytes or invalid UTF-8 use $'...' with \xNN escapes. So empty
 * arguments, spaces, quotes and raw bytes all stay unambiguous.
 * Returns the length the full result needs (like snprintf); out is always
 * NUL-terminated when outsz > 0.
 */
size_t cmdline__format(const char *buf, size_t len, char *out, size_t outsz);

/* The same, in a string of its own to free ("" for no arguments); NULL: out of memory. */
char *cmdline__dup(const char *buf, size_t len);

/*
 * The arguments joined by single spaces, without quoting (Sysmon's and Sigma's
 * CommandLine), in a string of its own to free; NULL: out of memory.
 */
char *cmdline__join(const char *buf, size_t len);

/* Quotes one word with the same rules as cmdline__format. */
size_t cmdline__quote_word(const char *s, size_t n, char *out, size_t outsz);

#endif
