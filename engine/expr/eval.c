/* Compilation of bound trees into programs of function-pointer nodes, and their
 * evaluation. Each node's evaluator is chosen once, at compile time, from the node's
 * kind and operand types, so a row pays no type dispatch beyond one indirect call per
 * node. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/decimal.h"
#include "engine/expr/expr_int.h"
#include "udf/convert.h"

typedef struct cnode cnode_t;

typedef struct frame {
  const wy_value_t *row;
  wy_arena_t *arena;
  wy_error_t *err;
  wy_value_t lv[WY_EXPR_MAX_LAMBDA_SLOTS];
} frame_t;

typedef wy_status_t (*eval_fn)(const cnode_t *n, frame_t *f, wy_value_t *out);

struct cnode {
  eval_fn fn;
  wy_expr_op_t op;
  bool negated, has_operand, has_else;
  const wy_type_t *type;          /* result type (ref) */
  const wy_type_t *from;          /* CAST: source type (ref, NULL for untyped NULL) */
  const wy_type_t *ltype, *rtype; /* comparisons of structs: operand types (refs) */
  uint32_t nkids;
  cnode_t **kids;
  wy_value_t value;
  int slot;
  uint32_t nlambda; /* LAMBDA: number of parameters */
  eval_fn inner;    /* arithmetic in a lambda body: the operator, behind ev_lambda_arith */
  wy_scalar_fn call;
  void *site;
  wy_release_fn release;
  unsigned ov_flags;
  const wy_type_t **arg_types; /* refs */
  cnode_t *next_alloc;
};

struct wy_expr_program {
  wy_arena_t arena;
  cnode_t *root;
  cnode_t *nodes;   /* every node, for destruction */
  int lambda_depth; /* while compiling: inside how many lambda bodies */
};

#define ERR(f, ...) wy_error_set((f)->err, WY_ERR_EVAL, __VA_ARGS__)

static wy_status_t ev(const cnode_t *n, frame_t *f, wy_value_t *out) { return n->fn(n, f, out); }

static wy_value_t null_of(const cnode_t *n) {
  return wy_null(n->type ? n->type->kind : WY_T_STRING);
}

/* ---- leaves ------------------------------------------------------------------------ */

static wy_status_t ev_literal(const cnode_t *n, frame_t *f, wy_value_t *out) {
  (void)f;
  *out = n->value;
  return WY_OK;
}
static wy_status_t ev_column(const cnode_t *n, frame_t *f, wy_value_t *out) {
  *out = f->row[n->slot];
  return WY_OK;
}
static wy_status_t ev_lambda_var(const cnode_t *n, frame_t *f, wy_value_t *out) {
  *out = f->lv[n->slot];
  return WY_OK;
}

/* ---- arithmetic -------------------------------------------------------------------- */

static wy_status_t ev_arith_int(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (!st) st = ev(n->kids[1], f, &b);
  if (st) return st;
  if (a.null || b.null) return *out = null_of(n), WY_OK;
  /* Java int arithmetic wraps on overflow; do it in unsigned to stay defined in C. */
  uint32_t x = (uint32_t)a.u.i32, y = (uint32_t)b.u.i32;
  int32_t r;
  switch (n->op) {
    case WY_OP_ADD:
      r = (int32_t)(x + y);
      break;
    case WY_OP_SUB:
      r = (int32_t)(x - y);
      break;
    case WY_OP_MUL:
      r = (int32_t)(x * y);
      break;
    case WY_OP_DIV:
      if (!b.u.i32) return ERR(f, "/ by zero");
      r = b.u.i32 == -1 ? (int32_t)(0u - x) : a.u.i32 / b.u.i32;
      break;
    default:
      if (!b.u.i32) return ERR(f, "/ by zero");
      r = b.u.i32 == -1 ? 0 : a.u.i32 % b.u.i32;
      break;
  }
  *out = wy_int(r);
  return WY_OK;
}

