// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench part 1: attaches minflow.bpf.o's bench_minflow (the minimal flow
 * counter), or another object's program PROG, to both hooks of one interface,
 * from one loaded object so that both directions share its flow table as
 * whoflow's do; prints "ready", and detaches once its standard input closes.
 * Run it in the interface's network namespace.
 * PRIO is a cls_bpf filter's priority (on clsact, made if missing), or "tcx":
 * TCX links, first on each hook, as whoflow's own classifiers hang. The
 * kernel drops the links when this process exits.
 *
 * Usage: minflow OBJ.bpf.o IFNAME PRIO|tcx [PROG]
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* TCX (Linux 6.6): newer than libbpf 1.1's UAPI headers (as in userspace/net/attach.c). */
#define TCX_INGRESS_ 46
#define TCX_EGRESS_ 47
#define F_BEFORE_ (1U << 3)

/* Both hooks as TCX links, each first on its hook; 0, or -1 said. */
static int minflow__tcx(int prog_fd, int ifindex, const char *ifname)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = F_BEFORE_);

	if (bpf_link_create(prog_fd, ifindex, (enum bpf_attach_type)TCX_INGRESS_, &opts) < 0 ||
	    bpf_link_create(prog_fd, ifindex, (enum bpf_attach_type)TCX_EGRESS_, &opts) < 0) {
		fprintf(stderr, "minflow: cannot link to %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	return 0;
}

/* Says it is attached, and waits for its standard input to close. */
static void minflow__wait(void)
{
	char buf[64];

	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

int main(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts);
	enum bpf_tc_attach_point points[2] = { BPF_TC_INGRESS, BPF_TC_EGRESS };
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: minflow OBJ.bpf.o IFNAME PRIO|tcx [PROG]\n");
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
	prog = bpf_object__find_program_by_name(obj, argc == 5 ? argv[4] : "bench_minflow");
	if (!prog) {
		fprintf(stderr, "minflow: no program %s in %s\n",
			argc == 5 ? argv[4] : "bench_minflow", argv[1]);
		return 1;
	}
	if (!strcmp(argv[3], "tcx")) {
		if (minflow__tcx(bpf_program__fd(prog), hook.ifindex, argv[2]))
			return 1;
		minflow__wait();
		bpf_object__close(obj); /* the links go with the process */
		return 0;
	}
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
	minflow__wait();
	for (int i = 0; i < 2; i++) {
		hook.attach_point = points[i];
		opts.prog_fd = opts.prog_id = opts.flags = 0;
		bpf_tc_detach(&hook, &opts);
	}
	bpf_object__close(obj);
	return 0;
}
