// SPDX-License-Identifier: GPL-2.0-only
/* Loads and attaches the socket owner hooks (bpf/cgroup/sock.bpf.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sock.skel.h"
#include "config.h"
#include "log.h"
#include "sock.h"
#include "percpu.h"

/* kernfs numbers the cgroup v2 root 1: the top of a mount made outside any cgroup namespace. */
#define CGROUP_ROOT_INO 1

/*
 * The watched cgroup's id and depth, for the socket tracepoints' scope check
 * (its ancestor's id at that depth: no map lookup). The depth counts from the
 * cgroup v2 root, so it is known only when the mount in hand shows that root:
 * a cgroup2 mount made inside a cgroup namespace (whoflow in a container) tops
 * out at the namespace's root, and the hooks keep the cgroup array's check.
 */
static bool scope__locate(int fd, __u64 *id, __u32 *level)
{
	struct stat st, up;
	int cur = dup(fd), next;
	bool top = false;

	if (cur < 0 || fstat(cur, &st)) {
		if (cur >= 0)
			close(cur);
		return false;
	}
	*id = st.st_ino;
	*level = 0;
	for (int i = 0; i < 256 && !top; i++) {
		next = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = next;
		if (cur < 0 || fstat(cur, &up))
			break;
		/* ".." of a mount's root is the mount point, on another file system
		 * (or itself, at the root of the mount namespace). */
		top = up.st_dev != st.st_dev || up.st_ino == st.st_ino;
		if (!top) {
			st = up;
			(*level)++;
		}
	}
	if (cur >= 0)
		close(cur);
	return top && st.st_ino == CGROUP_ROOT_INO;
}

int sock_tracker__load(struct sock_tracker *s, const struct config *cfg, int scope_fd,
		       const char *cgroup_mount)
{
	const char *where = cfg->cgroup ? cfg->cgroup : cgroup_mount;
	__u32 zero = 0;
	char msg[128];
	int err;

	memset(s, 0, sizeof(*s));
	s->cgroup_fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->cgroup_fd < 0) {
		pr_warn("cannot open cgroup %s for the socket hooks: %m\n", where);
		return -errno;
	}
	s->skel = sock_bpf__open();
	if (!s->skel) {
		pr_warn("cannot open the socket owner BPF object: %m\n");
		return -errno;
	}
	s->skel->rodata->scope_enabled = scope_fd >= 0;
	if (scope_fd >= 0) {
		__u64 id = 0;
		__u32 level = 0;

		s->skel->rodata->scope_by_id = scope__locate(scope_fd, &id, &level);
		s->skel->rodata->scope_id = id;
		s->skel->rodata->scope_level = level;
		if (s->skel->rodata->scope_by_id)
			pr_debug("socket hooks: --cgroup is cgroup %llu, %u below the root\n",
				 (unsigned long long)id, level);
		else
			pr_debug(
				"socket hooks: --cgroup's depth is unknown from this mount (a cgroup "
				"namespace's): its scope is checked through the cgroup array\n");
	}
	bpf_map__set_max_entries(s->skel->maps.owners, cfg->socket_table);
	bpf_map__set_max_entries(s->skel->maps.tuples, cfg->socket_table);
	bpf_map__set_max_entries(s->skel->maps.tuples_any, cfg->socket_table);
	bpf_map__set_max_entries(s->skel->maps.tcp_health, cfg->socket_table);
	err = sock_bpf__load(s->skel);
	if (err) {
		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot load the socket owner hooks into the kernel: %s (run with -vv to "
			"see the verifier's log)\n",
			msg);
		return err;
	}
	s->ports = mmap(NULL, WF_TUPLE_PORT_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			MAP_SHARED, bpf_map__fd(s->skel->maps.tuple_ports), 0);
	if (s->ports == MAP_FAILED) {
		s->ports = NULL;
		pr_warn("cannot map the socket hooks' port table into the agent: %m\n");
		return -errno;
	}
	if (scope_fd >= 0 &&
	    bpf_map_update_elem(bpf_map__fd(s->skel->maps.sock_scope), &zero, &scope_fd, 0)) {
		pr_warn("cannot set the socket hooks' cgroup scope: %m\n");
		return -errno;
	}
	s->scoped = scope_fd >= 0;
	return 0;
}

void sock_tracker__maps(const struct sock_tracker *s, struct owner_maps *m)
{
	m->owners = bpf_map__fd(s->skel->maps.owners);
	m->tuples = bpf_map__fd(s->skel->maps.tuples);
	m->tuples_any = bpf_map__fd(s->skel->maps.tuples_any);
	m->tuple_ports = bpf_map__fd(s->skel->maps.tuple_ports);
	m->tcp_health = bpf_map__fd(s->skel->maps.tcp_health);
	m->scope = s->scoped ? bpf_map__fd(s->skel->maps.sock_scope) : -1;
}

int sock_tracker__attach(struct sock_tracker *s)
{
	struct bpf_program *prog;
	char msg[128];

	bpf_object__for_each_program(prog, s->skel->obj)
	{
		enum bpf_attach_type type = bpf_program__expected_attach_type(prog);
		struct bpf_link *l;
		bool tracing = bpf_program__type(prog) == BPF_PROG_TYPE_TRACING;

		if (s->nlinks >= sizeof(s->links) / sizeof(s->links[0]))
			return -E2BIG;
		l = tracing ? bpf_program__attach(prog) :
			      bpf_program__attach_cgroup(prog, s->cgroup_fd);
		if (!l) {
			int err = -errno;

			libbpf_strerror(err, msg, sizeof(msg));
			pr_warn("cannot attach the socket hook %s (attach type %d): %s\n",
				bpf_program__name(prog), type, msg);
			return err;
		}
		s->links[s->nlinks++] = l;
	}
	return 0;
}

void sock_tracker__stats(const struct sock_tracker *s, uint64_t out[WF_SOCK_STAT__MAX])
{
	percpu__sum(s->skel ? bpf_map__fd(s->skel->maps.sock_stats) : -1, out, WF_SOCK_STAT__MAX);
}

void sock_tracker__destroy(struct sock_tracker *s)
{
	for (size_t i = 0; i < s->nlinks; i++)
		bpf_link__destroy(s->links[i]);
	s->nlinks = 0;
	if (s->ports)
		munmap(s->ports, WF_TUPLE_PORT_WORDS * sizeof(uint64_t));
	s->ports = NULL;
	sock_bpf__destroy(s->skel);
	s->skel = NULL;
	if (s->cgroup_fd > 0)
		close(s->cgroup_fd);
	s->cgroup_fd = -1;
}