static wy_status_t ev_arith_bigint(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (!st) st = ev(n->kids[1], f, &b);
  if (st) return st;
  if (a.null || b.null) return *out = null_of(n), WY_OK;
  uint64_t x = (uint64_t)a.u.i64, y = (uint64_t)b.u.i64;
  int64_t r;
  switch (n->op) {
    case WY_OP_ADD:
      r = (int64_t)(x + y);
      break;
    case WY_OP_SUB:
      r = (int64_t)(x - y);
      break;
    case WY_OP_MUL:
      r = (int64_t)(x * y);
      break;
    case WY_OP_DIV:
      if (!b.u.i64) return ERR(f, "/ by zero");
      r = b.u.i64 == -1 ? (int64_t)(0u - x) : a.u.i64 / b.u.i64;
      break;
    default:
      if (!b.u.i64) return ERR(f, "/ by zero");
      r = b.u.i64 == -1 ? 0 : a.u.i64 % b.u.i64;
      break;
  }
  *out = wy_bigint(r);
  return WY_OK;
}

static wy_status_t ev_arith_double(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (!st) st = ev(n->kids[1], f, &b);
  if (st) return st;
  if (a.null || b.null) return *out = null_of(n), WY_OK;
  double x = a.u.f64, y = b.u.f64, r;
  switch (n->op) {
    case WY_OP_ADD:
      r = x + y;
      break;
    case WY_OP_SUB:
      r = x - y;
      break;
    case WY_OP_MUL:
      r = x * y;
      break;
    case WY_OP_DIV:
      r = x / y;
      break;
    default:
      r = fmod(x, y);
      break;
  }
  *out = wy_double(r);
  return WY_OK;
}

/* Exact decimal division q = x / y at `digits` extra decimal places, HALF_UP. Works on
 * magnitudes below 2^127 without overflow by building each digit from remainders. */
static bool dec_div(wy_int128_t x, wy_int128_t y, int digits, wy_int128_t *q_out) {
  bool neg = (x < 0) != (y < 0);
  unsigned __int128 ux = x < 0 ? -(unsigned __int128)x : (unsigned __int128)x;
  unsigned __int128 uy = y < 0 ? -(unsigned __int128)y : (unsigned __int128)y;
  unsigned __int128 q = ux / uy, rem = ux % uy;
  const unsigned __int128 lim = (unsigned __int128)wy_decimal_pow10(38);
  for (int i = 0; i < digits; i++) {
    unsigned __int128 nr = 0;
    unsigned d = 0;
    for (int k = 0; k < 10; k++) { /* nr = 10*rem mod y, d = 10*rem div y */
      if (nr >= uy - rem) {
        nr -= uy - rem;
        d++;
      } else {
        nr += rem;
      }
    }
    if (q > lim) return false;
    q = q * 10 + d;
    rem = nr;
  }
  if (rem >= uy - rem) q++; /* 2*rem >= y: HALF_UP */
  if (q > lim) return false;
  *q_out = neg ? -(wy_int128_t)q : (wy_int128_t)q;
  return true;
}

static wy_status_t ev_arith_decimal(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (!st) st = ev(n->kids[1], f, &b);
  if (st) return st;
  if (a.null || b.null) return *out = null_of(n), WY_OK;
  int P = n->type->precision, S = n->type->scale;
  wy_int128_t x, y, r = 0;
  bool ok = true;
  switch (n->op) {
    case WY_OP_ADD:
    case WY_OP_SUB:
      ok = wy_decimal_rescale(a.u.dec, a.scale, S, &x) &&
           wy_decimal_rescale(b.u.dec, b.scale, S, &y);
      r = n->op == WY_OP_ADD ? x + y : x - y;
      break;
    case WY_OP_MUL:
      ok = !__builtin_mul_overflow(a.u.dec, b.u.dec, &x) &&
           wy_decimal_rescale(x, a.scale + b.scale, S, &r);
      break;
    case WY_OP_DIV: {
      if (!b.u.dec) return ERR(f, "Division by zero");
      /* x/10^s1 / (y/10^s2) at scale S = (x * 10^(S - s1 + s2)) / y */
      int k = S - a.scale + b.scale;
      x = a.u.dec;
      y = b.u.dec;
      if (k < 0) ok = wy_decimal_rescale(y, 0, -k, &y), k = 0;
      ok = ok && dec_div(x, y, k, &r);
      break;
    }
    default: {
      if (!b.u.dec) return ERR(f, "Division by zero");
      int s = a.scale > b.scale ? a.scale : b.scale;
      ok = wy_decimal_rescale(a.u.dec, a.scale, s, &x) &&
           wy_decimal_rescale(b.u.dec, b.scale, s, &y);
      ok = ok && wy_decimal_rescale(x % y, s, S, &r);
      break;
    }
  }
  if (!ok || !wy_decimal_fits(r, P))
    return ERR(f, "Numeric field overflow: result does not fit DECIMAL(%d, %d)", P, S);
  *out = wy_decimal(r, P, S);
  return WY_OK;
}

