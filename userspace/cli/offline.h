/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_OFFLINE_H
#define WHOFLOW_OFFLINE_H

struct config;

/*
 * -r FILE: every packet of a pcap or pcapng file goes through the same TC
 * classifier (bpf_prog_test_run_opts), with its capture time, and the same
 * event pipeline follows. No process attribution. Returns the exit code.
 */
int offline__run(struct config *cfg);

#endif
