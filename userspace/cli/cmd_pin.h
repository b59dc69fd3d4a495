/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CMD_PIN_H
#define WHOFLOW_CMD_PIN_H

struct config;

int cmd__attach(struct config *cfg);
int cmd__detach(struct config *cfg);
int cmd__status(struct config *cfg);

#endif