static wy_status_t ev_concat(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (!st) st = ev(n->kids[1], f, &b);
  if (st) return st;
  if (a.null || b.null) return *out = null_of(n), WY_OK;
  char *p = wy_arena_alloc(f->arena, (size_t)a.len + b.len + 1);
  if (!p) return wy_error_set(f->err, WY_ERR_NOMEM, "out of memory");
  memcpy(p, a.u.str, a.len);
  memcpy(p + a.len, b.u.str, b.len);
  *out = wy_string(p, (size_t)a.len + b.len);
  return WY_OK;
}

static wy_status_t ev_neg(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_status_t st = ev(n->kids[0], f, out);
  if (st || out->null) return st;
  switch (out->kind) {
    case WY_T_INT:
      out->u.i32 = (int32_t)(0u - (uint32_t)out->u.i32);
      break;
    case WY_T_BIGINT:
      out->u.i64 = (int64_t)(0u - (uint64_t)out->u.i64);
      break;
    case WY_T_DOUBLE:
      out->u.f64 = -out->u.f64;
      break;
    case WY_T_DECIMAL:
      out->u.dec = -out->u.dec;
      break;
    default:
      break;
  }
  return WY_OK;
}

/* ---- logic and comparison ---------------------------------------------------------- */

/* 3VL truth: 0 false, 1 true, 2 unknown. */
static wy_value_t tv(int t) { return t == 2 ? wy_null(WY_T_BOOLEAN) : wy_bool(t == 1); }
static int truth(const wy_value_t *v) { return v->null ? 2 : v->u.b ? 1 : 0; }

static wy_status_t ev_and_or(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (st) return st;
  int ta = truth(&a), stop = n->op == WY_OP_AND ? 0 : 1;
  if (ta == stop) return *out = wy_bool(stop), WY_OK; /* short circuit */
  if ((st = ev(n->kids[1], f, &b))) return st;
  int tb = truth(&b);
  if (tb == stop) return *out = wy_bool(stop), WY_OK;
  *out = tv(ta == 2 || tb == 2 ? 2 : !stop);
  return WY_OK;
}

static wy_status_t ev_not(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_status_t st = ev(n->kids[0], f, out);
  if (!st && !out->null) out->u.b = !out->u.b;
  return st;
}

static wy_status_t ev_is_null(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (st) return st;
  *out = wy_bool((a.null != 0) == (n->op == WY_OP_IS_NULL));
  return WY_OK;
}

static bool as_double(const wy_value_t *v, double *d) {
  switch (v->kind) {
    case WY_T_INT:
      *d = v->u.i32;
      return true;
    case WY_T_BIGINT:
      *d = (double)v->u.i64;
      return true;
    case WY_T_DOUBLE:
      *d = v->u.f64;
      return true;
    case WY_T_DECIMAL:
      *d = wy_decimal_to_double(v->u.dec, v->scale);
      return true;
    default:
      return false;
  }
}

/* Struct equality by field name, so STRUCT(B:=2, A:=1) equals {A=1, B=2}. A field one
 * side lacks counts as null there, as ksqlDB coerces a constructor to the other side's
 * type: STRUCT(A:=5) equals {A=5, B=null}, STRUCT(A:=3, C:=4) does not equal {A=3}. */
static bool struct_equal(const wy_value_t *a, const wy_type_t *ta, const wy_value_t *b,
                         const wy_type_t *tb) {
  if (!ta || !tb || wy_type_equal(ta, tb)) return wy_value_equal(a, b);
  for (size_t j = 0; j < tb->nfields; j++)
    if (wy_type_field_index(ta, tb->fields[j].name) < 0 && !b->u.list->items[j].null) return false;
  for (size_t i = 0; i < ta->nfields; i++) {
    int j = wy_type_field_index(tb, ta->fields[i].name);
    const wy_value_t *x = &a->u.list->items[i];
    if (j < 0) {
      if (!x->null) return false;
      continue;
    }
    const wy_value_t *y = &b->u.list->items[j];
    if (x->kind != y->kind && !x->null && !y->null) {
      double dx, dy; /* numeric fields of different widths compare by value */
      if (!as_double(x, &dx) || !as_double(y, &dy) || dx != dy) return false;
      continue;
    }
    if (!wy_value_equal(x, y)) return false;
  }
  return true;
}

