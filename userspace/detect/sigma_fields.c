// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Sigma fields whoflow fills, by their taxonomy names, the categories
 * whose events carry each, and the bag of one event's values.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sigma_int.h"

#define ALL ((1u << SIGMA_CAT__COUNT) - 1)
#define NET (1u << SIGMA_CAT_NETWORK_CONNECTION)
#define DNS_Q (1u << SIGMA_CAT_DNS_QUERY | 1u << SIGMA_CAT_DNS_ANSWER)
#define DNS_A (1u << SIGMA_CAT_DNS_ANSWER)
#define WEB (1u << SIGMA_CAT_PROXY)
#define FILES                                                                         \
	(1u << SIGMA_CAT_FILE_EVENT | 1u << SIGMA_CAT_FILE_DELETE | 1u << SIGMA_CAT_FILE_RENAME)

static const struct {
	const char *name;
	enum sigma_field f;
	unsigned int cats;
} fields[] = {
	{ "Image", SF_IMAGE, ALL },
	{ "OriginalFileName", SF_ORIGINAL_FILE_NAME, ALL },
	{ "CommandLine", SF_COMMAND_LINE, ALL },
	{ "CurrentDirectory", SF_CURRENT_DIRECTORY, ALL },
	{ "User", SF_USER, ALL },
	{ "LogonId", SF_LOGON_ID, ALL },
	{ "ProcessId", SF_PROCESS_ID, ALL },
	{ "ParentProcessId", SF_PARENT_PROCESS_ID, ALL },
	{ "ParentImage", SF_PARENT_IMAGE, ALL },
	{ "ParentCommandLine", SF_PARENT_COMMAND_LINE, ALL },
	{ "Hashes", SF_HASHES, ALL },
	{ "DestinationIp", SF_DESTINATION_IP, NET },
	{ "DestinationPort", SF_DESTINATION_PORT, NET },
	{ "DestinationHostname", SF_DESTINATION_HOSTNAME, NET },
	{ "SourceIp", SF_SOURCE_IP, NET },
	{ "SourcePort", SF_SOURCE_PORT, NET },
	{ "Initiated", SF_INITIATED, NET },
	{ "Protocol", SF_PROTOCOL, NET },
	{ "QueryName", SF_QUERY_NAME, DNS_Q },
	{ "query", SF_QUERY_NAME, DNS_Q }, /* the generic dns category's name for it */
	{ "QueryResults", SF_QUERY_RESULTS, DNS_A },
	{ "QueryStatus", SF_QUERY_STATUS, DNS_A },
	{ "record_type", SF_RECORD_TYPE, DNS_Q },
	{ "answer", SF_ANSWER, DNS_A },
	{ "c-uri", SF_C_URI, WEB },
	{ "c-uri-query", SF_C_URI_QUERY, WEB },
	{ "c-uri-stem", SF_C_URI_STEM, WEB },
	{ "cs-uri-query", SF_CS_URI_QUERY, WEB },
	{ "cs-uri-stem", SF_CS_URI_STEM, WEB },
	{ "cs-host", SF_CS_HOST, WEB },
	{ "c-useragent", SF_C_USERAGENT, WEB },
	{ "cs-method", SF_CS_METHOD, WEB },
	{ "c-ip", SF_C_IP, WEB },
	{ "dst-ip", SF_DST_IP, WEB },
	{ "TargetFilename", SF_TARGET_FILENAME, FILES },
	{ "SourceFilename", SF_SOURCE_FILENAME, 1u << SIGMA_CAT_FILE_RENAME },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

const char *sigma_cat__name(enum sigma_cat cat)
{
	static const char *const names[] = {
		[SIGMA_CAT_PROCESS_CREATION] = "process_creation",
		[SIGMA_CAT_NETWORK_CONNECTION] = "network_connection",
		[SIGMA_CAT_DNS_QUERY] = "dns_query",
		[SIGMA_CAT_DNS_ANSWER] = "dns_query",
		[SIGMA_CAT_PROXY] = "proxy",
		[SIGMA_CAT_FILE_EVENT] = "file_event",
		[SIGMA_CAT_FILE_DELETE] = "file_delete",
		[SIGMA_CAT_FILE_RENAME] = "file_rename",
	};

	return (unsigned int)cat < SIGMA_CAT__COUNT ? names[cat] : "?";
}

void sigma__query_result(char *out, size_t size, size_t *len, unsigned int type, const char *data)
{
	size_t room = *len < size ? size - *len : 0;
	int n;

	if (type == 1)
		n = snprintf(out + *len, room, "::ffff:%s;", data);
	else if (type == 28)
		n = snprintf(out + *len, room, "%s;", data);
	else
		n = snprintf(out + *len, room, "type:  %u %s;", type, data);
	if (n > 0 && (size_t)n < room)
		*len += (size_t)n;
}

int sigma_field__find(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcasecmp(fields[i].name, name))
			return (int)fields[i].f;
	return -1;
}

