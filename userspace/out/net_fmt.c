// SPDX-License-Identifier: GPL-2.0-only
/* Protocol names and TCP flags, as both sinks print them. */
#include <stdio.h>
#include "net_fmt.h"

const char *proto__name(uint8_t proto, char *buf, size_t n)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "ipv6-icmp";
	case 132:
		return "sctp";
	}
	snprintf(buf, n, "%u", proto);
	return buf;
}

void tcp_flags__text(uint8_t f, char *out, size_t n)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"
	};
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < 8; i++)
		if (f & (1 << i))
			len += snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? "," : "",
					names[i]);
}

bool proto__has_ports(uint8_t p)
{
	return p == 6 || p == 17 || p == 132;
}

const char *tcp_state__name(uint8_t state, char *buf, size_t n)
{
	static const char *const names[] = { NULL,	   "ESTABLISHED", "SYN_SENT",   "SYN_RECV",
					     "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT",  "CLOSE",
					     "CLOSE_WAIT", "LAST_ACK",	  "LISTEN",	"CLOSING",
					     "NEW_SYN_RECV" };

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	snprintf(buf, n, "%u", state);
	return buf;
}