static bool values_equal(const cnode_t *n, const wy_value_t *a, const wy_value_t *b) {
  if (a->kind == WY_T_STRUCT) return struct_equal(a, n->ltype, b, n->rtype);
  if (a->kind == WY_T_DOUBLE) return a->u.f64 == b->u.f64;
  return wy_value_equal(a, b);
}

static bool cmp_holds(wy_expr_op_t op, int c) {
  switch (op) {
    case WY_OP_EQ:
      return c == 0;
    case WY_OP_NE:
      return c != 0;
    case WY_OP_LT:
      return c < 0;
    case WY_OP_LE:
      return c <= 0;
    case WY_OP_GT:
      return c > 0;
    default:
      return c >= 0;
  }
}

static int compare_values(const wy_value_t *a, const wy_value_t *b) {
  if (a->kind == WY_T_DOUBLE) { /* Java primitive comparisons: NaN is unordered */
    if (isnan(a->u.f64) || isnan(b->u.f64)) return 2;
    return a->u.f64 < b->u.f64 ? -1 : a->u.f64 > b->u.f64;
  }
  return wy_value_compare(a, b);
}

static wy_status_t ev_compare(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t a, b;
  wy_status_t st = ev(n->kids[0], f, &a);
  if (!st) st = ev(n->kids[1], f, &b);
  if (st) return st;
  if (n->op == WY_OP_DISTINCT || n->op == WY_OP_NOT_DISTINCT) {
    bool same = a.null || b.null ? a.null && b.null : values_equal(n, &a, &b);
    *out = wy_bool(same == (n->op == WY_OP_NOT_DISTINCT));
    return WY_OK;
  }
  /* ksqlDB's generated code: a comparison with a NULL operand is false, not NULL. */
  if (a.null || b.null) return *out = wy_bool(false), WY_OK;
  if (n->op == WY_OP_EQ || n->op == WY_OP_NE) {
    *out = wy_bool(values_equal(n, &a, &b) == (n->op == WY_OP_EQ));
    return WY_OK;
  }
  int c = compare_values(&a, &b);
  *out = wy_bool(c != 2 && cmp_holds(n->op, c));
  return WY_OK;
}

/* ---- LIKE ------------------------------------------------------------------------------ */

static size_t u8len(unsigned char c) { return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4; }

typedef enum { TOK_LIT, TOK_ANY, TOK_STAR } tok_kind_t;

static tok_kind_t like_tok(const char *p, size_t m, size_t i, int esc, size_t *tlen, size_t *loff) {
  unsigned char ch = (unsigned char)p[i];
  *loff = 0;
  if (esc >= 0 && ch == (unsigned char)esc && i + 1 < m) {
    *loff = 1;
    size_t l = u8len((unsigned char)p[i + 1]);
    *tlen = 1 + (i + 1 + l <= m ? l : m - i - 1);
    return TOK_LIT;
  }
  if (ch == '%') return *tlen = 1, TOK_STAR;
  if (ch == '_') return *tlen = 1, TOK_ANY;
  size_t l = u8len(ch);
  *tlen = i + l <= m ? l : m - i;
  return TOK_LIT;
}

static bool like_match(const char *s, size_t n, const char *p, size_t m, int esc) {
  size_t si = 0, pi = 0, star_pi = (size_t)-1, star_si = 0;
  while (si < n) {
    if (pi < m) {
      size_t tl, lo;
      tok_kind_t k = like_tok(p, m, pi, esc, &tl, &lo);
      if (k == TOK_STAR) {
        star_pi = pi + tl;
        star_si = si;
        pi = star_pi;
        continue;
      }
      if (k == TOK_ANY) {
        si += u8len((unsigned char)s[si]);
        pi += tl;
        continue;
      }
      size_t ll = tl - lo;
      if (si + ll <= n && !memcmp(s + si, p + pi + lo, ll)) {
        si += ll;
        pi += tl;
        continue;
      }
    }
    if (star_pi == (size_t)-1) return false;
    star_si += u8len((unsigned char)s[star_si]);
    si = star_si;
    pi = star_pi;
  }
  while (pi < m) {
    size_t tl, lo;
    if (like_tok(p, m, pi, esc, &tl, &lo) != TOK_STAR) return false;
    pi += tl;
  }
  return si >= n;
}

