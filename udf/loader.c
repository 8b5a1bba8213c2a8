/* The UDF shared-object loader (see loader.h and udf/sdk/walleye/udf.h).
 *
 * Registry functions are plain C function pointers (wy_scalar_fn, wy_udaf_ops_t, the
 * prepare hook) with no user-data argument, while library functions need theirs. So
 * each loaded overload takes a slot in a fixed table, and each slot has its own set of
 * small trampolines (generated below) that know their slot. Slots go back to the pool
 * when the image that owns them is closed. */
#include "udf/loader.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/base/log.h"
#include "udf/sdk/walleye/udf.h"

/* ---- the ABI's value layout is walleye's --------------------------------------------- */

#define WY_SAME_OFFSET(f) \
  _Static_assert(offsetof(wy_udf_value_t, f) == offsetof(wy_value_t, f), "udf.h: " #f)
_Static_assert(sizeof(wy_udf_value_t) == sizeof(wy_value_t), "udf.h: value size");
_Static_assert(alignof(wy_udf_value_t) == alignof(wy_value_t), "udf.h: value alignment");
WY_SAME_OFFSET(kind);
WY_SAME_OFFSET(null);
WY_SAME_OFFSET(precision);
WY_SAME_OFFSET(scale);
WY_SAME_OFFSET(len);
WY_SAME_OFFSET(u);
_Static_assert(sizeof(wy_udf_list_t) == sizeof(wy_list_t) &&
                   offsetof(wy_udf_list_t, items) == offsetof(wy_list_t, items),
               "udf.h: list layout");
_Static_assert(sizeof(wy_udf_map_t) == sizeof(wy_map_t) &&
                   offsetof(wy_udf_map_t, keys) == offsetof(wy_map_t, keys) &&
                   offsetof(wy_udf_map_t, vals) == offsetof(wy_map_t, vals),
               "udf.h: map layout");
#define WY_X_SAME_KIND(kind, name) \
  _Static_assert((int)kind == (int)WY_UDF_##kind##_CHECK, "udf.h: kind numbering");
#define WY_UDF_WY_T_BOOLEAN_CHECK WY_UDF_BOOLEAN
#define WY_UDF_WY_T_INT_CHECK WY_UDF_INT
#define WY_UDF_WY_T_BIGINT_CHECK WY_UDF_BIGINT
#define WY_UDF_WY_T_DOUBLE_CHECK WY_UDF_DOUBLE
#define WY_UDF_WY_T_DECIMAL_CHECK WY_UDF_DECIMAL
#define WY_UDF_WY_T_STRING_CHECK WY_UDF_STRING
#define WY_UDF_WY_T_BYTES_CHECK WY_UDF_BYTES
#define WY_UDF_WY_T_TIMESTAMP_CHECK WY_UDF_TIMESTAMP
#define WY_UDF_WY_T_DATE_CHECK WY_UDF_DATE
#define WY_UDF_WY_T_TIME_CHECK WY_UDF_TIME
#define WY_UDF_WY_T_ARRAY_CHECK WY_UDF_ARRAY
#define WY_UDF_WY_T_MAP_CHECK WY_UDF_MAP
#define WY_UDF_WY_T_STRUCT_CHECK WY_UDF_STRUCT
WY_TYPE_KINDS(WY_X_SAME_KIND)

/* ---- images and slots ------------------------------------------------------------------- */

typedef struct wy_udf_library image_t;

typedef struct slot {
  image_t *img; /* NULL: free */
  char *name;
  wy_udf_scalar_fn fn;
  wy_udf_aggregate_t agg;
  const wy_type_t *state_type; /* NULL: a pattern over the parameters' placeholders */
  const wy_type_t *ret_type;   /* a concrete return type the registry's patterns cannot say */
  char *signature;             /* params and init_params: binds a generic state's placeholders */
  size_t ncol, ninit;          /* parameters before init_params, and in them */
  bool col_variadic;           /* the variadic parameter is a column parameter */
  size_t site_size;            /* a scalar's per-call-site memory */
  bool table;                  /* a table function: the result is an ARRAY of its values */
  void *user;
  wy_udaf_ops_t ops; /* this slot's aggregate trampolines */
} slot_t;

/* One staged definition, collected while the library's init runs. */
typedef struct def {
  bool aggregate;
  bool table; /* s holds a table function (wy_udf_table_t has the scalar's fields) */
  wy_udf_scalar_t s;
  wy_udf_aggregate_t a;
  slot_t *slot;
} def_t;

/* A loaded image of a library file (SDK: wy_udf_library_t while it initialises). */
struct wy_udf_library {
  char *path; /* canonical path of the file */
  void *dl;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  int refcount;
  bool stale; /* superseded by a newer image of the same file: never reused */
  def_t *defs;
  size_t ndefs;
  char error[WY_ERROR_MSG_MAX];
  const wy_udf_options_t *opts;
  image_t *next;
};

#define WY_UDF_SLOTS 500

static slot_t g_slots[WY_UDF_SLOTS];
static image_t *g_images;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void image_ref(image_t *img) { __atomic_add_fetch(&img->refcount, 1, __ATOMIC_RELAXED); }

/* A reference unless the image is already on its way out (its count reached zero and
 * image_unref is about to take it off the list). */
static bool image_try_ref(image_t *img) {
  int n = __atomic_load_n(&img->refcount, __ATOMIC_RELAXED);
  while (n > 0)
    if (__atomic_compare_exchange_n(&img->refcount, &n, n + 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED))
      return true;
  return false;
}

static void image_unref(image_t *img) {
  if (!img || __atomic_sub_fetch(&img->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
  pthread_mutex_lock(&g_lock);
  for (image_t **pp = &g_images; *pp; pp = &(*pp)->next)
    if (*pp == img) {
      *pp = img->next;
      break;
    }
  for (size_t i = 0; i < img->ndefs; i++) {
    slot_t *s = img->defs[i].slot;
    if (!s) continue;
    free(s->name);
    free(s->signature);
    wy_type_unref(s->state_type);
    wy_type_unref(s->ret_type);
    s->name = s->signature = NULL;
    s->state_type = s->ret_type = NULL;
    s->img = NULL;
  }
  pthread_mutex_unlock(&g_lock);
  if (img->dl) dlclose(img->dl);
  free(img->defs);
  free(img->path);
  free(img);
}

size_t wy_udf_loaded_images(void) {
  size_t n = 0;
  pthread_mutex_lock(&g_lock);
  for (image_t *i = g_images; i; i = i->next) n++;
  pthread_mutex_unlock(&g_lock);
  return n;
}

/* ---- calls --------------------------------------------------------------------------------- */

/* The SDK's per-call context: walleye's call context plus the slot being called. */
struct wy_udf_ctx {
  wy_fn_ctx_t *fc;
  const slot_t *slot;
};

static wy_status_t finish(struct wy_udf_ctx *c, int rc, const wy_value_t *out,
                          const wy_type_t *want) {
  wy_error_t *err = c->fc->err;
  if (rc != WY_UDF_OK) {
    if (!err) return WY_ERR_EVAL;
    if (err->code == WY_OK)
      return wy_error_set(err, WY_ERR_EVAL, "function %s failed", c->slot->name);
    err->code = WY_ERR_EVAL; /* any failure of a UDF is a failed call: NULL, logged */
    return wy_error_prefix(err, "function %s failed", c->slot->name);
  }
  if (!out->null && want && out->kind != want->kind)
    return wy_error_set(
        err, WY_ERR_EVAL, "function %s returned %s where %s was declared", c->slot->name,
        wy_type_kind_name((wy_type_kind_t)(out->kind < WY_T__COUNT ? out->kind : WY_T_STRING)),
        wy_type_kind_name(want->kind));
  return WY_OK;
}

/* A table function's values must have its declared type: the rows are encoded by it. */
static wy_status_t check_values(struct wy_udf_ctx *c, const wy_value_t *out,
                                const wy_type_t *want) {
  const wy_list_t *l = out->u.list;
  for (uint32_t i = 0; l && want->elem && i < l->n; i++)
    if (!l->items[i].null && l->items[i].kind != want->elem->kind)
      return finish(c, WY_UDF_OK, &l->items[i], want->elem);
  return WY_OK;
}

static inline wy_status_t slot_call(const slot_t *s, wy_fn_ctx_t *fc, const wy_value_t *args,
                                    size_t n, wy_value_t *out) {
  struct wy_udf_ctx c = {fc, s};
  *out = wy_null(fc->ret ? fc->ret->kind : WY_T_STRING);
  int rc = s->fn(&c, (const wy_udf_value_t *)args, n, (wy_udf_value_t *)out);
  if (__builtin_expect(rc == WY_UDF_OK && (out->null || !fc->ret || out->kind == fc->ret->kind), 1))
    return s->table && !out->null ? check_values(&c, out, fc->ret) : WY_OK;
  return finish(&c, rc, out, fc->ret);
}

/* A call site: its image stays loaded while the site lives; an aggregate's site keeps
 * the values of its literal init arguments (an ARRAY, in the state encoding). */
typedef struct site {
  slot_t *slot;
  size_t len;        /* of the encoded init arguments */
  max_align_t mem[]; /* a scalar's site memory (site_size bytes), then the init arguments */
} site_t;

/* How many of a call's n arguments are column (not init) arguments. */
static size_t column_args(const slot_t *s, size_t n) {
  size_t k = s->col_variadic ? n - s->ninit : s->ncol;
  return k < n ? k : n;
}

static wy_status_t slot_prepare(slot_t *s, const wy_value_t *const *consts, size_t n, void **site,
                                wy_error_t *err) {
  size_t k = s->ninit ? column_args(s, n) : n, len = 0;
  wy_list_t init = {(uint32_t)(n - k), NULL};
  wy_value_t *vals = calloc(n - k + 1, sizeof *vals);
  for (size_t i = k; vals && i < n; i++) /* literals: the analyzer checked them */
    vals[i - k] = consts[i] ? *consts[i] : wy_null(WY_T_STRING);
  init.items = vals;
  wy_value_t arr = {.kind = WY_T_ARRAY, .u.list = &init};
  if (vals && n > k) len = wy_udf_state_encode(&arr, NULL, 0);
  size_t mem = s->site_size;
  site_t *st = vals ? calloc(1, sizeof *st + mem + len) : NULL;
  if (st) {
    st->slot = s;
    st->len = len;
    if (len) wy_udf_state_encode(&arr, (uint8_t *)st->mem + mem, len);
  }
  free(vals);
  if (!st) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  image_ref(s->img);
  *site = st;
  return WY_OK;
}

static void slot_release(void *site) {
  site_t *st = site;
  image_unref(st->slot->img);
  free(st);
}

static wy_status_t slot_init(const slot_t *s, wy_fn_ctx_t *fc, wy_value_t *acc) {
  struct wy_udf_ctx c = {fc, s};
  *acc = wy_null(s->state_type ? s->state_type->kind : WY_T_STRING);
  if (!s->agg.init_with)
    return finish(&c, s->agg.init(&c, (wy_udf_value_t *)acc), acc, s->state_type);
  const site_t *st = fc->site;
  wy_value_t init = {.kind = WY_T_ARRAY, .null = 1};
  if (st && st->len &&
      wy_udf_state_decode((const uint8_t *)st->mem + s->site_size, st->len, fc->arena, &init,
                          fc->err) != WY_OK)
    return WY_ERR_EVAL;
  const wy_list_t *l = init.null ? NULL : init.u.list;
  int rc = s->agg.init_with(&c, l ? (const wy_udf_value_t *)l->items : NULL, l ? l->n : 0,
                            (wy_udf_value_t *)acc);
  return finish(&c, rc, acc, s->state_type);
}

static wy_status_t slot_fold(const slot_t *s, bool undo, wy_fn_ctx_t *fc, const wy_value_t *args,
                             size_t n, wy_value_t *acc) {
  struct wy_udf_ctx c = {fc, s};
  int rc = (undo ? s->agg.undo : s->agg.accumulate)(&c, (const wy_udf_value_t *)args,
                                                    column_args(s, n), (wy_udf_value_t *)acc);
  return finish(&c, rc, acc, s->state_type);
}

/* A generic state type, bound from the call's argument types. */
static const wy_type_t *slot_state(const slot_t *s, const wy_type_t *const *t, size_t n) {
  if (s->state_type) return wy_type_ref(s->state_type);
  wy_error_t err;
  const wy_type_t *st = wy_signature_instantiate(s->signature, t, n, s->agg.state, &err);
  if (!st) wy_log(WY_LOG_ERROR, "udf", "%s: %s", s->name, err.msg);
  return st;
}

static wy_status_t slot_result(const slot_t *s, wy_fn_ctx_t *fc, const wy_value_t *acc,
                               wy_value_t *out) {
  struct wy_udf_ctx c = {fc, s};
  *out = wy_null(fc->ret ? fc->ret->kind : WY_T_STRING);
  return finish(&c, s->agg.result(&c, (const wy_udf_value_t *)acc, (wy_udf_value_t *)out), out,
                fc->ret);
}

/* Trampolines: one set per slot, slot numbers 100..599 (decimal tokens pasted). */
// clang-format off
#define WY_TR_DIGITS(F, p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define WY_TR_TENS(F, p)                                                                           \
  WY_TR_DIGITS(F, p##0) WY_TR_DIGITS(F, p##1) WY_TR_DIGITS(F, p##2) WY_TR_DIGITS(F, p##3)          \
  WY_TR_DIGITS(F, p##4) WY_TR_DIGITS(F, p##5) WY_TR_DIGITS(F, p##6) WY_TR_DIGITS(F, p##7)          \
  WY_TR_DIGITS(F, p##8) WY_TR_DIGITS(F, p##9)
#define WY_TR_ALL(F) WY_TR_TENS(F, 1) WY_TR_TENS(F, 2) WY_TR_TENS(F, 3) WY_TR_TENS(F, 4) WY_TR_TENS(F, 5)
// clang-format on

#define WY_TR_DEFINE(n)                                                                            \
  static wy_status_t tr_call_##n(wy_fn_ctx_t *c, const wy_value_t *a, size_t k, wy_value_t *o) {   \
    return slot_call(&g_slots[n - 100], c, a, k, o);                                               \
  }                                                                                                \
  static wy_status_t tr_prepare_##n(const wy_type_t *const *t, const wy_value_t *const *v,         \
                                    size_t k, void **site, wy_error_t *e) {                        \
    return slot_prepare(&g_slots[n - 100], v, k, site, e);                                         \
  }                                                                                                \
  static const wy_type_t *tr_state_##n(const wy_type_t *const *t, size_t k) {                      \
    return slot_state(&g_slots[n - 100], t, k);                                                    \
  }                                                                                                \
  static const wy_type_t *tr_ret_##n(const wy_type_t *const *t, const wy_value_t *const *v,        \
                                     size_t k, wy_error_t *e) {                                    \
    return wy_type_ref(g_slots[n - 100].ret_type);                                                 \
  }                                                                                                \
  static wy_status_t tr_init_##n(wy_fn_ctx_t *c, wy_value_t *acc) {                                \
    return slot_init(&g_slots[n - 100], c, acc);                                                   \
  }                                                                                                \
  static wy_status_t tr_acc_##n(wy_fn_ctx_t *c, const wy_value_t *a, size_t k, wy_value_t *acc) {  \
    return slot_fold(&g_slots[n - 100], false, c, a, k, acc);                                      \
  }                                                                                                \
  static wy_status_t tr_undo_##n(wy_fn_ctx_t *c, const wy_value_t *a, size_t k, wy_value_t *acc) { \
    return slot_fold(&g_slots[n - 100], true, c, a, k, acc);                                       \
  }                                                                                                \
  static wy_status_t tr_result_##n(wy_fn_ctx_t *c, const wy_value_t *acc, wy_value_t *o) {         \
    return slot_result(&g_slots[n - 100], c, acc, o);                                              \
  }
