/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_KSYMS_H
#define WHOFLOW_KSYMS_H

/* Kernel text symbols from /proc/kallsyms, to name a kernel address. */
#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* NULL when the file is unreadable or hides its addresses (kptr_restrict). */
struct ksyms *ksyms__load(const char *path);
/* "function+0xoffset [module]" into buf; "" when addr is in no known function. */
const char *ksyms__name(const struct ksyms *k, uint64_t addr, char *buf, size_t len);
void ksyms__free(struct ksyms *k);

#endif
