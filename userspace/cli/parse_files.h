/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PARSE_FILES_H
#define WHOFLOW_PARSE_FILES_H

#include "config.h"
#include "parse_export.h"

/*
 * --files, --files-all, --file-writes, --file-path, --hash-files,
 * --hash-max-size and --preserve-binaries with its caps into
 * cfg: 0, 2 after a usage error, or -1 when opt is none of them.
 */
int parse_files__option(struct config *cfg, int opt, const char *arg, usage_error_fn usage_error);

#endif
