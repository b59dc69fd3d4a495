// SPDX-License-Identifier: GPL-2.0-only
/* What every stage derives from a process the same way, made once (see proc_info.h). */
#include <stdlib.h>
#include "cmdline.h"
#include "proc_info.h"

const char *proc_info__cmdline(const struct proc_info *p)
{
	/* A cache, not a change of what the process is: sinks hold it const. */
	struct proc_info *m = (struct proc_info *)p;

	if (!p->args_len)
		return NULL;
	if (!m->cmdline)
		m->cmdline = cmdline__dup(p->args, p->args_len);
	return m->cmdline;
}

void proc_info__forget_cmdline(struct proc_info *p)
{
	free(p->cmdline);
	p->cmdline = NULL;
}
