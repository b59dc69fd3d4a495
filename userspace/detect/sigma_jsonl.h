/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SIGMA_JSONL_H
#define WHOFLOW_SIGMA_JSONL_H

#include "sigma.h"

struct json_object;

typedef void (*sigma_jsonl_fn)(void *ctx, enum sigma_cat cat, struct sigma_bag *b);

/* Reads one recorded event (a whoflow --json object) as the live pipeline would. */
void sigma_jsonl__event(struct json_object *ev, sigma_jsonl_fn fn, void *ctx);

#endif
