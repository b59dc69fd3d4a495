// SPDX-License-Identifier: GPL-2.0-only
/* tcpdump filter expressions: libpcap compiles, the classifiers interpret (bpf/tc/flow.bpf.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include <pcap/pcap.h>
#include "config.h"
#include "expr.h"
#include "flow_events.h"
#include "log.h"

/* libbpf's, declared here: <bpf/bpf.h> brings the kernel's struct bpf_insn, which
 * libpcap's clashes with. */
int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags);

struct expr {
	struct bpf_program progs[2];
};

static char *expr__join(const struct config *cfg)
{
	size_t n = 1;
	char *s;

	for (int i = 0; i < cfg->nexpr; i++)
		n += strlen(cfg->expr[i]) + 1;
	s = calloc(1, n);
	for (int i = 0; s && i < cfg->nexpr; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, cfg->expr[i]);
	}
	return s;
}

int expr__compile(const struct config *cfg, struct expr **out)
{
	static const int links[2] = { DLT_EN10MB, DLT_RAW };
	char *text = expr__join(cfg);
	struct expr *e = calloc(1, sizeof(*e));
	struct bpf_program *progs;
	int rc = 0;

	*out = NULL;
	if (!text || !e) {
		free(text);
		free(e);
		return 1;
	}
	progs = e->progs;
	for (int l = 0; l < 2 && !rc; l++) {
		pcap_t *p = pcap_open_dead(links[l], WF_CAP_MAX);

		if (p && l == 1 && pcap_compile(p, &progs[l], text, 1, PCAP_NETMASK_UNKNOWN)) {
			/* Link-layer words (ether, vlan, arp) cannot match on a raw-IP device. */
			static struct bpf_insn reject = BPF_STMT(BPF_RET | BPF_K, 0);

			progs[l].bf_len = 1;
			progs[l].bf_insns = malloc(sizeof(reject));
			if (!progs[l].bf_insns)
				rc = 1;
			else
				*progs[l].bf_insns = reject;
		} else if (!p || (l == 0 && pcap_compile(p, &progs[l], text, 1, PCAP_NETMASK_UNKNOWN))) {
			pr_say(
				"bad filter expression '%s': %s\nTry 'whoflow --help' for "
				"more information.\n",
				text, p ? pcap_geterr(p) : "cannot open libpcap");
			rc = 2;
		} else if (progs[l].bf_len > WF_CBPF_MAX) {
			pr_say(
				"filter expression '%s' compiles to %u instructions; the "
				"kernel side runs at most %d\n",
				text, progs[l].bf_len, WF_CBPF_MAX);
			rc = 2;
		}
		if (p)
			pcap_close(p);
	}
	free(text);
	if (rc)
		expr__free(e);
	else
		*out = e;
	return rc;
}

int expr__install(const struct expr *e, int map_fd, unsigned int *lens)
{
	const struct bpf_program *progs = e->progs;

	for (int l = 0; l < 2; l++) {
		for (__u32 i = 0; i < progs[l].bf_len; i++) {
			struct cbpf_insn in = { .code = progs[l].bf_insns[i].code,
						.jt = progs[l].bf_insns[i].jt,
						.jf = progs[l].bf_insns[i].jf,
						.k = progs[l].bf_insns[i].k };
			__u32 slot = l * WF_CBPF_MAX + i;

			if (bpf_map_update_elem(map_fd, &slot, &in, 0 /* BPF_ANY */))
				return -errno;
		}
		lens[l] = progs[l].bf_len;
	}
	return 0;
}

void expr__free(struct expr *e)
{
	if (!e)
		return;
	pcap_freecode(&e->progs[0]);
	pcap_freecode(&e->progs[1]);
	free(e);
}

/* Tests: libpcap's own verdict for link type Ethernet, on one packet. */
int expr__offline_match(const struct expr *e, const void *hdr, const unsigned char *data)
{
	return pcap_offline_filter(&e->progs[0], hdr, data);
}
