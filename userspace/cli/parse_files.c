// SPDX-License-Identifier: GPL-2.0-only
/* The file event options (see parse_files.h). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "parse_files.h"

/* 64M: bytes, or a number with K, M or G (of 1024). */
static int parse__size(const char *arg, unsigned long long *out)
{
	static const char units[] = "KMG";
	unsigned long long v, m = 1;
	const char *u;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end && !end[1] && (u = strchr(units, *end)))
		m = 1ull << (10 * (u - units + 1));
	else if (*end)
		return -1;
	if (errno || end == arg || *arg == '-' || !v || v > (1ull << 50) / m)
		return -1;
	*out = v * m;
	return 0;
}

/* --hash-max-size, --preserve-max-size, --preserve-max-file: a size each. */
static int parse__size_option(struct config *cfg, int opt, const char *arg,
			      usage_error_fn usage_error)
{
	static const struct {
		int opt;
		size_t off;
		const char *bad;
	} sizes[] = {
		{ OPT_HASH_MAX_SIZE, offsetof(struct config, hash_max_bytes),
		  "bad --hash-max-size '%s' (bytes, or a number with K, M or G)" },
		{ OPT_PRESERVE_MAX_SIZE, offsetof(struct config, preserve_max_bytes),
		  "bad --preserve-max-size '%s' (bytes, or a number with K, M or G)" },
		{ OPT_PRESERVE_MAX_FILE, offsetof(struct config, preserve_max_file),
		  "bad --preserve-max-file '%s' (bytes, or a number with K, M or G)" },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i].opt == opt)
			return parse__size(arg, (unsigned long long *)((char *)cfg + sizes[i].off)) ?
				       usage_error(sizes[i].bad, arg) :
				       0;
	return -1;
}

int parse_files__option(struct config *cfg, int opt, const char *arg, usage_error_fn usage_error)
{
	switch (opt) {
	case OPT_FILES:
		cfg->files = true;
		return 0;
	case OPT_FILES_ALL:
		cfg->files = cfg->files_all = true;
		return 0;
	case OPT_FILE_WRITES:
		cfg->files = cfg->file_writes = true;
		return 0;
	case OPT_FILE_PATH:
		cfg->files = true;
		return strlist__add(&cfg->file_paths, arg) ? 2 : 0;
	case OPT_HASH_FILES:
		cfg->files = cfg->hash_files = true;
		return 0;
	case OPT_PRESERVE_BINARIES:
		if (!*arg)
			return usage_error("bad --preserve-binaries '%s' (a directory)", arg);
		cfg->preserve_dir = arg;
		return 0;
	}
	return parse__size_option(cfg, opt, arg, usage_error);
}
