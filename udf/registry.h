/*
 * registry.h — the function registry: built-in and shared-object (udf/loader.h) scalar
 * functions (UDF), aggregate functions (UDAF) and table functions (UDTF).
 *
 * A function has a name (upper case), metadata for DESCRIBE FUNCTION / SHOW FUNCTIONS
 * and one or more overloads. An overload's signature is written as text, the way the
 * docs print it, and parsed once at registration:
 *
 *     "STRING, INT, INT"          concrete parameter types
 *     "T, T..."                   generic placeholders (one capital letter) + variadic
 *     "BIGINT, STRING..., INT"    one variadic parameter, anywhere (ksqlDB's UDAFs)
 *     "T, LITERAL INT n"          trailing parameters whose arguments must be literals
 *                                 (a UDAF's init arguments)
 *     "ANY..."                    any type (ksqlDB's Object parameters)
 *     "ARRAY<T>, FN(T => U)"      generic containers and lambdas (TRANSFORM, FILTER, ...)
 *     "DECIMAL"                   any DECIMAL(p, s); "STRUCT" any struct
 *     "STRUCT<A INT, B STRING>"   a concrete struct (also "DECIMAL(4, 2)")
 *
 * The return type is a pattern over the same placeholders ("ARRAY<U>", "BIGINT") or,
 * when it depends on the arguments (DECIMAL results), a callback.
 *
 * Overload resolution follows ksqlDB's UdfIndex: an exact match wins; otherwise the
 * candidate needing the fewest implicit widenings (INT -> BIGINT -> DECIMAL -> DOUBLE)
 * wins; an untyped NULL argument matches any parameter.
 *
 * Implementations write results into the per-batch arena of the call context and
 * never allocate from the heap per call. A registry is built once and is read-only
 * afterwards, so any thread may look functions up concurrently; registration and
 * removal need external serialisation (a server swaps in a new registry instead).
 */
#ifndef WY_UDF_REGISTRY_H
#define WY_UDF_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/base/value.h"

typedef struct wy_fn_ctx wy_fn_ctx_t;

/* Everything an implementation may use while evaluating one call. */
struct wy_fn_ctx {
  wy_arena_t *arena;                 /* per-batch arena: results live here */
  wy_error_t *err;                   /* filled on failure */
  const wy_type_t *ret;              /* resolved return type of this call site */
  const wy_type_t *const *arg_types; /* resolved argument types */
  size_t nargs;
  const void *site; /* what the overload's prepare() built for this call site, or NULL */
  /* Lambdas (TRANSFORM, FILTER, REDUCE): evaluate the lambda passed as argument `arg`
   * with the given parameter values. Lambda arguments arrive in args[] as NULLs. */
  void *frame;
  wy_status_t (*invoke)(wy_fn_ctx_t *ctx, size_t arg, const wy_value_t *params, size_t n,
                        wy_value_t *out);
};

typedef wy_status_t (*wy_scalar_fn)(wy_fn_ctx_t *ctx, const wy_value_t *args, size_t nargs,
                                    wy_value_t *out);

/* Computes the return type of a call from its argument types (new reference). NULL with
 * err filled when the arguments are unacceptable. consts[i] is the value of argument i
 * when it is a literal, else NULL. */
typedef const wy_type_t *(*wy_return_fn)(const wy_type_t *const *args,
                                         const wy_value_t *const *consts, size_t n,
                                         wy_error_t *err);

/* Optional per-call-site preparation (e.g. compile a constant regex or date pattern).
 * consts[i] is the literal value of argument i or NULL. *site may stay NULL. */
typedef wy_status_t (*wy_prepare_fn)(const wy_type_t *const *args, const wy_value_t *const *consts,
                                     size_t n, void **site, wy_error_t *err);
typedef void (*wy_release_fn)(void *site);

/* Aggregates. The accumulator is an SQL value of the overload's accumulator type, so
 * the engine stores it with wy_udf_state_encode/decode. Calls may point the
 * accumulator at memory of ctx->arena; the caller persists it before the arena is
 * reset. accumulate/undo get every argument of the call (constant ones included). */
