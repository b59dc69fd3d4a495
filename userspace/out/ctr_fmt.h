/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CTR_FMT_H
#define WHOFLOW_CTR_FMT_H

#include <stddef.h>
#include <stdio.h>
#include "container.h"

struct json;

/*
 * ECS container.* (id, runtime, and what the runtime said: name, image.name,
 * image.tag, labels) and orchestrator.* (namespace, resource.name and .type
 * of a Kubernetes pod), at the level the caller is at. Nothing without an id.
 */
void ctr__json(struct json *j, const struct container *c);
/* " ctr=NAME" (and " pod=NS/NAME") with keys prefixed, once the runtime named it. */
void ctr__text(FILE *f, const char *prefix, const struct container *c);
/* The name, image and pod of a container the runtime named ("" when not): for key=value lines. */
const char *ctr__name(const struct container *c);
const char *ctr__image(const struct container *c, char *buf, size_t n);
const char *ctr__pod(const struct container *c, char *buf, size_t n);

#endif
