/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CMD_SERVE_H
#define WHOFLOW_CMD_SERVE_H

#include "config.h"

/* whoflow serve: the API over an existing store, until SIGINT or SIGTERM. */
int cmd__serve(struct config *cfg);
/* The API's settings from the command line (the defaults filled in). */
struct api_config;
void cmd__api_config(const struct config *cfg, struct api_config *out);

#endif