typedef struct wy_udaf_ops {
  const wy_type_t *(*acc_type)(const wy_type_t *const *args, size_t n); /* new ref */
  wy_status_t (*init)(wy_fn_ctx_t *ctx, wy_value_t *acc);
  wy_status_t (*accumulate)(wy_fn_ctx_t *ctx, const wy_value_t *args, size_t n, wy_value_t *acc);
  wy_status_t (*undo)(wy_fn_ctx_t *ctx, const wy_value_t *args, size_t n,
                      wy_value_t *acc); /* NULL: cannot retract (no table aggregation) */
  wy_status_t (*result)(wy_fn_ctx_t *ctx, const wy_value_t *acc, wy_value_t *out);
  /* Fold the accumulator of a later session into acc, as session windows merge. NULL:
   * cannot merge (no SESSION windows). */
  wy_status_t (*merge)(wy_fn_ctx_t *ctx, const wy_value_t *later, wy_value_t *acc);
} wy_udaf_ops_t;

/* What a built-in aggregate call without a prepared site (prepare()) gets as
 * ctx->site: the settings of its call site. */
typedef struct wy_udaf_settings {
  int32_t limit; /* the value of the aggregate's limit property, or its default */
} wy_udaf_settings_t;
/* The INT query property bounding a built-in aggregate's accumulator (COLLECT_LIST's
 * "ksql.functions.collect_list.limit") with its default in *dflt; NULL for the others. */
const char *wy_udaf_limit_property(const wy_udaf_ops_t *ops, int32_t *dflt);

/* Function-level flags. */
enum {
  WY_FN_NONDETERMINISTIC = 1u << 0, /* RANDOM, UUID: never constant-folded */
  WY_FN_MASKING = 1u << 1,          /* hides data (MASK*): lineage reports it */
  WY_FN_AGGREGATE = 1u << 2,
  /* A table function (UDTF): one call yields 0..n values of its return type. Its
   * overloads' fn (a wy_scalar_fn) writes them as an ARRAY of the return type, NULL or
   * empty for none; the FLAT_MAP operator turns them into rows. */
  WY_FN_TABLE = 1u << 3,
};
/* Overload-level flags. */
enum {
  WY_OV_NULL_CALLS = 1u << 0, /* call even when an argument is NULL (else NULL in, NULL out) */
};

/* One parsed type pattern. */
typedef enum {
  WY_PAT_TYPE,  /* a concrete type */
  WY_PAT_VAR,   /* generic placeholder */
  WY_PAT_ARRAY, /* ARRAY<sub[0]> */
  WY_PAT_MAP,   /* MAP<sub[0], sub[1]> */
  WY_PAT_ANY_DECIMAL,
  WY_PAT_ANY_STRUCT,
  WY_PAT_ANY,   /* any type at all */
  WY_PAT_LAMBDA /* FN(sub[0..nsub-2] => sub[nsub-1]) */
} wy_pat_kind_t;

typedef struct wy_type_pat wy_type_pat_t;
struct wy_type_pat {
  wy_pat_kind_t kind;
  char var;              /* WY_PAT_VAR: 'A'..'Z' */
  const wy_type_t *type; /* WY_PAT_TYPE (owned) */
  uint8_t nsub;
  wy_type_pat_t *sub[4];
};

/* Placeholder bindings during resolution, indexed by letter. */
typedef struct wy_type_bindings {
  const wy_type_t *var[26]; /* borrowed */
} wy_type_bindings_t;

typedef struct wy_overload {
  size_t nparams;
  wy_type_pat_t **params;
  char **param_names; /* "str", "pos": for DESCRIBE FUNCTION; may be NULL entries */
  bool variadic;      /* params[vararg] repeats 0..n times */
  size_t vararg;      /* index of the variadic parameter (the last unless a UDAF's) */
  size_t nliteral;    /* the last nliteral parameters take literal arguments only */
  wy_type_pat_t *ret; /* NULL when ret_fn computes it */
  wy_return_fn ret_fn;
  wy_scalar_fn fn;          /* scalar; table function (WY_FN_TABLE): an ARRAY of results */
  const wy_udaf_ops_t *agg; /* aggregate */
  wy_prepare_fn prepare;
  wy_release_fn release;
  unsigned flags;
  char *signature; /* as registered, for DESCRIBE FUNCTION */
  char *description;
} wy_overload_t;

typedef struct wy_function {
  char *name;
  char *description;
  char *category; /* "MATHEMATICAL", "STRING", ... as ksqlDB's FunctionCategory */
  char *author;
  char *version;
  char *path; /* "internal" for built-ins, the .so path for loaded libraries */
  unsigned flags;
  size_t noverloads;
  wy_overload_t *overloads;
  /* Managed by the registry. A function is reference-counted: its registry holds one
   * reference and every wy_resolved_t one more, so removing it from its registry (a
   * library unloaded or reloaded) frees it only once no resolved call uses it. owner
   * (a loaded library) is released when the function is freed. */
  int refcount;
  void *owner;
  void (*owner_release)(void *owner);
} wy_function_t;

