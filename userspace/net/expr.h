/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_EXPR_H
#define WHOFLOW_EXPR_H

struct config;
/* Opaque: libpcap's struct bpf_insn and the kernel's cannot meet in one file. */
struct expr;

/*
 * The trailing filter expression, compiled by libpcap for each link type the
 * classifiers see (Ethernet and raw IP), as tcpdump compiles it. Returns 0
 * (*out set), or 2 (usage error) after printing libpcap's message.
 */
int expr__compile(const struct config *cfg, struct expr **out);
/* Writes both programs into the classifiers' cbpf_prog map and sets lens[2]. */
int expr__install(const struct expr *e, int map_fd, unsigned int *lens);
void expr__free(struct expr *e);

#endif
