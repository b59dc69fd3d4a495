/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_USERS_H
#define WHOFLOW_USERS_H

#include <sys/types.h>

/* Name for a uid or gid, cached; NULL when the host has no name for it. */
const char *users__user_name(uid_t uid);
const char *users__group_name(gid_t gid);
void users__free(void);

#endif
