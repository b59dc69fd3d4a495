/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_PRIVS_H
#define WHOFLOW_PRIVS_H

/*
 * Checks what loading whoflow needs: capabilities and kernel BTF. Prints one
 * line naming what is missing and how to fix it; returns 0 when all is there.
 */
int privs__check(void);

#endif
