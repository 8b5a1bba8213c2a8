/*
 * sqltest.h — ksqlDB's SQL-based test tool (`run-ksql-test`), as `walleye test
 * --test-directory DIR`.
 *
 * Every `.sql` file of the directory holds tests, each starting with a `--@test: name`
 * line, optionally followed by `--@expected.error: class` and `--@expected.message:
 * text` lines. A test's statements run in order on a fresh engine over an in-memory
 * broker and Schema Registry; the queries they start consume what is produced as it is
 * produced (INSERT VALUES, other queries' outputs). Besides ksqlDB's statements a test
 * may use:
 *
 *   ASSERT VALUES src [(cols)] VALUES (...)        the next unread record of src's topic
 *                                                  has these values (ROWTIME included
 *                                                  when named)
 *   ASSERT NULL VALUES src [(cols)] KEY (...)      the next one is a tombstone of this key
 *   ASSERT STREAM|TABLE src [(elements)] [WITH (...)]  src exists with these columns and
 *                                                  properties
 *
 * A test passes when every statement succeeds and every assert holds, or when it
 * expected an error and the first failing statement's message contains the expected
 * message. Each test prints `>>> Test passed!` or `>>>>> Test failed: <reason>` (with
 * the file and line), as ksqlDB's tool does.
 */
#ifndef WY_SQLTEST_H
#define WY_SQLTEST_H

#include <stdio.h>

#include "udf/registry.h"

/* Runs every test of every .sql file of dir (in name order). Returns how many failed,
 * or -1 when the directory cannot be read (reason on err_out). registry may be NULL
 * (the built-in functions). */
int wy_sqltest_run_directory(const char *dir, const wy_registry_t *registry, FILE *out,
                             FILE *err_out);

#endif
