/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PARSE_EXPORT_H
#define WHOFLOW_PARSE_EXPORT_H

#include "config.h"

/* Prints "whoflow: " and fmt with arg, then where --help is; returns 2. */
typedef int (*usage_error_fn)(const char *fmt, const char *arg);

/*
 * --udp, --udp-max-size, --ipfix*, --nats* and --metrics into cfg: 0, 2 after
 * a usage error, or -1 when opt is none of them.
 */
int parse_export__option(struct config *cfg, int opt, const char *arg, usage_error_fn usage_error);

#endif
