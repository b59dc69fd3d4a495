// SPDX-License-Identifier: GPL-2.0-only
/* Parsing --syslog's target, facility and severity (see syslog_target.h). */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include "syslog_target.h"

static const char *const facilities[] = {
	"kern",	  "user",   "mail",	"daemon", "auth",   "syslog",	"lpr",	   "news",
	"uucp",	  "cron",   "authpriv", "ftp",	  "ntp",    "security", "console", "solaris-cron",
	"local0", "local1", "local2",	"local3", "local4", "local5",	"local6",  "local7",
};
static const char *const severities[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int name__index(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (!strcasecmp(names[i], name))
			return i;
	return -1;
}

int syslog_target__facility(const char *name)
{
	return name__index(facilities, sizeof(facilities) / sizeof(facilities[0]), name);
}

int syslog_target__severity(const char *name)
{
	return name__index(severities, sizeof(severities) / sizeof(severities[0]), name);
}

static int target__unix(struct syslog_target *t, const char *path)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&t->addr;

	if (!*path || strlen(path) >= sizeof(un->sun_path)) {
		t->error = "a unix socket path, at most 107 bytes";
		return -1;
	}
	t->kind = SYSLOG_UNIX;
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	t->addrlen = sizeof(*un);
	return 0;
}

static int target__inet(struct syslog_target *t, const char *hostport, bool tcp)
{
	struct addrinfo hints = { .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM }, *ai = NULL;
	char host[128];
	const char *port;

	if (hostport[0] == '[') {
		const char *end = strchr(hostport, ']');

		if (!end || end[1] != ':' || (size_t)(end - hostport - 1) >= sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(end - hostport - 1), hostport + 1);
		port = end + 2;
	} else {
		const char *colon = strrchr(hostport, ':');

		if (!colon || (size_t)(colon - hostport) >= sizeof(host) || colon == hostport)
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atoi(port) < 1 ||
	    atoi(port) > 65535)
		goto bad;
	if (getaddrinfo(host, port, &hints, &ai) || !ai) {
		t->error = "the host has no address";
		return -1;
	}
	memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
	t->addrlen = ai->ai_addrlen;
	t->kind = tcp ? SYSLOG_TCP : SYSLOG_UDP;
	freeaddrinfo(ai);
	return 0;
bad:
	t->error = "expected HOST:PORT ([ADDR]:PORT for IPv6), port 1-65535";
	return -1;
}

int syslog_target__parse(struct syslog_target *t, const char *spec, const char *facility,
			 const char *severity)
{
	int fac = syslog_target__facility(facility ? facility : "daemon");
	int sev = syslog_target__severity(severity ? severity : "info");

	memset(t, 0, sizeof(*t));
	snprintf(t->text, sizeof(t->text), "%s", spec);
	if (fac < 0 || sev < 0) {
		t->error = fac < 0 ? "unknown facility" : "unknown severity";
		return -1;
	}
	t->pri = fac * 8 + sev;
	if (!strcmp(spec, "unix"))
		return target__unix(t, "/dev/log");
	if (!strncmp(spec, "unix:", 5))
		return target__unix(t, spec + 5);
	if (!strncmp(spec, "udp://", 6))
		return target__inet(t, spec + 6, false);
	if (!strncmp(spec, "tcp://", 6))
		return target__inet(t, spec + 6, true);
	t->error = "expected unix, unix:PATH, udp://HOST:PORT or tcp://HOST:PORT";
	return -1;
}
