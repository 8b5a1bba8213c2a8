#include "udf/registry.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/decimal.h"

struct wy_registry {
  size_t n, cap;
  wy_function_t **fns; /* sorted by name */
};

/* ---- type patterns ------------------------------------------------------------ */

static void pat_free(wy_type_pat_t *p) {
  if (!p) return;
  for (int i = 0; i < p->nsub; i++) pat_free(p->sub[i]);
  wy_type_unref(p->type);
  free(p);
}

typedef struct {
  const char *s;
  const char *err;
} pat_parser_t;

static void skip_ws(pat_parser_t *ps) {
  while (isspace((unsigned char)*ps->s)) ps->s++;
}

static size_t ident(pat_parser_t *ps, char *buf, size_t cap) {
  skip_ws(ps);
  size_t n = 0;
  while (isalnum((unsigned char)ps->s[n]) || ps->s[n] == '_') n++;
  if (!n || n >= cap) return 0;
  for (size_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)ps->s[i]);
  buf[n] = '\0';
  ps->s += n;
  return n;
}

static bool eat(pat_parser_t *ps, const char *tok) {
  skip_ws(ps);
  size_t n = strlen(tok);
  if (strncmp(ps->s, tok, n)) return false;
  ps->s += n;
  return true;
}

static const struct {
  const char *name;
  wy_type_kind_t kind;
} PRIMS[] = {{"BOOLEAN", WY_T_BOOLEAN}, {"INT", WY_T_INT},       {"INTEGER", WY_T_INT},
             {"BIGINT", WY_T_BIGINT},   {"DOUBLE", WY_T_DOUBLE}, {"STRING", WY_T_STRING},
             {"VARCHAR", WY_T_STRING},  {"BYTES", WY_T_BYTES},   {"TIMESTAMP", WY_T_TIMESTAMP},
             {"DATE", WY_T_DATE},       {"TIME", WY_T_TIME}};

static wy_type_pat_t *pat_new(wy_pat_kind_t k) {
  wy_type_pat_t *p = calloc(1, sizeof *p);
  if (p) p->kind = k;
  return p;
}

static wy_type_pat_t *parse_pat(pat_parser_t *ps);

static wy_type_pat_t *concrete(pat_parser_t *ps, const wy_type_t *t) {
  wy_type_pat_t *p = t ? pat_new(WY_PAT_TYPE) : NULL;
  if (p)
    p->type = t;
  else
    wy_type_unref(t);
  if (!p && !ps->err) ps->err = "malformed type";
  return p;
}

/* DECIMAL(p, s) after "DECIMAL(". */
static wy_type_pat_t *concrete_decimal(pat_parser_t *ps) {
  skip_ws(ps);
  char *end;
  long prec = strtol(ps->s, &end, 10);
  ps->s = end;
  if (!eat(ps, ",")) return concrete(ps, NULL);
  skip_ws(ps);
  long scale = strtol(ps->s, &end, 10);
  ps->s = end;
  if (!eat(ps, ")")) return concrete(ps, NULL);
  return concrete(ps, wy_type_decimal((int)prec, (int)scale));
}

static const wy_type_t *instantiate(const wy_type_pat_t *p, const wy_type_bindings_t *b,
                                    const wy_type_t *arg);

/* STRUCT<NAME TYPE, ...> after "STRUCT<": fields of concrete types only. */
static wy_type_pat_t *concrete_struct(pat_parser_t *ps) {
  static const wy_type_bindings_t none;
  wy_type_t *st = wy_type_struct_new();
  bool ok = st != NULL;
  do {
    char name[128];
    wy_type_pat_t *f = ok && ident(ps, name, sizeof name) ? parse_pat(ps) : NULL;
    const wy_type_t *ft = f ? instantiate(f, &none, NULL) : NULL;
    ok = ft && wy_type_struct_add(st, name, ft);
    pat_free(f);
  } while (ok && eat(ps, ","));
  if (!ok || !eat(ps, ">")) {
    wy_type_unref(st);
    return concrete(ps, NULL);
  }
  return concrete(ps, st);
}

