/* Type checking: ksqlDB's typing rules, overload resolution and implicit casts. */
#include <stdio.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/decimal.h"
#include "engine/expr/expr_int.h"
#include "udf/convert.h"

typedef struct {
  const char *name;
  int slot;
  const wy_type_t *type;
} scope_var_t;

typedef struct {
  const wy_registry_t *reg;
  bool allow_agg;
  int agg_depth;
  const wy_expr_t *agg_outer; /* the enclosing aggregate call, for messages */
  wy_error_t *err;
  scope_var_t vars[WY_EXPR_MAX_LAMBDA_SLOTS];
  int nvars;
  int next_slot;
} bctx_t;

static wy_status_t bind(bctx_t *c, wy_expr_t **ep);

/* Messages quote expressions and types the way ksqlDB does. */
typedef struct {
  char s[512];
} text_t;
static text_t etext(const wy_expr_t *e) {
  text_t t;
  wy_expr_format(e, t.s, sizeof t.s);
  return t;
}
static text_t ttext(const wy_type_t *ty) {
  text_t t;
  if (ty)
    wy_type_format(ty, t.s, sizeof t.s);
  else
    snprintf(t.s, sizeof t.s, "NULL");
  return t;
}

#define FAIL(e, code, ...) wy_error_set_pos(c->err, code, (e)->line, (e)->col, __VA_ARGS__)

static void set_type(wy_expr_t *e, const wy_type_t *t) {
  wy_type_unref(e->type);
  e->type = t;
}

static wy_status_t nomem(bctx_t *c) { return wy_error_set(c->err, WY_ERR_NOMEM, "out of memory"); }

/* Make *ep produce type `to`, inserting an implicit CAST when it does not already. */
static wy_status_t coerce(bctx_t *c, wy_expr_t **ep, const wy_type_t *to) {
  if ((*ep)->type && wy_type_equal((*ep)->type, to)) return WY_OK;
  wy_expr_t *x = wy_expr__implicit_cast(*ep, to);
  if (!x) {
    *ep = NULL;
    return nomem(c);
  }
  *ep = x;
  return WY_OK;
}

static bool is_num(const wy_type_t *t) { return t && wy_type_is_numeric(t); }
static bool is_temporal(const wy_type_t *t) {
  return t && (t->kind == WY_T_TIMESTAMP || t->kind == WY_T_DATE || t->kind == WY_T_TIME);
}

/* ---- DECIMAL arithmetic result types (ksqlDB's DecimalUtil) ---------------------------- */

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

static const wy_type_t *decimal_result(wy_expr_op_t op, const wy_type_t *l, const wy_type_t *r) {
  int p1 = l->precision, s1 = l->scale, p2 = r->precision, s2 = r->scale, p, s;
  switch (op) {
    case WY_OP_ADD:
    case WY_OP_SUB:
      s = imax(s1, s2);
      p = imax(p1 - s1, p2 - s2) + s + 1;
      break;
    case WY_OP_MUL:
      p = p1 + p2 + 1;
      s = s1 + s2;
      break;
    case WY_OP_DIV:
      s = imax(6, s1 + p2 + 1);
      p = p1 - s1 + s2 + s;
      break;
    default: /* MOD */
      s = imax(s1, s2);
      p = imin(p1 - s1, p2 - s2) + s;
      break;
  }
  p = imin(imax(p, 1), WY_DECIMAL_MAX_PRECISION);
  s = imin(s, p);
  return wy_type_decimal(p, s);
}

/* ---- per-kind binding --------------------------------------------------------------- */

static wy_status_t bind_kids(bctx_t *c, wy_expr_t *e) {
  for (size_t i = 0; i < e->nkids; i++) {
    wy_status_t st = bind(c, &e->kids[i]);
    if (st) return st;
  }
  return WY_OK;
}

static wy_status_t bind_arith(bctx_t *c, wy_expr_t *e) {
  const wy_type_t *l = e->kids[0]->type, *r = e->kids[1]->type;
  if (!l && !r)
    return FAIL(e, WY_ERR_TYPE,
                "Can't infer a type of null. Please explicitly cast it to a required type, e.g. "
                "CAST(null AS VARCHAR).");
  if (!l) l = r;
  if (!r) r = l;
  if (e->op == WY_OP_ADD && l->kind == WY_T_STRING && r->kind == WY_T_STRING) {
    set_type(e, wy_type_string());
  } else if (is_num(l) && is_num(r)) {
    const wy_type_t *res;
    if (l->kind == WY_T_DECIMAL || r->kind == WY_T_DECIMAL) {
      if (l->kind == WY_T_DOUBLE || r->kind == WY_T_DOUBLE) {
        res = wy_type_double();
      } else {
        const wy_type_t *dl = wy_type_to_decimal(l), *dr = wy_type_to_decimal(r);
        res = decimal_result(e->op, dl, dr);
        wy_status_t st = coerce(c, &e->kids[0], dl);
        if (!st) st = coerce(c, &e->kids[1], dr);
        wy_type_unref(dl);
        wy_type_unref(dr);
        if (st || !res) {
          wy_type_unref(res);
          return st ? st : nomem(c);
        }
        set_type(e, res);
        return WY_OK;
      }
    } else {
      res = wy_type_common(l, r);
    }
    set_type(e, res);
  } else {
    return FAIL(e, WY_ERR_TYPE,
                "Error processing expression: %s. Unsupported arithmetic types. %s %s", etext(e).s,
                wy_type_kind_name(l->kind), wy_type_kind_name(r->kind));
  }
  wy_status_t st = coerce(c, &e->kids[0], e->type);
  return st ? st : coerce(c, &e->kids[1], e->type);
}

