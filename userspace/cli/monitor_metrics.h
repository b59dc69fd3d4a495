/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MONITOR_METRICS_H
#define WHOFLOW_MONITOR_METRICS_H

#include "pipeline.h"

struct metrics_http;
struct proc_tracker;
struct flow_tracker;
struct sock_tracker;

/* Gathers the counters --metrics exposes and publishes them (mh NULL: nothing). */
void monitor_metrics__publish(struct metrics_http *mh, const struct proc_tracker *t,
			      struct flow_tracker *ft, const struct sock_tracker *st,
			      const struct pipeline *out);

#endif
