// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench part 1: attaches minflow.bpf.o's bench_minflow (the minimal flow
 * counter) to both hooks of one interface as a cls_bpf filter of priority
 * PRIO, from one loaded object so that both directions share its flow table
 * as whoflow's do; prints "ready", and detaches once its standard input closes.
 * Run it in the interface's network namespace.
 *
 * Usage: minflow MINFLOW.bpf.o IFNAME PRIO
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts);
	enum bpf_tc_attach_point points[2] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	struct bpf_program *prog;
	struct bpf_object *obj;
	char buf[64];
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: minflow MINFLOW.bpf.o IFNAME PRIO\n");
		return 2;
	}
	hook.ifindex = (int)if_nametoindex(argv[2]);
	if (!hook.ifindex) {
		fprintf(stderr, "minflow: no interface %s here\n", argv[2]);
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "minflow: cannot load %s\n", argv[1]);
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "bench_minflow");
	if (!prog)
		return 1;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_create(&hook); /* the clsact qdisc: the floor's may be there */
	if (err && err != -EEXIST) {
		fprintf(stderr, "minflow: cannot make clsact on %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		hook.attach_point = points[i];
		opts.prog_fd = bpf_program__fd(prog);
		opts.handle = 1;
		opts.priority = (__u32)strtoul(argv[3], NULL, 0);
		opts.prog_id = 0;
		opts.flags = 0;
		if (bpf_tc_attach(&hook, &opts)) {
			fprintf(stderr, "minflow: cannot attach to %s\n", argv[2]);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	for (int i = 0; i < 2; i++) {
		hook.attach_point = points[i];
		opts.prog_fd = opts.prog_id = opts.flags = 0;
		bpf_tc_detach(&hook, &opts);
	}
	bpf_object__close(obj);
	return 0;
}
