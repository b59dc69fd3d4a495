// SPDX-License-Identifier: GPL-2.0-only
/*
 * make bench: attaches the tracepoint programs of an object (tpfloor.bpf.o:
 * the socket tracepoints' floor; minown.bpf.o: the minimal owner check, whose
 * cgroup program goes on CGROUP), prints "ready", and keeps them attached
 * until its standard input closes.
 *
 * Usage: tpfloor OBJ.bpf.o [CGROUP]
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int cgroup = -1;
	char buf[64];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: tpfloor OBJ.bpf.o [CGROUP]\n");
		return 2;
	}
	if (argc == 3) {
		cgroup = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cgroup < 0) {
			perror(argv[2]);
			return 1;
		}
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "tpfloor: cannot load %s\n", argv[1]);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		bool cg = bpf_program__get_type(prog) == BPF_PROG_TYPE_CGROUP_SOCK;

		if (cg && cgroup < 0) {
			fprintf(stderr, "tpfloor: %s needs a cgroup\n", bpf_program__name(prog));
			return 2;
		}
		if (!(cg ? bpf_program__attach_cgroup(prog, cgroup) : bpf_program__attach(prog))) {
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
