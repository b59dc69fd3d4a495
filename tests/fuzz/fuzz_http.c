// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the HTTP/1.x request head parser. */
#include <stddef.h>
#include <stdint.h>
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request r;

	http__parse_request(data, size, &r);
	return 0;
}
