// SPDX-License-Identifier: GPL-2.0-only
/*
 * File load for `make bench` (part 17): for SECONDS, over and over, rewrites
 * one of 16 files with 16 small writes, then creates and deletes a file.
 *   filestorm DIR SECONDS   prints the rounds done and the seconds taken
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char chunk[64] = "0123456789abcdef0123456789abcdef0123456789abcdef012345678\n";
	char path[4096], tmp[4096];
	double start, end;
	long rounds = 0;

	if (argc != 3)
		return 2;
	start = now();
	end = start + atof(argv[2]);
	snprintf(tmp, sizeof(tmp), "%s/tmp", argv[1]);
	while (now() < end) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%ld", argv[1], rounds % 16);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return 1;
		for (int i = 0; i < 16; i++)
			if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk))
				return 1;
		close(fd);
		fd = open(tmp, O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return 1;
		close(fd);
		unlink(tmp);
		rounds++;
	}
	printf("%ld %.3f\n", rounds, now() - start);
	return 0;
}
