/*
 * walleye/udf.h — the SDK for user-defined functions in shared objects.
 *
 * A UDF library is a shared object (.so) that walleye loads at start-up from `udf.dir`.
 * It exports exactly two symbols, both declared by the macros below:
 *
 *     WALLEYE_UDF_LIBRARY;                  the ABI version it was built against
 *     WALLEYE_UDF_INIT(host, lib) { ... }   registers its functions
 *
 * init runs once per loaded image, on the loading thread, before any function of the
 * library is called. It registers scalar functions (host->add_scalar), aggregate
 * functions (host->add_aggregate) and table functions (host->add_table_function), and
 * may read configuration (host->config). It
 * returns WY_UDF_OK, or WY_UDF_ERROR after host->init_error(lib, ...) to refuse to load.
 *
 * Calls. A scalar function gets its arguments as an array of wy_udf_value_t and writes
 * one wy_udf_value_t. Values cross the ABI without copies: the struct has the layout
 * of walleye's own value (the loader checks this at compile time), strings and bytes
 * are (pointer, length) slices, not NUL-terminated, into memory walleye owns for the
 * duration of the batch. Results that need memory take it from host->alloc(ctx, n): it
 * belongs to the batch and is never freed by the library. A result may also be a slice
 * of an argument or of the library's static data. Functions may be called from several
 * threads at once (each call has its own ctx), so shared mutable state needs a lock.
 *
 * NULLs. Unless an overload sets WY_UDF_CALLED_ON_NULL, walleye does not call it when an
 * argument is NULL and the result is NULL. *out starts as a NULL of the declared return
 * type, so a function that leaves it alone returns NULL.
 *
 * Errors. A function fails by returning host->fail(ctx, "message", ...). As in ksqlDB,
 * the call then yields NULL and the record gets a processing-log entry with the
 * message; the query goes on. A library must not abort(), exit() or longjmp out of a
 * call.
 *
 * Types are written as ksqlDB type text, parsed once at registration:
 *     BOOLEAN INT BIGINT DOUBLE STRING BYTES TIMESTAMP DATE TIME
 *     ARRAY<T> MAP<K, V>     with T, K, V types or one-letter generic placeholders
 *     DECIMAL                any DECIMAL(p, s) parameter
 *     STRUCT<NAME TYPE, ...>  a struct of concrete field types (parameters and results)
 *     ANY                    any type at all (ksqlDB's Object parameters)
 * A parameter list is "STRING value, INT n" (names optional, shown by DESCRIBE
 * FUNCTION); "..." after the last type makes it variadic ("STRING sep, STRING... parts").
 * An aggregate may have its one variadic parameter anywhere, as ksqlDB's UDAFs do
 * ("BIGINT first, STRING... rest" followed by init parameters). An aggregate's state
 * type may also be DECIMAL(p, s) or STRUCT<NAME TYPE, ...>, and may use the
 * placeholders of its parameters ("ARRAY<T>" for "T first, INT n").
 *
 * Aggregates keep their state as an SQL value of the declared state type: walleye
 * serializes it into its state store and changelog, so the state must not point at
 * library memory that changes. init sets the initial state; accumulate folds one row
 * into it; undo (optional, NULL when impossible) retracts one row, which table
 * aggregation needs; result maps the state to the output. New state memory comes
 * from host->alloc.
 *
 * Init arguments. ksqlDB's UDAF factories take parameters of their own, which every
 * call must pass as literals after the column arguments (EARLIEST_BY_OFFSET(x, 2, true)).
 * An aggregate declares them in init_params; walleye refuses a call whose init
 * argument is not a literal ("Parameter 2 passed to function X must be a literal
 * constant, but was expression: 'COL'"), hands their values to init_with once per new
 * state, and passes only the column arguments to accumulate and undo.
 * Table functions (UDTF, host->add_table_function) map one call to 0..n values of the
 * declared return type: the function writes them as an ARRAY of that type into *out
 * (wy_udf_array_new builds one), and each value becomes an output row of the query, as
 * ksqlDB's EXPLODE does. Leaving *out NULL, or an empty array, yields no row; so does a
 * NULL argument unless the overload sets WY_UDF_CALLED_ON_NULL. A failing call sends
 * the record to the processing log and yields no row for it.
 *
 * Stability. WALLEYE_UDF_ABI_VERSION changes whenever a struct or function signature
 * here changes incompatibly; walleye refuses libraries built for another version with
 * a message that says so. Structs passed by pointer carry their size so that fields
 * can be appended within one ABI version.
 *
 * The header needs C11 and GCC or Clang (DECIMAL values are 128-bit integers).
 */