static wy_type_pat_t *parse_pat(pat_parser_t *ps) {
  char id[32];
  if (!ident(ps, id, sizeof id)) {
    ps->err = "expected a type";
    return NULL;
  }
  for (size_t i = 0; i < sizeof PRIMS / sizeof PRIMS[0]; i++)
    if (!strcmp(id, PRIMS[i].name)) {
      wy_type_pat_t *p = pat_new(WY_PAT_TYPE);
      if (p) p->type = wy_type_primitive(PRIMS[i].kind);
      return p;
    }
  if (!strcmp(id, "DECIMAL") && eat(ps, "(")) return concrete_decimal(ps);
  if (!strcmp(id, "DECIMAL")) return pat_new(WY_PAT_ANY_DECIMAL);
  if (!strcmp(id, "STRUCT") && eat(ps, "<")) return concrete_struct(ps);
  if (!strcmp(id, "STRUCT")) return pat_new(WY_PAT_ANY_STRUCT);
  if (!strcmp(id, "ANY")) return pat_new(WY_PAT_ANY);
  if (id[1] == '\0' && id[0] >= 'A' && id[0] <= 'Z') {
    wy_type_pat_t *p = pat_new(WY_PAT_VAR);
    if (p) p->var = id[0];
    return p;
  }
  wy_type_pat_t *p = NULL;
  if (!strcmp(id, "ARRAY") || !strcmp(id, "MAP")) {
    bool map = id[0] == 'M';
    p = pat_new(map ? WY_PAT_MAP : WY_PAT_ARRAY);
    if (!p || !eat(ps, "<")) goto bad;
    if (!(p->sub[p->nsub++] = parse_pat(ps))) goto bad;
    if (map && (!eat(ps, ",") || !(p->sub[p->nsub++] = parse_pat(ps)))) goto bad;
    if (!eat(ps, ">")) goto bad;
    return p;
  }
  if (!strcmp(id, "FN")) {
    p = pat_new(WY_PAT_LAMBDA);
    if (!p || !eat(ps, "(")) goto bad;
    do {
      if (p->nsub >= 3 || !(p->sub[p->nsub++] = parse_pat(ps))) goto bad;
    } while (eat(ps, ","));
    if (!eat(ps, "=>") || !(p->sub[p->nsub++] = parse_pat(ps)) || !eat(ps, ")")) goto bad;
    return p;
  }
bad:
  if (!ps->err) ps->err = "malformed type";
  pat_free(p);
  return NULL;
}

bool wy_type_pattern_valid(const char *text) {
  pat_parser_t ps = {text ? text : "", NULL};
  wy_type_pat_t *p = parse_pat(&ps);
  skip_ws(&ps);
  bool ok = p && !*ps.s;
  pat_free(p);
  return ok;
}

size_t wy_type_pat_format(const wy_type_pat_t *p, char *buf, size_t cap) {
  char a[128], b[128];
  switch (p->kind) {
    case WY_PAT_TYPE:
      return wy_type_format(p->type, buf, cap);
    case WY_PAT_VAR:
      return (size_t)snprintf(buf, cap, "%c", p->var);
    case WY_PAT_ANY_DECIMAL:
      return (size_t)snprintf(buf, cap, "DECIMAL");
    case WY_PAT_ANY_STRUCT:
      return (size_t)snprintf(buf, cap, "STRUCT");
    case WY_PAT_ANY:
      return (size_t)snprintf(buf, cap, "ANY");
    case WY_PAT_ARRAY:
      wy_type_pat_format(p->sub[0], a, sizeof a);
      return (size_t)snprintf(buf, cap, "ARRAY<%s>", a);
    case WY_PAT_MAP:
      wy_type_pat_format(p->sub[0], a, sizeof a);
      wy_type_pat_format(p->sub[1], b, sizeof b);
      return (size_t)snprintf(buf, cap, "MAP<%s, %s>", a, b);
    case WY_PAT_LAMBDA: {
      size_t o = (size_t)snprintf(buf, cap, "LAMBDA(");
      for (int i = 0; i + 1 < p->nsub; i++) {
        wy_type_pat_format(p->sub[i], a, sizeof a);
        o += (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "%s%s",
                              i ? ", " : "", a);
      }
      wy_type_pat_format(p->sub[p->nsub - 1], a, sizeof a);
      return o + (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, " => %s)", a);
    }
  }
  return 0;
}

/* ---- registration ------------------------------------------------------------- */

static char *dup0(const char *s) { return strdup(s ? s : ""); }

static void overload_free(wy_overload_t *ov) {
  for (size_t i = 0; i < ov->nparams; i++) {
    pat_free(ov->params[i]);
    if (ov->param_names) free(ov->param_names[i]);
  }
  free(ov->params);
  free(ov->param_names);
  pat_free(ov->ret);
  free(ov->signature);
  free(ov->description);
}

static void function_free(wy_function_t *f) {
  if (!f) return;
  if (f->owner_release) f->owner_release(f->owner);
  for (size_t i = 0; i < f->noverloads; i++) overload_free(&f->overloads[i]);
  free(f->overloads);
  free(f->name);
  free(f->description);
  free(f->category);
  free(f->author);
  free(f->version);
  free(f->path);
  free(f);
}

wy_registry_t *wy_registry_new(void) { return calloc(1, sizeof(wy_registry_t)); }

void wy_function_ref(const wy_function_t *f) {
  if (f) __atomic_add_fetch(&((wy_function_t *)f)->refcount, 1, __ATOMIC_RELAXED);
}

void wy_function_unref(const wy_function_t *f) {
  if (f && __atomic_sub_fetch(&((wy_function_t *)f)->refcount, 1, __ATOMIC_ACQ_REL) == 0)
    function_free((wy_function_t *)f);
}

