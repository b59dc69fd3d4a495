/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port, address and process selectors (tcpdump's semantics).
 */
#ifndef WHOFLOW_TC_FILTER_H
#define WHOFLOW_TC_FILTER_H

static __always_inline bool filter__port_in(int list, __u16 port)
{
	for (int i = 0; i < WF_FILTER_MAX; i++)
		if (i < filter_nports[list] && filter_ports[list][i] == port)
			return true;
	return false;
}

static __always_inline bool cidr__contains(const volatile struct wf_cidr *c, __u8 family,
					   const __u8 *addr)
{
	__u32 bits = c->prefix;

	if (c->family != family)
		return false;
	for (int i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			return true;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((addr[i] ^ c->addr[i]) & mask)
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static __always_inline bool filter__net_in(int list, __u8 family, const __u8 *addr)
{
	for (int i = 0; i < WF_FILTER_MAX; i++)
		if (i < filter_nnets[list] && cidr__contains(&filter_nets[list][i], family, addr))
			return true;
	return false;
}

/* Whether a port or address selector is set: without one (rodata, known when the
 * program is loaded) the verifier leaves the call to wf_filter out. */
static __always_inline bool filter__sel(void)
{
	return filter_nports[0] || filter_nports[1] || filter_nports[2] || filter_nnets[0] ||
	       filter_nnets[1] || filter_nnets[2];
}

/* Whether any port, address or process selector is set (-Q aside). */
static __always_inline bool filter__any(void)
{
	return filter__sel() || capture_npids || capture_ncomms;
}

/* tcpdump's semantics: --port matches either end, --sport/--dport one; likewise hosts. */
__noinline int wf_filter(const struct pkt_meta *m)
{
	if (!m)
		return 0;
	if (filter_nports[WF_F_PORT] &&
	    !(filter__port_in(WF_F_PORT, m->sport) || filter__port_in(WF_F_PORT, m->dport)))
		return 0;
	if (filter_nports[WF_F_SPORT] && !filter__port_in(WF_F_SPORT, m->sport))
		return 0;
	if (filter_nports[WF_F_DPORT] && !filter__port_in(WF_F_DPORT, m->dport))
		return 0;
	if (filter_nnets[WF_F_HOST] && !(filter__net_in(WF_F_HOST, m->family, m->saddr) ||
					 filter__net_in(WF_F_HOST, m->family, m->daddr)))
		return 0;
	if (filter_nnets[WF_F_SRC] && !filter__net_in(WF_F_SRC, m->family, m->saddr))
		return 0;
	if (filter_nnets[WF_F_DST] && !filter__net_in(WF_F_DST, m->family, m->daddr))
		return 0;
	return 1;
}

#endif
