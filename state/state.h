/*
 * state.h — state stores on RocksDB: per-node environment, per-task stores, changelog
 * logging, checkpoints and restore.
 *
 * Layout: one RocksDB instance per task, one column family per store of the task, under
 * <state.dir>/<service id>/<query id>/<subtopology>_<partition>/ (with the task's
 * `checkpoint` file beside the `rocksdb` folder). Instance-per-task rather than one
 * node-wide instance with a column family per store, because a task is the unit that
 * moves between nodes, is wiped and restored, checkpointed and dropped: each of these is
 * then a whole-directory operation with no cross-task coordination, a corrupt task
 * cannot take other tasks down, and a task's stores still commit through one WAL.
 * What instance-per-task costs (memory per instance) is bounded by the node budget
 * below, which all instances share.
 *
 * Memory: one budget per node (state.rocksdb.memory.bytes). A share of it
 * (state.rocksdb.write.buffer.percent) bounds memtables: RocksDB 7.8's C API has no
 * write buffer manager, so the environment re-divides that share among the column
 * families open on the node whenever one opens or closes (write_buffer_size via
 * SetOptions, two memtables each). The rest is one LRU block cache shared by every
 * instance, which also holds index and filter blocks so that table readers are charged
 * to it. The per-store read caches in front of RocksDB (state.cache.bytes) are walleye
 * memory outside that budget.
 *
 * Changelogs: each store of a task is wrapped so that every write is also sent, through
 * the task's wy_sink_t, to the changelog topic its spec names (the planner names it as
 * ksqlDB does), partition = the task's partition (compacted; creating it is the
 * engine's job). A table read from a
 * topic uses that topic as its changelog instead and writes no copy. Delivery reports
 * come back through wy_delivery_dispatch (connector.h): the sink's on_delivery must be
 * wy_delivery_dispatch. Commit checks that every changelog write was acknowledged and
 * records the changelog positions in the checkpoint; restore replays the changelogs from
 * the checkpoint to their end before the task processes anything. A missing or corrupt
 * checkpoint on a non-empty store, or a changelog write that failed, means wipe and
 * restore in full.
 *
 * Threads: the environment may be used from any thread (it locks); a task state and its
 * stores belong to the stream thread that owns the task.
 */
#ifndef WY_STATE_STATE_H
#define WY_STATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "state/store.h"

/* X(field, key, kind, default, doc) — the single list of state configuration keys.
 * kind is STR or SIZE (sizes accept k, m, g suffixes, powers of 1024). */
#define WY_STATE_CONFIG_KEYS(X)                                                             \
  X(dir, "state.dir", STR, "/tmp/walleye-state",                                            \
    "Directory under which every task keeps its RocksDB instance and checkpoint.")          \
  X(service_id, "ksql.service.id", STR, "default_",                                         \
    "Service id: first part of state paths and changelog topic names.")                     \
  X(memory_bytes, "state.rocksdb.memory.bytes", SIZE, "64m",                                \
    "RocksDB memory budget of the node: shared block cache plus memtables of every store.") \
  X(write_buffer_percent, "state.rocksdb.write.buffer.percent", SIZE, "25",                 \
    "Share of the budget (percent) for memtables, divided among open stores.")              \
  X(cache_bytes, "state.cache.bytes", SIZE, "4m",                                           \
    "Default size of the read cache in front of each store (0 disables it).")               \
  X(background_threads, "state.rocksdb.background.threads", SIZE, "2",                      \
    "Flush and compaction threads shared by every RocksDB instance of the node.")

typedef struct wy_state_config {
#define WY_X_CFG_FIELD_STR char *
#define WY_X_CFG_FIELD_SIZE size_t
#define WY_X_CFG_FIELD(field, key, kind, def, doc) WY_X_CFG_FIELD_##kind field;
  WY_STATE_CONFIG_KEYS(WY_X_CFG_FIELD)
#undef WY_X_CFG_FIELD
} wy_state_config_t;

/* Fill every key with its default. Strings are owned by the config. */
wy_status_t wy_state_config_init(wy_state_config_t *cfg, wy_error_t *err);
/* Set one key from text; NOT_FOUND for a key that is not a state key (so callers can
 * try other modules), CONFIG for a bad value. */
wy_status_t wy_state_config_set(wy_state_config_t *cfg, const char *key, const char *value,
                                wy_error_t *err);
void wy_state_config_release(wy_state_config_t *cfg);
/* Write the keys, defaults and docs as a Markdown table (generated documentation). */
size_t wy_state_config_doc(char *buf, size_t cap);

/* ---- node environment ---- */

typedef struct wy_state_env wy_state_env_t;

/* Copies cfg. Creates state.dir when missing. */
wy_status_t wy_state_env_new(const wy_state_config_t *cfg, wy_state_env_t **out, wy_error_t *err);
/* Every task state must be closed first. Accepts NULL. */
void wy_state_env_destroy(wy_state_env_t *env);

typedef struct wy_state_memory {
  size_t budget; /* state.rocksdb.memory.bytes */
  size_t block_cache_capacity;
  size_t block_cache_usage; /* includes index and filter blocks */
  size_t block_cache_pinned;
  size_t memtables;         /* all memtables of all open instances */
  size_t table_readers;     /* outside the cache (small: index/filters are cached) */
  size_t write_buffer_size; /* current per-store memtable size */
  size_t open_stores;       /* column families open on the node */
} wy_state_memory_t;

wy_status_t wy_state_env_memory(wy_state_env_t *env, wy_state_memory_t *out, wy_error_t *err);

/* `<state.dir>/<service id>/<query id>`: the folder of a query's task states (one
 * folder a task, `<subtopology>_<partition>`); returns the length needed (snprintf). */