typedef struct wy_registry wy_registry_t;

/* An empty registry. */
wy_registry_t *wy_registry_new(void);
void wy_registry_destroy(wy_registry_t *r);
/* The process-wide registry with every built-in, created on first use (thread-safe).
 * NULL only when building it failed (a bug in the built-in table). */
const wy_registry_t *wy_registry_builtins(void);
/* Register every built-in scalar, aggregate and table function into r. */
wy_status_t wy_registry_add_builtins(wy_registry_t *r, wy_error_t *err);

/* Description of one overload to add. */
typedef struct wy_overload_def {
  const char *name;
  const char *category;
  const char *signature;         /* "STRING str, INT pos" — names optional */
  const char *literal_signature; /* NULL, or parameters appended to signature whose
                                    arguments must be literals (UDAF init arguments) */
  const char *ret;               /* return pattern, or NULL with ret_fn */
  wy_return_fn ret_fn;
  wy_scalar_fn fn;
  const wy_udaf_ops_t *agg;
  wy_prepare_fn prepare;
  wy_release_fn release;
  unsigned fn_flags;
  unsigned ov_flags;
  const char *description;
  const char *author;  /* NULL: "confluentinc" style default "walleye" */
  const char *version; /* NULL: walleye's version */
  const char *path;    /* NULL: "internal" */
} wy_overload_def_t;

/* Add one overload (creating the function on first use). Fails on a malformed
 * signature or a duplicate parameter list. */
wy_status_t wy_registry_add(wy_registry_t *r, const wy_overload_def_t *def, wy_error_t *err);

/* Tie a registered function to an owner (e.g. the shared object its code lives in):
 * release(owner) is called once when the function is freed. */
wy_status_t wy_registry_set_owner(wy_registry_t *r, const char *name, void *owner,
                                  void (*release)(void *owner), wy_error_t *err);
/* Remove one function (every overload) from r; false when unknown. Functions still
 * referenced by a resolved call live on until it is released. Registries are not
 * locked: no other thread may use r meanwhile. */
bool wy_registry_remove(wy_registry_t *r, const char *name);
/* Remove every function whose path is `path` (a library); returns how many. */
size_t wy_registry_remove_path(wy_registry_t *r, const char *path);
/* ksqlDB's FunctionType of f for SHOW FUNCTIONS / DESCRIBE FUNCTION: "SCALAR",
 * "AGGREGATE" or "TABLE". */
const char *wy_function_type_name(const wy_function_t *f);
/* Whether f is one of walleye's built-ins (path "internal"), not a loaded library's. */
bool wy_function_is_builtin(const wy_function_t *f);
/* The name ksqlDB uses for f in messages and in DESCRIBE FUNCTION: built-in scalar and
 * table functions lower-case ("least", "explode"), COALESCE and aggregates upper-case,
 * loaded functions as registered. Written to buf; returns buf. */
const char *wy_function_display_name(const wy_function_t *f, char *buf, size_t cap);
/* One overload as ksqlDB lists it among "Valid alternatives": "explode(ARRAY<T> list)",
 * a variadic parameter as "STRING... args". Returns the length it needed. */
size_t wy_overload_describe(const wy_function_t *f, const wy_overload_t *ov, char *buf, size_t cap);
/* Function references (thread-safe). */
void wy_function_ref(const wy_function_t *f);
void wy_function_unref(const wy_function_t *f);

/* Case-insensitive lookup; NULL when unknown. */
const wy_function_t *wy_registry_find(const wy_registry_t *r, const char *name);
/* Iteration in name order, for SHOW FUNCTIONS. */
size_t wy_registry_count(const wy_registry_t *r);
const wy_function_t *wy_registry_at(const wy_registry_t *r, size_t i);

/* Argument description for resolution: a type (NULL for an untyped NULL literal) and,
 * when the argument is a literal, its value (else NULL). Lambda arguments have
 * lambda_arity > 0 and no type: they are typed through lambda_type(). */
typedef struct wy_call_arg {
  const wy_type_t *type;
  const wy_value_t *literal;
  int lambda_arity;
} wy_call_arg_t;

/* Types a lambda argument given its parameter types; returns the body's type (new
 * reference) or NULL with err filled. */