static wy_status_t ev_like(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t s, p, e = wy_null(WY_T_STRING);
  wy_status_t st = ev(n->kids[0], f, &s);
  if (!st) st = ev(n->kids[1], f, &p);
  if (!st && n->nkids > 2) st = ev(n->kids[2], f, &e);
  if (st) return st;
  if (s.null || p.null) return *out = wy_null(WY_T_BOOLEAN), WY_OK;
  int esc = e.null || !e.len ? -1 : (unsigned char)e.u.str[0];
  *out = wy_bool(like_match(s.u.str, s.len, p.u.str, p.len, esc) != n->negated);
  return WY_OK;
}

/* ---- BETWEEN, IN, CASE ------------------------------------------------------------------- */

static int cmp3(const wy_value_t *a, const wy_value_t *b, wy_expr_op_t op) {
  if (a->null || b->null) return 2;
  int c = compare_values(a, b);
  return c != 2 && cmp_holds(op, c);
}

static wy_status_t ev_between(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t v, lo, hi;
  wy_status_t st = ev(n->kids[0], f, &v);
  if (!st) st = ev(n->kids[1], f, &lo);
  if (!st) st = ev(n->kids[2], f, &hi);
  if (st) return st;
  int a = cmp3(&v, &lo, WY_OP_GE), b = cmp3(&v, &hi, WY_OP_LE);
  int t = a == 0 || b == 0 ? 0 : a == 2 || b == 2 ? 2 : 1;
  if (n->negated && t != 2) t = !t;
  *out = tv(t);
  return WY_OK;
}

static wy_status_t ev_in(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t v, x;
  wy_status_t st = ev(n->kids[0], f, &v);
  if (st) return st;
  if (v.null) return *out = wy_null(WY_T_BOOLEAN), WY_OK;
  int t = 0;
  for (uint32_t i = 1; i < n->nkids && t != 1; i++) {
    if ((st = ev(n->kids[i], f, &x))) return st;
    if (x.null)
      t = 2;
    else if (v.kind == WY_T_STRUCT ? struct_equal(&v, n->kids[0]->type, &x, n->kids[i]->type)
                                   : values_equal(n, &v, &x))
      t = 1;
  }
  if (n->negated && t != 2) t = !t;
  *out = tv(t);
  return WY_OK;
}

static wy_status_t ev_case(const cnode_t *n, frame_t *f, wy_value_t *out) {
  uint32_t k = n->has_operand, pairs = (n->nkids - n->has_operand - n->has_else) / 2;
  wy_value_t op, w;
  wy_status_t st = WY_OK;
  if (n->has_operand && (st = ev(n->kids[0], f, &op))) return st;
  for (uint32_t i = 0; i < pairs; i++) {
    if ((st = ev(n->kids[k + 2 * i], f, &w))) return st;
    bool hit = n->has_operand ? !op.null && !w.null && values_equal(n, &op, &w) : !w.null && w.u.b;
    if (hit) return ev(n->kids[k + 2 * i + 1], f, out);
  }
  if (n->has_else) return ev(n->kids[n->nkids - 1], f, out);
  *out = null_of(n);
  return WY_OK;
}

/* ---- CAST, access, constructors -------------------------------------------------------------- */

static wy_status_t ev_cast(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t v;
  wy_status_t st = ev(n->kids[0], f, &v);
  if (st) return st;
  if (v.null || !n->from) return *out = null_of(n), WY_OK;
  return wy_value_cast(&v, n->from, n->type, f->arena, out, f->err);
}

static wy_status_t ev_field(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t s;
  wy_status_t st = ev(n->kids[0], f, &s);
  if (st) return st;
  if (s.null || (uint32_t)n->slot >= s.u.list->n) return *out = null_of(n), WY_OK;
  *out = s.u.list->items[n->slot];
  return WY_OK;
}

