/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PRIVS_H
#define WHOFLOW_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Checks what loading whoflow needs: capabilities and kernel BTF. Prints one
 * line naming what is missing and how to fix it; returns 0 when all is there.
 */
int privs__check(void);

/* A capability's bit in a set for privs__become. */
#define PRIV_CAP(n) (1ull << (n))

/* The names of the capabilities in set ("CAP_BPF, CAP_NET_ADMIN"), into out. */
void privs__names(uint64_t set, char *out, size_t n);

/*
 * Runs the process as the user NAME from here on: its groups (the user's own
 * with user_groups, none otherwise), its gid and uid in every thread, and
 * no_new_privs. Every thread loses every capability, but the calling one,
 * which keeps those in keep (effective and permitted). Nothing to do for
 * root. 0, or -1 after saying why.
 */
int privs__become(const char *name, uint64_t keep, bool user_groups);

#endif
