// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench: attaches the empty tracepoint programs of tpfloor.bpf.o (the
 * socket tracepoints' floor), prints "ready", and keeps them attached until
 * its standard input closes.
 *
 * Usage: tpfloor TPFLOOR.bpf.o
 */
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	char buf[64];

	if (argc != 2) {
		fprintf(stderr, "usage: tpfloor TPFLOOR.bpf.o\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "tpfloor: cannot load %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "tpfloor: cannot attach %s\n", bpf_program__name(prog));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	bpf_object__close(obj);
	return 0;
}