#ifndef WALLEYE_UDF_H
#define WALLEYE_UDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WALLEYE_UDF_ABI_VERSION 1u

/* Return codes of every library callback. */
#define WY_UDF_OK 0
#define WY_UDF_ERROR 1

/* Value kinds (the numbering is part of the ABI). */
typedef enum wy_udf_kind {
  WY_UDF_BOOLEAN = 0,
  WY_UDF_INT = 1,       /* i32 */
  WY_UDF_BIGINT = 2,    /* i64 */
  WY_UDF_DOUBLE = 3,    /* f64 */
  WY_UDF_DECIMAL = 4,   /* dec: unscaled value; precision and scale in the value */
  WY_UDF_STRING = 5,    /* str, len: UTF-8 */
  WY_UDF_BYTES = 6,     /* str, len */
  WY_UDF_TIMESTAMP = 7, /* i64: milliseconds since the epoch */
  WY_UDF_DATE = 8,      /* i32: days since the epoch */
  WY_UDF_TIME = 9,      /* i32: milliseconds since midnight */
  WY_UDF_ARRAY = 10,    /* list: elements */
  WY_UDF_MAP = 11,      /* map: keys and values */
  WY_UDF_STRUCT = 12    /* list: fields in declaration order */
} wy_udf_kind_t;

typedef struct wy_udf_value wy_udf_value_t;

typedef struct wy_udf_list {
  uint32_t n;
  wy_udf_value_t *items;
} wy_udf_list_t;

typedef struct wy_udf_map {
  uint32_t n;
  wy_udf_value_t *keys;
  wy_udf_value_t *vals;
} wy_udf_map_t;

__extension__ typedef __int128 wy_udf_int128_t;

struct wy_udf_value {
  uint8_t kind;      /* wy_udf_kind_t */
  uint8_t null;      /* 1 for SQL NULL */
  uint8_t precision; /* DECIMAL */
  uint8_t scale;     /* DECIMAL */
  uint32_t len;      /* STRING, BYTES: bytes */
  union {
    bool b;
    int32_t i32;
    int64_t i64;
    double f64;
    wy_udf_int128_t dec;
    const char *str;
    const wy_udf_list_t *list;
    const wy_udf_map_t *map;
  } u;
};

/* One call in progress (opaque). Valid only during the call it is passed to. */
typedef struct wy_udf_ctx wy_udf_ctx_t;
/* The library being loaded (opaque). Valid only during init. */
typedef struct wy_udf_library wy_udf_library_t;

typedef int (*wy_udf_scalar_fn)(wy_udf_ctx_t *ctx, const wy_udf_value_t *args, size_t nargs,
                                wy_udf_value_t *out);

/* Flags of a function (every overload of one name shares the function-level ones). */
enum {
  WY_UDF_NONDETERMINISTIC = 1u << 0, /* different results for equal inputs: never folded */
  WY_UDF_MASKING = 1u << 1,          /* hides data (masking, tokens, encryption): lineage */
  WY_UDF_CALLED_ON_NULL = 1u << 2,   /* overload: call it even when an argument is NULL */
};

/* One scalar overload. Functions of one name may come in several overloads; name-level
 * metadata (description, category, author, version) is taken from the first one that
 * sets it. */
typedef struct wy_udf_scalar {
  uint32_t size; /* sizeof(wy_udf_scalar_t) */
  const char *name;
  const char *params;  /* "INT v1, INT v2"; "" for none */
  const char *returns; /* "BIGINT" */
  wy_udf_scalar_fn fn;
  unsigned flags;
  const char *description; /* of the function (first overload) or of this overload */
  const char *category;    /* NULL: "OTHER" */
  const char *author;
  const char *version;
  void *user; /* handed back by host->user(ctx) */

  /* ---- appended within ABI 1: per-call-site state (read when size covers it) ---- */
  /* Bytes of zeroed memory each call site of this overload gets (host->site), like the
   * fields of a ksqlDB UDF instance, of which every call in a query has its own. */
  size_t site_size;
} wy_udf_scalar_t;

