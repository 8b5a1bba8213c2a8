/*
 * state_int.h — structures shared by the files of the state module (private).
 *
 * rocks.c owns the environment, task states and the RocksDB store; changelog.c the
 * logging wrapper; restore.c restore and commit; checkpoint.c the checkpoint file.
 */
#ifndef WY_STATE_INT_H
#define WY_STATE_INT_H

#include <pthread.h>
#include <rocksdb/c.h>

#include "state/state.h"

typedef struct wy_tstore {
  char *name;
  rocksdb_column_family_handle_t *cf;
  bool configured; /* handed out by wy_task_state_store */
  wy_changelog_mode_t mode;
  char *topic; /* changelog topic, NULL for WY_CHANGELOG_NONE */
  wy_restore_fn restore;
  void *restore_opaque;
  wy_store_t *raw;     /* the RocksDB store */
  wy_store_t *logged;  /* the logging wrapper, when mode is OWN */
  wy_store_t *top;     /* what callers get (cache on top when enabled) */
  int64_t position;    /* next changelog offset to read; -1 while unknown */
  int64_t restore_end; /* end offset during restore; -1 unknown */
} wy_tstore_t;

struct wy_task_state {
  wy_state_env_t *env;
  char *query_id;
  int32_t partition;
  char *dir, *db_dir, *checkpoint_path;
  bool fresh; /* the instance was created by this open: any checkpoint is stale */
  rocksdb_t *db;
  rocksdb_options_t *opts;
  rocksdb_writeoptions_t *wopts;
  rocksdb_readoptions_t *ropts;
  wy_tstore_t **stores; /* every column family but "default" */
  size_t nstores;
  int64_t timestamp;
  struct wy_task_state *next_open;
};

/* Logging wrapper (changelog.c). Takes ownership of inner. */
wy_status_t wy_logged_store_new(wy_store_t *inner, wy_task_state_t *ts, wy_tstore_t *t,
                                wy_sink_t *sink, wy_store_t **out, wy_error_t *err);
/* OK when every changelog write was acknowledged without error. */
wy_status_t wy_logged_store_check(wy_store_t *logged, wy_error_t *err);

/* Drop a store's column family and create it empty (rocks.c). */
wy_status_t wy_tstore_wipe(wy_task_state_t *ts, wy_tstore_t *t, wy_error_t *err);
/* Does the store hold any key? (rocks.c) */
wy_status_t wy_tstore_empty(wy_task_state_t *ts, wy_tstore_t *t, bool *empty, wy_error_t *err);
/* Fill err from a RocksDB error string (freed here); returns WY_ERR_STORE. */
wy_status_t wy_rocks_error(wy_error_t *err, char *rerr, const char *what, const char *name);

#endif
