/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_REDACT_H
#define WHOFLOW_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define REDACTED "[REDACTED]"

/* True when an environment variable's name looks like it holds a secret. */
bool redact__is_secret_name(const char *name, size_t n);

/*
 * Writes "NAME=VALUE" (n bytes at entry) to out, with VALUE replaced by
 * REDACTED when NAME looks secret. Returns the length written (cut to outsz-1).
 */
size_t redact__env_entry(const char *entry, size_t n, char *out, size_t outsz);

#endif
