// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapcount PID: the entries of every hash-like BPF map PID holds an fd to, as
 * one JSON list of [name, id, entries, max_entries] on stdout. make soak samples
 * the agent's tables with it: found through the agent's own fds, so that they
 * are its maps (pinned ones included) and nobody else's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

static int map__id(const char *pid, const char *fd)
{
	char path[384], line[128];
	int id = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "map_id: %d", &id) == 1)
			break;
	if (f)
		fclose(f);
	return id;
}

static long map__count(int fd, __u32 key_size)
{
	char *key = calloc(2, key_size ? key_size : 1), *next = key + key_size;
	long n = 0;

	if (!key)
		return -1;
	if (!bpf_map_get_next_key(fd, NULL, next))
		do {
			memcpy(key, next, key_size);
			n++;
		} while (!bpf_map_get_next_key(fd, key, next) && n < 100000000);
	free(key);
	return n;
}

static int hash_like(__u32 type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

int main(int argc, char **argv)
{
	char dirpath[300];
	struct dirent *d;
	int seen[4096], nseen = 0, first = 1;
	DIR *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: mapcount PID\n");
		return 2;
	}
	snprintf(dirpath, sizeof(dirpath), "/proc/%s/fdinfo", argv[1]);
	dir = opendir(dirpath);
	if (!dir) {
		fprintf(stderr, "mapcount: %s: %s\n", dirpath, strerror(errno));
		return 1;
	}
	printf("[");
	while ((d = readdir(dir))) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int id = d->d_name[0] == '.' ? 0 : map__id(argv[1], d->d_name), fd, dup = 0;

		for (int i = 0; i < nseen && !dup; i++)
			dup = seen[i] == id;
		if (!id || dup || nseen == 4096)
			continue;
		seen[nseen++] = id;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && hash_like(info.type)) {
			printf("%s[\"%s\", %d, %ld, %u]", first ? "" : ", ", info.name, id,
			       map__count(fd, info.key_size), info.max_entries);
			first = 0;
		}
		close(fd);
	}
	closedir(dir);
	printf("]\n");
	return 0;
}
