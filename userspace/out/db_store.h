/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_DB_STORE_H
#define WHOFLOW_DB_STORE_H

/*
 * The SQLite store behind --db (docs/store.md): one events table (every
 * event, its JSON object and the columns the queries index), one processes
 * table (one row per process, by entity id, completed as its events come).
 * Opened, migrated (PRAGMA user_version), written and trimmed only by the
 * store's writer thread (out/sink_db.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DB_SCHEMA_VERSION 8

/* One event as the store keeps it: integers, and strings (NULL: absent). */
enum db_int {
	DBI_TS,
	DBI_PID,
	DBI_PPID,
	DBI_SPORT,
	DBI_DPORT,
	DBI_UID,
	DBI_GID,
	DBI_START,
	DBI_EXIT_TS,
	DBI_EXIT_CODE,
	DBI__N
};
enum db_str {
	DBS_EVENT_ID,
	DBS_TYPE,
	DBS_ENTITY,
	DBS_PARENT,
	DBS_COMM,
	DBS_NETWORK_UID,
	DBS_SRC,
	DBS_DST,
	DBS_NAME,
	DBS_JSON,
	DBS_EXE,
	DBS_CMDLINE,
	DBS_CWD,
	DBS_USER,
	DBS_CONTAINER,
	DBS_CGROUP,
	DBS_MD5,
	DBS_SHA256,
	DBS_CTR_NAME, /* what the container's runtime said (meta/) */
	DBS_CTR_IMAGE,
	DBS_POD,
	DBS_K8S_NS,
	DBS_BIN_COPY, /* --preserve-binaries: DIR/SHA256 of the process's image */
	DBS__N
};

struct db_row {
	int64_t i[DBI__N];
	const char *s[DBS__N];
	size_t n[DBS__N];
	bool has_process; /* the process columns are filled: the processes table gets it */
};

struct db_store;

/* Sets SQLite up for this process's use of it, before the first connection (once). */
void db_store__config(void);

/* Opens (creating it 0600) and migrates; NULL with the reason in err. */
struct db_store *db_store__open(const char *path, char *err, size_t errsz);
int db_store__begin(struct db_store *s);
/* 0, or -1 (the row is lost: err says why). A row already there (the same event.id,
 * re-read after a restart) is left as it is. */
int db_store__insert(struct db_store *s, const struct db_row *r);
int db_store__commit(struct db_store *s);
/* Retention: events older than cutoff_ns (0: none); then the oldest, until the data
 * fits max_bytes (0: no limit). Returns the events removed. */
uint64_t db_store__trim(struct db_store *s, int64_t cutoff_ns, uint64_t max_bytes);
/*
 * The checkpointer's own connection to a store the writer opened (NULL with err): its
 * checkpoints run beside the writer's inserts, which never wait for them.
 */
struct db_store *db_store__open_checkpointer(const char *path, char *err, size_t errsz);
/* Copies the WAL into the file as far as readers allow, never waiting for them; with
 * restart, once that copied it all and little was left, makes the WAL start over (its
 * size bounded when it outgrew the passive ones), holding the writer off briefly. */
void db_store__checkpoint(struct db_store *s, bool restart);
const char *db_store__error(struct db_store *s);
void db_store__close(struct db_store *s);

#endif
