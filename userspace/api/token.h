/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_TOKEN_H
#define WHOFLOW_TOKEN_H

#include <stddef.h>

/* The token in path (made if missing, its directory 0700), and path made absolute. */
int token__load(const char *path, char *token, size_t n, char *abs, size_t absn);

#endif