/* The type two operands are compared in, or NULL when they cannot be compared. */
static const wy_type_t *comparison_type(const wy_type_t *l, const wy_type_t *r, wy_expr_op_t op) {
  bool eq_only =
      op == WY_OP_EQ || op == WY_OP_NE || op == WY_OP_DISTINCT || op == WY_OP_NOT_DISTINCT;
  if (is_num(l) && is_num(r)) return wy_type_common(l, r);
  if (is_temporal(l) && r->kind == WY_T_STRING) return wy_type_ref(l);
  if (is_temporal(r) && l->kind == WY_T_STRING) return wy_type_ref(r);
  if (is_temporal(l) && is_temporal(r)) {
    if (l->kind == r->kind) return wy_type_ref(l);
    if (l->kind != WY_T_TIME && r->kind != WY_T_TIME) return wy_type_timestamp();
    return NULL;
  }
  if (l->kind != r->kind) return NULL;
  switch (l->kind) {
    case WY_T_STRING:
    case WY_T_BOOLEAN:
    case WY_T_BYTES:
      return wy_type_ref(l);
    case WY_T_ARRAY:
    case WY_T_MAP:
      return eq_only ? wy_type_common(l, r) : NULL;
    case WY_T_STRUCT:
      return eq_only && wy_type_equal(l, r) ? wy_type_ref(l) : NULL;
    default:
      return NULL;
  }
}

static wy_status_t bind_compare(bctx_t *c, wy_expr_t *e) {
  const wy_type_t *l = e->kids[0]->type, *r = e->kids[1]->type;
  bool distinct = e->op == WY_OP_DISTINCT || e->op == WY_OP_NOT_DISTINCT;
  set_type(e, wy_type_boolean());
  if (!l && !r) {
    if (distinct) return WY_OK;
    return FAIL(e, WY_ERR_TYPE, "Comparison with NULL not supported: NULL %s NULL",
                wy_expr_op_sql(e->op));
  }
  if (!l || !r) { /* a NULL literal takes the other side's type */
    wy_expr_t **n = !l ? &e->kids[0] : &e->kids[1];
    return coerce(c, n, l ? l : r);
  }
  const wy_type_t *t = comparison_type(l, r, e->op);
  if (!t)
    return FAIL(e, WY_ERR_TYPE, "Cannot compare %s (%s) to %s (%s) with %s.", etext(e->kids[0]).s,
                ttext(l).s, etext(e->kids[1]).s, ttext(r).s, wy_expr_op_name(e->op));
  wy_status_t st = coerce(c, &e->kids[0], t);
  if (!st) st = coerce(c, &e->kids[1], t);
  wy_type_unref(t);
  return st;
}

static wy_status_t want_boolean(bctx_t *c, wy_expr_t **ep, const char *what) {
  const wy_type_t *t = (*ep)->type;
  if (!t) return coerce(c, ep, wy_type_boolean());
  if (t->kind != WY_T_BOOLEAN)
    return FAIL(*ep, WY_ERR_TYPE, "%s: expected BOOLEAN but %s is %s", what, etext(*ep).s,
                ttext(t).s);
  return WY_OK;
}

static wy_status_t bind_binary(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  switch (e->op) {
    case WY_OP_ADD:
    case WY_OP_SUB:
    case WY_OP_MUL:
    case WY_OP_DIV:
    case WY_OP_MOD:
      return bind_arith(c, e);
    case WY_OP_AND:
    case WY_OP_OR:
      set_type(e, wy_type_boolean());
      st = want_boolean(c, &e->kids[0], wy_expr_op_name(e->op));
      return st ? st : want_boolean(c, &e->kids[1], wy_expr_op_name(e->op));
    default:
      return bind_compare(c, e);
  }
}

static wy_status_t bind_unary(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  const wy_type_t *t = e->kids[0]->type;
  switch (e->op) {
    case WY_OP_NEG:
      if (!t)
        return FAIL(e, WY_ERR_TYPE,
                    "Can't infer a type of null. Please explicitly cast it to a required type, "
                    "e.g. CAST(null AS VARCHAR).");
      if (!is_num(t))
        return FAIL(e, WY_ERR_TYPE,
                    "Error processing expression: %s. Unsupported arithmetic types. %s", etext(e).s,
                    wy_type_kind_name(t->kind));
      set_type(e, wy_type_ref(t));
      return WY_OK;
    case WY_OP_NOT:
      set_type(e, wy_type_boolean());
      return want_boolean(c, &e->kids[0], "NOT");
    default:
      set_type(e, wy_type_boolean());
      return WY_OK;
  }
}

static wy_status_t bind_like(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  set_type(e, wy_type_boolean());
  for (size_t i = 0; i < e->nkids; i++) {
    const wy_type_t *t = e->kids[i]->type;
    if (!t) {
      if ((st = coerce(c, &e->kids[i], wy_type_string()))) return st;
    } else if (t->kind != WY_T_STRING) {
      return FAIL(e->kids[i], WY_ERR_TYPE, "Unsupported type for LIKE: %s (%s)",
                  etext(e->kids[i]).s, ttext(t).s);
    }
  }
  if (e->nkids > 2) {
    const wy_value_t *v = wy_expr_literal_value(e->kids[2]);
    if (!v || v->null || v->len != 1)
      return FAIL(e->kids[2], WY_ERR_TYPE, "Escape must be a single character literal: %s",
                  etext(e->kids[2]).s);
  }
  return WY_OK;
}

/* Common comparison type of several operands (NULL literals excluded). */
static wy_status_t unify_compare(bctx_t *c, wy_expr_t *e, wy_expr_t **kids, size_t n) {
  const wy_type_t *t = NULL;
  for (size_t i = 0; i < n; i++) {
    const wy_type_t *k = kids[i]->type;
    if (!k) continue;
    if (!t) {
      t = wy_type_ref(k);
      continue;
    }
    const wy_type_t *u = comparison_type(t, k, WY_OP_LT);
    if (!u) {
      wy_status_t st = FAIL(e, WY_ERR_TYPE, "Cannot compare %s (%s) to %s (%s) with BETWEEN.",
                            etext(kids[0]).s, ttext(kids[0]->type).s, etext(kids[i]).s, ttext(k).s);
      wy_type_unref(t);
      return st;
    }
    wy_type_unref(t);
    t = u;
  }
  if (!t)
    return FAIL(e, WY_ERR_TYPE,
                "Can't infer a type of null. Please explicitly cast it to a required type, e.g. "
                "CAST(null AS VARCHAR).");
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < n && !st; i++) st = coerce(c, &kids[i], t);
  wy_type_unref(t);
  return st;
}

