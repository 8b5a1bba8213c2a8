/* widen.c — ksqlDB's implicit widening of SQL types (registry.h: wy_type_widen_cost,
 * wy_type_common, wy_type_to_decimal): INT -> BIGINT -> DECIMAL -> DOUBLE, element-wise
 * for containers. Overload resolution uses it, and so do the expression binder and the
 * ARRAY/MAP constructors; it knows types, not functions. */
#include "engine/base/decimal.h"
#include "udf/registry.h"

const wy_type_t *wy_type_to_decimal(const wy_type_t *t) {
  switch (t->kind) {
    case WY_T_INT:
      return wy_type_decimal(10, 0);
    case WY_T_BIGINT:
      return wy_type_decimal(19, 0);
    case WY_T_DECIMAL:
      return wy_type_ref(t);
    default:
      return NULL;
  }
}

static int num_rank(wy_type_kind_t k) {
  switch (k) {
    case WY_T_INT:
      return 1;
    case WY_T_BIGINT:
      return 2;
    case WY_T_DECIMAL:
      return 3;
    case WY_T_DOUBLE:
      return 4;
    default:
      return 0;
  }
}

int wy_type_widen_cost(const wy_type_t *from, const wy_type_t *to) {
  if (wy_type_equal(from, to)) return 0;
  int rf = num_rank(from->kind), rt = num_rank(to->kind);
  if (rf && rt) {
    if (from->kind == WY_T_DECIMAL && to->kind == WY_T_DECIMAL) {
      /* Only when no digit is lost on either side of the point. */
      return to->scale >= from->scale && to->precision - to->scale >= from->precision - from->scale
                 ? 1
                 : -1;
    }
    if (rf >= rt) return -1;
    if (to->kind == WY_T_DECIMAL) {
      const wy_type_t *d = wy_type_to_decimal(from);
      int c = wy_type_widen_cost(d, to);
      wy_type_unref(d);
      return c < 0 ? -1 : rt - rf;
    }
    return rt - rf;
  }
  if (from->kind != to->kind) return -1;
  switch (from->kind) {
    case WY_T_ARRAY:
      return wy_type_widen_cost(from->elem, to->elem);
    case WY_T_MAP: {
      int a = wy_type_widen_cost(from->key, to->key), b = wy_type_widen_cost(from->elem, to->elem);
      return a < 0 || b < 0 ? -1 : a + b;
    }
    default:
      return -1;
  }
}

const wy_type_t *wy_type_common(const wy_type_t *a, const wy_type_t *b) {
  if (wy_type_equal(a, b)) return wy_type_ref(a);
  int ra = num_rank(a->kind), rb = num_rank(b->kind);
  if (ra && rb) {
    if (a->kind == WY_T_DOUBLE || b->kind == WY_T_DOUBLE) return wy_type_double();
    if (a->kind == WY_T_DECIMAL || b->kind == WY_T_DECIMAL) {
      const wy_type_t *x = wy_type_to_decimal(a), *y = wy_type_to_decimal(b);
      int s = x->scale > y->scale ? x->scale : y->scale;
      int ip = x->precision - x->scale > y->precision - y->scale ? x->precision - x->scale
                                                                 : y->precision - y->scale;
      wy_type_unref(x);
      wy_type_unref(y);
      int p = ip + s > WY_DECIMAL_MAX_PRECISION ? WY_DECIMAL_MAX_PRECISION : ip + s;
      return wy_type_decimal(p, s > p ? p : s);
    }
    return ra > rb ? wy_type_ref(a) : wy_type_ref(b);
  }
  if (a->kind != b->kind) return NULL;
  if (a->kind == WY_T_ARRAY) {
    const wy_type_t *e = wy_type_common(a->elem, b->elem);
    return e ? wy_type_array(e) : NULL;
  }
  if (a->kind == WY_T_MAP) {
    const wy_type_t *k = wy_type_common(a->key, b->key);
    const wy_type_t *v = k ? wy_type_common(a->elem, b->elem) : NULL;
    if (!v) {
      wy_type_unref(k);
      return NULL;
    }
    return wy_type_map(k, v);
  }
  return NULL;
}
