// SPDX-License-Identifier: GPL-2.0-only
/* The API's bearer token: made once (random, 0600, the token alone), kept across restarts. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "log.h"
#include "token.h"

static int token__make(const char *path)
{
	unsigned char r[32];
	char hex[sizeof(r) * 2 + 2];
	int fd;

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return -1;
	for (size_t i = 0; i < sizeof(r); i++)
		sprintf(hex + 2 * i, "%02x", r[i]);
	strcat(hex, "\n");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1; /* another start made it first: use that one */
	if (write(fd, hex, strlen(hex)) != (ssize_t)strlen(hex)) {
		close(fd);
		unlink(path);
		return -1;
	}
	return close(fd);
}

int token__load(const char *path, char *token, size_t n, char *abs, size_t absn)
{
	char dir[PATH_MAX];
	struct stat st;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
		*strrchr(dir, '/') = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			goto fail;
	}
	if (access(path, F_OK) && token__make(path))
		goto fail;
	if (stat(path, &st) || (st.st_mode & 077)) {
		pr_warn("the API token file %s is readable by others: give it mode 0600\n", path);
		return -1;
	}
	f = fopen(path, "re");
	if (!f || !fgets(token, (int)n, f)) {
		if (f)
			fclose(f);
		goto fail;
	}
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	if (strlen(token) < 16) {
		pr_warn("the API token in %s is shorter than 16 characters\n", path);
		return -1;
	}
	if (!realpath(path, abs))
		snprintf(abs, absn, "%s", path);
	return 0;
fail:
	pr_warn("cannot make or read the API token file %s: %m\n", path);
	return -1;
}