/* One aggregate overload. */
typedef struct wy_udf_aggregate {
  uint32_t size; /* sizeof(wy_udf_aggregate_t) */
  const char *name;
  const char *params;
  const char *returns;
  const char *state; /* concrete type of the state, e.g. "STRUCT<SUM DOUBLE, N BIGINT>" */
  int (*init)(wy_udf_ctx_t *ctx, wy_udf_value_t *state);
  int (*accumulate)(wy_udf_ctx_t *ctx, const wy_udf_value_t *args, size_t nargs,
                    wy_udf_value_t *state);
  int (*undo)(wy_udf_ctx_t *ctx, const wy_udf_value_t *args, size_t nargs,
              wy_udf_value_t *state); /* NULL: cannot retract */
  int (*result)(wy_udf_ctx_t *ctx, const wy_udf_value_t *state, wy_udf_value_t *out);
  unsigned flags;
  const char *description;
  const char *author;
  const char *version;
  void *user;

  /* ---- appended within ABI 1: init arguments (read when size covers them) ---- */
  /* Parameters after params whose arguments must be literals ("INT base, STRING...
   * extra"); NULL or "" for none. */
  const char *init_params;
  /* The initial state from the init arguments (args[0..nargs), as the call passed
   * them); when set, init may be NULL. */
  int (*init_with)(wy_udf_ctx_t *ctx, const wy_udf_value_t *args, size_t nargs,
                   wy_udf_value_t *state);
} wy_udf_aggregate_t;

/* One table function overload (UDTF): `returns` is the type of each value; fn writes
 * the values as an ARRAY of it. The same fields as a scalar overload. */
typedef struct wy_udf_table {
  uint32_t size; /* sizeof(wy_udf_table_t) */
  const char *name;
  const char *params;
  const char *returns; /* each value's type, e.g. "STRING" (the ARRAY is implied) */
  wy_udf_scalar_fn fn; /* writes ARRAY<returns> */
  unsigned flags;
  const char *description;
  const char *category; /* NULL: "TABLE" */
  const char *author;
  const char *version;
  void *user;
} wy_udf_table_t;

/* What walleye offers a library. The same table is passed to init and stays valid while
 * the library is loaded, so a library may keep the pointer. */
typedef struct wy_udf_host wy_udf_host_t;
struct wy_udf_host {
  uint32_t abi_version; /* WALLEYE_UDF_ABI_VERSION of the running walleye */
  uint32_t size;        /* sizeof(wy_udf_host_t) */

  /* ---- during init ---- */
  int (*add_scalar)(wy_udf_library_t *lib, const wy_udf_scalar_t *def);
  int (*add_aggregate)(wy_udf_library_t *lib, const wy_udf_aggregate_t *def);
  /* Configuration value for key (e.g. "udf.tokenize.key"), from walleye's configuration,
   * else from the environment variable WALLEYE_<KEY> for key udf.<key> with dots as
   * underscores (udf.tokenize.key -> WALLEYE_TOKENIZE_KEY); NULL when unset. The string
   * is valid during init only. */
  const char *(*config)(wy_udf_library_t *lib, const char *key);
  /* Refuse to load: records the message and returns WY_UDF_ERROR. */
  int (*init_error)(wy_udf_library_t *lib, const char *fmt, ...)
      __attribute__((format(printf, 2, 3)));
  /* Log a line through walleye's log (level: 0 error, 1 warn, 2 info, 3 debug). Any time. */
  void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

