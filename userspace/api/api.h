/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_API_H
#define WHOFLOW_API_H

/*
 * The HTTP API over the store (docs/api.md, its contract openapi.json):
 * libmicrohttpd, a thread per connection with a timeout (a stuck client holds
 * only its own), a bearer token on every endpoint but /health and
 * /openapi.json, read-only SQL with bound parameters only.
 */
#include <stdbool.h>

struct api;

struct api_config {
	const char *listen; /* ADDR:PORT, [ADDR6]:PORT */
	const char *db_path; /* the store it reads */
	const char *token_file; /* made (0600) on first run, kept after */
	/* Open the store's connections now, a pool the requests borrow from, so that
	 * they keep working once the process has given up the rights to open it
	 * (serve --user). Without it, each request opens its own. */
	bool pool;
	/* --api-allow-write: rules and alert triage can be changed. */
	bool allow_write;
};

/* 0 when listen is an ADDR:PORT or [ADDR6]:PORT the API can bind (checked at parse time). */
int api__check_listen(const char *listen);
/* ADDR:PORT or [ADDR6]:PORT as a socket address (MHD_USE_IPv6 added to *flags for IPv6). */
struct sockaddr_storage;
int api__address(const char *listen, struct sockaddr_storage *ss, unsigned int *flags);
/* 0 with *out running, or -1 having said why. */
int api__start(struct api **out, const struct api_config *c);
void api__stop(struct api *a);
/* Opens the pool of read-only connections to the store now (serve does at start): a
 * monitor about to give up root calls it once the store exists. 0, or -1 after saying why. */
int api__open_pool(struct api *a);

#endif
