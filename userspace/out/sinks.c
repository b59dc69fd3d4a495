// SPDX-License-Identifier: GPL-2.0-only
/* The table of sinks, and what the line-writing ones share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "sink.h"

/* One row per output: a new sink is a file and a row here. */
/* clang-format off */
static const struct sink_ops *const sink_table[] = {
	&sink_text_ops,
	&sink_json_ops,
	&sink_pcapng_ops,
	&sink_logdir_ops,
	&sink_table_ops,
	&sink_syslog_ops,
	&sink_db_ops,
	&sink_udp_ops,
	&sink_ipfix_ops,
	&sink_nats_ops,
};
/* clang-format on */

const struct sink_ops *sinks__find(const char *name)
{
	for (size_t i = 0; i < sizeof(sink_table) / sizeof(sink_table[0]); i++)
		if (!strcmp(sink_table[i]->name, name))
			return sink_table[i];
	return NULL;
}

void sink__failed(struct sink *s, int err)
{
	if (!s->failed)
		s->err = err ? err : EIO;
	s->failed = true;
}

/* Full buffering's size: the batch is written out at its end anyway (flush). */
#define STDOUT_BUF (64 << 10)

int sink__open_stdout(struct sink *s, const struct config *cfg)
{
	s->f = stdout;
	/*
	 * -l: every line is written at once. Otherwise a pipe or file gets what a
	 * batch of records made in writes of 64 KiB (flush, after each batch): as
	 * live for `| grep`, without a system call per event or two under load.
	 */
	if (cfg->line_buffered)
		setvbuf(stdout, NULL, _IOLBF, 0);
	else if (!isatty(fileno(stdout))) /* a terminal stays line by line */
		setvbuf(stdout, NULL, _IOFBF, STDOUT_BUF); /* a record is 1-2 KiB: not 4 KiB's */
	return 0;
}

void sink__flush_stdout(struct sink *s)
{
	if (fflush(s->f) || ferror(s->f))
		sink__failed(s, errno);
}

void sink__close_stdout(struct sink *s)
{
	sink__flush_stdout(s);
}
