// SPDX-License-Identifier: GPL-2.0-only
/* The SQLite store: schema, migrations, inserts, retention (see db_store.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "db_store.h"

/*
 * Entity ids whose process row this connection made or found (direct-mapped by a hash of
 * the id): a network event of a process already there skips the INSERT OR IGNORE, a
 * B-tree descent and 24 bindings per row (every DNS answer of a resolver's client).
 * Forgotten when retention deletes processes.
 */
#define KNOWN_SLOTS 4096

struct db_store {
	sqlite3 *db;
	sqlite3_stmt *ins_event, *ins_proc, *add_proc;
	char (*known)[48];
};

/* Retention deleted processes, or a batch failed (its rows are not there): nothing is known. */
static void known__forget(struct db_store *s)
{
	if (s->known)
		memset(s->known, 0, KNOWN_SLOTS * sizeof(s->known[0]));
}

static char *known__slot(struct db_store *s, const struct db_row *r)
{
	uint64_t h = 1469598103934665603ull;

	if (!s->known || !r->s[DBS_ENTITY] || r->n[DBS_ENTITY] >= sizeof(s->known[0]))
		return NULL;
	for (size_t i = 0; i < r->n[DBS_ENTITY]; i++)
		h = (h ^ (unsigned char)r->s[DBS_ENTITY][i]) * 1099511628211ull;
	return s->known[h % KNOWN_SLOTS];
}

/* Each step takes the schema from version i to i + 1. */
static const char *const migrations[DB_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" event_id TEXT NOT NULL UNIQUE," /* event.id: a re-read after a restart is one row */
	" ts INTEGER NOT NULL," /* ns since the epoch, UTC */
	" type TEXT NOT NULL," /* exec fork exit flow dns tls http alert drop */
	" entity_id TEXT, pid INTEGER, comm TEXT,"
	" network_uid TEXT, src TEXT, sport INTEGER, dst TEXT, dport INTEGER,"
	" name TEXT," /* DNS question, TLS SNI, HTTP host */
	" json TEXT NOT NULL);"
	"CREATE INDEX events_ts ON events(ts);"
	"CREATE INDEX events_entity ON events(entity_id, ts);"
	/* Few indexes: each one costs every insert. Type and pid filters ride on time and
	 * entity (a pid is an entity through processes). */
	"CREATE INDEX events_name ON events(name);"
	"CREATE INDEX events_dst ON events(dst);"
	"CREATE TABLE processes ("
	" entity_id TEXT PRIMARY KEY,"
	" pid INTEGER, ppid INTEGER, parent_entity_id TEXT, comm TEXT, exe TEXT,"
	" command_line TEXT, cwd TEXT, uid INTEGER, user TEXT, gid INTEGER,"
	" container_id TEXT, cgroup TEXT, md5 TEXT, sha256 TEXT,"
	" start_ts INTEGER, exit_ts INTEGER, exit_code INTEGER, seen_ts INTEGER);"
	"CREATE INDEX processes_pid ON processes(pid);"
	"CREATE INDEX processes_parent ON processes(parent_entity_id);"
	"CREATE INDEX processes_comm ON processes(comm);"
	"CREATE INDEX processes_container ON processes(container_id);",
	/* 1 -> 2: the rarer types by id, for the API's lists by type: partial, so that the
	 * DNS events that make most of the rows cost them nothing. */
	"CREATE INDEX events_flow ON events(id) WHERE type = 'flow';"
	"CREATE INDEX events_tls ON events(id) WHERE type = 'tls';"
	"CREATE INDEX events_http ON events(id) WHERE type = 'http';"
	"CREATE INDEX events_exec ON events(id) WHERE type = 'exec';"
	"CREATE INDEX events_fork ON events(id) WHERE type = 'fork';"
	"CREATE INDEX events_exit ON events(id) WHERE type = 'exit';",
	/* 2 -> 3: Sigma alerts (--rules), listed by the API as the rarer types are. */
	"CREATE INDEX events_alert ON events(id) WHERE type = 'alert';",
	/* 3 -> 4: packet drops (--drops), listed and summed by the API. */
	"CREATE INDEX events_drop ON events(id) WHERE type = 'drop';",
	/* 4 -> 5: containers by name, image and pod (their runtimes' metadata). */
	"ALTER TABLE processes ADD COLUMN container_name TEXT;"
	"ALTER TABLE processes ADD COLUMN container_image TEXT;"
	"ALTER TABLE processes ADD COLUMN pod TEXT;"
	"ALTER TABLE processes ADD COLUMN k8s_namespace TEXT;"
	"CREATE INDEX processes_container_name ON processes(container_name);",
	/* 5 -> 6: file events (--files), listed by the API as the rarer types are. */
	"CREATE INDEX events_file ON events(id) WHERE type = 'file';",
	/* 6 -> 7: where --preserve-binaries kept a process's image. */
	"ALTER TABLE processes ADD COLUMN binary_copy TEXT;",
	/* 7 -> 8: alert triage through the API (--api-allow-write): an alert's status as
	 * people set it, apart from the event, which stays as it was reported. */
	"CREATE TABLE alert_triage ("
	" event_id TEXT PRIMARY KEY," /* the alert's event.id */
	" status TEXT NOT NULL," /* new, acknowledged, resolved */
	" note TEXT, changed_ts INTEGER NOT NULL);",
};