static wy_status_t ev_subscript(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t c, k;
  wy_status_t st = ev(n->kids[0], f, &c);
  if (!st) st = ev(n->kids[1], f, &k);
  if (st) return st;
  *out = null_of(n);
  if (c.null || k.null) return WY_OK;
  if (c.kind == WY_T_ARRAY) {
    int64_t i = k.u.i32, len = c.u.list->n;
    int64_t idx = i > 0 ? i - 1 : len + i; /* 1-based; negative counts from the end */
    if (i != 0 && idx >= 0 && idx < len) *out = c.u.list->items[idx];
    return WY_OK;
  }
  for (uint32_t i = 0; i < c.u.map->n; i++)
    if (wy_value_equal(&c.u.map->keys[i], &k)) {
      *out = c.u.map->vals[i];
      break;
    }
  return WY_OK;
}

static wy_status_t ev_array(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_list_t *l = wy_list_new(f->arena, n->nkids);
  if (!l) return wy_error_set(f->err, WY_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < n->nkids; i++) {
    wy_status_t st = ev(n->kids[i], f, &l->items[i]);
    if (st) return st;
  }
  *out = n->type->kind == WY_T_STRUCT ? wy_struct(l) : wy_array(l);
  return WY_OK;
}

static wy_status_t ev_map(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_map_t *m = wy_map_new(f->arena, n->nkids / 2);
  if (!m) return wy_error_set(f->err, WY_ERR_NOMEM, "out of memory");
  uint32_t cnt = 0;
  for (uint32_t i = 0; i + 1 < n->nkids; i += 2) {
    wy_value_t k, v;
    wy_status_t st = ev(n->kids[i], f, &k);
    if (!st) st = ev(n->kids[i + 1], f, &v);
    if (st) return st;
    uint32_t j = 0;
    while (j < cnt && !wy_value_equal(&m->keys[j], &k))
      j++; /* a repeated key keeps the last value */
    m->keys[j] = k;
    m->vals[j] = v;
    if (j == cnt) cnt++;
  }
  m->n = cnt;
  *out = wy_mapv(m);
  return WY_OK;
}

/* ---- calls and lambdas -------------------------------------------------------------------- */

/* Arithmetic in a lambda body: ksqlDB compiles lambdas to Java over boxed values, so a
 * NULL operand throws (NullPointerException) and fails the function the lambda was
 * passed to (TRANSFORM, FILTER, REDUCE: NULL for the call), instead of yielding NULL. */
static wy_status_t ev_lambda_arith(const cnode_t *n, frame_t *f, wy_value_t *out) {
  for (uint32_t i = 0; i < n->nkids; i++) {
    wy_value_t v;
    wy_status_t st = ev(n->kids[i], f, &v);
    if (st) return st;
    if (v.null) return ERR(f, "Null operand of an arithmetic operation in a lambda function");
  }
  return n->inner(n, f, out);
}

/* The context handed to a function, with what lambda invocation needs. ctx first, so a
 * wy_fn_ctx_t pointer converts back. */
typedef struct {
  wy_fn_ctx_t ctx;
  const cnode_t *call;
  frame_t *f;
} call_ctx_t;

static wy_status_t invoke_lambda(wy_fn_ctx_t *ctx, size_t arg, const wy_value_t *params, size_t np,
                                 wy_value_t *out) {
  call_ctx_t *cc = (call_ctx_t *)ctx;
  const cnode_t *lam = arg < cc->call->nkids ? cc->call->kids[arg] : NULL;
  if (!lam || lam->nlambda != np)
    return wy_error_set(ctx->err, WY_ERR_INTERNAL, "bad lambda invocation");
  for (size_t i = 0; i < np; i++) cc->f->lv[lam->slot + (int)i] = params[i];
  return ev(lam->kids[0], cc->f, out);
}

static wy_status_t ev_call(const cnode_t *n, frame_t *f, wy_value_t *out) {
  wy_value_t stack[8],
      *args = n->nkids <= 8 ? stack : wy_arena_alloc(f->arena, n->nkids * sizeof *args);
  if (!args) return wy_error_set(f->err, WY_ERR_NOMEM, "out of memory");
  bool any_null = false;
  for (uint32_t i = 0; i < n->nkids; i++) {
    if (n->kids[i]->nlambda) {
      args[i] = wy_null(WY_T_STRING);
      continue;
    }
    wy_status_t st = ev(n->kids[i], f, &args[i]);
    if (st) return st;
    any_null |= args[i].null;
  }
  if (any_null && !(n->ov_flags & WY_OV_NULL_CALLS)) return *out = null_of(n), WY_OK;
  /* As ksqlDB: a failing function yields NULL for its call and the row goes on; the
   * first failure is reported in f->err for the processing log. */
  wy_error_t ferr;
  wy_error_clear(&ferr);
  call_ctx_t cc = {
      {f->arena, &ferr, n->type, n->arg_types, n->nkids, n->site, f, invoke_lambda}, n, f};
  wy_status_t st = n->call(&cc.ctx, args, n->nkids, out);
  if (st == WY_ERR_EVAL) {
    if (f->err && f->err->code == WY_OK) *f->err = ferr;
    st = WY_OK;
    out->null = 1;
  } else if (st) {
    if (f->err) *f->err = ferr;
    return st;
  }
  if (out->null) *out = null_of(n);
  return WY_OK;
}

