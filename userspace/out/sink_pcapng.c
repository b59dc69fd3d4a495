// SPDX-License-Identifier: GPL-2.0-only
/* The capture sink (-w): the classifiers' packet copies, annotated with their owner, written and
 * rotated like tcpdump. */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "sink_pcapng.h"
#include "config.h"
#include "flow_events.h"
#include "log.h"
#include "owner_fmt.h"
#include "sink.h"
#include "timeconv.h"

#define WHOFLOW_APPL "whoflow 0.1.0"

/* tcpdump's names: FILE, then with -C FILE1, FILE2 ...; with -W, numbered and reused. */
static void capture__name(struct capture *c, char *out, size_t n)
{
	const struct config *cfg = c->cfg;
	char base[PATH_MAX - 32];

	if (cfg->rotate_seconds) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		if (!strftime(base, sizeof(base), cfg->write_file, &tm))
			snprintf(base, sizeof(base), "%s", cfg->write_file);
	} else {
		snprintf(base, sizeof(base), "%s", cfg->write_file);
	}
	if (cfg->rotate_mb && cfg->rotate_files)
		snprintf(out, n, "%s%lu", base, (unsigned long)(c->files % cfg->rotate_files));
	else if (cfg->rotate_mb && c->files)
		snprintf(out, n, "%s%lu", base, (unsigned long)c->files);
	else
		snprintf(out, n, "%s", base);
}

/* Opens c->path (or stdout) and writes the file's header. */
static int capture__open_file(struct capture *c, bool to_stdout)
{
	const struct config *cfg = c->cfg;
	struct utsname u;
	char os[200];

	if (to_stdout) {
		c->f = stdout;
	} else {
		c->f = fopen(c->path, "w");
		if (!c->f) {
			pr_warn("cannot write the capture to %s: %m\n", c->path);
			return -errno;
		}
	}
	/* Packets go out a batch at a time (capture__sync), not one system call each. */
	setvbuf(c->f, NULL, _IOFBF, 1 << 20);
	uname(&u);
	snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	rotor__start(&c->rot, 0, time(NULL));
	/* -s 0, or none: the largest the kernel path copies, as tcpdump's -s 0 means its largest. */
	return pcapw__open(&c->w, c->f, !cfg->pcap_classic,
			   cfg->snaplen && cfg->snaplen < WF_CAP_MAX ? cfg->snaplen : WF_CAP_MAX,
			   PCAPW_LINKTYPE_ETHERNET, os, WHOFLOW_APPL);
}

static int capture__next_file(struct capture *c)
{
	bool to_stdout = !strcmp(c->cfg->write_file, "-");

	if (c->f && c->f != stdout)
		fclose(c->f);
	c->f = NULL;
	if (to_stdout)
		snprintf(c->path, sizeof(c->path), "(stdout)");
	else
		capture__name(c, c->path, sizeof(c->path));
	c->files++;
	return capture__open_file(c, to_stdout);
}

static void capture__reopen(struct capture *c)
{
	struct stat cur, now;

	if (!c->f || c->f == stdout || c->stopped)
		return;
	/* Still there under its name (not rotated away): nothing to reopen. */
	if (!fstat(fileno(c->f), &cur) && !stat(c->path, &now) && cur.st_dev == now.st_dev &&
	    cur.st_ino == now.st_ino)
		return;
	capture__sync(c);
	fclose(c->f);
	c->f = NULL;
	memset(c->per_iface, 0, sizeof(c->per_iface));
	if (capture__open_file(c, false)) {
		c->stopped = true;
		return;
	}
	pr_warn("SIGHUP: %s was moved away; writing a new one under that name\n", c->path);
}

static int capture__open(struct capture *c, const struct config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->w.disk = &c->disk;
	c->drops_fd = -1;
	c->rot.max_bytes = cfg->rotate_mb * 1000000ull;
	c->rot.max_seconds = cfg->rotate_seconds;
	return capture__next_file(c);
}

/* Rotation before a packet: -C size, -G time; -W limits the count with -G. */
static int capture__rotate(struct capture *c, size_t next)
{
	const struct config *cfg = c->cfg;
	time_t now = time(NULL);

	c->rot.bytes = c->w.good_bytes;
	if (!rotor__due(&c->rot, next, now) || !strcmp(cfg->write_file, "-"))
		return 0;
	if (cfg->rotate_seconds && cfg->rotate_files && !cfg->rotate_mb &&
	    c->files >= cfg->rotate_files) {
		c->stopped = true; /* -G with -W: that many files, then stop, as tcpdump does */
		return -ECANCELED;
	}
	pcapw__flush(&c->w);
	memset(c->per_iface, 0, sizeof(c->per_iface));
	return capture__next_file(c);
}

/* The owner's interface name and namespace, for the file's interface block. */
static int capture__iface(struct capture *c, const struct packet_view *pv)
{
	const struct cap_event *e = pv->e;
	const char *name = pv->ifname;
	char fallback[32], desc[64];
	uint64_t key = e->netns * 1000003ull + e->ifindex;

	if (!name) {
		snprintf(fallback, sizeof(fallback), "if%u", e->ifindex);
		name = fallback;
	}
	snprintf(desc, sizeof(desc), "netns cookie %llu", (unsigned long long)e->netns);
	return pcapw__iface(&c->w, key, name, desc,
			    e->no_l2 ? PCAPW_LINKTYPE_RAW : PCAPW_LINKTYPE_ETHERNET);
}

