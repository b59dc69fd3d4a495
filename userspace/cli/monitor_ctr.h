/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MONITOR_CTR_H
#define WHOFLOW_MONITOR_CTR_H

#include "config.h"

struct proc_tracker;

/* The container metadata stage for a monitor run (meta/): 0, or 1 after saying why. */
int monitor_ctr__start(const struct config *cfg, struct proc_tracker *t);
/* "summary: containers ..." when a runtime was asked or a container seen. */
void monitor_ctr__summary(void);
/* The runtimes' threads stop (a lookup under way ends first); the cache stays for the summary. */
void monitor_ctr__stop(void);
void monitor_ctr__free(void);

#endif
