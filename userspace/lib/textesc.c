// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include "textesc.h"

void textesc__ascii(char *out, size_t outsz, const uint8_t *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outsz; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
			out[o++] = (char)s[i];
		else
			o += snprintf(out + o, outsz - o, "\\x%02x", s[i]);
	}
	out[o] = '\0';
}
