/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_MHD_H
#define WHOFLOW_MHD_H

/*
 * libmicrohttpd, loaded when the API starts (dlopen), not at every start of
 * whoflow: it brings GnuTLS and p11-kit, a megabyte and a half of resident
 * memory a monitor without --api has no use for. The calls the server makes
 * go through this table.
 */
#include <microhttpd.h>

struct mhd_lib {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *d);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							    enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *r, const char *header,
					       const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *c, unsigned int status_code,
					  struct MHD_Response *r);
	void (*destroy_response)(struct MHD_Response *r);
	int (*get_connection_values)(struct MHD_Connection *c, enum MHD_ValueKind kind,
				     MHD_KeyValueIterator it, void *it_cls);
	const char *(*lookup_connection_value)(struct MHD_Connection *c, enum MHD_ValueKind kind,
					       const char *key);
};

extern struct mhd_lib mhd;

/* 0 once every call is resolved, or -1 having said what is missing. */
int mhd__load(void);

#endif
