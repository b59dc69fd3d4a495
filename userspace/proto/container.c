// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "container.h"

/* A component prefix + 64-hex id + suffix, and the runtime it means. */
struct scope_rule {
	const char *prefix;
	const char *suffix;
	const char *runtime;
};

/* Order matters: "crio-conmon-" must be refused before "crio-" matches. */
static const struct scope_rule scope_rules[] = {
	{ "cri-containerd-", ".scope", "containerd" },
	{ "nerdctl-", ".scope", "containerd" },
	{ "docker-", ".scope", "docker" },
	{ "crio-", ".scope", "cri-o" },
	{ "libpod-", ".scope", "podman" },
	{ "libpod-", "", "podman" }, /* podman's cgroupfs driver: /libpod_parent/libpod-ID */
};

static bool str__is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

static bool container__set(struct container *c, const char *id, size_t n, const char *runtime)
{
	if (n == 0 || n >= sizeof(c->id))
		return false;
	memcpy(c->id, id, n);
	c->id[n] = '\0';
	c->runtime = runtime;
	return true;
}

static bool component__match_scope(const char *comp, size_t n, struct container *c)
{
	for (size_t i = 0; i < sizeof(scope_rules) / sizeof(scope_rules[0]); i++) {
		const struct scope_rule *r = &scope_rules[i];
		size_t pl = strlen(r->prefix), sl = strlen(r->suffix);

		if (n != pl + 64 + sl || strncmp(comp, r->prefix, pl) ||
		    strncmp(comp + n - sl, r->suffix, sl))
			continue;
		if (str__is_hex(comp + pl, 64))
			return container__set(c, comp + pl, 64, r->runtime);
	}
	return false;
}

/* A bare 64-hex component: its parent component says which runtime made it. */
static bool component__match_bare(const char *comp, size_t n, const char *parent, size_t pn,
				  struct container *c)
{
	const char *runtime = "cri";

	if (n != 64 || !str__is_hex(comp, 64))
		return false;
	if (pn == 6 && !strncmp(parent, "docker", 6))
		runtime = "docker";
	else if (pn >= 3 && !strncmp(parent, "pod", 3))
		runtime =
			"cri"; /* kubepods cgroupfs layout: docker or containerd, not told apart */
	else if (pn == 7 && !strncmp(parent, "default", 7))
		runtime = "containerd"; /* containerd's default namespace (nerdctl, ctr) */
	else
		return false;
	return container__set(c, comp, n, runtime);
}

static bool component__match_named(const char *comp, size_t n, const char *parent, size_t pn,
				   struct container *c)
{
	/* systemd-nspawn: machine.slice/machine-NAME.scope */
	if (n > 14 && !strncmp(comp, "machine-", 8) && !strncmp(comp + n - 6, ".scope", 6))
		return container__set(c, comp + 8, n - 14, "systemd-nspawn");
	/* LXC: /lxc/NAME (v1) or /lxc.payload.NAME (v2) */
	if (n > 12 && !strncmp(comp, "lxc.payload.", 12))
		return container__set(c, comp + 12, n - 12, "lxc");
	if (pn == 3 && !strncmp(parent, "lxc", 3))
		return container__set(c, comp, n, "lxc");
	return false;
}

bool container__from_cgroup_path(const char *path, struct container *c)
{
	const char *end = path + strlen(path);

	c->id[0] = '\0';
	c->runtime = NULL;
	while (end > path) {
		const char *start = end, *pend, *pstart;

		while (start > path && start[-1] != '/')
			start--;
		pend = start > path ? start - 1 : start;
		pstart = pend;
		while (pstart > path && pstart[-1] != '/')
			pstart--;
		if (end > start &&
		    (component__match_scope(start, end - start, c) ||
		     component__match_bare(start, end - start, pstart, pend - pstart, c) ||
		     component__match_named(start, end - start, pstart, pend - pstart, c)))
			return true;
		end = pend;
	}
	return false;
}

static int line__copy_path(const char *p, const char *eol, char *out, size_t outsz)
{
	size_t n = eol - p;

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return (int)n;
}

int container__cgroup_from_proc(const char *text, char *out, size_t outsz)
{
	const char *line = text, *first = NULL, *first_eol = NULL, *sysd = NULL, *sysd_eol = NULL;

	while (line && *line) {
		const char *eol = strchr(line, '\n'), *c1, *c2;

		if (!eol)
			eol = line + strlen(line);
		c1 = memchr(line, ':', eol - line);
		c2 = c1 ? memchr(c1 + 1, ':', eol - c1 - 1) : NULL;
		if (c2) {
			if (!strncmp(line, "0::", 3))
				return line__copy_path(c2 + 1, eol, out, outsz);
			if (c2 - c1 - 1 == 12 && !strncmp(c1 + 1, "name=systemd", 12))
				sysd = c2 + 1, sysd_eol = eol;
			if (!first)
				first = c2 + 1, first_eol = eol;
		}
		line = *eol ? eol + 1 : NULL;
	}
	if (sysd)
		return line__copy_path(sysd, sysd_eol, out, outsz);
	if (first)
		return line__copy_path(first, first_eol, out, outsz);
	return -1;
}