  /* ---- during a call ---- */
  /* n bytes, 16-byte aligned, living as long as the batch; NULL when out of memory. */
  void *(*alloc)(wy_udf_ctx_t *ctx, size_t n);
  /* Fail the call: the message goes to the processing log. Returns WY_UDF_ERROR. */
  int (*fail)(wy_udf_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
  /* The `user` pointer of the overload being called. */
  void *(*user)(wy_udf_ctx_t *ctx);

  /* ---- appended within ABI 1 (fn-sdk): check size before use ---- */
  /* The call site's memory (site_size bytes, zeroed when the query starts), or NULL
   * when the overload asked for none. One site may be called from several threads at
   * once: update it atomically. */
  void *(*site)(wy_udf_ctx_t *ctx);
  /* ---- table functions (appended within ABI version 1: check WY_UDF_HOST_HAS) ---- */
  /* During init: register one table function overload. */
  int (*add_table_function)(wy_udf_library_t *lib, const wy_udf_table_t *def);
};

/* Does the running walleye's host table have `field`? (fields appended within an ABI
 * version are missing from older walleyes) */
#define WY_UDF_HOST_HAS(host, field) \
  ((host)->size >= offsetof(wy_udf_host_t, field) + sizeof((host)->field) && (host)->field)

#if defined(__GNUC__)
#define WALLEYE_UDF_EXPORT __attribute__((visibility("default")))
#else
#define WALLEYE_UDF_EXPORT
#endif

/* Symbol names the loader looks up. */
#define WALLEYE_UDF_ABI_SYMBOL "walleye_udf_abi_version"
#define WALLEYE_UDF_INIT_SYMBOL "walleye_udf_init"

typedef int (*wy_udf_init_fn)(const wy_udf_host_t *host, wy_udf_library_t *lib);

/* Put `WALLEYE_UDF_LIBRARY;` once in a library. */
#define WALLEYE_UDF_LIBRARY                                         \
  WALLEYE_UDF_EXPORT extern const uint32_t walleye_udf_abi_version; \
  const uint32_t walleye_udf_abi_version = WALLEYE_UDF_ABI_VERSION

/* `WALLEYE_UDF_INIT(host, lib) { ... return WY_UDF_OK; }` */
#define WALLEYE_UDF_INIT(host, lib)                                                          \
  WALLEYE_UDF_EXPORT int walleye_udf_init(const wy_udf_host_t *host, wy_udf_library_t *lib); \
  int walleye_udf_init(const wy_udf_host_t *host, wy_udf_library_t *lib)

/* Convenience constructors for results. */
static inline wy_udf_value_t wy_udf_string(const char *s, size_t len) {
  wy_udf_value_t v = {0};
  v.kind = WY_UDF_STRING;
  v.u.str = s;
  v.len = (uint32_t)len;
  return v;
}
static inline wy_udf_value_t wy_udf_bigint(int64_t i) {
  wy_udf_value_t v = {0};
  v.kind = WY_UDF_BIGINT;
  v.u.i64 = i;
  return v;
}
static inline wy_udf_value_t wy_udf_int(int32_t i) {
  wy_udf_value_t v = {0};
  v.kind = WY_UDF_INT;
  v.u.i32 = i;
  return v;
}
static inline wy_udf_value_t wy_udf_double(double d) {
  wy_udf_value_t v = {0};
  v.kind = WY_UDF_DOUBLE;
  v.u.f64 = d;
  return v;
}
/* *out becomes an ARRAY or STRUCT (kind) of n items in host->alloc memory; returns the
 * items to fill (zeroed), or NULL when out of memory. */
static inline wy_udf_value_t *wy_udf_new_list(const wy_udf_host_t *host, wy_udf_ctx_t *ctx,
                                              wy_udf_kind_t kind, uint32_t n, wy_udf_value_t *out) {
  wy_udf_list_t *l = (wy_udf_list_t *)host->alloc(ctx, sizeof *l);
  wy_udf_value_t *items = (wy_udf_value_t *)host->alloc(ctx, (n ? n : 1) * sizeof *items);
  wy_udf_value_t zero = {0};
  if (!l || !items) return NULL;
  for (uint32_t i = 0; i < n; i++) items[i] = zero;
  l->n = n;
  l->items = items;
  *out = zero;
  out->kind = (uint8_t)kind;
  out->u.list = l;
  return items;
}

/* Make *out an ARRAY of n values (all NULL) from the batch's memory, for a table
 * function's result; returns its items, or NULL when out of memory. */
static inline wy_udf_value_t *wy_udf_array_new(const wy_udf_host_t *host, wy_udf_ctx_t *ctx,
                                               uint32_t n, wy_udf_value_t *out) {
  wy_udf_value_t *items = wy_udf_new_list(host, ctx, WY_UDF_ARRAY, n, out);
  for (uint32_t i = 0; items && i < n; i++) {
    items[i].kind = WY_UDF_STRING;
    items[i].null = 1;
  }
  return items;
}

#ifdef __cplusplus
}
#endif

#endif