static wy_status_t bind_between(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  set_type(e, wy_type_boolean());
  return unify_compare(c, e, e->kids, 3);
}

/* Replace the literal *ep by a bound literal of value v and type t. */
static wy_status_t replace_literal(bctx_t *c, wy_expr_t **ep, const wy_value_t *v,
                                   const wy_type_t *t, bool *changed) {
  wy_expr_t *lit = wy_expr_literal(v, wy_type_ref(t), (*ep)->line, (*ep)->col);
  if (!lit) return nomem(c);
  lit->bound = true;
  wy_expr_destroy(*ep);
  *ep = lit;
  *changed = true;
  return WY_OK;
}

/* A number written with a fraction or exponent ("2e1", "20.0") that is a whole value
 * within the range of INT/BIGINT: ksqlDB reads such a STRING literal as that number. */
static bool integral_text(const char *s, size_t n, wy_type_kind_t kind, wy_value_t *out) {
  char buf[64];
  if (!n || n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *end;
  double d = strtod(buf, &end);
  if (*end || !isfinite(d) || d != floor(d)) return false;
  if (kind == WY_T_INT) {
    if (d < -2147483648.0 || d > 2147483647.0) return false;
    *out = wy_int((int32_t)d);
  } else {
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
    *out = wy_bigint((int64_t)d);
  }
  return true;
}

/* SqlBooleans.parseBoolean, as ksqlDB reads a STRING literal compared with a BOOLEAN:
 * any non-empty prefix of "true" or "yes" is true, of "false" or "no" false, ignoring
 * case. */
static bool lenient_boolean(const char *s, size_t n, wy_value_t *out) {
  static const char *const words[] = {"true", "yes", "false", "no"};
  for (int w = 0; w < 4 && n; w++)
    if (n <= strlen(words[w]) && strncasecmp(s, words[w], n) == 0) {
      *out = wy_bool(w < 2);
      return true;
    }
  return false;
}

/* ksqlDB's literal coercion in IN lists: a literal (or a constructor of literals) is
 * converted to the tested value's type at bind time. Returns WY_OK when done or not
 * applicable (the caller then checks comparability), an error when a literal does not
 * parse as the target type. */
static wy_status_t coerce_literal(bctx_t *c, wy_expr_t **ep, const wy_type_t *to, bool *changed) {
  wy_expr_t *e = *ep;
  *changed = false;
  if (e->kind == WY_E_LITERAL && e->type && !e->value.null && wy_type_is_primitive(to) &&
      !wy_type_equal(e->type, to)) {
    wy_value_t v;
    if (e->type->kind == WY_T_STRING) {
      if (to->kind == WY_T_BYTES) return WY_OK;
      wy_arena_t tmp;
      wy_arena_init(&tmp, 256);
      bool ok = to->kind == WY_T_BOOLEAN
                    ? lenient_boolean(e->value.u.str, e->value.len, &v)
                    : wy_text_to_value(e->value.u.str, e->value.len, to, &tmp, &v);
      if (!ok && (to->kind == WY_T_INT || to->kind == WY_T_BIGINT))
        ok = integral_text(e->value.u.str, e->value.len, to->kind, &v);
      if (!ok && to->kind == WY_T_INT &&
          (wy_text_to_value(e->value.u.str, e->value.len, wy_type_bigint(), &tmp, &v) ||
           integral_text(e->value.u.str, e->value.len, WY_T_BIGINT, &v))) {
        /* a whole number beyond INT: a BIGINT literal, which widens the list's type */
        wy_status_t st = replace_literal(c, ep, &v, wy_type_bigint(), changed);
        wy_arena_release(&tmp);
        return st;
      }
      wy_status_t st = WY_OK;
      if (!ok) {
        char tn[64];
        wy_type_format(to, tn, sizeof tn);
        if (to->kind == WY_T_DECIMAL) snprintf(tn, sizeof tn, "DECIMAL");
        st = FAIL(e, WY_ERR_TYPE, "invalid input syntax for type %s: \"%.*s\".", tn,
                  (int)e->value.len, e->value.u.str);
      } else {
        st = replace_literal(c, ep, &v, to, changed);
      }
      wy_arena_release(&tmp);
      return st;
    }
    if (to->kind == WY_T_STRING && (is_num(e->type) || e->type->kind == WY_T_BOOLEAN)) {
      wy_arena_t tmp;
      wy_arena_init(&tmp, 256);
      wy_error_t ignore;
      wy_status_t st = wy_value_cast(&e->value, e->type, to, &tmp, &v, &ignore);
      if (!st) st = replace_literal(c, ep, &v, to, changed);
      wy_arena_release(&tmp);
      return st;
    }
    return WY_OK;
  }
  bool any = false;
  wy_status_t st = WY_OK;
  if (e->kind == WY_E_ARRAY && to->kind == WY_T_ARRAY) {
    for (size_t i = 0; i < e->nkids && !st; i++)
      st = coerce_literal(c, &e->kids[i], to->elem, changed), any |= *changed;
  } else if (e->kind == WY_E_MAP && to->kind == WY_T_MAP) {
    for (size_t i = 0; i < e->nkids && !st; i++)
      st = coerce_literal(c, &e->kids[i], i % 2 ? to->elem : to->key, changed), any |= *changed;
  } else if (e->kind == WY_E_STRUCT && to->kind == WY_T_STRUCT) {
    for (size_t i = 0; i < e->nkids && !st; i++) {
      int j = wy_type_field_index(to, e->names[i]);
      if (j >= 0) st = coerce_literal(c, &e->kids[i], to->fields[j].type, changed), any |= *changed;
    }
  }
  if (!st && any) { /* re-type the constructor from its new elements */
    e->bound = false;
    st = bind(c, ep);
  }
  *changed = any;
  return st;
}

/* A numeric STRING literal in an IN list against numbers: the narrowest type holding
 * it (INT, BIGINT, DECIMAL), as ksqlDB's list coercion reads it; false when it is no
 * number. */
static bool numeric_text(const char *s, size_t n, wy_value_t *out, const wy_type_t **type) {
  if (integral_text(s, n, WY_T_INT, out)) return *type = wy_type_int(), true;
  if (integral_text(s, n, WY_T_BIGINT, out)) return *type = wy_type_bigint(), true;
  const char *dot = memchr(s, '.', n);
  size_t i = n && (s[0] == '-' || s[0] == '+'), digits = 0;
  for (size_t k = i; k < n; k++) {
    if (s + k == dot) continue;
    if (s[k] < '0' || s[k] > '9') return false;
    digits++;
  }
  int scale = dot ? (int)(n - (size_t)(dot - s) - 1) : 0;
  int prec = (int)digits > scale ? (int)digits : scale + 1;
  wy_int128_t x;
  if (!digits || prec > WY_DECIMAL_MAX_PRECISION || !wy_decimal_parse(s, n, prec, scale, &x))
    return false;
  *out = wy_decimal(x, prec, scale);
  *type = wy_type_decimal(prec, scale);
  return *type != NULL;
}

/* A STRUCT(...) constructor in an IN list against a STRUCT: a field of another type is
 * a mismatch ("STRUCT<`F0` BIGINT> = STRUCT<`F0` BOOLEAN>"); with no field the type lacks,
 * it is rebuilt in the type's shape, a missing field NULL (STRUCT(A:=5) equals
 * {A=5, B=null}), as ksqlDB coerces it. */
static wy_status_t shape_struct(bctx_t *c, wy_expr_t **ep, const wy_type_t *to) {
  wy_expr_t *e = *ep;
  bool extra = false;
  for (size_t i = 0; i < e->nkids; i++) {
    int j = wy_type_field_index(to, e->names[i]);
    if (j < 0) {
      extra = true;
      continue;
    }
    const wy_type_t *ft = e->kids[i]->type;
    const wy_type_t *u = ft ? comparison_type(to->fields[j].type, ft, WY_OP_EQ) : NULL;
    if (ft && !u)
      return FAIL(e, WY_ERR_TYPE,
                  "operator does not exist: %s = %s (%s)\nHint: You might need to add explicit "
                  "type casts.",
                  ttext(to).s, ttext(e->type).s, etext(e).s);
    wy_type_unref(u);
  }
  if (extra || (e->nkids == to->nfields && wy_type_equal(e->type, to))) return WY_OK;
  wy_expr_t **vals = calloc(to->nfields + 1, sizeof *vals);
  const char **names = calloc(to->nfields + 1, sizeof *names);
  if (!vals || !names) {
    free(vals);
    free(names);
    return nomem(c);
  }
  for (size_t f = 0; f < to->nfields; f++) {
    names[f] = to->fields[f].name;
    for (size_t i = 0; i < e->nkids && !vals[f]; i++)
      if (e->kids[i] && wy_type_field_index(to, e->names[i]) == (int)f) {
        vals[f] = e->kids[i];
        e->kids[i] = NULL; /* moved */
      }
    if (!vals[f]) {
      wy_value_t null = wy_null(to->fields[f].type->kind);
      vals[f] = wy_expr_literal(&null, wy_type_ref(to->fields[f].type), e->line, e->col);
    }
    if (vals[f] && !vals[f]->bound && bind(c, &vals[f]) != WY_OK) break;
  }
  wy_expr_t *ns = wy_expr_struct(names, vals, to->nfields, e->line, e->col);
  free(vals);
  free(names);
  if (!ns) return nomem(c);
  wy_expr_destroy(e);
  *ep = ns;
  return bind(c, ep);
}

/* Two STRUCTs compare field by field by name: the fields both have must compare. */
static bool structs_comparable(const wy_type_t *a, const wy_type_t *b) {
  if (a->kind != WY_T_STRUCT || b->kind != WY_T_STRUCT) return false;
  for (size_t i = 0; i < a->nfields; i++) {
    int j = wy_type_field_index(b, a->fields[i].name);
    if (j < 0) continue;
    const wy_type_t *fa = a->fields[i].type, *fb = b->fields[j].type;
    const wy_type_t *u = comparison_type(fa, fb, WY_OP_EQ);
    if (!u && !structs_comparable(fa, fb)) return false;
    wy_type_unref(u);
  }
  return true;
}

/* ksqlDB's coercion of an IN list: the type compared in widens element by element from
 * the tested value's, and a mismatch is reported against the type reached so far
 * ("DECIMAL(12, 2) = BOOLEAN" for a DECIMAL(4, 2) IN (10, true)). */
static wy_status_t bind_in(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  set_type(e, wy_type_boolean());
  const wy_type_t *vt = e->kids[0]->type;
  if (!vt) return WY_OK; /* NULL IN (...) is NULL */
  const wy_type_t *common = wy_type_ref(vt);
  for (size_t i = 1; i < e->nkids; i++) {
    bool changed;
    wy_expr_t *k = e->kids[i];
    if (is_num(common) && k->kind == WY_E_LITERAL && k->type && k->type->kind == WY_T_STRING &&
        !k->value.null) {
      wy_value_t v;
      const wy_type_t *lt = NULL;
      if (!numeric_text(k->value.u.str, k->value.len, &v, &lt)) {
        char tn[64];
        wy_type_format(common, tn, sizeof tn);
        if (common->kind == WY_T_DECIMAL) snprintf(tn, sizeof tn, "DECIMAL");
        st = FAIL(k, WY_ERR_TYPE, "invalid input syntax for type %s: \"%.*s\".", tn,
                  (int)k->value.len, k->value.u.str);
        break;
      }
      st = replace_literal(c, &e->kids[i], &v, lt, &changed);
      wy_type_unref(lt);
      if (st) break;
    } else if ((st = coerce_literal(c, &e->kids[i], common, &changed))) {
      break;
    } else if (common->kind == WY_T_STRUCT && e->kids[i]->kind == WY_E_STRUCT &&
               (st = shape_struct(c, &e->kids[i], common))) {
      break;
    }
    const wy_type_t *t = e->kids[i]->type;
    if (!t) continue; /* a NULL: coerced below */
    const wy_type_t *u = comparison_type(common, t, WY_OP_EQ);
    if (!u && structs_comparable(common, t)) u = wy_type_ref(common); /* by field name */
    if (!u) {
      st = FAIL(
          e->kids[i], WY_ERR_TYPE,
          "operator does not exist: %s = %s (%s)\nHint: You might need to add explicit type casts.",
          ttext(common).s, ttext(t).s, etext(e->kids[i]).s);
      break;
    }
    if (common->kind == WY_T_STRUCT) {
      wy_type_unref(u);
      continue;
    }
    wy_type_unref(common);
    common = u;
  }
  if (st) {
    wy_type_unref(common);
    return st;
  }
  for (size_t i = 0; i < e->nkids && !st; i++)
    if (common->kind != WY_T_STRUCT) st = coerce(c, &e->kids[i], common);
  wy_type_unref(common);
  return st;
}

static wy_status_t bind_case(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  size_t k = e->has_operand, pairs = (e->nkids - e->has_operand - e->has_else) / 2;
  /* conditions */
  for (size_t i = 0; i < pairs; i++) {
    wy_expr_t **w = &e->kids[k + 2 * i];
    if (e->has_operand) {
      const wy_type_t *u = (*w)->type
                               ? comparison_type(e->kids[0]->type ? e->kids[0]->type : (*w)->type,
                                                 (*w)->type, WY_OP_EQ)
                               : NULL;
      if ((*w)->type && e->kids[0]->type && !u)
        return FAIL(*w, WY_ERR_TYPE, "Cannot compare %s (%s) to %s (%s) with EQUAL.",
                    etext(e->kids[0]).s, ttext(e->kids[0]->type).s, etext(*w).s,
                    ttext((*w)->type).s);
      if (u) {
        st = coerce(c, w, u);
        if (!st && e->kids[0]->type && !wy_type_equal(e->kids[0]->type, u))
          st = coerce(c, &e->kids[0], u);
        wy_type_unref(u);
        if (st) return st;
      }
    } else {
      if (!(*w)->type) continue;
      if ((*w)->type->kind != WY_T_BOOLEAN)
        return FAIL(*w, WY_ERR_TYPE, "WHEN operand type should be boolean. Type for '%s' is %s",
                    etext(*w).s, ttext((*w)->type).s);
    }
  }
  /* results */
  const wy_type_t *t = NULL;
  for (size_t i = 0; i <= pairs; i++) {
    wy_expr_t *r = i < pairs ? e->kids[k + 2 * i + 1] : e->has_else ? e->kids[e->nkids - 1] : NULL;
    if (!r || !r->type) continue;
    if (!t) {
      t = wy_type_ref(r->type);
      continue;
    }
    const wy_type_t *u = wy_type_common(t, r->type);
    if (!u) {
      st = FAIL(r, WY_ERR_TYPE,
                "Invalid Case expression. Type for all 'THEN' clauses should be the same. "
                "Result types: %s and %s",
                ttext(t).s, ttext(r->type).s);
      wy_type_unref(t);
      return st;
    }
    wy_type_unref(t);
    t = u;
  }
  if (!t) return FAIL(e, WY_ERR_TYPE, "Invalid Case expression. All case branches have NULL type");
  for (size_t i = 0; i < pairs && !st; i++) st = coerce(c, &e->kids[k + 2 * i + 1], t);
  if (!st && e->has_else) st = coerce(c, &e->kids[e->nkids - 1], t);
  set_type(e, t);
  return st;
}

static wy_status_t bind_cast(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  const wy_type_t *from = e->kids[0]->type;
  if (from && !wy_cast_supported(from, e->target))
    return FAIL(e, WY_ERR_TYPE, "Cast of %s to %s is not supported", ttext(from).s,
                ttext(e->target).s);
  set_type(e, wy_type_ref(e->target));
  return WY_OK;
}

static wy_status_t bind_field(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  const wy_type_t *t = e->kids[0]->type;
  if (!t || t->kind != WY_T_STRUCT)
    return FAIL(e, WY_ERR_TYPE, "Expected STRUCT type for %s but got %s", etext(e->kids[0]).s,
                ttext(t).s);
  int i = wy_type_field_index(t, e->name);
  if (i < 0) /* unquoted identifiers arrive upper-cased: accept a unique case-insensitive match */
    for (size_t j = 0; j < t->nfields; j++)
      if (!strcasecmp(t->fields[j].name, e->name)) {
        if (i >= 0) {
          i = -1;
          break;
        }
        i = (int)j;
      }
  if (i < 0)
    return FAIL(e, WY_ERR_TYPE, "Could not find field '%s' in '%s'.", e->name, etext(e->kids[0]).s);
  e->slot = i;
  set_type(e, wy_type_ref(t->fields[i].type));
  return WY_OK;
}

static wy_status_t bind_subscript(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  const wy_type_t *t = e->kids[0]->type, *it = e->kids[1]->type;
  if (t && t->kind == WY_T_ARRAY) {
    if (it && it->kind != WY_T_INT && it->kind != WY_T_BIGINT)
      return FAIL(e->kids[1], WY_ERR_TYPE, "Array index must be an INTEGER or BIGINT, got %s",
                  ttext(it).s);
    if ((st = coerce(c, &e->kids[1], wy_type_int()))) return st;
    set_type(e, wy_type_ref(t->elem));
    return WY_OK;
  }
  if (t && t->kind == WY_T_MAP) {
    if (it && wy_type_widen_cost(it, t->key) < 0)
      return FAIL(e->kids[1], WY_ERR_TYPE, "Map key type mismatch: expected %s but got %s",
                  ttext(t->key).s, ttext(it).s);
    if ((st = coerce(c, &e->kids[1], t->key))) return st;
    set_type(e, wy_type_ref(t->elem));
    return WY_OK;
  }
  return FAIL(e, WY_ERR_TYPE, "Subscript expects ARRAY or MAP but %s is %s", etext(e->kids[0]).s,
              ttext(t).s);
}

/* Common type of kids[start], kids[start+step], ... ; coerces them to it. */
/* The common type of two STRUCTs in a constructor list: every field of either, common
 * fields at their common type (ksqlDB's expression-list rule). NULL when a common field
 * has no common type. */
static const wy_type_t *struct_common(const wy_type_t *a, const wy_type_t *b);

static const wy_type_t *item_common(const wy_type_t *a, const wy_type_t *b) {
  if (a->kind == WY_T_STRUCT && b->kind == WY_T_STRUCT) return struct_common(a, b);
  return wy_type_common(a, b);
}

static const wy_type_t *struct_common(const wy_type_t *a, const wy_type_t *b) {
  wy_type_t *s = wy_type_struct_new();
  for (size_t i = 0; s && i < a->nfields; i++) {
    int j = wy_type_field_index(b, a->fields[i].name);
    const wy_type_t *ft =
        j < 0 ? wy_type_ref(a->fields[i].type) : item_common(a->fields[i].type, b->fields[j].type);
    if (!ft || !wy_type_struct_add(s, a->fields[i].name, ft)) {
      wy_type_unref(s);
      return NULL;
    }
  }
  for (size_t j = 0; s && j < b->nfields; j++)
    if (wy_type_field_index(a, b->fields[j].name) < 0 &&
        !wy_type_struct_add(s, b->fields[j].name, wy_type_ref(b->fields[j].type))) {
      wy_type_unref(s);
      return NULL;
    }
  return s;
}

/* The numeric type of a STRING literal holding a number, as ksqlDB reads it in a list of
 * numbers: INT or BIGINT when whole and in range, else the DECIMAL its digits need;
 * NULL when the text is not a number. */
static const wy_type_t *numeric_text_type(const char *s, size_t n) {
  size_t i = 0, digits = 0, frac = 0;
  bool dot = false, lead = true;
  long exp = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  for (; i < n && (isdigit((unsigned char)s[i]) || (s[i] == '.' && !dot)); i++) {
    if (s[i] == '.') {
      dot = true;
      continue;
    }
    if (dot) frac++;
    if (lead && s[i] == '0') continue;
    lead = false;
    digits++;
  }
  if (!digits && !frac && !(i > 0 && s[i - 1] == '0')) return NULL;
  bool has_exp = i < n && (s[i] == 'e' || s[i] == 'E');
  if (has_exp) {
    char *end;
    exp = strtol(s + i + 1, &end, 10);
    if (end == s + i + 1 || end != s + n) return NULL;
  } else if (i != n) {
    return NULL;
  }
  if (!dot && !has_exp) {
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (!errno && v >= INT32_MIN && v <= INT32_MAX) return wy_type_int();
    if (!errno) return wy_type_bigint();
  }
  long scale = (long)frac - exp, prec = digits ? (long)digits : 1;
  if (scale < 0) prec -= scale, scale = 0;
  if (prec < scale) prec = scale;
  if (prec > WY_DECIMAL_MAX_PRECISION || scale > WY_DECIMAL_MAX_PRECISION) return NULL;
  return wy_type_decimal((int)(prec ? prec : 1), (int)scale);
}

static bool is_string_literal(const wy_expr_t *e) {
  return e->kind == WY_E_LITERAL && e->type && e->type->kind == WY_T_STRING;
}

/* ksqlDB's rules for the items of an ARRAY or MAP constructor: the first non-NULL item
 * decides. After a STRING every item must be a STRING or a literal (converted to its
 * text); otherwise the items widen to a common type (STRUCTs to the union of their
 * fields) and a STRING literal among them is parsed as that type. */
static wy_status_t unify_items(bctx_t *c, wy_expr_t *e, size_t start, size_t step, const char *what,
                               const wy_type_t **out) {
  *out = NULL; /* on every path: GCC at -O3 cannot tell that callers read it only on success */
  const wy_type_t *t = NULL;
  for (size_t i = start; i < e->nkids; i += step) {
    const wy_type_t *k = e->kids[i]->type;
    if (!k) continue;
    if (!t) {
      t = wy_type_ref(k);
      continue;
    }
    if (t->kind == WY_T_STRING &&
        (k->kind == WY_T_STRING || (e->kids[i]->kind == WY_E_LITERAL && wy_type_is_primitive(k))))
      continue;
    const wy_type_t *lit = NULL;
    if (t->kind != WY_T_STRING && is_string_literal(e->kids[i])) {
      /* Parsed as the list's type later; a number widens the list as its value needs. */
      lit = wy_type_is_numeric(t)
                ? numeric_text_type(e->kids[i]->value.u.str, e->kids[i]->value.len)
                : NULL;
      if (!lit) continue;
      k = lit;
    }
    const wy_type_t *u = item_common(t, k);
    if (!u) {
      wy_status_t st = FAIL(e->kids[i], WY_ERR_TYPE,
                            "invalid input syntax for %s: all %s must be of the same type, "
                            "got %s and %s",
                            what, what, ttext(t).s, ttext(k).s);
      wy_type_unref(lit);
      wy_type_unref(t);
      return st;
    }
    wy_type_unref(lit);
    wy_type_unref(t);
    t = u;
  }
  if (!t) {
    if (e->kind == WY_E_MAP)
      return FAIL(e, WY_ERR_TYPE, "Cannot construct a map with all NULL %s", what);
    return FAIL(e, WY_ERR_TYPE,
                "Cannot construct an array with all NULL elements (see "
                "https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may "
                "cast a NULL value to the desired type.");
  }
  wy_status_t st = WY_OK;
  for (size_t i = start; i < e->nkids && !st; i += step) {
    bool changed;
    st = coerce_literal(c, &e->kids[i], t, &changed);
    if (!st) st = coerce(c, &e->kids[i], t);
  }
  if (st)
    wy_type_unref(t);
  else
    *out = t;
  return st;
}

static wy_status_t bind_constructor(bctx_t *c, wy_expr_t *e) {
  wy_status_t st = bind_kids(c, e);
  if (st) return st;
  if (e->kind == WY_E_ARRAY) {
    const wy_type_t *t;
    if (!e->nkids)
      return FAIL(e, WY_ERR_TYPE,
                  "Array constructor cannot be empty. Please supply at least one element (see "
                  "https://github.com/confluentinc/ksql/issues/4239).");
    if ((st = unify_items(c, e, 0, 1, "elements", &t))) return st;
    set_type(e, wy_type_array(t));
  } else if (e->kind == WY_E_MAP) {
    const wy_type_t *k, *v;
    if (!e->nkids)
      return FAIL(e, WY_ERR_TYPE,
                  "Map constructor cannot be empty. Please supply at least one key value pair "
                  "(see https://github.com/confluentinc/ksql/issues/4239).");
    if ((st = unify_items(c, e, 0, 2, "keys", &k))) return st;
    if ((st = unify_items(c, e, 1, 2, "values", &v))) {
      wy_type_unref(k);
      return st;
    }
    set_type(e, wy_type_map(k, v));
  } else {
    for (size_t i = 0; i < e->nkids; i++)
      for (size_t j = 0; j < i; j++)
        if (!strcmp(e->names[i], e->names[j]))
          return FAIL(e->kids[i], WY_ERR_TYPE, "Duplicate field names found in STRUCT: '%s'",
                      e->names[i]);
    wy_type_t *s = wy_type_struct_new();
    for (size_t i = 0; s && i < e->nkids; i++) {
      if (!e->kids[i]->type) {
        wy_type_unref(s);
        return FAIL(e->kids[i], WY_ERR_TYPE,
                    "Can't infer a type of null. Please explicitly cast it to a required type, "
                    "e.g. CAST(null AS VARCHAR).");
      }
      if (!wy_type_struct_add(s, e->names[i], wy_type_ref(e->kids[i]->type))) {
        wy_type_unref(s);
        s = NULL;
      }
    }
    set_type(e, s);
  }
  return e->type ? WY_OK : nomem(c);
}

/* ---- calls ------------------------------------------------------------------------------ */

typedef struct {
  bctx_t *c;
  wy_expr_t *call;
} typer_ctx_t;

static const wy_type_t *type_lambda(void *user, size_t arg, const wy_type_t *const *params,
                                    size_t n, wy_error_t *err) {
  typer_ctx_t *tc = user;
  bctx_t *c = tc->c;
  wy_expr_t *lam = tc->call->kids[arg];
  if (lam->nnames != n || c->nvars + (int)n > WY_EXPR_MAX_LAMBDA_SLOTS) {
    wy_error_set_pos(err, WY_ERR_TYPE, lam->line, lam->col, "Too many lambda parameters");
    return NULL;
  }
  int base = c->nvars;
  lam->slot = c->next_slot;
  for (size_t i = 0; i < n; i++) {
    c->vars[c->nvars].name = lam->names[i];
    c->vars[c->nvars].type = params[i];
    c->vars[c->nvars].slot = c->next_slot++;
    c->nvars++;
  }
  if (c->next_slot > WY_EXPR_MAX_LAMBDA_SLOTS) {
    wy_error_set_pos(err, WY_ERR_TYPE, lam->line, lam->col, "Lambdas are nested too deeply");
    return NULL;
  }
  wy_status_t st = bind(c, &lam->kids[0]);
  c->nvars = base;
  if (st) return NULL;
  if (!lam->kids[0]->type) {
    wy_error_set_pos(err, WY_ERR_TYPE, lam->line, lam->col,
                     "Can't infer a type of null in lambda %s", etext(lam).s);
    return NULL;
  }
  set_type(lam, wy_type_ref(lam->kids[0]->type));
  lam->bound = true;
  return wy_type_ref(lam->kids[0]->type);
}

static wy_status_t bind_call(bctx_t *c, wy_expr_t *e, bool table) {
  const wy_function_t *f = wy_registry_find(c->reg, e->name);
  bool agg = f && (f->flags & WY_FN_AGGREGATE) && !table;
  if (agg && (!c->allow_agg || c->agg_depth))
    return FAIL(e, WY_ERR_ANALYSIS,
                c->agg_depth ? "Aggregate functions can not be nested: %s"
                             : "Aggregate function %s is not allowed here",
                etext(c->agg_depth ? c->agg_outer : e).s);
  const wy_expr_t *outer = c->agg_outer;
  if (agg && !c->agg_depth) c->agg_outer = e;
  c->agg_depth += agg;
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < e->nkids && !st; i++)
    if (e->kids[i]->kind != WY_E_LAMBDA) st = bind(c, &e->kids[i]);
  c->agg_depth -= agg;
  c->agg_outer = outer;
  if (st) return st;
  wy_call_arg_t stack_args[16],
      *args = e->nkids <= 16 ? stack_args : calloc(e->nkids, sizeof *args);
  if (!args) return nomem(c);
  for (size_t i = 0; i < e->nkids; i++) {
    wy_expr_t *k = e->kids[i];
    args[i].type = k->kind == WY_E_LAMBDA ? NULL : k->type;
    args[i].literal = wy_expr_literal_value(k);
    args[i].lambda_arity = k->kind == WY_E_LAMBDA ? (int)k->nnames : 0;
  }
  wy_resolved_release(&e->res);
  typer_ctx_t tc = {c, e};
  st = wy_registry_resolve_kind(c->reg, e->name, args, e->nkids,
                                table ? WY_FN_KIND_TABLE
                                : agg ? WY_FN_KIND_AGGREGATE
                                      : WY_FN_KIND_SCALAR,
                                type_lambda, &tc, &e->res, c->err);
  if (args != stack_args) free(args);
  if (st) {
    if (c->err && !c->err->line) c->err->line = e->line, c->err->column = e->col;
    return st;
  }
  for (size_t i = 0; i < e->nkids && !st; i++) {
    if (e->kids[i]->kind == WY_E_LAMBDA) continue;
    bool changed; /* a literal converted at bind time, with ksqlDB's error if it cannot be */
    st = coerce_literal(c, &e->kids[i], e->res.param_types[i], &changed);
    if (!st) st = coerce(c, &e->kids[i], e->res.param_types[i]);
  }
  /* a table function's call evaluates to the ARRAY of its values */
  set_type(e, table ? wy_type_array(wy_type_ref(e->res.ret)) : wy_type_ref(e->res.ret));
  return st;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

/* Re-binding (a lambda typed for another overload, a re-typed constructor) starts from
 * the tree as built: drop the casts this binder inserted before around e's children. */
static void drop_implicit_casts(wy_expr_t *e) {
  for (size_t i = 0; i < e->nkids; i++)
    while (e->kids[i]->implicit) {
      wy_expr_t *inner = e->kids[i]->kids[0];
      e->kids[i]->kids[0] = NULL;
      e->kids[i]->nkids = 0;
      wy_expr_destroy(e->kids[i]);
      e->kids[i] = inner;
    }
}

static wy_status_t bind(bctx_t *c, wy_expr_t **ep) {
  wy_expr_t *e = *ep;
  drop_implicit_casts(e);
  wy_status_t st = WY_OK;
  switch (e->kind) {
    case WY_E_LITERAL:
    case WY_E_COLUMN:
      break;
    case WY_E_LAMBDA_VAR: {
      int i = c->nvars - 1;
      while (i >= 0 && strcasecmp(c->vars[i].name, e->name)) i--;
      if (i < 0) return FAIL(e, WY_ERR_ANALYSIS, "Unknown lambda variable '%s'", e->name);
      e->slot = c->vars[i].slot;
      set_type(e, wy_type_ref(c->vars[i].type));
      break;
    }
    case WY_E_CALL:
      st = bind_call(c, e, false);
      break;
    case WY_E_BINARY:
      st = bind_binary(c, e);
      break;
    case WY_E_UNARY:
      st = bind_unary(c, e);
      break;
    case WY_E_LIKE:
      st = bind_like(c, e);
      break;
    case WY_E_BETWEEN:
      st = bind_between(c, e);
      break;
    case WY_E_IN:
      st = bind_in(c, e);
      break;
    case WY_E_CASE:
      st = bind_case(c, e);
      break;
    case WY_E_CAST:
      st = bind_cast(c, e);
      break;
    case WY_E_FIELD:
      st = bind_field(c, e);
      break;
    case WY_E_SUBSCRIPT:
      st = bind_subscript(c, e);
      break;
    case WY_E_ARRAY:
    case WY_E_MAP:
    case WY_E_STRUCT:
      st = bind_constructor(c, e);
      break;
    case WY_E_LAMBDA:
      return FAIL(e, WY_ERR_ANALYSIS,
                  "Lambda expressions are only allowed as function arguments: %s", etext(e).s);
    default:
      return FAIL(e, WY_ERR_INTERNAL, "unknown expression kind %d", (int)e->kind);
  }
  if (!st) (*ep)->bound = true;
  return st;
}

wy_status_t wy_expr_bind(wy_expr_t *e, const wy_registry_t *reg, bool allow_aggregates,
                         wy_error_t *err) {
  bctx_t c;
  memset(&c, 0, sizeof c);
  c.reg = reg ? reg : wy_registry_builtins();
  c.allow_agg = allow_aggregates;
  c.err = err;
  if (!c.reg) return wy_error_set(err, WY_ERR_INTERNAL, "no function registry");
  wy_expr_t *root = e;
  wy_status_t st = bind(&c, &root);
  if (st) return st;
  if (root != e) return wy_error_set(err, WY_ERR_INTERNAL, "root replaced during binding");
  if (!e->type)
    return wy_error_set_pos(err, WY_ERR_TYPE, e->line, e->col,
                            "Can't infer a type of null. Please explicitly cast it to a required "
                            "type, e.g. CAST(null AS VARCHAR).");
  return WY_OK;
}

wy_status_t wy_expr_bind_table_call(wy_expr_t *e, const wy_registry_t *reg, wy_error_t *err) {
  bctx_t c;
  memset(&c, 0, sizeof c);
  c.reg = reg ? reg : wy_registry_builtins();
  c.err = err;
  if (!c.reg) return wy_error_set(err, WY_ERR_INTERNAL, "no function registry");
  if (e->kind != WY_E_CALL)
    return wy_error_set(err, WY_ERR_INTERNAL, "a table function call is not a call");
  drop_implicit_casts(e);
  wy_status_t st = bind_call(&c, e, true);
  if (!st) e->bound = true;
  return st;
}

wy_status_t wy_expr_check_boolean(const wy_expr_t *e, wy_error_t *err) {
  if (e->type && e->type->kind == WY_T_BOOLEAN) return WY_OK;
  return wy_error_set_pos(err, WY_ERR_TYPE, e->line, e->col,
                          "Should evaluate to boolean but is %s (%s) instead.", etext(e).s,
                          ttext(e->type).s);
}
