// SPDX-License-Identifier: GPL-2.0-only
/* Pinned classifiers and maps, for attachments that outlive the agent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "config.h"
#include "flow.h"
#include "parse_types.h"
#include "flow.skel.h"
#include "log.h"
#include "mounts.h"
#include "event.h"
#include "pinned.h"
#include "sock.h"
#include "sock.skel.h"

/* Pinned when whoflow mounted bpffs itself: the last detach unmounts it again. */
#define MOUNTED_MARK "mounted_bpffs"

int pinned__dir(char *out, size_t outsz, bool may_mount, bool *mounted)
{
	char fs[PATH_MAX - 16];
	int err;

	*mounted = false;
	err = mounts__bpffs_lookup(fs, sizeof(fs), true);
	if (err) {
		if (err != -ENOENT || !may_mount)
			return err;
		err = mounts__bpffs(fs, sizeof(fs));
		if (err)
			return err;
		*mounted = true;
	}
	snprintf(out, outsz, "%s/whoflow", fs);
	return 0;
}

/* whoflow mounted bpffs for these pins: a pinned marker says so to the last detach. */
static void pin__mark_mounted(const char *dir)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, MOUNTED_MARK, 4, 4, 1, NULL);
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, MOUNTED_MARK);
	if (fd >= 0) {
		bpf_obj_pin(fd, path);
		close(fd);
	}
}

bool pinned__exists(const char *dir)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/progs/tc_ingress", dir);
	return !access(path, F_OK);
}

static int pin__obj(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return bpf_obj_get(path);
}

int pinned__open(struct pinned *p, const char *dir)
{
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->prog_ingress = pin__obj(dir, "progs", "tc_ingress");
	p->prog_egress = pin__obj(dir, "progs", "tc_egress");
	p->prog_xdp = pin__obj(dir, "progs", "xdp_ingress");
	p->attachments = pin__obj(dir, "maps", "attachments");
	p->iface_flags = pin__obj(dir, "maps", "iface_flags");
	p->pkt_stats = pin__obj(dir, "maps", "pkt_stats");
	p->iface_stats = pin__obj(dir, "maps", "iface_stats");
	if (p->prog_ingress < 0 || p->prog_egress < 0 || p->prog_xdp < 0 || p->attachments < 0 ||
	    p->iface_flags < 0 || p->pkt_stats < 0 || p->iface_stats < 0) {
		pr_warn("whoflow's pinned state in %s is incomplete (%m): run 'whoflow detach --all' "
			"and attach again\n",
			dir);
		pinned__close(p);
		return -ENOENT;
	}
	return 0;
}

void pinned__close(struct pinned *p)
{
	int *fds[] = { &p->prog_ingress, &p->prog_egress, &p->prog_xdp, &p->attachments,
		       &p->iface_flags, &p->pkt_stats, &p->iface_stats };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int pin__mkdirs(const char *dir)
{
	static const char *const subs[] = { "", "/maps", "/progs", "/links", "/sock" };

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
		if (mkdir(path, 0700) && errno != EEXIST) {
			pr_warn("cannot make %s: %m\n", path);
			return -errno;
		}
	}
	return 0;
}

static int pin__everything(const char *dir, struct flow_tracker *ft, struct sock_tracker *st)
{
	char path[PATH_MAX + 64];
	int err;

	snprintf(path, sizeof(path), "%s/maps", dir);
	err = bpf_object__pin_maps(ft->skel->obj, path);
	snprintf(path, sizeof(path), "%s/sock", dir);
	err = err ?: bpf_object__pin_maps(st->skel->obj, path);
	snprintf(path, sizeof(path), "%s/progs/tc_ingress", dir);
	err = err ?: bpf_program__pin(ft->skel->progs.wf_tc_ingress, path);
	snprintf(path, sizeof(path), "%s/progs/tc_egress", dir);
	err = err ?: bpf_program__pin(ft->skel->progs.wf_tc_egress, path);
	snprintf(path, sizeof(path), "%s/progs/xdp_ingress", dir);
	err = err ?: bpf_program__pin(ft->skel->progs.wf_xdp_ingress, path);
	for (size_t i = 0; !err && i < st->nlinks; i++) {
		snprintf(path, sizeof(path), "%s/links/%zu", dir, i);
		err = bpf_link__pin(st->links[i], path);
	}
	if (err) {
		char msg[128];

		libbpf_strerror(err, msg, sizeof(msg));
		pr_warn("cannot pin whoflow's programs and maps under %s: %s\n", dir, msg);
	}
	return err;
}

int pinned__create(struct pinned *p, const struct config *cfg, const char *dir,
		   const char *cgroup_mount, bool mounted)
{
	struct sock_tracker st = { .cgroup_fd = -1 };
	struct flow_tracker ft = { 0 };
	struct event_out out = { 0 }; /* nothing is reported while pinning */
	/* attach's trailing words are interfaces, not a filter expression. */
	struct config c = *cfg;
	struct owner_maps om;
	int scope = -1, err;

	c.nexpr = 0;
	cfg = &c;

	if (cfg->cgroup && (scope = open(cfg->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		pr_warn("cannot open --cgroup %s: %m\n", cfg->cgroup);
		return -errno;
	}
	err = sock_tracker__load(&st, cfg, scope, cgroup_mount);
	if (!err) {
		sock_tracker__maps(&st, &om);
		err = flow_tracker__load(&ft, cfg, &out,
					 &(struct flow_load){ .om = &om, .for_pins = true });
	}
	err = err ?: sock_tracker__attach(&st);
	err = err ?: pin__mkdirs(dir);
	if (!err && mounted)
		pin__mark_mounted(dir);
	err = err ?: pin__everything(dir, &ft, &st);
	flow_tracker__destroy(&ft);
	sock_tracker__destroy(&st); /* the pinned links keep the hooks attached */
	if (scope >= 0)
		close(scope);
	if (err) {
		pinned__destroy(dir);
		return err;
	}
	return pinned__open(p, dir);
}

static void pin__unlink_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[PATH_MAX + 64];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			pin__unlink_dir(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

void pinned__destroy(const char *dir)
{
	char mark[PATH_MAX + 64], fs[PATH_MAX];
	bool ours;

	snprintf(mark, sizeof(mark), "%s/%s", dir, MOUNTED_MARK);
	ours = !access(mark, F_OK);
	pin__unlink_dir(dir);
	snprintf(fs, sizeof(fs), "%s", dir);
	*strrchr(fs, '/') = '\0';
	if (ours) {
		char xdpdir[PATH_MAX + 8];
		DIR *d;

		/* libxdp's own directory, made while trying its dispatcher: empty unless used. */
		snprintf(xdpdir, sizeof(xdpdir), "%s/xdp", fs);
		rmdir(xdpdir);
		d = opendir(fs);
		struct dirent *e;
		bool empty = true;

		/* The kernel's own preload iterators appear in every new bpffs. */
		while (d && (e = readdir(d)))
			empty = empty && (e->d_name[0] == '.' || !strcmp(e->d_name, "maps.debug") ||
					  !strcmp(e->d_name, "progs.debug"));
		if (d)
			closedir(d);
		/* Mounted by whoflow and still empty: leave the host as it was found. */
		if (empty && umount(fs))
			pr_warn("cannot unmount %s, which whoflow mounted: %m\n", fs);
	}
}

bool pinned__find(char *dir, size_t dirsz)
{
	char fs[PATH_MAX - 16];

	if (mounts__bpffs_lookup(fs, sizeof(fs), false))
		return false;
	snprintf(dir, dirsz, "%s/whoflow", fs);
	return pinned__exists(dir);
}