static const char ins_event_sql[] =
	"INSERT OR IGNORE INTO events(event_id, ts, type, entity_id, pid, comm, network_uid, src,"
	" sport, dst, dport, name, json) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)";

/* An exec replaces the image; an exit completes the row. */
#define PROC_COLUMNS                                                                      \
	"INTO processes(entity_id, pid, ppid, parent_entity_id, comm, exe, command_line," \
	" cwd, uid, user, gid, container_id, cgroup, md5, sha256, start_ts, exit_ts,"     \
	" exit_code, seen_ts, container_name, container_image, pod, k8s_namespace,"       \
	" binary_copy) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,"  \
	"?18,?19,?20,?21,?22,?23,?24)"
static const char ins_proc_sql[] =
	"INSERT " PROC_COLUMNS " ON CONFLICT(entity_id) DO UPDATE SET"
	" ppid = excluded.ppid,"
	" parent_entity_id = coalesce(excluded.parent_entity_id, parent_entity_id),"
	" comm = CASE WHEN ?25 THEN excluded.comm ELSE comm END,"
	" exe = CASE WHEN ?25 THEN excluded.exe ELSE coalesce(exe, excluded.exe) END,"
	" command_line = CASE WHEN ?25 THEN excluded.command_line"
	"  ELSE coalesce(command_line, excluded.command_line) END,"
	" cwd = coalesce(excluded.cwd, cwd), md5 = coalesce(excluded.md5, md5),"
	" sha256 = coalesce(excluded.sha256, sha256),"
	" container_id = coalesce(excluded.container_id, container_id),"
	" container_name = coalesce(excluded.container_name, container_name),"
	" container_image = coalesce(excluded.container_image, container_image),"
	" pod = coalesce(excluded.pod, pod),"
	" k8s_namespace = coalesce(excluded.k8s_namespace, k8s_namespace),"
	" binary_copy = CASE WHEN ?25 THEN excluded.binary_copy"
	"  ELSE coalesce(binary_copy, excluded.binary_copy) END,"
	" cgroup = coalesce(excluded.cgroup, cgroup),"
	" exit_ts = coalesce(excluded.exit_ts, exit_ts),"
	" exit_code = coalesce(excluded.exit_code, exit_code)";
/* Any other event: a process whoflow first meets as a socket's owner gets its row, one it
 * knows costs a lookup, not a write. */
static const char add_proc_sql[] = "INSERT OR IGNORE " PROC_COLUMNS;

