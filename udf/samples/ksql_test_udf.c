/* The test scalar functions ksqlDB's conformance cases call, with the behaviour their
 * expected outputs show:
 *
 *   TEST_UDF(INT, STRING)          'doStuffIntString'      (called on NULLs too: the
 *   TEST_UDF(BIGINT, STRING)       'doStuffLongString'      result names the overload
 *   TEST_UDF(BIGINT, BIGINT, STRING) 'doStuffLongLongString' resolution chose)
 *   TEST_UDF(BIGINT...)            'doStuffLongVarargs'
 *   TEST_UDF(STRUCT<A STRING>)     the field A
 *   TEST_UDF()                     STRUCT<A STRING> {A: 'foo'}
 *   TOSTRUCT(STRING)               STRUCT<A STRING> holding the argument
 *   WHENCONDITION(BOOLEAN r, BOOLEAN evaluate)  r; fails when evaluate is false, so a
 *   WHENRESULT(INT r, BOOLEAN evaluate)         CASE that evaluates eagerly shows it
 *   BAD_UDF(STRING)                fails every other call of a call site (the first
 *                                  fails), else returns its argument
 *   BAD_UDF(INT)                   always fails
 *   BAD_UDF(BOOLEAN)               fails when the argument is true, else 0
 *
 * The library is for tests: it is built beside the samples but not installed. */
#include <string.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

static int named(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  const char *s = H->user(ctx);
  *out = wy_udf_string(s, strlen(s));
  return WY_UDF_OK;
}

static int struct_a(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  const wy_udf_list_t *l = a[0].u.list;
  if (l->n && !l->items[0].null) *out = l->items[0];
  return WY_UDF_OK;
}

/* STRUCT<A STRING> holding a string value (which may be NULL). */
static int make_struct_a(wy_udf_ctx_t *ctx, wy_udf_value_t a, wy_udf_value_t *out) {
  wy_udf_value_t *f = wy_udf_new_list(H, ctx, WY_UDF_STRUCT, 1, out);
  if (!f) return H->fail(ctx, "out of memory");
  *f = a;
  return WY_UDF_OK;
}

static int foo_struct(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  return make_struct_a(ctx, wy_udf_string("foo", 3), out);
}

static int to_struct(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  return make_struct_a(ctx, a[0], out);
}

static int when(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  if (!a[1].u.b) return H->fail(ctx, "Should not be evaluated");
  *out = a[0];
  return WY_UDF_OK;
}

static int bad_every_other(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n,
                           wy_udf_value_t *out) {
  unsigned *calls = H->site(ctx);
  unsigned k = calls ? __atomic_fetch_add(calls, 1, __ATOMIC_RELAXED) : 0;
  if (k % 2 == 0) return H->fail(ctx, "Failed this time");
  *out = a[0];
  return WY_UDF_OK;
}

static int bad_always(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  return H->fail(ctx, "Failed this time");
}

static int bad_if_true(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  if (a[0].u.b) return H->fail(ctx, "You asked me to throw");
  *out = wy_udf_int(0);
  return WY_UDF_OK;
}

typedef struct {
  const char *name, *params, *returns;
  wy_udf_scalar_fn fn;
  unsigned flags;
  const char *user;
  size_t site_size;
} fn_t;

static const fn_t FNS[] = {
    {"TEST_UDF", "INT a, STRING b", "STRING", named, WY_UDF_CALLED_ON_NULL, "doStuffIntString", 0},
    {"TEST_UDF", "BIGINT a, STRING b", "STRING", named, WY_UDF_CALLED_ON_NULL, "doStuffLongString",
     0},
    {"TEST_UDF", "BIGINT a, BIGINT b, STRING c", "STRING", named, WY_UDF_CALLED_ON_NULL,
     "doStuffLongLongString", 0},
    {"TEST_UDF", "BIGINT... a", "STRING", named, WY_UDF_CALLED_ON_NULL, "doStuffLongVarargs", 0},
    {"TEST_UDF", "STRUCT<A STRING> s", "STRING", struct_a, 0, NULL, 0},
    {"TEST_UDF", "", "STRUCT<A STRING>", foo_struct, 0, NULL, 0},
    {"TOSTRUCT", "STRING a", "STRUCT<A STRING>", to_struct, WY_UDF_CALLED_ON_NULL, NULL, 0},
    {"WHENCONDITION", "BOOLEAN r, BOOLEAN evaluate", "BOOLEAN", when, WY_UDF_NONDETERMINISTIC, NULL,
     0},
    {"WHENRESULT", "INT r, BOOLEAN evaluate", "INT", when, WY_UDF_NONDETERMINISTIC, NULL, 0},
    {"BAD_UDF", "STRING s", "STRING", bad_every_other, 0, NULL, sizeof(unsigned)},
    {"BAD_UDF", "INT i", "INT", bad_always, 0, NULL, 0},
    {"BAD_UDF", "BOOLEAN b", "INT", bad_if_true, 0, NULL, 0},
};

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  if (host->size < offsetof(wy_udf_host_t, site) + sizeof host->site)
    return host->init_error(lib, "this walleye has no per-call-site state (host->site)");
  for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++) {
    const fn_t *f = &FNS[i];
    wy_udf_scalar_t s = {
        .size = sizeof s,
        .name = f->name,
        .params = f->params,
        .returns = f->returns,
        .fn = f->fn,
        .flags = f->flags,
        .description = "ksqlDB's test function of the same name.",
        .category = "OTHER",
        .author = "walleye (ksqlDB's test functions)",
        .version = "1.0",
        .user = (void *)f->user,
        .site_size = f->site_size,
    };
    if (host->add_scalar(lib, &s)) return WY_UDF_ERROR;
  }
  return WY_UDF_OK;
}
