/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device the BPF tests run packets "on". The classifiers read the packet's
 * device (its type, its loopback flag, its namespace), and the kernel's test
 * runner puts packets on loopback unless told an interface index: loopback
 * ingress is skipped by design (counted at egress). So the test process moves
 * into a network namespace of its own (gone with the process: nothing to clean
 * up) and makes one veth pair there, whose index the tests pass in ctx.
 */
#ifndef WHOFLOW_TESTDEV_H
#define WHOFLOW_TESTDEV_H

#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <net/if.h>

/* The test device's index, or 0 (with a message) when it cannot be made. */
static inline unsigned int testdev__setup(void)
{
	unsigned int ifindex;

	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		return 0;
	}
	if (system("ip link add wft0 type veth peer name wft1")) {
		fprintf(stderr, "cannot make the test veth pair in the test's namespace\n");
		return 0;
	}
	ifindex = if_nametoindex("wft0");
	if (!ifindex)
		perror("if_nametoindex(wft0)");
	return ifindex;
}

#endif
