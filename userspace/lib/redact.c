// SPDX-License-Identifier: GPL-2.0-only
#include <strings.h>
#include <string.h>
#include "redact.h"

/* Substrings, matched case-insensitively anywhere in the name (GITHUB_TOKEN, api_key). */
static const char *const secret_words[] = { "TOKEN",  "SECRET", "PASSWORD",
					    "PASSWD", "KEY",	"CREDENTIAL" };

static bool name__contains(const char *name, size_t n, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i + wl <= n; i++)
		if (!strncasecmp(name + i, word, wl))
			return true;
	return false;
}

bool redact__is_secret_name(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
		if (name__contains(name, n, secret_words[i]))
			return true;
	return false;
}

size_t redact__env_entry(const char *entry, size_t n, char *out, size_t outsz)
{
	const char *eq = memchr(entry, '=', n);
	size_t name_len = eq ? (size_t)(eq - entry) : n, len;

	if (!outsz)
		return 0;
	if (eq && redact__is_secret_name(entry, name_len)) {
		len = name_len + 1 + strlen(REDACTED);
		if (len >= outsz)
			len = outsz - 1;
		memcpy(out, entry, name_len + 1 < len ? name_len + 1 : len);
		if (len > name_len + 1)
			memcpy(out + name_len + 1, REDACTED, len - name_len - 1);
	} else {
		len = n < outsz ? n : outsz - 1;
		memcpy(out, entry, len);
	}
	out[len] = '\0';
	return len;
}