/* ---- compilation ------------------------------------------------------------------------ */

static cnode_t *cnode_new(wy_expr_program_t *p, const wy_expr_t *e) {
  cnode_t *n = wy_arena_calloc(&p->arena, 1, sizeof *n);
  if (!n) return NULL;
  n->next_alloc = p->nodes;
  p->nodes = n;
  n->type = e->type ? wy_type_ref(e->type) : NULL;
  n->op = e->op;
  n->negated = e->negated;
  n->has_operand = e->has_operand;
  n->has_else = e->has_else;
  n->slot = e->slot;
  return n;
}

static wy_status_t compile(wy_expr_program_t *p, const wy_expr_t *e, cnode_t **out,
                           wy_error_t *err) {
  if (!e->bound && e->kind != WY_E_LAMBDA)
    return wy_error_set_pos(err, WY_ERR_INTERNAL, e->line, e->col, "expression is not bound");
  cnode_t *n = cnode_new(p, e);
  if (!n) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  *out = n;
  n->nkids = (uint32_t)e->nkids;
  if (e->nkids) {
    n->kids = wy_arena_calloc(&p->arena, e->nkids, sizeof *n->kids);
    if (!n->kids) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    p->lambda_depth += e->kind == WY_E_LAMBDA;
    for (size_t i = 0; i < e->nkids; i++) {
      wy_status_t st = compile(p, e->kids[i], &n->kids[i], err);
      if (st) {
        p->lambda_depth -= e->kind == WY_E_LAMBDA;
        return st;
      }
    }
    p->lambda_depth -= e->kind == WY_E_LAMBDA;
  }
  const wy_type_t *t0 = e->nkids ? e->kids[0]->type : NULL;
  switch (e->kind) {
    case WY_E_LITERAL:
      if (!wy_value_deep_copy(&p->arena, &e->value, &n->value))
        return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      if (n->value.null) n->value = null_of(n);
      n->fn = ev_literal;
      break;
    case WY_E_COLUMN:
      n->fn = ev_column;
      break;
    case WY_E_LAMBDA_VAR:
      n->fn = ev_lambda_var;
      break;
    case WY_E_LAMBDA:
      n->nlambda = (uint32_t)e->nnames;
      n->fn = NULL; /* only reached through invoke_lambda */
      break;
    case WY_E_CALL:
      if (e->res.fn->flags & WY_FN_AGGREGATE)
        return wy_error_set_pos(err, WY_ERR_ANALYSIS, e->line, e->col,
                                "aggregate call %s cannot be evaluated as a scalar expression",
                                e->name);
      n->fn = ev_call;
      n->call = e->res.ov->fn;
      n->ov_flags = e->res.ov->flags;
      n->arg_types = wy_arena_calloc(&p->arena, e->nkids ? e->nkids : 1, sizeof *n->arg_types);
      if (!n->arg_types) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      for (size_t i = 0; i < e->nkids; i++) n->arg_types[i] = wy_type_ref(e->res.param_types[i]);
      if (e->res.ov->prepare) {
        const wy_value_t **consts = calloc(e->nkids + 1, sizeof *consts);
        if (!consts) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < e->nkids; i++) {
          const wy_expr_t *k = e->kids[i];
          while (k->kind == WY_E_CAST && k->implicit && k->kids[0]->kind == WY_E_LITERAL &&
                 k->kids[0]->type && wy_type_equal(k->kids[0]->type, k->type))
            k = k->kids[0];
          consts[i] = wy_expr_literal_value(k);
        }
        wy_status_t st = e->res.ov->prepare(n->arg_types, consts, e->nkids, &n->site, err);
        free(consts);
        if (st) {
          if (err && !err->line) err->line = e->line, err->column = e->col;
          return st;
        }
        n->release = e->res.ov->release;
      }
      break;
    case WY_E_BINARY:
      switch (e->op) {
        case WY_OP_ADD:
        case WY_OP_SUB:
        case WY_OP_MUL:
        case WY_OP_DIV:
        case WY_OP_MOD:
          switch (e->type->kind) {
            case WY_T_INT:
              n->fn = ev_arith_int;
              break;
            case WY_T_BIGINT:
              n->fn = ev_arith_bigint;
              break;
            case WY_T_DOUBLE:
              n->fn = ev_arith_double;
              break;
            case WY_T_DECIMAL:
              n->fn = ev_arith_decimal;
              break;
            default:
              n->fn = ev_concat;
              break;
          }
          if (p->lambda_depth && n->fn != ev_concat) {
            n->inner = n->fn;
            n->fn = ev_lambda_arith;
          }
          break;
        case WY_OP_AND:
        case WY_OP_OR:
          n->fn = ev_and_or;
          break;
        default:
          n->fn = ev_compare;
          n->ltype = t0 ? wy_type_ref(t0) : NULL;
          n->rtype = e->kids[1]->type ? wy_type_ref(e->kids[1]->type) : NULL;
          break;
      }
      break;
    case WY_E_UNARY:
      n->fn = e->op == WY_OP_NEG ? ev_neg : e->op == WY_OP_NOT ? ev_not : ev_is_null;
      break;
    case WY_E_LIKE:
      n->fn = ev_like;
      break;
    case WY_E_BETWEEN:
      n->fn = ev_between;
      break;
    case WY_E_IN:
      n->fn = ev_in;
      break;
    case WY_E_CASE:
      n->fn = ev_case;
      break;
    case WY_E_CAST:
      n->fn = ev_cast;
      n->from = t0 ? wy_type_ref(t0) : NULL;
      break;
    case WY_E_FIELD:
      n->fn = ev_field;
      break;
    case WY_E_SUBSCRIPT:
      n->fn = ev_subscript;
      break;
    case WY_E_ARRAY:
    case WY_E_STRUCT:
      n->fn = ev_array;
      break;
    case WY_E_MAP:
      n->fn = ev_map;
      break;
    default:
      return wy_error_set(err, WY_ERR_INTERNAL, "cannot compile expression kind %d", (int)e->kind);
  }
  if (n->type && n->type->kind == WY_T_STRUCT && e->kind == WY_E_CASE) {
    n->ltype = wy_type_ref(n->type);
    n->rtype = wy_type_ref(n->type);
  }
  if (e->kind == WY_E_CASE && e->has_operand && t0) {
    wy_type_unref(n->ltype);
    wy_type_unref(n->rtype);
    n->ltype = wy_type_ref(t0);
    n->rtype = wy_type_ref(t0);
  }
  return WY_OK;
}

