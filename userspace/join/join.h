/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_JOIN_H
#define WHOFLOW_JOIN_H

#include "event.h"

struct config;
struct owner_ctx;

/*
 * The join stage. Network events, before selection: event.id from the kernel
 * record, endpoints, and the owning process (and a flow's local peer).
 * Process events, once selected: event.id, the derived fields every sink
 * prints (command line, environment, user names, exit status), and the
 * executable's hashes with --hash-binaries. join__release frees what the
 * join allocated.
 */
void join__network(const struct owner_ctx *oc, struct event *ev);
void join__process(const struct config *cfg, const struct owner_ctx *oc, struct event *ev);
void join__release(struct event *ev);

#endif
