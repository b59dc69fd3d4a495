// SPDX-License-Identifier: GPL-2.0-only
/* Opens for writing: the sys_exit tracepoint loaded, its ring read (file_open.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "file_open.h"
#include "fileopen.skel.h"
#include "log.h"
#include "percpu.h"

static int file_opens__record(void *ctx, void *data, size_t len)
{
	struct file_opens *o = ctx;

	if (len < sizeof(struct wf_file_open))
		return 0;
	o->seen++;
	o->fn(o->ctx, data);
	return 0;
}

int file_opens__start(struct file_opens *o, file_open_fn fn, void *ctx)
{
	int err;

	memset(o, 0, sizeof(*o));
	o->fn = fn;
	o->ctx = ctx;
	o->skel = fileopen_bpf__open();
	if (!o->skel) {
		err = -errno;
		pr_warn("warning: cannot open the file-open BPF object (%s): opens for writing are "
			"not reported\n", strerror(-err));
		return err;
	}
	o->skel->rodata->self_tgid = (__u32)getpid();
	err = fileopen_bpf__load(o->skel);
	if (!err)
		err = fileopen_bpf__attach(o->skel);
	if (!err) {
		o->rb = ring_buffer__new(bpf_map__fd(o->skel->maps.file_opens), file_opens__record,
					 o, NULL);
		if (!o->rb)
			err = -errno;
	}
	if (err) {
		pr_warn("warning: cannot attach to the sys_exit tracepoint (%s): opens for writing "
			"are not reported; the rest of --files is\n", strerror(-err));
		file_opens__stop(o);
		return err;
	}
	return 0;
}

void file_opens__read(struct file_opens *o)
{
	if (o->rb)
		ring_buffer__consume(o->rb);
}

uint64_t file_opens__lost(const struct file_opens *o)
{
	uint64_t n[WF_FILEOPEN_STAT__MAX] = { 0 };

	if (o->skel)
		percpu__sum(bpf_map__fd(o->skel->maps.fileopen_stats), n, WF_FILEOPEN_STAT__MAX);
	return n[WF_FILEOPEN_RING_FULL];
}

void file_opens__stop(struct file_opens *o)
{
	ring_buffer__free(o->rb);
	o->rb = NULL;
	fileopen_bpf__destroy(o->skel);
	o->skel = NULL;
}