void wy_registry_destroy(wy_registry_t *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) wy_function_unref(r->fns[i]);
  free(r->fns);
  free(r);
}

/* Names compare as their upper-case forms in byte order, as ksqlDB's SHOW FUNCTIONS
 * sorts them ("ARRAY_MAX" before "ARRAYX" would be, '_' after letters). */
static int name_cmp(const char *a, const char *b) {
  for (;; a++, b++) {
    int x = toupper((unsigned char)*a), y = toupper((unsigned char)*b);
    if (x != y || !x) return x - y;
  }
}

static size_t lower_bound(const wy_registry_t *r, const char *name) {
  size_t lo = 0, hi = r->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (name_cmp(r->fns[mid]->name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const wy_function_t *wy_registry_find(const wy_registry_t *r, const char *name) {
  size_t i = lower_bound(r, name);
  return i < r->n && !strcasecmp(r->fns[i]->name, name) ? r->fns[i] : NULL;
}

size_t wy_registry_count(const wy_registry_t *r) { return r->n; }
const wy_function_t *wy_registry_at(const wy_registry_t *r, size_t i) {
  return i < r->n ? r->fns[i] : NULL;
}

static bool pat_equal(const wy_type_pat_t *a, const wy_type_pat_t *b) {
  if (a->kind != b->kind || a->nsub != b->nsub || a->var != b->var) return false;
  if (a->kind == WY_PAT_TYPE && !wy_type_equal(a->type, b->type)) return false;
  for (int i = 0; i < a->nsub; i++)
    if (!pat_equal(a->sub[i], b->sub[i])) return false;
  return true;
}

/* Parse a parameter list onto ov->params. `literal`: every parameter takes literals
 * only (a UDAF's init arguments); else a parameter written "LITERAL type" does. */
static wy_status_t parse_params(const char *sig, bool literal, wy_overload_t *ov, wy_error_t *err) {
  pat_parser_t ps = {sig, NULL};
  skip_ws(&ps);
  size_t cap = ov->nparams;
  while (*ps.s) {
    if (ov->nparams == cap) {
      cap = cap ? cap * 2 : 4;
      wy_type_pat_t **np = realloc(ov->params, cap * sizeof *np);
      char **nn = np ? realloc(ov->param_names, cap * sizeof *nn) : NULL;
      if (np) ov->params = np;
      if (nn) ov->param_names = nn;
      if (!np || !nn) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    bool lit = literal;
    skip_ws(&ps);
    if (!strncasecmp(ps.s, "LITERAL", 7) && isspace((unsigned char)ps.s[7])) {
      lit = true;
      ps.s += 7;
    }
    if (lit)
      ov->nliteral++;
    else if (ov->nliteral)
      return wy_error_set(err, WY_ERR_INVALID, "signature '%s': literal parameters must come last",
                          sig);
    wy_type_pat_t *p = parse_pat(&ps);
    if (!p) return wy_error_set(err, WY_ERR_INVALID, "signature '%s': %s", sig, ps.err);
    ov->params[ov->nparams] = p;
    ov->param_names[ov->nparams] = NULL;
    ov->nparams++;
    if (eat(&ps, "...")) {
      if (ov->variadic)
        return wy_error_set(err, WY_ERR_INVALID, "signature '%s': more than one variadic", sig);
      ov->variadic = true;
      ov->vararg = ov->nparams - 1;
    }
    char name[64];
    skip_ws(&ps);
    const char *save = ps.s;
    if (ident(&ps, name, sizeof name)) {
      size_t n = (size_t)(ps.s - save);
      ov->param_names[ov->nparams - 1] = strndup(save, n);
    }
    if (!eat(&ps, ",")) break;
  }
  skip_ws(&ps);
  if (*ps.s) return wy_error_set(err, WY_ERR_INVALID, "signature '%s': unexpected '%s'", sig, ps.s);
  return WY_OK;
}

wy_status_t wy_registry_add(wy_registry_t *r, const wy_overload_def_t *def, wy_error_t *err) {
  if (!def->name || !*def->name || (!def->fn && !def->agg) || (!def->ret && !def->ret_fn) ||
      ((def->fn_flags & WY_FN_TABLE) && !def->fn))
    return wy_error_set(err, WY_ERR_INVALID, "function definition is incomplete");
  wy_overload_t ov;
  memset(&ov, 0, sizeof ov);
  wy_status_t st = parse_params(def->signature ? def->signature : "", false, &ov, err);
  if (!st && def->literal_signature) st = parse_params(def->literal_signature, true, &ov, err);
  if (!st && def->ret) {
    pat_parser_t ps = {def->ret, NULL};
    ov.ret = parse_pat(&ps);
    skip_ws(&ps);
    if (!ov.ret || *ps.s)
      st = wy_error_set(err, WY_ERR_INVALID, "return type '%s' of %s is malformed", def->ret,
                        def->name);
  }
  if (st) {
    overload_free(&ov);
    return st;
  }
  ov.ret_fn = def->ret_fn;
  ov.fn = def->fn;
  ov.agg = def->agg;
  ov.prepare = def->prepare;
  ov.release = def->release;
  ov.flags = def->ov_flags;
  ov.signature = dup0(def->signature);
  ov.description = dup0(def->description);

  size_t i = lower_bound(r, def->name);
  wy_function_t *f = i < r->n && !strcasecmp(r->fns[i]->name, def->name) ? r->fns[i] : NULL;
  if (f) {
    if (((f->flags ^ def->fn_flags) & (WY_FN_AGGREGATE | WY_FN_TABLE))) {
      overload_free(&ov);
      return wy_error_set(err, WY_ERR_EXISTS,
                          "function '%s' mixes scalar, aggregate and table overloads", def->name);
    }
    for (size_t k = 0; k < f->noverloads; k++) {
      const wy_overload_t *o = &f->overloads[k];
      bool same = o->nparams == ov.nparams && o->variadic == ov.variadic &&
                  (!ov.variadic || o->vararg == ov.vararg);
      for (size_t j = 0; same && j < ov.nparams; j++) same = pat_equal(o->params[j], ov.params[j]);
      if (same) {
        overload_free(&ov);
        return wy_error_set(err, WY_ERR_EXISTS, "function '%s(%s)' is already registered",
                            def->name, def->signature ? def->signature : "");
      }
    }
  } else {
    f = calloc(1, sizeof *f);
    if (!f) goto nomem;
    f->name = strdup(def->name);
    for (char *p = f->name; p && *p; p++) *p = (char)toupper((unsigned char)*p);
    f->description = dup0(def->description);
    f->category = dup0(def->category);
    f->author = dup0(def->author ? def->author : "walleye");
    f->version = dup0(def->version ? def->version : WALLEYE_VERSION);
    f->path = dup0(def->path ? def->path : "internal");
    f->flags = def->fn_flags;
    f->refcount = 1; /* the registry's */
    if (r->n == r->cap) {
      size_t cap = r->cap ? r->cap * 2 : 64;
      wy_function_t **nf = realloc(r->fns, cap * sizeof *nf);
      if (!nf) {
        function_free(f);
        goto nomem;
      }
      r->fns = nf;
      r->cap = cap;
    }
    memmove(r->fns + i + 1, r->fns + i, (r->n - i) * sizeof *r->fns);
    r->fns[i] = f;
    r->n++;
  }
  f->flags |= def->fn_flags;
  wy_overload_t *no = realloc(f->overloads, (f->noverloads + 1) * sizeof *no);
  if (!no) goto nomem;
  f->overloads = no;
  f->overloads[f->noverloads++] = ov;
  return WY_OK;
nomem:
  overload_free(&ov);
  return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

wy_status_t wy_registry_set_owner(wy_registry_t *r, const char *name, void *owner,
                                  void (*release)(void *owner), wy_error_t *err) {
  wy_function_t *f = (wy_function_t *)wy_registry_find(r, name);
  if (!f)
    return wy_error_set(err, WY_ERR_NOT_FOUND, "Can't find any functions with the name '%s'", name);
  if (f->owner_release)
    return wy_error_set(err, WY_ERR_EXISTS, "function '%s' already has an owner", f->name);
  f->owner = owner;
  f->owner_release = release;
  return WY_OK;
}

static void remove_at(wy_registry_t *r, size_t i) {
  wy_function_t *f = r->fns[i];
  memmove(r->fns + i, r->fns + i + 1, (r->n - i - 1) * sizeof *r->fns);
  r->n--;
  wy_function_unref(f);
}

bool wy_registry_remove(wy_registry_t *r, const char *name) {
  size_t i = lower_bound(r, name);
  if (i >= r->n || strcasecmp(r->fns[i]->name, name)) return false;
  remove_at(r, i);
  return true;
}

size_t wy_registry_remove_path(wy_registry_t *r, const char *path) {
  size_t removed = 0;
  for (size_t i = r->n; i-- > 0;)
    if (!strcmp(r->fns[i]->path, path)) {
      remove_at(r, i);
      removed++;
    }
  return removed;
}

static wy_registry_t *g_builtins;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void free_builtins(void) { wy_registry_destroy(g_builtins); }

static void build_builtins(void) {
  wy_error_t err;
  wy_registry_t *r = wy_registry_new();
  if (r && wy_registry_add_builtins(r, &err) != WY_OK) {
    fprintf(stderr, "walleye: built-in function table: %s\n", err.msg);
    wy_registry_destroy(r);
    r = NULL;
  }
  g_builtins = r;
  atexit(free_builtins);
}

const wy_registry_t *wy_registry_builtins(void) {
  pthread_once(&g_once, build_builtins);
  return g_builtins;
}

/* ---- resolution ------------------------------------------------------------------ */

static void bindings_clear(wy_type_bindings_t *b) {
  for (int i = 0; i < 26; i++) {
    wy_type_unref(b->var[i]);
    b->var[i] = NULL;
  }
}

/* Pass 1: bind placeholders, widening a placeholder to the common type of its
 * occurrences (so COALESCE(INT, BIGINT) binds T = BIGINT). */
static bool bind_pat(const wy_type_pat_t *p, const wy_type_t *t, wy_type_bindings_t *b) {
  if (!t) return true; /* untyped NULL */
  switch (p->kind) {
    case WY_PAT_TYPE:
    case WY_PAT_ANY_DECIMAL:
    case WY_PAT_ANY_STRUCT:
    case WY_PAT_ANY:
    case WY_PAT_LAMBDA:
      return true;
    case WY_PAT_VAR: {
      const wy_type_t **slot = &b->var[p->var - 'A'];
      if (!*slot) {
        *slot = wy_type_ref(t);
        return true;
      }
      const wy_type_t *c = wy_type_common(*slot, t);
      if (!c) return false;
      wy_type_unref(*slot);
      *slot = c;
      return true;
    }
    case WY_PAT_ARRAY:
      return t->kind == WY_T_ARRAY && bind_pat(p->sub[0], t->elem, b);
    case WY_PAT_MAP:
      return t->kind == WY_T_MAP && bind_pat(p->sub[0], t->key, b) &&
             bind_pat(p->sub[1], t->elem, b);
  }
  return false;
}

/* The concrete type a pattern stands for under bindings (new ref), or NULL. For
 * ANY_DECIMAL/ANY_STRUCT the argument's own type decides. */
static const wy_type_t *instantiate(const wy_type_pat_t *p, const wy_type_bindings_t *b,
                                    const wy_type_t *arg) {
  switch (p->kind) {
    case WY_PAT_TYPE:
      return wy_type_ref(p->type);
    case WY_PAT_VAR:
      return b->var[p->var - 'A'] ? wy_type_ref(b->var[p->var - 'A']) : NULL;
    case WY_PAT_ANY_DECIMAL: /* an untyped NULL fits any DECIMAL: the narrowest */
      return arg ? wy_type_to_decimal(arg) : wy_type_decimal(1, 0);
    case WY_PAT_ANY_STRUCT:
      return arg && arg->kind == WY_T_STRUCT ? wy_type_ref(arg) : NULL;
    case WY_PAT_ANY: /* an untyped NULL stays a NULL of some type */
      return arg ? wy_type_ref(arg) : wy_type_string();
    case WY_PAT_ARRAY: {
      const wy_type_t *e =
          instantiate(p->sub[0], b, arg && arg->kind == WY_T_ARRAY ? arg->elem : NULL);
      return e ? wy_type_array(e) : NULL;
    }
    case WY_PAT_MAP: {
      bool m = arg && arg->kind == WY_T_MAP;
      const wy_type_t *k = instantiate(p->sub[0], b, m ? arg->key : NULL);
      const wy_type_t *v = k ? instantiate(p->sub[1], b, m ? arg->elem : NULL) : NULL;
      if (!v) {
        wy_type_unref(k);
        return NULL;
      }
      return wy_type_map(k, v);
    }
    case WY_PAT_LAMBDA:
      return NULL;
  }
  return NULL;
}

typedef struct {
  const wy_type_t **ptypes;
  const wy_type_t ***lparams;
  const wy_type_t *ret;
  int cost;
} attempt_t;

static void attempt_free(attempt_t *a, size_t nargs) {
  for (size_t i = 0; i < nargs; i++) {
    if (a->ptypes) wy_type_unref(a->ptypes[i]);
    if (a->lparams && a->lparams[i]) {
      for (size_t j = 0; a->lparams[i][j]; j++) wy_type_unref(a->lparams[i][j]);
      free(a->lparams[i]);
    }
  }
  free(a->ptypes);
  free(a->lparams);
  wy_type_unref(a->ret);
  memset(a, 0, sizeof *a);
}

size_t wy_overload_param_of(const wy_overload_t *ov, size_t nargs, size_t i) {
  if (!ov->variadic || i < ov->vararg) return i;
  size_t after = ov->nparams - ov->vararg - 1; /* parameters after the variadic one */
  return i + after >= nargs ? ov->nparams - (nargs - i) : ov->vararg;
}

bool wy_overload_arg_literal(const wy_overload_t *ov, size_t nargs, size_t i) {
  return wy_overload_param_of(ov, nargs, i) + ov->nliteral >= ov->nparams;
}

static const wy_type_pat_t *param_for(const wy_overload_t *ov, size_t nargs, size_t i) {
  return ov->params[wy_overload_param_of(ov, nargs, i)];
}

/* A STRING literal holding an ISO-8601 date or time may stand for a DATE, TIME or
 * TIMESTAMP parameter (type-coercion.md's literal rules; GREATEST(d, '2022-06-14')):
 * an implicit cast (cost 1) that the binder parses, or -1. Other literals follow the
 * general rules, so LEN(1) stays an error as in ksqlDB. */
static int literal_cost(const wy_call_arg_t *arg, const wy_type_t *to) {
  if (!arg->literal || !arg->type || arg->type->kind != WY_T_STRING) return -1;
  return to->kind == WY_T_DATE || to->kind == WY_T_TIME || to->kind == WY_T_TIMESTAMP ? 1 : -1;
}

/* Does a pattern mention a generic placeholder? */
static bool pat_generic(const wy_type_pat_t *p) {
  if (p->kind == WY_PAT_VAR) return true;
  for (int i = 0; i < p->nsub; i++)
    if (pat_generic(p->sub[i])) return true;
  return false;
}

/* ksqlDB's UdfIndex preference between two matching overloads: a fixed arity over a
 * variadic one, then more declared parameters, then fewer generic parameters. */
static int overload_rank_cmp(const wy_overload_t *a, const wy_overload_t *b) {
  if (a->variadic != b->variadic) return a->variadic ? -1 : 1;
  if (a->nparams != b->nparams) return a->nparams < b->nparams ? -1 : 1;
  int ga = 0, gb = 0;
  for (size_t i = 0; i < a->nparams; i++) ga += pat_generic(a->params[i]);
  for (size_t i = 0; i < b->nparams; i++) gb += pat_generic(b->params[i]);
  return ga == gb ? 0 : ga > gb ? -1 : 1;
}

/* Try one overload. Returns true with *a filled when the call fits. */
static bool try_overload(const wy_overload_t *ov, const wy_call_arg_t *args, size_t nargs,
                         wy_lambda_typer typer, void *user, attempt_t *a, wy_error_t *err,
                         bool *hard_error) {
  memset(a, 0, sizeof *a);
  if (ov->variadic ? nargs + 1 < ov->nparams : nargs != ov->nparams) return false;
  if (!nargs && ov->variadic) return false; /* COALESCE() has no element type to bind */
  wy_type_bindings_t b;
  memset(&b, 0, sizeof b);
  bool ok = true;
  for (size_t i = 0; i < nargs && ok; i++) {
    const wy_type_pat_t *p = param_for(ov, nargs, i);
    if ((p->kind == WY_PAT_LAMBDA) != (args[i].lambda_arity > 0))
      ok = false;
    else if (p->kind == WY_PAT_LAMBDA && p->nsub - 1 != args[i].lambda_arity)
      ok = false;
    else if (!args[i].lambda_arity)
      ok = bind_pat(p, args[i].type, &b);
  }
  a->ptypes = calloc(nargs ? nargs : 1, sizeof *a->ptypes);
  a->lparams = calloc(nargs ? nargs : 1, sizeof *a->lparams);
  if (!a->ptypes || !a->lparams) ok = false;
  /* Lambdas, in order: their parameter types come from bindings so far, their body
   * type binds the rest (REDUCE's accumulator, TRANSFORM's output element). */
  for (size_t i = 0; i < nargs && ok; i++) {
    const wy_type_pat_t *p = param_for(ov, nargs, i);
    if (p->kind != WY_PAT_LAMBDA) continue;
    int np = p->nsub - 1;
    a->lparams[i] = calloc((size_t)np + 1, sizeof **a->lparams);
    if (!a->lparams[i]) {
      ok = false;
      break;
    }
    for (int j = 0; j < np && ok; j++)
      ok = (a->lparams[i][j] = instantiate(p->sub[j], &b, NULL)) != NULL;
    if (!ok || !typer) {
      ok = false;
      break;
    }
    const wy_type_t *body = typer(user, i, a->lparams[i], (size_t)np, err);
    if (!body) {
      *hard_error = true;
      ok = false;
      break;
    }
    ok = bind_pat(p->sub[np], body, &b);
    a->ptypes[i] = body;
  }
  int cost = 0;
  for (size_t i = 0; i < nargs && ok; i++) {
    const wy_type_pat_t *p = param_for(ov, nargs, i);
    if (p->kind == WY_PAT_LAMBDA) {
      const wy_type_t *want = instantiate(p->sub[p->nsub - 1], &b, a->ptypes[i]);
      int c = want ? wy_type_widen_cost(a->ptypes[i], want) : -1;
      wy_type_unref(a->ptypes[i]);
      a->ptypes[i] = want;
      if (c < 0) ok = false;
      cost += c;
      continue;
    }
    a->ptypes[i] = instantiate(p, &b, args[i].type);
    if (!a->ptypes[i]) {
      ok = false;
      break;
    }
    if (args[i].type) {
      int c = wy_type_widen_cost(args[i].type, a->ptypes[i]);
      if (c < 0) c = literal_cost(&args[i], a->ptypes[i]);
      if (c < 0) ok = false;
      cost += c;
    }
  }
  if (ok) {
    if (ov->ret) {
      a->ret = instantiate(ov->ret, &b, NULL);
      if (!a->ret) ok = false;
    } else {
      const wy_value_t **consts = calloc(nargs + 1, sizeof *consts);
      for (size_t i = 0; consts && i < nargs; i++) consts[i] = args[i].literal;
      a->ret = consts ? ov->ret_fn(a->ptypes, consts, nargs, err) : NULL;
      if (!consts) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      free(consts);
      if (!a->ret) {
        *hard_error = true;
        ok = false;
      }
    }
  }
  bindings_clear(&b);
  if (!ok) {
    attempt_free(a, nargs);
    return false;
  }
  a->cost = cost;
  return true;
}

static void format_args(const wy_call_arg_t *args, size_t nargs, char *buf, size_t cap) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < nargs && o < cap; i++) {
    char t[256];
    if (args[i].lambda_arity)
      snprintf(t, sizeof t, "LAMBDA");
    else if (args[i].type)
      wy_type_format(args[i].type, t, sizeof t);
    else
      snprintf(t, sizeof t, "null");
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", t);
  }
}

const char *wy_function_type_name(const wy_function_t *f) {
  static const char *const names[] = {"SCALAR", "AGGREGATE", "TABLE"}; /* by wy_fn_kind_t */
  return names[wy_function_kind(f)];
}

bool wy_function_is_builtin(const wy_function_t *f) {
  return !f->path || strcmp(f->path, "internal") == 0;
}

const char *wy_function_display_name(const wy_function_t *f, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", f->name);
  /* ksqlDB declares its built-in scalar and table functions lower-case ('least',
   * 'explode'), COALESCE and the aggregates upper-case; loaded ones keep their name. */
  if (wy_function_is_builtin(f) && !(f->flags & WY_FN_AGGREGATE) &&
      strcasecmp(f->name, "COALESCE") != 0)
    for (char *c = buf; *c; c++) *c = (char)tolower((unsigned char)*c);
  return buf;
}

size_t wy_overload_describe(const wy_function_t *f, const wy_overload_t *ov, char *buf,
                            size_t cap) {
  char name[128], t[256];
  size_t o = (size_t)snprintf(buf, cap, "%s(", wy_function_display_name(f, name, sizeof name));
  for (size_t i = 0; i < ov->nparams; i++) {
    wy_type_pat_format(ov->params[i], t, sizeof t);
    const char *pname = ov->param_names && ov->param_names[i] ? ov->param_names[i] : "";
    o += (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, "%s%s%s%s%s",
                          i ? ", " : "", t, ov->variadic && i == ov->vararg ? "..." : "",
                          pname[0] ? " " : "", pname);
  }
  return o + (size_t)snprintf(buf + (o < cap ? o : cap), o < cap ? cap - o : 0, ")");
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ksqlDB's UdfIndex: the rejected argument types, then every overload, sorted. */
static wy_status_t no_overload_error(const wy_function_t *f, const wy_call_arg_t *args,
                                     size_t nargs, wy_error_t *err) {
  char types[1024], name[128], list[WY_ERROR_MSG_MAX] = "";
  format_args(args, nargs, types, sizeof types);
  /* only untyped NULLs: no generic could be bound, which ksqlDB calls ambiguous */
  bool all_null = nargs > 0;
  for (size_t i = 0; i < nargs; i++) all_null &= !args[i].type && !args[i].lambda_arity;
  if (all_null)
    return wy_error_set(err, WY_ERR_TYPE,
                        "Function '%s' cannot be resolved due to ambiguous method parameters (%s).",
                        wy_function_display_name(f, name, sizeof name), types);
  char **lines = calloc(f->noverloads ? f->noverloads : 1, sizeof *lines);
  size_t used = 0;
  for (size_t k = 0; lines && k < f->noverloads; k++) {
    char line[512];
    wy_overload_describe(f, &f->overloads[k], line, sizeof line);
    lines[k] = strdup(line);
  }
  if (lines) {
    size_t n = 0;
    for (size_t k = 0; k < f->noverloads; k++)
      if (lines[k]) lines[n++] = lines[k];
    qsort(lines, n, sizeof *lines, str_cmp);
    for (size_t k = 0; k < n; k++) {
      if (used < sizeof list)
        used += (size_t)snprintf(list + used, sizeof list - used, "\n%s", lines[k]);
      free(lines[k]);
    }
    free(lines);
  }
  return wy_error_set(err, WY_ERR_TYPE,
                      "Function '%s' does not accept parameters (%s).\nValid alternatives are:%s",
                      wy_function_display_name(f, name, sizeof name), types, list);
}

wy_fn_kind_t wy_function_kind(const wy_function_t *f) {
  return f->flags & WY_FN_TABLE       ? WY_FN_KIND_TABLE
         : f->flags & WY_FN_AGGREGATE ? WY_FN_KIND_AGGREGATE
                                      : WY_FN_KIND_SCALAR;
}

wy_status_t wy_registry_resolve(const wy_registry_t *r, const char *name, const wy_call_arg_t *args,
                                size_t nargs, bool aggregate, wy_lambda_typer typer, void *user,
                                wy_resolved_t *out, wy_error_t *err) {
  return wy_registry_resolve_kind(r, name, args, nargs,
                                  aggregate ? WY_FN_KIND_AGGREGATE : WY_FN_KIND_SCALAR, typer, user,
                                  out, err);
}

wy_status_t wy_registry_resolve_kind(const wy_registry_t *r, const char *name,
                                     const wy_call_arg_t *args, size_t nargs, wy_fn_kind_t kind,
                                     wy_lambda_typer typer, void *user, wy_resolved_t *out,
                                     wy_error_t *err) {
  memset(out, 0, sizeof *out);
  const wy_function_t *f = wy_registry_find(r, name);
  if (!f || wy_function_kind(f) != kind) {
    if (f && kind == WY_FN_KIND_AGGREGATE)
      return wy_error_set(err, WY_ERR_ANALYSIS, "Function '%s' is not an aggregate function",
                          f->name);
    if (f && kind == WY_FN_KIND_TABLE)
      return wy_error_set(err, WY_ERR_ANALYSIS, "Function '%s' is not a table function", f->name);
    if (f && wy_function_kind(f) == WY_FN_KIND_AGGREGATE)
      return wy_error_set(err, WY_ERR_ANALYSIS, "Aggregate function '%s' is not allowed here",
                          f->name);
    return wy_error_set(err, WY_ERR_ANALYSIS, "Can't find any functions with the name '%s'",
                        f ? f->name : name);
  }
  /* As ksqlDB's UdfIndex: the overloads matching without an implicit cast, if any, else
   * those matching with casts; among them the best ranked (overload_rank_cmp); a tie
   * at the top is ambiguous. */
  attempt_t best = {0};
  const wy_overload_t *best_ov = NULL;
  bool tie = false;
  for (size_t k = 0; k < f->noverloads; k++) {
    attempt_t a;
    bool hard = false;
    const wy_overload_t *ov = &f->overloads[k];
    if (!try_overload(ov, args, nargs, typer, user, &a, err, &hard)) {
      if (hard) {
        attempt_free(&best, nargs);
        return err ? err->code : WY_ERR_TYPE;
      }
      continue;
    }
    int c = !best_ov                            ? 1
            : (a.cost == 0) != (best.cost == 0) ? (a.cost == 0 ? 1 : -1)
                                                : overload_rank_cmp(ov, best_ov);
    if (c > 0) {
      attempt_free(&best, nargs);
      best = a;
      best_ov = ov;
      tie = false;
    } else {
      tie |= c == 0;
      attempt_free(&a, nargs);
    }
  }
  if (!best_ov) return no_overload_error(f, args, nargs, err);
  if (tie) {
    char buf[1024], name[128];
    format_args(args, nargs, buf, sizeof buf);
    attempt_free(&best, nargs);
    return wy_error_set(err, WY_ERR_TYPE,
                        "Function '%s' cannot be resolved due to ambiguous method parameters "
                        "(%s).",
                        wy_function_display_name(f, name, sizeof name), buf);
  }
  wy_function_ref(f);
  out->fn = f;
  out->ov = best_ov;
  out->ret = best.ret;
  out->param_types = best.ptypes;
  out->lambda_params = best.lparams;
  out->nargs = nargs;
  return WY_OK;
}

const wy_type_t *wy_signature_instantiate(const char *signature, const wy_type_t *const *args,
                                          size_t n, const char *pattern, wy_error_t *err) {
  wy_overload_t ov;
  memset(&ov, 0, sizeof ov);
  wy_type_bindings_t b;
  memset(&b, 0, sizeof b);
  const wy_type_t *t = NULL;
  wy_type_pat_t *p = NULL;
  if (parse_params(signature, false, &ov, err) != WY_OK) goto out;
  bool ok = ov.variadic ? n + 1 >= ov.nparams : n == ov.nparams;
  for (size_t i = 0; ok && i < n; i++) ok = bind_pat(param_for(&ov, n, i), args[i], &b);
  pat_parser_t ps = {pattern, NULL};
  if (ok && (p = parse_pat(&ps)) != NULL) t = instantiate(p, &b, NULL);
  if (!t)
    wy_error_set(err, WY_ERR_TYPE, "type '%s' does not follow from the arguments of (%s)", pattern,
                 signature);
out:
  pat_free(p);
  bindings_clear(&b);
  overload_free(&ov);
  return t;
}

void wy_resolved_release(wy_resolved_t *res) {
  if (!res) return;
  attempt_t a = {res->param_types, res->lambda_params, res->ret, 0};
  attempt_free(&a, res->nargs);
  wy_function_unref(res->fn);
  memset(res, 0, sizeof *res);
}