size_t wy_state_query_dir(const char *state_dir, const char *service_id, const char *query_id,
                          char *buf, size_t cap);
/* The folder of a query with an env's state.dir and service id. */
size_t wy_state_env_query_dir(const wy_state_env_t *env, const char *query_id, char *buf,
                              size_t cap);
/* The bytes of the files in each task folder of a query's folder (RocksDB's tables, write-
 * ahead log and manifest: what is only in memtables is not counted), as fn(task, bytes).
 * Safe while the tasks run: files that vanish during the walk are skipped. Returns how
 * many tasks were reported (0 when the folder does not exist). */
size_t wy_state_query_disk_usage(const char *query_dir,
                                 void (*fn)(void *user, const char *task, uint64_t bytes),
                                 void *user);

/* Remove every store of a query from disk (DROP / TERMINATE). INVALID while a task of
 * the query is open; OK when the query has no state. */
wy_status_t wy_state_remove_query(wy_state_env_t *env, const char *query_id, wy_error_t *err);

/* ---- task state ---- */

typedef struct wy_task_state wy_task_state_t;

/* Open (creating when missing) the RocksDB instance of one task. The stores it already
 * holds are opened too, but handed out only by wy_task_state_store. Errors from RocksDB
 * (lock held by another process, corruption, ...) come back as WY_ERR_STORE. */
wy_status_t wy_task_state_open(wy_state_env_t *env, const char *query_id, int subtopology,
                               int32_t partition, wy_task_state_t **out, wy_error_t *err);
/* Close every store and the instance; files stay. Accepts NULL. */
void wy_task_state_close(wy_task_state_t *ts);
const char *wy_task_state_dir(const wy_task_state_t *ts);

typedef enum {
  WY_CHANGELOG_OWN,   /* log to a changelog topic of the store's own */
  WY_CHANGELOG_TOPIC, /* a table's source topic is the changelog: no logging */
  WY_CHANGELOG_NONE   /* not logged, not restorable (scratch state) */
} wy_changelog_mode_t;

/* Turns a changelog record into the store write to replay (e.g. decode a source topic's
 * JSON into a row encoding). *op->value NULL deletes; *skip ignores the record. Strings
 * may be put in the arena, which is reset between batches. */
typedef wy_status_t (*wy_restore_fn)(void *opaque, const wy_record_t *rec, wy_arena_t *a,
                                     wy_store_op_t *op, bool *skip, wy_error_t *err);

typedef struct wy_store_spec {
  const char *name; /* unique in the task: [A-Za-z0-9._-]+ */
  wy_changelog_mode_t changelog;
  const char *topic;     /* OWN: the changelog topic; TOPIC: the source topic */
  wy_sink_t *sink;       /* WY_CHANGELOG_OWN: where changelog records go */
  int64_t cache_bytes;   /* read cache size; -1 = state.cache.bytes, 0 = none */
  wy_restore_fn restore; /* NULL: records are key/value bytes as the store holds them */
  void *restore_opaque;
} wy_store_spec_t;

/* The store of the given spec, created when missing. The store stays owned by the task
 * state (closed with it). Asking again for the same name returns the same store. */
wy_status_t wy_task_state_store(wy_task_state_t *ts, const wy_store_spec_t *spec, wy_store_t **out,
                                wy_error_t *err);
/* Timestamp carried by the changelog records of the next writes (the input record's). */
void wy_task_state_set_timestamp(wy_task_state_t *ts, int64_t timestamp);

/* The offset after the last record of a partition, or -1 when unknown. */
typedef wy_status_t (*wy_end_offset_fn)(void *opaque, const char *topic, int32_t partition,
                                        int64_t *end, wy_error_t *err);

typedef struct wy_restore_stats {
  uint64_t records; /* changelog records applied */
  uint64_t wiped;   /* stores wiped for a full restore */
} wy_restore_stats_t;

/* Bring every logged store up to the end of its changelog: read the checkpoint, wipe
 * and restart from the beginning when it is missing or corrupt and a store has data,
 * seek `src` to each changelog partition's start and poll until its end offset (from
 * end_fn; when end_fn is NULL, until a poll of timeout_ms returns nothing). The source
 * must read the changelog partitions after a seek (the memory source assigns them on
 * seek). Call after every wy_task_state_store and before processing. stats may be NULL. */
wy_status_t wy_task_state_restore(wy_task_state_t *ts, wy_source_t *src, wy_end_offset_fn end_fn,
                                  void *end_opaque, int timeout_ms, wy_restore_stats_t *stats,
                                  wy_error_t *err);

/* After the sink was flushed: check that every changelog write was acknowledged, make
 * the stores durable and write the checkpoint (changelog positions, and for tables on a
 * topic the positions of `inputs`, the input offsets being committed). An error here
 * (a failed changelog write, RocksDB trouble) is the owning query's error; the
 * checkpoint is then removed, so that the next start restores in full. */
wy_status_t wy_task_state_commit(wy_task_state_t *ts, const wy_position_t *inputs, size_t ninputs,
                                 wy_error_t *err);

/* ---- checkpoint files (exposed for tests and tools) ---- */

typedef struct wy_checkpoint_entry {
  char topic[256];
  int32_t partition;
  int64_t offset; /* next offset to read */
} wy_checkpoint_entry_t;

/* Atomically replace the file (write a temporary, fsync, rename). */
wy_status_t wy_checkpoint_write(const char *path, const wy_checkpoint_entry_t *e, size_t n,
                                wy_error_t *err);
/* NOT_FOUND when missing, DECODE when corrupt (bad header, line or checksum). *out is
 * malloc'ed (free it) and holds *n entries. */
wy_status_t wy_checkpoint_read(const char *path, wy_checkpoint_entry_t **out, size_t *n,
                               wy_error_t *err);

#endif
