// SPDX-License-Identifier: GPL-2.0-only
/*
 * The store's checkpoints (out/db_store.c) against a real SQLite file: a reader's
 * snapshot survives them, the writer keeps writing while one is held, and once no
 * reader needs the WAL a restart lets it start over (the WAL stays bounded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "db_store.h"

#define ROWS 2000 /* of 1 KiB each: a few hundred WAL frames */

struct fixture {
	char dir[64], path[96];
	struct db_store *w, *ck;
	int next;
};

static void rows__add(struct fixture *f, int n)
{
	static char json[1024];

	memset(json, 'x', sizeof(json) - 1);
	json[0] = '"', json[sizeof(json) - 2] = '"';
	assert_int_equal(db_store__begin(f->w), 0);
	for (int i = 0; i < n; i++, f->next++) {
		char id[33];
		struct db_row r = { 0 };

		snprintf(id, sizeof(id), "%032x", f->next);
		r.i[DBI_TS] = 1000000000ll * f->next;
		r.s[DBS_EVENT_ID] = id, r.n[DBS_EVENT_ID] = strlen(id);
		r.s[DBS_TYPE] = "dns", r.n[DBS_TYPE] = 3;
		r.s[DBS_JSON] = json, r.n[DBS_JSON] = strlen(json);
		assert_int_equal(db_store__insert(f->w, &r), 0);
	}
	assert_int_equal(db_store__commit(f->w), 0);
}

static int64_t count__rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/*
 * Frames in the WAL now: mxFrame of the WAL index's header (the -shm file, offset 16;
 * sqlite.org/walformat.html), read without a connection, which would checkpoint.
 */
static uint32_t wal__frames(const char *path)
{
	char shm[128];
	uint32_t mx = 0;
	FILE *fp;

	snprintf(shm, sizeof(shm), "%s-shm", path);
	fp = fopen(shm, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 16, SEEK_SET), 0);
	assert_int_equal(fread(&mx, sizeof(mx), 1, fp), 1);
	fclose(fp);
	return mx;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	strcpy(f->dir, "/tmp/wf-dbstore-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	f->w = db_store__open(f->path, err, sizeof(err));
	assert_non_null(f->w);
	f->ck = db_store__open_checkpointer(f->path, err, sizeof(err));
	assert_non_null(f->ck);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	db_store__close(f->ck);
	db_store__close(f->w);
	for (const char *const *sfx = (const char *const[]){ "", "-wal", "-shm", NULL }; *sfx;
	     sfx++) {
		snprintf(p, sizeof(p), "%s%s", f->path, *sfx);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_reader_keeps_its_snapshot_and_the_writer_goes_on(void **state)
{
	struct fixture *f = *state;
	sqlite3 *reader;

	rows__add(f, ROWS);
	assert_int_equal(sqlite3_open_v2(f->path, &reader, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(reader, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(count__rows(reader), ROWS); /* the read transaction holds this snapshot */
	rows__add(f, ROWS);
	db_store__checkpoint(f->ck, true);
	db_store__checkpoint(f->ck, true);
	rows__add(f, ROWS); /* the writer was not kept out */
	assert_int_equal(count__rows(reader), ROWS);
	assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(count__rows(reader), 3 * ROWS);
	sqlite3_close(reader);
}

static void test_wal_starts_over_once_no_reader_needs_it(void **state)
{
	struct fixture *f = *state;
	sqlite3 *db;
	uint32_t grown;

	for (int i = 0; i < 4; i++)
		rows__add(f, ROWS);
	grown = wal__frames(f->path);
	assert_true(grown > 500); /* 8,000 rows of 1 KiB in 8 KiB pages */
	db_store__checkpoint(f->ck, true);
	rows__add(f, 10);
	assert_true(wal__frames(f->path) < grown / 10); /* the next writes went to its start */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(count__rows(db), 4 * ROWS + 10); /* nothing lost on the way */
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_reader_keeps_its_snapshot_and_the_writer_goes_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_starts_over_once_no_reader_needs_it, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
