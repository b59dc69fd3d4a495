// SPDX-License-Identifier: GPL-2.0-only
/* The options of the outputs that send elsewhere: --udp, --ipfix, --nats, --metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "config.h"
#include "options.h"
#include "parse_export.h"
#include "strlist.h"
#include "syslog_target.h"

/* --udp HOST:PORT[,HOST:PORT]: each target checked (and its name resolved) now. */
static int parse__udp(struct config *cfg, const char *arg, usage_error_fn usage_error)
{
	struct strlist items = { 0 };
	int rc = 0;

	if (strlist__add_csv(&items, arg))
		return usage_error("%s", "out of memory");
	for (size_t i = 0; !rc && i < items.n; i++) {
		struct syslog_target t;
		char url[300];

		snprintf(url, sizeof(url), "udp://%s", items.v[i]);
		if (syslog_target__parse(&t, url, NULL, NULL)) {
			char why[400];

			snprintf(why, sizeof(why), "%s' (HOST:PORT: %s", items.v[i], t.error);
			rc = usage_error("bad --udp '%s)", why);
		} else if (strlist__add(&cfg->udp_targets, items.v[i])) {
			rc = usage_error("%s", "out of memory");
		}
	}
	strlist__free(&items);
	return rc;
}

int parse_export__option(struct config *cfg, int opt, const char *arg, usage_error_fn usage_error)
{
	unsigned long v;

	switch (opt) {
	case OPT_UDP:
		return parse__udp(cfg, arg, usage_error);
	case OPT_METRICS:
		if (api__check_listen(arg))
			return usage_error(
				"bad --metrics '%s' (ADDR:PORT or [ADDR6]:PORT, an address "
				"and port 1-65535)",
				arg);
		cfg->metrics_listen = arg;
		return 0;
	case OPT_IPFIX:
		if (strncmp(arg, "udp://", 6) && strncmp(arg, "tcp://", 6))
			return usage_error("bad --ipfix '%s' (udp://HOST:PORT or tcp://HOST:PORT)",
					   arg);
		cfg->ipfix_url = arg;
		return 0;
	case OPT_IPFIX_DOMAIN:
		if (options__ulong(arg, UINT32_MAX, &v))
			return usage_error("bad --ipfix-domain '%s' (0 to 4294967295)", arg);
		cfg->ipfix_domain = (uint32_t)v;
		return 0;
	case OPT_IPFIX_PEN:
		if (options__ulong(arg, UINT32_MAX, &v) || !v)
			return usage_error("bad --ipfix-pen '%s' (1 to 4294967295)", arg);
		cfg->ipfix_pen = (uint32_t)v;
		return 0;
	case OPT_IPFIX_REFRESH:
		if (options__ulong(arg, 86400, &v) || !v)
			return usage_error("bad --ipfix-template-refresh '%s' (1 to 86400 seconds)",
					   arg);
		cfg->ipfix_refresh_s = v;
		return 0;
	case OPT_NATS:
		if (!strstr(arg, "://"))
			return usage_error("bad --nats '%s' (nats://HOST:PORT or tls://HOST:PORT)",
					   arg);
		cfg->nats_url = arg;
		return 0;
	case OPT_NATS_SUBJECT:
		if (!*arg || strpbrk(arg, " \t*>") || arg[0] == '.' || arg[strlen(arg) - 1] == '.')
			return usage_error("bad --nats-subject '%s' (tokens separated by dots, no "
					   "wildcards or spaces)",
					   arg);
		cfg->nats_subject = arg;
		return 0;
	case OPT_NATS_STREAM:
		if (!*arg || strpbrk(arg, " \t.*>/\\"))
			return usage_error("bad --nats-stream '%s' (a name without spaces, dots, "
					   "wildcards or slashes)",
					   arg);
		cfg->nats_stream = arg;
		return 0;
	case OPT_NATS_QUEUE:
		if (options__ulong(arg, 1ul << 24, &v) || v < 16)
			return usage_error("bad --nats-queue '%s' (16 to 16777216 events)", arg);
		cfg->nats_queue = v;
		return 0;
	case OPT_NATS_DRAIN:
		if (options__ulong(arg, 3600, &v))
			return usage_error("bad --nats-drain-timeout '%s' (0 to 3600 seconds)",
					   arg);
		cfg->nats_drain_s = v;
		return 0;
	case OPT_NATS_CREDS:
	case OPT_NATS_TOKEN_FILE:
	case OPT_NATS_CA:
		if (access(arg, R_OK)) {
			char why[512];

			snprintf(why, sizeof(why), "%s: %s", arg, strerror(errno));
			return usage_error("cannot read %s", why);
		}
		*(opt == OPT_NATS_CREDS ? &cfg->nats_creds :
		  opt == OPT_NATS_CA	? &cfg->nats_ca :
					  &cfg->nats_token_file) = arg;
		return 0;
	case OPT_UDP_MAX_SIZE: {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*end || v < 256 || v > 65507)
			return usage_error("bad --udp-max-size '%s' (256 to 65507 bytes)", arg);
		cfg->udp_max_size = v;
		return 0;
	}
	}
	return -1;
}
