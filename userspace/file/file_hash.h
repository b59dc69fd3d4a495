/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_FILE_HASH_H
#define WHOFLOW_FILE_HASH_H

#include <stdint.h>

/*
 * --hash-files: MD5 and SHA-256 (lowercase hex) of what fd holds, read from
 * its start. NULL when hashed; else why not: "too_large" (over max bytes),
 * "unreadable".
 */
const char *file_hash__fd(int fd, uint64_t max, char md5[33], char sha256[65]);

#endif
