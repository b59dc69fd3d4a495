/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_CMD_RULES_H
#define WHOFLOW_CMD_RULES_H

#include "config.h"

/* whoflow rules check DIR... / whoflow rules test RULES EVENTS. */
int cmd__rules(struct config *cfg);

#endif