const char *sigma_field__name(enum sigma_field f)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].f == f)
			return fields[i].name;
	return "?";
}

/* Whether events of cat carry the field (process fields: every category). */
bool sigma_field__in(enum sigma_field f, enum sigma_cat cat)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].f == f)
			return fields[i].cats & (1u << cat);
	return false;
}

void sigma_bag__set(struct sigma_bag *b, enum sigma_field f, const char *v)
{
	b->f[f].n = 0;
	sigma_bag__add(b, f, v);
	if (!v && b->prepared) { /* emptied: the copies are stale too */
		free(b->lbuf);
		b->lbuf = NULL;
		b->prepared = false;
	}
}

void sigma_bag__add(struct sigma_bag *b, enum sigma_field f, const char *v)
{
	if (b->prepared) { /* changed after matching: made anew before the next */
		free(b->lbuf);
		b->lbuf = NULL;
		b->prepared = false;
	}
	if (v && b->f[f].n < SIGMA_MULTI_MAX)
		b->f[f].v[b->f[f].n++] = v;
}

void sigma_bag__own(struct sigma_bag *b, enum sigma_field f, char *v)
{
	if (!v)
		return;
	if (b->nowned == (int)(sizeof(b->owned) / sizeof(b->owned[0]))) {
		free(v);
		return;
	}
	b->owned[b->nowned++] = v;
	sigma_bag__add(b, f, v);
}

void sigma_bag__fmt(struct sigma_bag *b, enum sigma_field f, const char *fmt, ...)
{
	size_t room = sizeof(b->scratch) - b->used;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->scratch + b->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return; /* no room: the field stays absent */
	sigma_bag__add(b, f, b->scratch + b->used);
	b->used += (size_t)n + 1;
}

void sigma_bag__num(struct sigma_bag *b, enum sigma_field f, uint64_t v)
{
	sigma_bag__fmt(b, f, "%" PRIu64, v);
}

void sigma_bag__clear(struct sigma_bag *b)
{
	for (int i = 0; i < b->nowned; i++)
		free(b->owned[i]);
	free(b->lbuf);
	memset(b, 0, sizeof(*b));
}

int sigma_bag__prepare(struct sigma_bag *b)
{
	size_t total = 0, at = 0;

	if (b->prepared)
		return 0;
	for (int f = 0; f < SF__COUNT; f++)
		for (uint8_t i = 0; i < b->f[f].n; i++) {
			b->f[f].len[i] = (uint32_t)strlen(b->f[f].v[i]);
			total += b->f[f].len[i] + 1;
		}
	b->lbuf = malloc(total + 1);
	if (!b->lbuf)
		return -1;
	for (int f = 0; f < SF__COUNT; f++)
		for (uint8_t i = 0; i < b->f[f].n; i++) {
			const char *s = b->f[f].v[i];
			char *d = b->lbuf + at;

			for (uint32_t k = 0; k <= b->f[f].len[i]; k++)
				d[k] = (char)((s[k] >= 'A' && s[k] <= 'Z') ? s[k] + 32 : s[k]);
			b->f[f].lv[i] = d;
			at += b->f[f].len[i] + 1;
		}
	b->prepared = true;
	return 0;
}