static int capture__packet(struct capture *c, const struct packet_view *pv,
			   const struct owner_view *ov)
{
	const struct cap_event *e = pv->e;
	static uint8_t tagged[WF_CAP_MAX + 4];
	const uint8_t *pkt = e->data;
	uint32_t cap, wire;
	char comment[1024];
	int iface, err;

	if (c->stopped)
		return -ECANCELED;
	cap = e->cap_len;
	wire = e->wire_len;
	/* A tag the kernel keeps apart from the data goes back after the MAC addresses. */
	if (e->vlan_present && !e->no_l2 && cap >= 12) {
		uint16_t tci = htons(e->vlan_tci);

		memcpy(tagged, e->data, 12);
		memcpy(tagged + 12, &e->vlan_proto, 2);
		memcpy(tagged + 14, &tci, 2);
		memcpy(tagged + 16, e->data + 12, cap - 12);
		pkt = tagged;
		cap += 4;
		wire += 4;
	}
	owner__comment(ov, comment, sizeof(comment));
	err = capture__rotate(c, cap + strlen(comment) + 64);
	if (err)
		return err;
	iface = capture__iface(c, pv);
	if (iface < 0) {
		c->user_dropped++;
		return 0;
	}
	err = pcapw__packet(&c->w, iface, timeconv__boot_to_real(e->ts_ns), pkt, cap, wire,
			    e->hook == WF_HOOK_EGRESS, comment);
	if (err) {
		pr_warn("writing the capture to %s failed: %s; the capture stops here (the file is "
			"readable up to its last whole packet)\n",
			c->path, strerror(-err));
		c->user_dropped++;
		c->stopped = true;
		return -ECANCELED;
	}
	c->written++;
	c->per_iface[iface]++;
	if (c->cfg->count > 0 && c->written >= (uint64_t)c->cfg->count) {
		c->stopped = true; /* -c: nothing more, not even what the final drain finds */
		return -ECANCELED;
	}
	return 0;
}

void capture__sync(struct capture *c)
{
	int err;

	if (!c->f || c->stopped)
		return;
	err = pcapw__flush(&c->w);
	if (err) {
		pr_warn("writing the capture to %s failed: %s; the capture stops here (the file is "
			"readable up to its last whole packet)\n",
			c->path, strerror(-err));
		c->stopped = true;
	}
}

static void capture__close(struct capture *c)
{
	int drops_fd = c->drops_fd;

	uint64_t now = timeconv__boot_to_real(timeconv__now_boot());

	if (!c->f)
		return;
	/* One statistics block per interface: what the kernel could not copy. */
	for (size_t i = 0; drops_fd >= 0 && c->w.ng && i < c->w.nifaces; i++) {
		struct wf_attach_key k, next;
		__u64 drops = 0, v;
		void *prev = NULL;

		while (!bpf_map_get_next_key(drops_fd, prev, &next)) {
			k = next;
			prev = &k;
			if (k.netns * 1000003ull + k.ifindex == c->w.ifaces[i].key &&
			    !bpf_map_lookup_elem(drops_fd, &k, &v))
				drops = v;
		}
		pcapw__stats(&c->w, (int)i, now, c->per_iface[i] + drops, drops);
	}
	pcapw__flush(&c->w);
	pcapw__free(&c->w);
	if (c->f != stdout)
		fclose(c->f);
	else
		fflush(stdout);
	c->f = NULL;
}

static struct capture *capture__of(struct sink *s)
{
	return s->priv;
}

static int sink_pcapng__open(struct sink *s, const struct config *cfg)
{
	s->priv = calloc(1, sizeof(struct capture));
	if (!s->priv)
		return -ENOMEM;
	return capture__open(capture__of(s), cfg);
}

static void sink_pcapng__write(struct sink *s, const struct event *ev)
{
	if (ev->kind == EVENT_PACKET)
		capture__packet(capture__of(s), ev->packet, &ev->owner);
	s->done = capture__of(s)->stopped;
}

/*
 * After each batch of events, at most every CAPTURE_SYNC_NS: a flush waits for
 * the disk (direct writes, dwriter.h), and flushing thousands of small batches
 * a second kept the writes from overlapping. The loop calls this after each
 * wait, 200 ms at most, so the file holds every packet read 300 ms before.
 */
#define CAPTURE_SYNC_NS 100000000ull

static void sink_pcapng__flush(struct sink *s)
{
	struct capture *c = capture__of(s);
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (c->sync_each || now - c->last_sync_ns >= CAPTURE_SYNC_NS) {
		capture__sync(c);
		c->last_sync_ns = now;
	}
	s->done = c->stopped;
}

static void sink_pcapng__close(struct sink *s)
{
	capture__close(capture__of(s));
}

static void sink_pcapng__reopen(struct sink *s)
{
	capture__reopen(capture__of(s));
}

const struct sink_ops sink_pcapng_ops = {
	.name = "pcapng",
	.open = sink_pcapng__open,
	.write = sink_pcapng__write,
	.flush = sink_pcapng__flush,
	.close = sink_pcapng__close,
	.reopen = sink_pcapng__reopen,
};

struct capture *sink_pcapng__capture(struct sink *s)
{
	return s && s->ops == &sink_pcapng_ops ? s->priv : NULL;
}