wy_status_t wy_expr_compile(const wy_expr_t *e, wy_expr_program_t **out, wy_error_t *err) {
  *out = NULL;
  wy_expr_program_t *p = calloc(1, sizeof *p);
  if (!p) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  wy_arena_init(&p->arena, 4096);
  wy_status_t st = compile(p, e, &p->root, err);
  if (st) {
    wy_expr_program_destroy(p);
    return st;
  }
  *out = p;
  return WY_OK;
}

void wy_expr_program_destroy(wy_expr_program_t *p) {
  if (!p) return;
  for (cnode_t *n = p->nodes; n; n = n->next_alloc) {
    wy_type_unref(n->type);
    wy_type_unref(n->from);
    wy_type_unref(n->ltype);
    wy_type_unref(n->rtype);
    if (n->arg_types)
      for (uint32_t i = 0; i < n->nkids; i++) wy_type_unref(n->arg_types[i]);
    if (n->release && n->site) n->release(n->site);
  }
  wy_arena_release(&p->arena);
  free(p);
}

const wy_type_t *wy_expr_program_type(const wy_expr_program_t *p) { return p->root->type; }

wy_status_t wy_expr_eval(const wy_expr_program_t *p, const wy_value_t *row, wy_arena_t *arena,
                         wy_value_t *out, wy_error_t *err) {
  frame_t f;
  wy_error_clear(err);
  f.row = row;
  f.arena = arena;
  f.err = err;
  return ev(p->root, &f, out);
}
