/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_HASH_H
#define WHOFLOW_HASH_H

#include <sys/types.h>

/*
 * MD5 and SHA-256 (lowercase hex) of a process's executable. Reads
 * /proc/PID/exe while the process lives (right file even across mount
 * namespaces), else path. Cached by (dev, inode, size, mtime), so each binary
 * is read once. Returns 0 on success.
 */
int hash__executable(pid_t pid, const char *path, char md5[33], char sha256[65]);
void hash__free(void);

#endif
