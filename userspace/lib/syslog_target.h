/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_SYSLOG_TARGET_H
#define WHOFLOW_SYSLOG_TARGET_H

/*
 * --syslog TARGET: unix (/dev/log), unix:PATH, udp://HOST:PORT or
 * tcp://HOST:PORT (HOST a name, an IPv4 address or [IPv6]); with the facility
 * and severity names of syslog(3), the message's PRI.
 */
#include <stdbool.h>
#include <sys/socket.h>

enum syslog_kind {
	SYSLOG_UNIX,
	SYSLOG_UDP,
	SYSLOG_TCP,
};

struct syslog_target {
	enum syslog_kind kind;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int pri; /* facility * 8 + severity */
	char text[160]; /* the target as given, for messages */
	const char *error; /* why parsing failed */
};

/* 0, or -1 with t->error saying why. facility and severity: names (NULL: daemon, info). */
int syslog_target__parse(struct syslog_target *t, const char *spec, const char *facility,
			 const char *severity);
/* The code of a facility or severity name, -1 if there is none. */
int syslog_target__facility(const char *name);
int syslog_target__severity(const char *name);

#endif