static int store__exec(struct db_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int store__version(struct db_store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int store__migrate(struct db_store *s, char *err, size_t errsz)
{
	int v = store__version(s);
	char sql[64];

	if (v < 0) {
		snprintf(err, errsz, "cannot read its schema version: %s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (v > DB_SCHEMA_VERSION) {
		snprintf(err, errsz,
			 "it was made by a newer whoflow (schema version %d, this one knows %d)", v,
			 DB_SCHEMA_VERSION);
		return -1;
	}
	for (; v < DB_SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store__exec(s, "BEGIN") || store__exec(s, migrations[v]) ||
		    store__exec(s, sql) || store__exec(s, "COMMIT")) {
			snprintf(err, errsz, "cannot bring its schema to version %d: %s", v + 1,
				 sqlite3_errmsg(s->db));
			store__exec(s, "ROLLBACK");
			return -1;
		}
	}
	return 0;
}

/* The file is made 0600 before SQLite opens it: it holds command lines and environments. */
static int store__create(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

void db_store__config(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	/* Each connection is used by one thread at a time (the writer's, or one API
	 * request's): no lock inside a connection, none for memory statistics. */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct db_store *db_store__open(const char *path, char *err, size_t errsz)
{
	struct db_store *s = calloc(1, sizeof(*s));

	if (errsz)
		err[0] = '\0';
	db_store__config();
	if (!s || store__create(path)) {
		snprintf(err, errsz, "%m");
		free(s);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    /* page size first, then auto_vacuum, both before the first table */
	    store__exec(s, "PRAGMA page_size = 8192") || /* rows are 1-2 KiB of JSON */
	    store__exec(s, "PRAGMA auto_vacuum = INCREMENTAL") ||
	    sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    store__exec(s, "PRAGMA synchronous = NORMAL") || /* WAL: safe from a killed process */
	    store__exec(s, "PRAGMA journal_size_limit = 67108864") ||
	    store__exec(s, "PRAGMA cache_size = -65536") || /* 64 MiB: index pages stay in */
	    /* Checkpoints are a thread's of their own, once a second (db_store__checkpoint),
	     * not after a commit: with readers on the file (the API), SQLite's own would start
	     * over after every commit, copying the same pages again; and in the writer's
	     * thread they took a third of its time (copies and fsync) from the inserts. */
	    store__exec(s, "PRAGMA wal_autocheckpoint = 0") ||
	    sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK) {
		snprintf(err, errsz, "%s", s->db ? sqlite3_errmsg(s->db) : "out of memory");
		db_store__close(s);
		return NULL;
	}
	s->known = calloc(KNOWN_SLOTS, sizeof(s->known[0])); /* NULL: every row asks the table */
	if (store__migrate(s, err, errsz) ||
	    sqlite3_prepare_v2(s->db, ins_event_sql, -1, &s->ins_event, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, ins_proc_sql, -1, &s->ins_proc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, add_proc_sql, -1, &s->add_proc, NULL) != SQLITE_OK) {
		if (!err[0])
			snprintf(err, errsz, "%s", sqlite3_errmsg(s->db));
		db_store__close(s);
		return NULL;
	}
	return s;
}

int db_store__begin(struct db_store *s)
{
	return store__exec(s, "BEGIN");
}

int db_store__commit(struct db_store *s)
{
	int rc = store__exec(s, "COMMIT");

	if (rc)
		known__forget(s);
	return rc;
}

static void bind__str(sqlite3_stmt *st, int i, const struct db_row *r, enum db_str k)
{
	if (r->s[k])
		sqlite3_bind_text(st, i, r->s[k], (int)r->n[k], SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind__int(sqlite3_stmt *st, int i, int64_t v, bool have)
{
	if (have)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int store__step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* exec, fork or exit: a process event, whose row it writes (others only add a missing one). */
static bool row__is_proc(const struct db_row *r)
{
	const char *t = r->s[DBS_TYPE];

	return t && (!strcmp(t, "exec") || !strcmp(t, "exit") || !strcmp(t, "fork"));
}

static int store__process(struct db_store *s, const struct db_row *r)
{
	bool exec = r->s[DBS_TYPE] && !strcmp(r->s[DBS_TYPE], "exec");
	bool exit = r->s[DBS_TYPE] && !strcmp(r->s[DBS_TYPE], "exit");
	bool proc = row__is_proc(r);
	sqlite3_stmt *st = proc ? s->ins_proc : s->add_proc;

	bind__str(st, 1, r, DBS_ENTITY);
	sqlite3_bind_int64(st, 2, r->i[DBI_PID]);
	sqlite3_bind_int64(st, 3, r->i[DBI_PPID]);
	bind__str(st, 4, r, DBS_PARENT);
	bind__str(st, 5, r, DBS_COMM);
	bind__str(st, 6, r, DBS_EXE);
	bind__str(st, 7, r, DBS_CMDLINE);
	bind__str(st, 8, r, DBS_CWD);
	sqlite3_bind_int64(st, 9, r->i[DBI_UID]);
	bind__str(st, 10, r, DBS_USER);
	sqlite3_bind_int64(st, 11, r->i[DBI_GID]);
	bind__str(st, 12, r, DBS_CONTAINER);
	bind__str(st, 13, r, DBS_CGROUP);
	bind__str(st, 14, r, DBS_MD5);
	bind__str(st, 15, r, DBS_SHA256);
	sqlite3_bind_int64(st, 16, r->i[DBI_START]);
	bind__int(st, 17, r->i[DBI_EXIT_TS], exit);
	bind__int(st, 18, r->i[DBI_EXIT_CODE], exit);
	sqlite3_bind_int64(st, 19, r->i[DBI_TS]);
	bind__str(st, 20, r, DBS_CTR_NAME);
	bind__str(st, 21, r, DBS_CTR_IMAGE);
	bind__str(st, 22, r, DBS_POD);
	bind__str(st, 23, r, DBS_K8S_NS);
	bind__str(st, 24, r, DBS_BIN_COPY);
	if (proc)
		sqlite3_bind_int(st, 25, exec);
	return store__step(st);
}

/* A process row for a network event's owner, unless this connection made or found it. */
static int store__owner(struct db_store *s, const struct db_row *r)
{
	char *slot = known__slot(s, r);

	if (slot && !strcmp(slot, r->s[DBS_ENTITY]))
		return 0;
	if (store__process(s, r)) {
		known__forget(s);
		return -1;
	}
	if (slot)
		memcpy(slot, r->s[DBS_ENTITY], r->n[DBS_ENTITY] + 1);
	return 0;
}

int db_store__insert(struct db_store *s, const struct db_row *r)
{
	sqlite3_stmt *st = s->ins_event;
	bool net = r->s[DBS_SRC] != NULL;

	bind__str(st, 1, r, DBS_EVENT_ID);
	sqlite3_bind_int64(st, 2, r->i[DBI_TS]);
	bind__str(st, 3, r, DBS_TYPE);
	bind__str(st, 4, r, DBS_ENTITY);
	bind__int(st, 5, r->i[DBI_PID], r->i[DBI_PID] > 0);
	bind__str(st, 6, r, DBS_COMM);
	bind__str(st, 7, r, DBS_NETWORK_UID);
	bind__str(st, 8, r, DBS_SRC);
	bind__int(st, 9, r->i[DBI_SPORT], net);
	bind__str(st, 10, r, DBS_DST);
	bind__int(st, 11, r->i[DBI_DPORT], net);
	bind__str(st, 12, r, DBS_NAME);
	bind__str(st, 13, r, DBS_JSON);
	if (store__step(st)) {
		known__forget(s);
		return -1;
	}
	if (!r->has_process)
		return 0;
	return row__is_proc(r) ? store__process(s, r) : store__owner(s, r);
}

static int64_t store__int(struct db_store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The bytes the data takes (free pages left out). */
static uint64_t store__used(struct db_store *s)
{
	return (uint64_t)(store__int(s, "PRAGMA page_count") -
			  store__int(s, "PRAGMA freelist_count")) *
	       (uint64_t)store__int(s, "PRAGMA page_size");
}

uint64_t db_store__trim(struct db_store *s, int64_t cutoff_ns, uint64_t max_bytes)
{
	uint64_t removed = 0;
	char sql[512];

	known__forget(s);
	if (cutoff_ns > 0) {
		snprintf(sql, sizeof(sql), "DELETE FROM events WHERE ts < %lld",
			 (long long)cutoff_ns);
		if (!store__exec(s, sql))
			removed += (uint64_t)sqlite3_changes(s->db);
		snprintf(sql, sizeof(sql),
			 "DELETE FROM processes WHERE exit_ts < %lld OR (exit_ts IS NULL AND"
			 " seen_ts < %lld AND entity_id NOT IN (SELECT entity_id FROM events"
			 " WHERE entity_id IS NOT NULL))",
			 (long long)cutoff_ns, (long long)cutoff_ns);
		store__exec(s, sql);
	}
	/* Oldest tenth at a time, until the data fits. */
	for (int round = 0; max_bytes && round < 20 && store__used(s) > max_bytes; round++) {
		int64_t n = store__int(s, "SELECT count(*) FROM events") / 10 + 1;

		snprintf(
			sql, sizeof(sql),
			"DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT %lld)",
			(long long)n);
		if (store__exec(s, sql))
			break;
		removed += (uint64_t)sqlite3_changes(s->db);
		store__exec(s,
			    "DELETE FROM processes WHERE exit_ts IS NOT NULL AND entity_id NOT IN "
			    "(SELECT entity_id FROM events WHERE entity_id IS NOT NULL)");
	}
	if (removed) {
		store__exec(s, "PRAGMA incremental_vacuum");
		store__exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
	}
	return removed;
}

/*
 * A RESTART checkpoint holds off the writer while it waits for the readers
 * still on old frames, and while it copies: it waits this long at most, and
 * tries again a second later. With the busy timeout of the other connections
 * (5 s), fifty API clients always reading kept the writer waiting for seconds,
 * and events were lost by the hundred thousand (bench part 10).
 */
#define DB_RESTART_WAIT_MS 100
/* Frames (8 KiB pages) a RESTART may have left to copy, and the passive passes before it. */
#define DB_RESTART_LEFT 1024
#define DB_PASSES_MAX 4

struct db_store *db_store__open_checkpointer(const char *path, char *err, size_t errsz)
{
	struct db_store *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    /* reads the file's header: a connection that has not would not know the WAL, and
	     * its checkpoints would do nothing */
	    store__exec(s, "PRAGMA journal_mode = WAL") ||
	    store__exec(s, "PRAGMA wal_autocheckpoint = 0") ||
	    sqlite3_busy_timeout(s->db, DB_RESTART_WAIT_MS) != SQLITE_OK) {
		snprintf(err, errsz, "%s", s->db ? sqlite3_errmsg(s->db) : "out of memory");
		db_store__close(s);
		return NULL;
	}
	return s;
}

/*
 * PASSIVE: what no reader still needs goes into the file; it never waits for a reader
 * and never holds off the writer. restart: a RESTART, which lets the next writes start
 * the WAL over, but holds off the writer while it copies and syncs: so it runs only once
 * passive passes have copied everything and the last of them found little to copy (what
 * the writer added meanwhile). A RESTART that found most of the WAL still to copy held
 * the writer off for 2.4 s, and the store lost 70,071 events (bench part 10).
 */
void db_store__checkpoint(struct db_store *s, bool restart)
{
	int log = 0, done = 0, before = -1;

	for (int pass = 0;; pass++) {
		if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
					      &done) != SQLITE_OK ||
		    !restart || pass == DB_PASSES_MAX)
			return;
		if (done < log)
			return; /* readers still need frames: a RESTART would wait for them */
		if (before >= 0 && done - before <= DB_RESTART_LEFT)
			break;
		before = done;
	}
	sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
}

const char *db_store__error(struct db_store *s)
{
	return sqlite3_errmsg(s->db);
}

void db_store__close(struct db_store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins_event);
	sqlite3_finalize(s->ins_proc);
	sqlite3_finalize(s->add_proc);
	sqlite3_close(s->db);
	free(s->known);
	free(s);
}