typedef const wy_type_t *(*wy_lambda_typer)(void *user, size_t arg, const wy_type_t *const *params,
                                            size_t n, wy_error_t *err);

typedef struct wy_resolved {
  const wy_function_t *fn;
  const wy_overload_t *ov;
  const wy_type_t *ret;             /* new reference */
  const wy_type_t **param_types;    /* per argument: the type to cast it to (new refs); the
                                       lambda's return type for lambda arguments */
  const wy_type_t ***lambda_params; /* per argument: lambda parameter types or NULL */
  size_t nargs;
} wy_resolved_t;

/* Resolve a call. On success fill *out (release with wy_resolved_release); out holds
 * a reference to the function. Errors use
 * ksqlDB's wording: "Function 'X' does not accept parameters (STRING, INTEGER)." or
 * "Can't find any functions with the name 'X'". typer may be NULL when no argument is
 * a lambda. aggregate selects UDAFs (true) or scalar functions (false). */
wy_status_t wy_registry_resolve(const wy_registry_t *r, const char *name, const wy_call_arg_t *args,
                                size_t nargs, bool aggregate, wy_lambda_typer typer, void *user,
                                wy_resolved_t *out, wy_error_t *err);
void wy_resolved_release(wy_resolved_t *res);

/* Which kind of function a call site wants. */
typedef enum { WY_FN_KIND_SCALAR, WY_FN_KIND_AGGREGATE, WY_FN_KIND_TABLE } wy_fn_kind_t;
/* The kind of a registered function. */
wy_fn_kind_t wy_function_kind(const wy_function_t *f);
/* wy_registry_resolve for any kind of function. A table function's resolved `ret` is
 * the type of each of its values (ksqlDB's return type of a UDTF). A function of another
 * kind than wanted fails: a table function where a scalar is wanted with ksqlDB's
 * "Can't find any functions with the name 'X'" (its code generator knows only scalars). */
wy_status_t wy_registry_resolve_kind(const wy_registry_t *r, const char *name,
                                     const wy_call_arg_t *args, size_t nargs, wy_fn_kind_t kind,
                                     wy_lambda_typer typer, void *user, wy_resolved_t *out,
                                     wy_error_t *err);

/* Implicit conversion cost from one type to another (0 = identical, -1 = impossible):
 * ksqlDB's widening INT -> BIGINT -> DECIMAL -> DOUBLE, element-wise for containers. */
int wy_type_widen_cost(const wy_type_t *from, const wy_type_t *to);
/* The common type both widen to (new reference), or NULL. DECIMALs combine as
 * ksqlDB's DecimalUtil.widen. */
const wy_type_t *wy_type_common(const wy_type_t *a, const wy_type_t *b);
/* DECIMAL type that holds every INT (10,0) / BIGINT (19,0) value; other kinds NULL. */
const wy_type_t *wy_type_to_decimal(const wy_type_t *t);

/* The parameter of ov that argument i of a call with nargs arguments binds to. */
size_t wy_overload_param_of(const wy_overload_t *ov, size_t nargs, size_t i);
/* Whether argument i of such a call must be a literal (a UDAF init argument). */
bool wy_overload_arg_literal(const wy_overload_t *ov, size_t nargs, size_t i);
/* The type `pattern` stands for when a call of the parameter list `signature` (the
 * registry's syntax) has argument types args: placeholders bound as resolution binds
 * them (new reference), NULL with err filled when they do not fit. For a generic UDAF
 * state type such as "ARRAY<T>". */
const wy_type_t *wy_signature_instantiate(const char *signature, const wy_type_t *const *args,
                                          size_t n, const char *pattern, wy_error_t *err);

/* Whether text is one well-formed type pattern. */
bool wy_type_pattern_valid(const char *text);

/* Render a pattern as ksqlDB would ("ARRAY<T>"). Returns length like snprintf. */
size_t wy_type_pat_format(const wy_type_pat_t *p, char *buf, size_t cap);

/* Aggregate state serialisation: a self-describing binary encoding of a value (kind
 * tags, little-endian scalars, lengths), for state stores and changelogs. encode
 * returns the number of bytes needed (writes at most cap). decode copies strings and
 * lists into arena a. */
size_t wy_udf_state_encode(const wy_value_t *v, uint8_t *buf, size_t cap);
wy_status_t wy_udf_state_decode(const uint8_t *p, size_t n, wy_arena_t *a, wy_value_t *out,
                                wy_error_t *err);

#endif
