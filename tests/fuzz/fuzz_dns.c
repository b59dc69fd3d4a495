// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the DNS decoder and everything that prints its results. */
#include <stddef.h>
#include <stdint.h>
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_msg m;
	const char *flags[7];
	char buf[32];

	dns__parse(data, size, &m);
	dns__header_flags(&m, flags);
	dns__rcode_name(m.rcode, buf, sizeof(buf));
	for (size_t i = 0; i < m.nquestions; i++)
		dns__type_name(m.questions[i].type, buf, sizeof(buf));
	dns__free(&m);
	return 0;
}
