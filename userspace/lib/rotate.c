// SPDX-License-Identifier: GPL-2.0-only
/* Renaming rotation for files followed by name (see rotate.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>
#include "rotate.h"

static void rotate__name(char *out, size_t n, const char *path, unsigned int i, bool gz)
{
	snprintf(out, n, "%s.%u%s", path, i, gz ? ".gz" : "");
}

/* FILE.1 -> FILE.1.gz, the original removed once the copy is whole. */
static int rotate__gzip(const char *src)
{
	char dst[PATH_MAX + 32], tmp[PATH_MAX + 32], buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), fd, err = 0;
	gzFile z;
	ssize_t n;

	if (in < 0)
		return -errno;
	snprintf(dst, sizeof(dst), "%s.gz", src);
	snprintf(tmp, sizeof(tmp), "%s.gz.tmp", src);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	z = fd < 0 ? NULL : gzdopen(fd, "wb1"); /* fast: the agent waits for it */
	if (!z) {
		err = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		close(in);
		return err;
	}
	while (!err && (n = read(in, buf, sizeof(buf))) > 0)
		if (gzwrite(z, buf, (unsigned int)n) != (int)n)
			err = -EIO;
	if (n < 0)
		err = -errno;
	if (gzclose(z) != Z_OK && !err)
		err = -EIO;
	close(in);
	if (!err && rename(tmp, dst))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		unlink(src);
	return err;
}

int rotate__shift(const char *path, unsigned int keep, bool compress)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];

	if (!keep)
		keep = 1;
	/* The oldest goes, then each moves up one: FILE.(keep-1) -> FILE.keep. */
	for (int gz = 0; gz < 2; gz++) {
		rotate__name(from, sizeof(from), path, keep, gz);
		unlink(from);
	}
	for (unsigned int i = keep - 1; i >= 1; i--) {
		for (int gz = 0; gz < 2; gz++) {
			rotate__name(from, sizeof(from), path, i, gz);
			rotate__name(to, sizeof(to), path, i + 1, gz);
			if (rename(from, to) && errno != ENOENT)
				return -errno;
		}
	}
	rotate__name(to, sizeof(to), path, 1, false);
	if (rename(path, to))
		return -errno;
	/* A failed compression keeps FILE.1 as it is: nothing is lost. */
	if (compress)
		rotate__gzip(to);
	return 0;
}