WY_TR_ALL(WY_TR_DEFINE)

static const struct trampolines {
  wy_scalar_fn call;
  wy_prepare_fn prepare;
  wy_return_fn ret;
  wy_udaf_ops_t ops;
} TRAMPOLINES[] = {
#define WY_TR_ROW(n) \
  {tr_call_##n,      \
   tr_prepare_##n,   \
   tr_ret_##n,       \
   {tr_state_##n, tr_init_##n, tr_acc_##n, tr_undo_##n, tr_result_##n, NULL}},
    WY_TR_ALL(WY_TR_ROW)
#undef WY_TR_ROW
};
_Static_assert(sizeof TRAMPOLINES / sizeof TRAMPOLINES[0] == WY_UDF_SLOTS,
               "one trampoline set per slot");

/* ---- host functions -------------------------------------------------------------------------- */

static void *h_alloc(wy_udf_ctx_t *c, size_t n) { return wy_arena_alloc(c->fc->arena, n ? n : 1); }

static int h_fail(wy_udf_ctx_t *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wy_error_setv(c->fc->err, WY_ERR_EVAL, fmt, ap);
  va_end(ap);
  return WY_UDF_ERROR;
}

static void *h_user(wy_udf_ctx_t *c) { return c->slot->user; }

static void *h_site(wy_udf_ctx_t *c) {
  site_t *st = (site_t *)c->fc->site;
  return st && c->slot->site_size ? st->mem : NULL;
}

static int h_init_error(wy_udf_library_t *lib, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!lib->error[0]) vsnprintf(lib->error, sizeof lib->error, fmt, ap);
  va_end(ap);
  return WY_UDF_ERROR;
}

static void h_log(int level, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  wy_log_level_t l = level <= 0   ? WY_LOG_ERROR
                     : level == 1 ? WY_LOG_WARN
                     : level == 2 ? WY_LOG_INFO
                                  : WY_LOG_DEBUG;
  wy_log(l, "udf", "%s", buf);
}

static const char *config_or_env(wy_udf_library_t *lib, const char *key);

/* As ksqlDB gives a UDF the properties ksql.functions.<name>.* and, under them,
 * ksql.functions._global_.*: a key of the first form falls back to the second. */
static const char *h_config(wy_udf_library_t *lib, const char *key) {
  static const char prefix[] = "ksql.functions.";
  const size_t np = sizeof prefix - 1;
  if (!key) return NULL;
  const char *v = config_or_env(lib, key);
  const char *dot = strncasecmp(key, prefix, np) ? NULL : strchr(key + np, '.');
  if (v || !dot || !strncasecmp(key + np, "_global_.", 9)) return v;
  char global[256];
  int n = snprintf(global, sizeof global, "%s_global_%s", prefix, dot);
  return n > 0 && (size_t)n < sizeof global ? config_or_env(lib, global) : NULL;
}

static const char *config_or_env(wy_udf_library_t *lib, const char *key) {
  if (lib->opts && lib->opts->config) {
    const char *v = lib->opts->config(lib->opts->config_user, key);
    if (v) return v;
  }
  /* udf.tokenize.key -> WALLEYE_TOKENIZE_KEY */
  char env[256];
  const char *k = strncasecmp(key, "udf.", 4) ? key : key + 4;
  int n = snprintf(env, sizeof env, "WALLEYE_%s", k);
  if (n < 0 || (size_t)n >= sizeof env) return NULL;
  for (char *p = env; *p; p++) *p = *p == '.' || *p == '-' ? '_' : (char)toupper((unsigned char)*p);
  return getenv(env);
}

static int stage(wy_udf_library_t *lib, def_t *d, const char *name) {
  if (!name || !*name) return h_init_error(lib, "a function definition has no name");
  def_t *nd = realloc(lib->defs, (lib->ndefs + 1) * sizeof *nd);
  if (!nd) return h_init_error(lib, "out of memory");
  lib->defs = nd;
  lib->defs[lib->ndefs++] = *d;
  return WY_UDF_OK;
}

static int h_add_scalar(wy_udf_library_t *lib, const wy_udf_scalar_t *s) {
  def_t d = {0};
  if (!s || s->size < offsetof(wy_udf_scalar_t, user) || !s->fn)
    return h_init_error(lib, "scalar function %s: incomplete definition (size or fn)",
                        s && s->name ? s->name : "?");
  memcpy(&d.s, s, s->size < sizeof d.s ? s->size : sizeof d.s);
  return stage(lib, &d, s->name);
}

static int h_add_aggregate(wy_udf_library_t *lib, const wy_udf_aggregate_t *a) {
  def_t d = {.aggregate = true};
  bool init_with =
      a && a->size >= offsetof(wy_udf_aggregate_t, init_with) + sizeof a->init_with && a->init_with;
  if (!a || a->size < offsetof(wy_udf_aggregate_t, user) || (!a->init && !init_with) ||
      !a->accumulate || !a->result || !a->state)
    return h_init_error(
        lib,
        "aggregate function %s: incomplete definition (size, state, init, accumulate or result)",
        a && a->name ? a->name : "?");
  memcpy(&d.a, a, a->size < sizeof d.a ? a->size : sizeof d.a);
  return stage(lib, &d, a->name);
}

static int h_add_table_function(wy_udf_library_t *lib, const wy_udf_table_t *t) {
  def_t d = {.table = true};
  if (!t || t->size < offsetof(wy_udf_table_t, user) || !t->fn)
    return h_init_error(lib, "table function %s: incomplete definition (size or fn)",
                        t && t->name ? t->name : "?");
  wy_udf_table_t full = {0};
  memcpy(&full, t, t->size < sizeof full ? t->size : sizeof full);
  d.s = (wy_udf_scalar_t){.size = sizeof d.s,
                          .name = full.name,
                          .params = full.params,
                          .returns = full.returns,
                          .fn = full.fn,
                          .flags = full.flags,
                          .description = full.description,
                          .category = full.category ? full.category : "TABLE",
                          .author = full.author,
                          .version = full.version,
                          .user = full.user};
  return stage(lib, &d, full.name);
}

static const wy_udf_host_t HOST = {
    .abi_version = WALLEYE_UDF_ABI_VERSION,
    .size = sizeof(wy_udf_host_t),
    .add_scalar = h_add_scalar,
    .add_aggregate = h_add_aggregate,
    .config = h_config,
    .init_error = h_init_error,
    .log = h_log,
    .alloc = h_alloc,
    .fail = h_fail,
    .user = h_user,
    .site = h_site,
    .add_table_function = h_add_table_function,
};

/* ---- concrete type text (aggregate states, DECIMAL and STRUCT results)
 * ---------------------------------------------------- */

static void skip_ws(const char **s) {
  while (**s == ' ' || **s == '\t' || **s == '\n') (*s)++;
}

static size_t word(const char **s, char *buf, size_t cap) {
  skip_ws(s);
  size_t n = 0;
  while (((*s)[n] >= 'A' && (*s)[n] <= 'Z') || ((*s)[n] >= 'a' && (*s)[n] <= 'z') ||
         ((*s)[n] >= '0' && (*s)[n] <= '9') || (*s)[n] == '_')
    n++;
  if (!n || n >= cap) return 0;
  memcpy(buf, *s, n);
  buf[n] = '\0';
  *s += n;
  return n;
}

static bool punct(const char **s, char c) {
  skip_ws(s);
  if (**s != c) return false;
  (*s)++;
  return true;
}

static const wy_type_t *parse_type(const char **s, int depth) {
  char w[64];
  if (depth > 16 || !word(s, w, sizeof w)) return NULL;
  static const struct {
    const char *name;
    wy_type_kind_t kind;
  } prims[] = {{"BOOLEAN", WY_T_BOOLEAN}, {"INT", WY_T_INT},       {"INTEGER", WY_T_INT},
               {"BIGINT", WY_T_BIGINT},   {"DOUBLE", WY_T_DOUBLE}, {"STRING", WY_T_STRING},
               {"VARCHAR", WY_T_STRING},  {"BYTES", WY_T_BYTES},   {"TIMESTAMP", WY_T_TIMESTAMP},
               {"DATE", WY_T_DATE},       {"TIME", WY_T_TIME}};
  for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
    if (!strcasecmp(w, prims[i].name)) return wy_type_primitive(prims[i].kind);
  if (!strcasecmp(w, "DECIMAL")) {
    char p[8], sc[8];
    if (!punct(s, '(') || !word(s, p, sizeof p) || !punct(s, ',') || !word(s, sc, sizeof sc) ||
        !punct(s, ')'))
      return NULL;
    return wy_type_decimal(atoi(p), atoi(sc));
  }
  if (!strcasecmp(w, "ARRAY")) {
    if (!punct(s, '<')) return NULL;
    const wy_type_t *e = parse_type(s, depth + 1);
    if (!e || !punct(s, '>')) {
      wy_type_unref(e);
      return NULL;
    }
    return wy_type_array(e);
  }
  if (!strcasecmp(w, "MAP")) {
    if (!punct(s, '<')) return NULL;
    const wy_type_t *k = parse_type(s, depth + 1);
    const wy_type_t *v = k && punct(s, ',') ? parse_type(s, depth + 1) : NULL;
    if (!v || !punct(s, '>')) {
      wy_type_unref(k);
      wy_type_unref(v);
      return NULL;
    }
    return wy_type_map(k, v);
  }
  if (!strcasecmp(w, "STRUCT")) {
    wy_type_t *st = wy_type_struct_new();
    if (!st || !punct(s, '<')) goto bad;
    do {
      char fname[128];
      if (!word(s, fname, sizeof fname)) goto bad;
      const wy_type_t *ft = parse_type(s, depth + 1);
      if (!ft || !wy_type_struct_add(st, fname, ft)) goto bad;
    } while (punct(s, ','));
    if (punct(s, '>')) return st;
  bad:
    wy_type_unref(st);
    return NULL;
  }
  return NULL;
}

static const wy_type_t *parse_concrete_type(const char *text) {
  const char *s = text;
  const wy_type_t *t = parse_type(&s, 0);
  skip_ws(&s);
  if (t && *s) {
    wy_type_unref(t);
    return NULL;
  }
  return t;
}

/* ---- registration ------------------------------------------------------------------------------
 */

static wy_overload_def_t overload_def(const image_t *img, const def_t *d) {
  const slot_t *s = d->slot;
  const struct trampolines *t = &TRAMPOLINES[s - g_slots];
  unsigned flags = d->aggregate ? d->a.flags : d->s.flags;
  wy_overload_def_t o = {
      .name = s->name,
      .category = d->aggregate    ? "AGGREGATE"
                  : d->s.category ? d->s.category
                                  : "OTHER",
      .signature = d->aggregate ? d->a.params : d->s.params,
      .literal_signature =
          d->aggregate && d->a.init_params && *d->a.init_params ? d->a.init_params : NULL,
      .ret = d->aggregate ? d->a.returns : d->s.returns,
      .fn_flags = (flags & WY_UDF_NONDETERMINISTIC ? WY_FN_NONDETERMINISTIC : 0u) |
                  (flags & WY_UDF_MASKING ? WY_FN_MASKING : 0u) |
                  (d->aggregate ? WY_FN_AGGREGATE : 0u) | (d->table ? WY_FN_TABLE : 0u),
      .ov_flags = d->aggregate || (flags & WY_UDF_CALLED_ON_NULL) ? WY_OV_NULL_CALLS : 0u,
      .description = d->aggregate ? d->a.description : d->s.description,
      .author = (d->aggregate ? d->a.author : d->s.author)
                    ? (d->aggregate ? d->a.author : d->s.author)
                    : "",
      .version = (d->aggregate ? d->a.version : d->s.version)
                     ? (d->aggregate ? d->a.version : d->s.version)
                     : "",
      .path = img->path,
  };
  if (!o.ret) o.ret = "";
  if (s->ret_type) {
    o.ret = NULL;
    o.ret_fn = t->ret;
  }
  if (d->aggregate)
    o.agg = &s->ops;
  else
    o.fn = t->call;
  o.prepare = t->prepare;
  o.release = slot_release;
  return o;
}

static wy_status_t add_all(wy_registry_t *r, const image_t *img, wy_error_t *err) {
  for (size_t i = 0; i < img->ndefs; i++) {
    wy_overload_def_t o = overload_def(img, &img->defs[i]);
    wy_status_t st = wy_registry_add(r, &o, err);
    if (st) return wy_error_prefix(err, "UDF library '%s'", img->path);
  }
  return WY_OK;
}

/* Count the parameters of a list (commas outside <> and ()) and find "...". */
static size_t count_params(const char *text, bool *variadic) {
  size_t n = 0;
  int depth = 0;
  bool any = false;
  for (const char *p = text ? text : ""; *p; p++) {
    if (*p == '<' || *p == '(') depth++;
    if (*p == '>' || *p == ')') depth--;
    if (!depth && *p == ',') n++;
    if (!strncmp(p, "...", 3)) *variadic = true;
    if (!isspace((unsigned char)*p)) any = true;
  }
  return any ? n + 1 : 0;
}

/* Where an aggregate's column parameters end and its init parameters start. */
static void agg_params(slot_t *s, const wy_udf_aggregate_t *a) {
  bool v = false, iv = false;
  s->ncol = count_params(a->params, &v);
  s->ninit = count_params(a->init_params, &iv);
  s->col_variadic = v;
  const char *ip = a->init_params ? a->init_params : "";
  size_t len = strlen(a->params ? a->params : "") + strlen(ip) + 3;
  if ((s->signature = malloc(len)) != NULL)
    snprintf(s->signature, len, "%s%s%s", a->params ? a->params : "",
             s->ncol && s->ninit ? ", " : "", ip);
}

/* A state type that is no concrete type may be a pattern over the parameters'
 * placeholders ("ARRAY<T>"), bound per call. */
static bool state_is_generic(const slot_t *s) {
  return s->signature && wy_type_pattern_valid(s->agg.state);
}

/* Take slots for every staged definition and check them once, in a scratch registry. */
static wy_status_t image_prepare(image_t *img, wy_error_t *err) {
  pthread_mutex_lock(&g_lock);
  size_t next = 0;
  for (size_t i = 0; i < img->ndefs; i++) {
    while (next < WY_UDF_SLOTS && g_slots[next].img) next++;
    if (next == WY_UDF_SLOTS) {
      pthread_mutex_unlock(&g_lock);
      return wy_error_set(err, WY_ERR_INVALID,
                          "UDF library '%s': too many UDF overloads loaded (at most %d)", img->path,
                          WY_UDF_SLOTS);
    }
    slot_t *s = &g_slots[next];
    def_t *d = &img->defs[i];
    memset(s, 0, sizeof *s);
    s->img = img;
    d->slot = s;
    s->name = strdup(d->aggregate ? d->a.name : d->s.name);
    for (char *p = s->name; p && *p; p++) *p = (char)toupper((unsigned char)*p);
    if (d->aggregate) {
      s->agg = d->a;
      s->user = d->a.user;
      s->ops = TRAMPOLINES[next].ops;
      if (!d->a.undo) s->ops.undo = NULL;
      s->state_type = parse_concrete_type(d->a.state);
      agg_params(s, &d->a);
    } else {
      s->fn = d->s.fn;
      s->user = d->s.user;
      s->site_size = d->s.site_size;
      s->table = d->table;
    }
    if (!s->name) {
      pthread_mutex_unlock(&g_lock);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    /* DECIMAL(p, s) and STRUCT<...> results are concrete types, not patterns. */
    const char *ret = d->aggregate ? d->a.returns : d->s.returns;
    if (ret && (strchr(ret, '(') || strcasestr(ret, "STRUCT<")) &&
        !(s->ret_type = parse_concrete_type(ret))) {
      pthread_mutex_unlock(&g_lock);
      return wy_error_set(err, WY_ERR_INVALID,
                          "UDF library '%s': %s: return type '%s' is malformed", img->path, s->name,
                          ret);
    }
    if (d->aggregate && !s->state_type && !state_is_generic(s)) {
      pthread_mutex_unlock(&g_lock);
      return wy_error_set(err, WY_ERR_INVALID,
                          "UDF library '%s': aggregate %s: state type '%s' is not a concrete type",
                          img->path, s->name, d->a.state);
    }
  }
  pthread_mutex_unlock(&g_lock);
  wy_registry_t *scratch = wy_registry_new();
  if (!scratch) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_status_t st = add_all(scratch, img, err);
  wy_registry_destroy(scratch);
  return st;
}

static wy_status_t copy_file(const char *from, char *tmpl, wy_error_t *err) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  int out = in < 0 ? -1 : mkstemp(tmpl);
  wy_status_t st = WY_OK;
  if (in < 0 || out < 0)
    st = wy_error_set(err, WY_ERR_IO, "cannot copy UDF library '%s': %s", from, strerror(errno));
  char buf[65536];
  ssize_t n;
  while (!st && (n = read(in, buf, sizeof buf)) != 0) {
    if (n < 0 || write(out, buf, (size_t)n) != n)
      st = wy_error_set(err, WY_ERR_IO, "cannot copy UDF library '%s': %s", from, strerror(errno));
  }
  if (in >= 0) close(in);
  if (out >= 0) close(out);
  if (st && out >= 0) unlink(tmpl);
  return st;
}

/* Open and initialise a new image of the file. */
static wy_status_t image_open(const char *path, const struct stat *sb, bool copy,
                              const wy_udf_options_t *opts, image_t **out, wy_error_t *err) {
  image_t *img = calloc(1, sizeof *img);
  if (!img || !(img->path = strdup(path))) {
    free(img);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  img->refcount = 1;
  img->dev = sb->st_dev;
  img->ino = sb->st_ino;
  img->size = sb->st_size;
  img->mtime = sb->st_mtim;
  wy_status_t st = WY_OK;
  /* The dynamic linker would hand back the old image for the same file name, so a
   * changed file is loaded from a private copy. */
  char tmp[] = "/tmp/walleye-udf-XXXXXX";
  if (copy) st = copy_file(path, tmp, err);
  if (!st) {
    img->dl = dlopen(copy ? tmp : path, RTLD_NOW | RTLD_LOCAL);
    if (copy) unlink(tmp);
    if (!img->dl)
      st = wy_error_set(err, WY_ERR_CONFIG, "cannot load UDF library '%s': %s", path, dlerror());
  }
  if (!st) {
    const uint32_t *abi = dlsym(img->dl, WALLEYE_UDF_ABI_SYMBOL);
    wy_udf_init_fn init;
    *(void **)&init = dlsym(img->dl, WALLEYE_UDF_INIT_SYMBOL);
    if (!abi)
      st = wy_error_set(err, WY_ERR_CONFIG,
                        "UDF library '%s' is not a walleye UDF library: it does not export %s (use "
                        "WALLEYE_UDF_LIBRARY)",
                        path, WALLEYE_UDF_ABI_SYMBOL);
    else if (*abi != WALLEYE_UDF_ABI_VERSION)
      st = wy_error_set(err, WY_ERR_CONFIG,
                        "UDF library '%s' was built for UDF ABI version %u, but this walleye "
                        "supports version %u: "
                        "rebuild it against this walleye's walleye/udf.h",
                        path, (unsigned)*abi, (unsigned)WALLEYE_UDF_ABI_VERSION);
    else if (!init)
      st = wy_error_set(err, WY_ERR_CONFIG,
                        "UDF library '%s' does not export %s (use WALLEYE_UDF_INIT)", path,
                        WALLEYE_UDF_INIT_SYMBOL);
    else {
      img->opts = opts;
      int rc = init(&HOST, img);
      img->opts = NULL;
      if (rc != WY_UDF_OK || img->error[0])
        st = wy_error_set(err, WY_ERR_CONFIG, "UDF library '%s': init failed: %s", path,
                          img->error[0] ? img->error : "(no reason given)");
    }
  }
  if (!st) st = image_prepare(img, err);
  if (st) {
    image_unref(img);
    return st;
  }
  pthread_mutex_lock(&g_lock);
  for (image_t *o = g_images; o; o = o->next)
    if (!strcmp(o->path, img->path)) o->stale = true;
  img->next = g_images;
  g_images = img;
  pthread_mutex_unlock(&g_lock);
  *out = img;
  return WY_OK;
}

/* The current image of the file at path (new reference), loading it when needed. */
static wy_status_t image_get(const char *path, const wy_udf_options_t *opts, image_t **out,
                             wy_error_t *err) {
  struct stat sb;
  if (stat(path, &sb))
    return wy_error_set(err, WY_ERR_CONFIG, "cannot load UDF library '%s': %s", path,
                        strerror(errno));
  bool loaded = false;
  pthread_mutex_lock(&g_lock);
  for (image_t *i = g_images; i; i = i->next) {
    if (strcmp(i->path, path)) continue;
    loaded = true;
    if (!i->stale && i->dev == sb.st_dev && i->ino == sb.st_ino && i->size == sb.st_size &&
        i->mtime.tv_sec == sb.st_mtim.tv_sec && i->mtime.tv_nsec == sb.st_mtim.tv_nsec &&
        image_try_ref(i)) {
      pthread_mutex_unlock(&g_lock);
      *out = i;
      return WY_OK;
    }
  }
  pthread_mutex_unlock(&g_lock);
  return image_open(path, &sb, loaded, opts, out, err);
}

static void owner_release(void *owner) { image_unref(owner); }

static wy_status_t load(wy_registry_t *r, const char *given, const wy_udf_options_t *opts,
                        bool replace, wy_error_t *err) {
  char *path = realpath(given, NULL);
  if (!path)
    return wy_error_set(err, WY_ERR_CONFIG, "cannot load UDF library '%s': %s", given,
                        strerror(errno));
  image_t *img = NULL;
  wy_status_t st = image_get(path, opts, &img, err);
  /* Names: free, or (when replacing) taken by this very library. */
  for (size_t i = 0; !st && i < img->ndefs; i++) {
    const wy_function_t *f = wy_registry_find(r, img->defs[i].slot->name);
    if (!f || (replace && !strcmp(f->path, path))) continue;
    if (!strcmp(f->path, "internal"))
      st = wy_error_set(err, WY_ERR_EXISTS,
                        "UDF library '%s': function '%s' conflicts with a built-in function", path,
                        f->name);
    else if (!strcmp(f->path, path))
      st = wy_error_set(err, WY_ERR_EXISTS, "UDF library '%s' is already loaded (function '%s')",
                        path, f->name);
    else
      st = wy_error_set(
          err, WY_ERR_EXISTS,
          "UDF library '%s': function '%s' conflicts with function '%s' of UDF library '%s'", path,
          f->name, f->name, f->path);
  }
  if (!st) {
    if (replace) wy_registry_remove_path(r, path);
    st = add_all(r, img, err);
    for (size_t i = 0; !st && i < img->ndefs; i++) {
      const wy_function_t *f = wy_registry_find(r, img->defs[i].slot->name);
      if (f && !f->owner) {
        image_ref(img);
        wy_registry_set_owner(r, f->name, img, owner_release, NULL);
      }
    }
    if (st) wy_registry_remove_path(r, path); /* only out of memory gets here: all or nothing */
  }
  if (!st) wy_log(WY_LOG_INFO, "udf", "loaded UDF library path=%s functions=%zu", path, img->ndefs);
  image_unref(img);
  free(path);
  return st;
}

wy_status_t wy_udf_load_library(wy_registry_t *r, const char *path, const wy_udf_options_t *opts,
                                wy_error_t *err) {
  return load(r, path, opts, false, err);
}

wy_status_t wy_udf_reload_library(wy_registry_t *r, const char *path, const wy_udf_options_t *opts,
                                  wy_error_t *err) {
  return load(r, path, opts, true, err);
}

wy_status_t wy_udf_unload_library(wy_registry_t *r, const char *given, wy_error_t *err) {
  char *path = realpath(given, NULL);
  size_t n = wy_registry_remove_path(r, path ? path : given);
  free(path);
  return n ? WY_OK
           : wy_error_set(err, WY_ERR_NOT_FOUND, "no function of UDF library '%s' is loaded",
                          given);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

wy_status_t wy_udf_load_dir(wy_registry_t *r, const char *dir, const wy_udf_options_t *opts,
                            wy_error_t *err) {
  if (!dir || !*dir) return WY_OK;
  DIR *d = opendir(dir);
  if (!d) return wy_error_set(err, WY_ERR_CONFIG, "udf.dir '%s': %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0;
  wy_status_t st = WY_OK;
  struct dirent *e;
  while (!st && (e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".so")) continue;
    char **nn = realloc(names, (n + 1) * sizeof *nn);
    if (nn) names = nn;
    if (!nn || asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
      st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    else
      n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n; i++) {
    if (!st) st = wy_udf_load_library(r, names[i], opts, err);
    free(names[i]);
  }
  free(names);
  return st;
}

wy_registry_t *wy_udf_registry_new(const char *dir, const wy_udf_options_t *opts, wy_error_t *err) {
  wy_registry_t *r = wy_registry_new();
  if (!r) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if (wy_registry_add_builtins(r, err) || wy_udf_load_dir(r, dir, opts, err)) {
    wy_registry_destroy(r);
    return NULL;
  }
  return r;
}
