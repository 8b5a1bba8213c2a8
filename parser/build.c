/* AST builders called by the grammar actions (see parser_int.h for the contract). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grammar.h"
#include "parser/parser_int.h"

/* ---- lists ----------------------------------------------------------------------- */

static void list_item_destroy(wy_plist_kind_t kind, void *item) {
  switch (kind) {
    case WY_L_EXPR:
      wy_ast_expr_destroy(item);
      break;
    case WY_L_ITEM:
      wy_ast_select_item_destroy(item);
      break;
    case WY_L_JOIN:
      wy_ast_join_destroy(item);
      break;
    case WY_L_COLDEF:
      wy_ast_column_def_destroy(item);
      break;
    case WY_L_PROP:
      wy_ast_property_destroy(item);
      break;
    case WY_L_NAME:
      if (item) free(((wy_ast_name_t *)item)->text);
      free(item);
      break;
  }
}

wy_plist_t *wy_plist_new(wy_plist_kind_t kind) {
  wy_plist_t *l = calloc(1, sizeof *l);
  if (l) l->kind = kind;
  return l;
}

void wy_plist_destroy(wy_plist_t *list) {
  if (!list) return;
  for (size_t i = 0; i < list->n; i++) list_item_destroy(list->kind, list->items[i]);
  free(list->items);
  free(list);
}

wy_plist_t *wy_plist_push(wy_plist_kind_t kind, wy_plist_t *list, void *item) {
  if (!list) list = wy_plist_new(kind);
  if (!list || !item) goto fail;
  if (list->n == list->cap) {
    size_t cap = list->cap ? list->cap * 2 : 4;
    void **items = realloc(list->items, cap * sizeof *items);
    if (!items) goto fail;
    list->items = items;
    list->cap = cap;
  }
  list->items[list->n++] = item;
  return list;
fail:
  list_item_destroy(kind, item);
  wy_plist_destroy(list);
  return NULL;
}

wy_plist_t *wy_plist_prepend(wy_plist_t *list, wy_ast_expr_t *first) {
  list = wy_plist_push(WY_L_EXPR, list, first);
  if (!list) return NULL;
  memmove(list->items + 1, list->items, (list->n - 1) * sizeof *list->items);
  list->items[0] = first;
  return list;
}

/* Moves the items out of a list (which is freed); *items is NULL when there are none. */
static void list_take(wy_plist_t *list, size_t *n, void ***items) {
  *n = 0;
  *items = NULL;
  if (!list) return;
  if (list->n) {
    *n = list->n;
    *items = list->items;
  } else {
    free(list->items);
  }
  free(list);
}

/* Names are boxed in lists; nodes keep them as a plain array. */
static bool names_take(wy_plist_t *list, size_t *n, wy_ast_name_t **out) {
  void **items;
  list_take(list, n, &items);
  *out = NULL;
  if (!*n) return true;
  *out = malloc(*n * sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    wy_ast_name_t *box = items[i];
    if (*out)
      (*out)[i] = *box;
    else
      free(box->text);
    free(box);
  }
  free(items);
  if (!*out) *n = 0;
  return *out != NULL;
}

/* ---- context helpers ----------------------------------------------------------------- */

void wy_parse_error_at(wy_parse_ctx_t *ctx, wy_ast_pos_t pos, const char *fmt, ...) {
  if (ctx->failed) return;
  ctx->failed = true;
  va_list ap;
  va_start(ap, fmt);
  wy_error_setv(ctx->err, WY_ERR_PARSE, fmt, ap);
  va_end(ap);
  if (ctx->err) {
    ctx->err->line = pos.line;
    ctx->err->column = pos.column;
  }
}

void *wy_parse_check(wy_parse_ctx_t *ctx, void *p) {
  if (!p && !ctx->failed) {
    ctx->failed = true;
    wy_error_set(ctx->err, WY_ERR_NOMEM, "out of memory while parsing");
  }
  return p;
}

wy_ast_expr_t *wy_parse_expr(wy_parse_ctx_t *ctx, wy_ast_expr_t *e, wy_ast_pos_t pos) {
  if (!wy_parse_check(ctx, e)) return NULL;
  if (e->depth > WY_AST_MAX_DEPTH) {
    wy_parse_error_at(ctx, pos, "expression nested too deeply (more than %d levels)",
                      WY_AST_MAX_DEPTH);
  }
  return e;
}

/* ---- names ---------------------------------------------------------------------------- */

wy_ast_pos_t wy_tok_pos(const wy_token_t *t) {
  wy_ast_pos_t p = {t->line, t->col};
  return p;
}

/* The text between a token's quotes with doubled quotes collapsed. */
static char *unquote(const wy_token_t *t) {
  char q = t->z[0];
  char *out = malloc((size_t)t->n);
  if (!out) return NULL;
  size_t k = 0;
  for (int i = 1; i < t->n - 1; i++) {
    out[k++] = t->z[i];
    if (t->z[i] == q) i++;
  }
  out[k] = '\0';
  return out;
}

wy_ast_name_t wy_b_ident(const wy_token_t *t) {
  wy_ast_name_t n = {NULL, wy_tok_pos(t)};
  if (t->type == TK_QIDENT || t->type == TK_BQIDENT) {
    n.text = unquote(t);
  } else {
    n.text = strndup(t->z, (size_t)t->n);
    /* ${var} left unsubstituted keeps its spelling. */
    if (n.text && t->type != TK_VARIABLE)
      for (char *c = n.text; *c; c++) *c = (char)toupper((unsigned char)*c);
  }
  return n;
}

wy_ast_name_t wy_b_string_name(const wy_token_t *t) {
  wy_ast_name_t n = {unquote(t), wy_tok_pos(t)};
  return n;
}

wy_ast_name_t *wy_b_name_box(wy_ast_name_t name) {
  if (!name.text) return NULL;
  wy_ast_name_t *box = malloc(sizeof *box);
  if (!box) {
    free(name.text);
    return NULL;
  }
  *box = name;
  return box;
}

/* ---- expressions -------------------------------------------------------------------- */

static wy_ast_expr_t *expr_new(wy_ast_expr_kind_t kind, wy_ast_pos_t pos) {
  wy_ast_expr_t *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->kind = kind;
  e->pos = pos;
  e->depth = 1;
  return e;
}

/* Attaches children; the node takes them over (and is destroyed with them on failure). */
static wy_ast_expr_t *expr_set_args(wy_ast_expr_t *e, size_t n, wy_ast_expr_t **args) {
  if (!e) {
    for (size_t i = 0; i < n; i++) wy_ast_expr_destroy(args[i]);
    return NULL;
  }
  if (n) {
    e->args = malloc(n * sizeof *e->args);
    if (!e->args) {
      for (size_t i = 0; i < n; i++) wy_ast_expr_destroy(args[i]);
      wy_ast_expr_destroy(e);
      return NULL;
    }
    memcpy(e->args, args, n * sizeof *args);
    e->nargs = n;
  }
  bool missing = false;
  for (size_t i = 0; i < n; i++) {
    if (!args[i])
      missing = true;
    else if (args[i]->depth + 1 > e->depth)
      e->depth = args[i]->depth + 1;
  }
  if (missing) {
    wy_ast_expr_destroy(e);
    return NULL;
  }
  return e;
}

static wy_ast_expr_t *expr_take_list(wy_ast_expr_t *e, wy_plist_t *list) {
  size_t n;
  void **items;
  list_take(list, &n, &items);
  if (e && n) {
    e->args = (wy_ast_expr_t **)items;
    e->nargs = n;
    for (size_t i = 0; i < n; i++)
      if (e->args[i] && e->args[i]->depth + 1 > e->depth) e->depth = e->args[i]->depth + 1;
    return e;
  }
  for (size_t i = 0; i < n; i++) wy_ast_expr_destroy(items[i]);
  free(items);
  return e;
}

/* ksqlDB's literal typing: INT if the value fits 32 bits, else BIGINT; a point makes a
 * DECIMAL whose precision and scale come from the digits; an exponent a DOUBLE. */
static bool classify_number(wy_ast_expr_t *e) {
  const char *s = e->text;
  bool neg = *s == '-';
  if (neg) s++;
  if (e->lit == WY_AST_LIT_DOUBLE) return true;
  if (!strchr(s, '.')) {
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long lim = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    if (errno == ERANGE || v > lim) return false;
    unsigned long long ilim = neg ? 2147483648ULL : 2147483647ULL;
    e->lit = v <= ilim ? WY_AST_LIT_INT : WY_AST_LIT_BIGINT;
    return true;
  }
  const char *dot = strchr(s, '.');
  int scale = (int)strlen(dot + 1);
  int sig = 0;
  bool seen = false, int_nonzero = false;
  for (const char *c = s; *c; c++) {
    if (*c == '.') continue;
    if (*c != '0') seen = true;
    if (seen) sig++;
    if (c < dot && *c != '0') int_nonzero = true;
  }
  /* As ksqlDB's DecimalUtil.fromValue: below 1 in magnitude the precision is scale+1. */
  e->lit = WY_AST_LIT_DECIMAL;
  e->scale = scale;
  e->precision = int_nonzero ? sig : scale + 1;
  if (e->precision < 1) e->precision = 1;
  return true;
}

wy_ast_expr_t *wy_b_number(wy_parse_ctx_t *ctx, const wy_token_t *t) {
  wy_ast_expr_t *e = expr_new(WY_AST_LITERAL, wy_tok_pos(t));
  if (!e) return NULL;
  e->text = strndup(t->z, (size_t)t->n);
  if (!e->text) {
    free(e);
    return NULL;
  }
  for (char *c = e->text; *c; c++) *c = (char)toupper((unsigned char)*c);
  e->lit = t->type == TK_FLOATNUM ? WY_AST_LIT_DOUBLE : WY_AST_LIT_INT;
  /* 9223372036854775808 is only valid negated and the minus arrives later (wy_b_unary
   * folds it): a literal out of BIGINT's range is refused once the statement is built. */
  if (t->type == TK_INTEGER) {
    errno = 0;
    unsigned long long v = strtoull(e->text, NULL, 10);
    e->lit = v <= 2147483647ULL && errno != ERANGE ? WY_AST_LIT_INT : WY_AST_LIT_BIGINT;
    return e;
  }
  classify_number(e);
  return e;
}

wy_ast_expr_t *wy_b_string(const wy_token_t *t) {
  wy_ast_expr_t *e = expr_new(WY_AST_LITERAL, wy_tok_pos(t));
  if (!e) return NULL;
  e->lit = WY_AST_LIT_STRING;
  e->text = unquote(t);
  if (!e->text) {
    free(e);
    return NULL;
  }
  return e;
}

wy_ast_expr_t *wy_b_simple_lit(wy_ast_lit_kind_t kind, const wy_token_t *t) {
  wy_ast_expr_t *e = expr_new(WY_AST_LITERAL, wy_tok_pos(t));
  if (!e) return NULL;
  e->lit = kind;
  if (kind == WY_AST_LIT_BOOLEAN) {
    e->text = strdup(t->type == TK_TRUE ? "TRUE" : "FALSE");
    if (!e->text) {
      free(e);
      return NULL;
    }
  }
  return e;
}

wy_ast_expr_t *wy_b_typed_lit(wy_ast_name_t type, const wy_token_t *value) {
  wy_ast_expr_t *e = expr_new(WY_AST_TYPED_LITERAL, type.pos);
  if (e) {
    e->name = type.text;
    e->text = unquote(value);
  }
  if (!e || !e->name || !e->text) {
    if (!e) free(type.text);
    wy_ast_expr_destroy(e);
    return NULL;
  }
  return e;
}

wy_ast_expr_t *wy_b_column(wy_ast_name_t qualifier, wy_ast_name_t name) {
  wy_ast_expr_t *e = expr_new(WY_AST_COLUMN, qualifier.text ? qualifier.pos : name.pos);
  if (!e || !name.text) {
    free(qualifier.text);
    free(name.text);
    free(e);
    return NULL;
  }
  e->qualifier = qualifier.text;
  e->name = name.text;
  return e;
}

wy_ast_expr_t *wy_b_deref(wy_ast_expr_t *base, wy_ast_name_t field) {
  wy_ast_expr_t *e = expr_new(WY_AST_DEREF, field.pos);
  if (e)
    e->name = field.text;
  else
    free(field.text);
  e = expr_set_args(e, 1, &base);
  if (e && !e->name) {
    wy_ast_expr_destroy(e);
    return NULL;
  }
  if (e) e->pos = base->pos;
  return e;
}

wy_ast_expr_t *wy_b_node(wy_ast_expr_kind_t kind, wy_ast_pos_t pos, wy_ast_expr_t *a,
                         wy_ast_expr_t *b, wy_ast_expr_t *c) {
  wy_ast_expr_t *args[3] = {a, b, c};
  size_t n = c ? 3 : b ? 2 : 1;
  wy_ast_expr_t *e = expr_set_args(expr_new(kind, pos), n, args);
  /* Binary-ish nodes start where their first operand starts. */
  if (e && kind != WY_AST_NOT && kind != WY_AST_WHEN && a) e->pos = a->pos;
  return e;
}

wy_ast_expr_t *wy_b_op(wy_ast_expr_kind_t kind, wy_ast_op_t op, wy_ast_expr_t *a,
                       wy_ast_expr_t *b) {
  wy_ast_pos_t pos = a ? a->pos : (wy_ast_pos_t){0, 0};
  wy_ast_expr_t *e = wy_b_node(kind, pos, a, b, NULL);
  if (e) e->op = op;
  return e;
}

wy_ast_expr_t *wy_b_compare(const wy_token_t *op, wy_ast_expr_t *a, wy_ast_expr_t *b) {
  wy_ast_op_t o;
  switch (op->type) {
    case TK_EQ:
      o = WY_AST_OP_EQ;
      break;
    case TK_NE:
      o = WY_AST_OP_NE;
      break;
    case TK_LT:
      o = WY_AST_OP_LT;
      break;
    case TK_LE:
      o = WY_AST_OP_LE;
      break;
    case TK_GT:
      o = WY_AST_OP_GT;
      break;
    default:
      o = WY_AST_OP_GE;
      break;
  }
  return wy_b_op(WY_AST_COMPARE, o, a, b);
}

static bool is_plain_number(const wy_ast_expr_t *e) {
  return e && e->kind == WY_AST_LITERAL && !e->parenthesized && e->text && e->text[0] != '-' &&
         (e->lit == WY_AST_LIT_INT || e->lit == WY_AST_LIT_BIGINT || e->lit == WY_AST_LIT_DECIMAL ||
          e->lit == WY_AST_LIT_DOUBLE);
}

wy_ast_expr_t *wy_b_unary(wy_ast_op_t op, wy_ast_expr_t *e, wy_ast_pos_t pos) {
  /* As ksqlDB's `number: MINUS? INTEGER_VALUE`, a minus directly before a number is part
   * of the literal, which is how -2147483648 stays an INT. */
  if (op == WY_AST_OP_NEG && is_plain_number(e)) {
    size_t n = strlen(e->text);
    char *t = malloc(n + 2);
    if (!t) {
      wy_ast_expr_destroy(e);
      return NULL;
    }
    t[0] = '-';
    memcpy(t + 1, e->text, n + 1);
    free(e->text);
    e->text = t;
    e->pos = pos;
    classify_number(e);
    return e;
  }
  wy_ast_expr_t *u = expr_set_args(expr_new(WY_AST_UNARY, pos), 1, &e);
  if (u) u->op = op;
  return u;
}

wy_ast_expr_t *wy_b_negate(wy_ast_expr_t *e, bool negated) {
  if (e) e->negated = negated;
  return e;
}

wy_ast_expr_t *wy_b_like(wy_ast_expr_t *v, wy_ast_expr_t *pattern, const wy_token_t *escape,
                         bool negated) {
  wy_ast_expr_t *e = wy_b_negate(
      wy_b_node(WY_AST_LIKE, v ? v->pos : (wy_ast_pos_t){0, 0}, v, pattern, NULL), negated);
  if (e && escape) {
    e->text = unquote(escape);
    if (!e->text) {
      wy_ast_expr_destroy(e);
      return NULL;
    }
  }
  return e;
}

wy_ast_expr_t *wy_b_in(wy_ast_expr_t *v, wy_plist_t *list, bool negated) {
  list = wy_plist_prepend(list, v);
  wy_ast_expr_t *e = expr_new(WY_AST_IN, v ? v->pos : (wy_ast_pos_t){0, 0});
  if (!list) {
    free(e);
    return NULL;
  }
  if (!e) {
    wy_plist_destroy(list);
    return NULL;
  }
  e->negated = negated;
  return expr_take_list(e, list);
}

wy_ast_expr_t *wy_b_case(wy_ast_pos_t pos, wy_ast_expr_t *operand, wy_plist_t *whens,
                         wy_ast_expr_t *otherwise) {
  wy_ast_expr_t *e = expr_new(WY_AST_CASE, pos);
  if (operand) whens = wy_plist_prepend(whens, operand);
  if (otherwise) whens = wy_plist_push(WY_L_EXPR, whens, otherwise);
  if (!e || !whens) {
    free(e);
    wy_plist_destroy(whens);
    return NULL;
  }
  e->has_operand = operand != NULL;
  e->has_else = otherwise != NULL;
  return expr_take_list(e, whens);
}

wy_ast_expr_t *wy_b_cast(wy_ast_pos_t pos, wy_ast_expr_t *x, wy_ast_type_t *type) {
  wy_ast_expr_t *e = expr_set_args(expr_new(WY_AST_CAST, pos), 1, &x);
  if (!e || !type) {
    wy_ast_expr_destroy(e);
    wy_ast_type_destroy(type);
    return NULL;
  }
  e->type = type;
  return e;
}

wy_ast_expr_t *wy_b_call(wy_ast_name_t name, wy_plist_t *args, bool star) {
  wy_ast_expr_t *e = expr_new(WY_AST_CALL, name.pos);
  if (!e || !name.text) {
    free(e);
    free(name.text);
    wy_plist_destroy(args);
    return NULL;
  }
  e->name = name.text;
  e->star = star;
  return expr_take_list(e, args);
}

wy_ast_expr_t *wy_b_time_unit(wy_ast_time_unit_t unit, wy_ast_pos_t pos) {
  wy_ast_expr_t *e = expr_new(WY_AST_TIME_UNIT, pos);
  if (e) e->unit = unit;
  return e;
}

wy_ast_expr_t *wy_b_lambda(wy_ast_pos_t pos, wy_plist_t *params, wy_ast_expr_t *body) {
  wy_ast_expr_t *e = expr_set_args(expr_new(WY_AST_LAMBDA, pos), 1, &body);
  if (!e) {
    wy_plist_destroy(params);
    return NULL;
  }
  if (!params || !names_take(params, &e->nnames, &e->names)) {
    wy_ast_expr_destroy(e);
    return NULL;
  }
  return e;
}

wy_ast_expr_t *wy_b_ctor(wy_ast_expr_kind_t kind, wy_ast_pos_t pos, wy_plist_t *args,
                         wy_plist_t *names) {
  wy_ast_expr_t *e = expr_new(kind, pos);
  if (!e) {
    wy_plist_destroy(args);
    wy_plist_destroy(names);
    return NULL;
  }
  e = expr_take_list(e, args);
  if (names && !names_take(names, &e->nnames, &e->names)) {
    wy_ast_expr_destroy(e);
    return NULL;
  }
  return e;
}

wy_ast_expr_t *wy_b_paren(wy_ast_expr_t *e) {
  if (e) e->parenthesized = true;
  return e;
}

/* ---- types ------------------------------------------------------------------------------ */

static wy_ast_type_t *type_new(wy_ast_type_kind_t kind, wy_ast_pos_t pos) {
  wy_ast_type_t *t = calloc(1, sizeof *t);
  if (t) {
    t->kind = kind;
    t->pos = pos;
  }
  return t;
}

static wy_ast_type_t *type_builtin(wy_ast_pos_t pos, const wy_type_t *type) {
  if (!type) return NULL;
  wy_ast_type_t *t = type_new(WY_AST_TYPE_BUILTIN, pos);
  if (!t) {
    wy_type_unref(type);
    return NULL;
  }
  t->type = type;
  return t;
}

wy_ast_type_t *wy_b_type_named(wy_parse_ctx_t *ctx, wy_ast_name_t name, wy_plist_t *params) {
  static const struct {
    const char *name;
    wy_type_kind_t kind;
  } names[] = {{"BOOLEAN", WY_T_BOOLEAN},    {"INT", WY_T_INT},
               {"INTEGER", WY_T_INT},        {"BIGINT", WY_T_BIGINT},
               {"DOUBLE", WY_T_DOUBLE},      {"STRING", WY_T_STRING},
               {"VARCHAR", WY_T_STRING},     {"BYTES", WY_T_BYTES},
               {"DATE", WY_T_DATE},          {"TIME", WY_T_TIME},
               {"TIMESTAMP", WY_T_TIMESTAMP}};
  wy_ast_type_t *t = NULL;
  if (!name.text) goto done;
  /* ksqlDB accepts VARCHAR(STRING) / STRING(STRING) as plain STRING. */
  if (params && params->kind == WY_L_NAME) {
    const char *p = ((wy_ast_name_t *)params->items[0])->text;
    if ((strcmp(name.text, "VARCHAR") == 0 || strcmp(name.text, "STRING") == 0) &&
        strcmp(p, "STRING") == 0) {
      wy_plist_destroy(params);
      params = NULL;
    } else {
      /* ksqlDB's grammar takes only 'STRING' or a number as a type parameter */
      wy_parse_syntax_error_detail(ctx, ((wy_ast_name_t *)params->items[0])->pos,
                                   "Expecting {'STRING', INTEGER_VALUE}");
      goto done;
    }
  }
  if (strcmp(name.text, "DECIMAL") == 0) {
    if (!params || params->n != 2) {
      wy_parse_error_at(ctx, name.pos, "DECIMAL needs a precision and a scale");
      goto done;
    }
    long p = strtol(((wy_ast_expr_t *)params->items[0])->text, NULL, 10);
    long s = strtol(((wy_ast_expr_t *)params->items[1])->text, NULL, 10);
    if (p < 1 || p > WY_DECIMAL_MAX_DECLARED_PRECISION || s < 0 || s > p ||
        s > WY_DECIMAL_MAX_PRECISION) {
      wy_parse_error_at(ctx, name.pos,
                        "DECIMAL(%ld, %ld): precision must be 1..%d and scale 0..precision "
                        "(at most %d)",
                        p, s, WY_DECIMAL_MAX_DECLARED_PRECISION, WY_DECIMAL_MAX_PRECISION);
      goto done;
    }
    t = type_builtin(name.pos, wy_type_decimal((int)p, (int)s));
    goto done;
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(name.text, names[i].name) == 0) {
      t = type_builtin(name.pos, wy_type_primitive(names[i].kind));
      break;
    }
  }
  if (params) {
    wy_parse_error_at(ctx, name.pos, "type %s takes no parameters", name.text);
    wy_ast_type_destroy(t);
    t = NULL;
    goto done;
  }
  if (!t) {
    t = type_new(WY_AST_TYPE_ALIAS, name.pos);
    if (t) {
      t->alias = name.text;
      name.text = NULL;
    }
  }
done:
  free(name.text);
  wy_plist_destroy(params);
  return t;
}

wy_ast_type_t *wy_b_type_array(wy_ast_pos_t pos, wy_ast_type_t *elem) {
  if (!elem) return NULL;
  if (elem->kind == WY_AST_TYPE_BUILTIN) {
    const wy_type_t *inner = elem->type;
    elem->type = NULL;
    wy_ast_type_destroy(elem);
    return type_builtin(pos, wy_type_array(inner));
  }
  wy_ast_type_t *t = type_new(WY_AST_TYPE_ARRAY, pos);
  if (!t) {
    wy_ast_type_destroy(elem);
    return NULL;
  }
  t->elem = elem;
  return t;
}

wy_ast_type_t *wy_b_type_map(wy_ast_pos_t pos, wy_ast_type_t *key, wy_ast_type_t *value) {
  if (!key || !value) {
    wy_ast_type_destroy(key);
    wy_ast_type_destroy(value);
    return NULL;
  }
  if (key->kind == WY_AST_TYPE_BUILTIN && value->kind == WY_AST_TYPE_BUILTIN) {
    const wy_type_t *k = key->type, *v = value->type;
    key->type = value->type = NULL;
    wy_ast_type_destroy(key);
    wy_ast_type_destroy(value);
    return type_builtin(pos, wy_type_map(k, v));
  }
  wy_ast_type_t *t = type_new(WY_AST_TYPE_MAP, pos);
  if (!t) {
    wy_ast_type_destroy(key);
    wy_ast_type_destroy(value);
    return NULL;
  }
  t->key = key;
  t->elem = value;
  return t;
}

wy_ast_type_t *wy_b_type_struct(wy_ast_pos_t pos, wy_plist_t *fields) {
  size_t n;
  void **items;
  list_take(fields, &n, &items);
  wy_ast_column_def_t **defs = (wy_ast_column_def_t **)items;
  bool builtin = true;
  for (size_t i = 0; i < n; i++)
    if (defs[i]->type->kind != WY_AST_TYPE_BUILTIN) builtin = false;
  wy_ast_type_t *t = NULL;
  if (builtin) {
    wy_type_t *st = wy_type_struct_new();
    for (size_t i = 0; st && i < n; i++) {
      const wy_type_t *ft = defs[i]->type->type;
      defs[i]->type->type = NULL;
      if (!wy_type_struct_add(st, defs[i]->name, ft)) {
        wy_type_unref(st);
        st = NULL;
      }
    }
    t = st ? type_builtin(pos, st) : NULL;
  } else {
    t = type_new(WY_AST_TYPE_STRUCT, pos);
    if (t) {
      t->field_names = calloc(n, sizeof *t->field_names);
      t->field_types = calloc(n, sizeof *t->field_types);
      if (!t->field_names || !t->field_types) {
        wy_ast_type_destroy(t);
        t = NULL;
      } else {
        t->nfields = n;
        for (size_t i = 0; i < n; i++) {
          t->field_names[i].text = defs[i]->name;
          t->field_names[i].pos = defs[i]->pos;
          t->field_types[i] = defs[i]->type;
          defs[i]->name = NULL;
          defs[i]->type = NULL;
        }
      }
    }
  }
  for (size_t i = 0; i < n; i++) wy_ast_column_def_destroy(defs[i]);
  free(items);
  return t;
}

/* ---- query pieces ---------------------------------------------------------------------- */

wy_ast_select_item_t *wy_b_item(wy_ast_item_kind_t kind, wy_ast_pos_t pos, wy_ast_expr_t *e,
                                wy_ast_name_t alias) {
  wy_ast_select_item_t *it = calloc(1, sizeof *it);
  bool need_expr = kind == WY_AST_ITEM_EXPR || kind == WY_AST_ITEM_STRUCT_ALL;
  if (!it || (need_expr && !e) || (kind == WY_AST_ITEM_SOURCE_ALL && !alias.text)) {
    free(it);
    wy_ast_expr_destroy(e);
    free(alias.text);
    return NULL;
  }
  it->kind = kind;
  it->pos = pos;
  it->expr = e;
  if (kind == WY_AST_ITEM_SOURCE_ALL)
    it->source = alias.text;
  else
    it->alias = alias.text;
  return it;
}

wy_ast_relation_t *wy_b_relation(wy_ast_name_t name, wy_ast_name_t alias) {
  wy_ast_relation_t *r = calloc(1, sizeof *r);
  if (!r || !name.text) {
    free(r);
    free(name.text);
    free(alias.text);
    return NULL;
  }
  r->pos = name.pos;
  r->name = name.text;
  r->alias = alias.text;
  return r;
}

int64_t wy_b_count(wy_parse_ctx_t *ctx, const wy_token_t *t) {
  errno = 0;
  char buf[32];
  int n = t->n < (int)sizeof buf - 1 ? t->n : (int)sizeof buf - 1;
  memcpy(buf, t->z, (size_t)n);
  buf[n] = '\0';
  long long v = strtoll(buf, NULL, 10);
  if (errno == ERANGE || t->n >= (int)sizeof buf - 1) {
    wy_parse_error_at(ctx, wy_tok_pos(t), "number %s is out of range", buf);
    return 0;
  }
  return v;
}

wy_ast_duration_t wy_b_duration(wy_parse_ctx_t *ctx, const wy_token_t *count,
                                wy_ast_time_unit_t unit) {
  wy_ast_duration_t d;
  d.set = true;
  d.count = wy_b_count(ctx, count);
  d.unit = unit;
  d.pos = wy_tok_pos(count);
  return d;
}

wy_ast_join_t *wy_b_within(wy_ast_duration_t before, wy_ast_duration_t after,
                           wy_ast_duration_t grace) {
  wy_ast_join_t *j = calloc(1, sizeof *j);
  if (j) {
    j->before = before;
    j->after = after;
    j->grace = grace;
  }
  return j;
}

wy_ast_join_t *wy_b_join(wy_ast_join_kind_t kind, wy_ast_pos_t pos, wy_ast_relation_t *right,
                         wy_ast_join_t *within, wy_ast_expr_t *on) {
  wy_ast_join_t *j = within ? within : calloc(1, sizeof *j);
  if (!j || !right || !on) {
    wy_ast_join_destroy(j);
    wy_ast_relation_destroy(right);
    wy_ast_expr_destroy(on);
    return NULL;
  }
  j->kind = kind;
  j->pos = pos;
  j->right = right;
  j->on = on;
  return j;
}

wy_ast_window_t *wy_b_window_opts(wy_ast_duration_t retention, wy_ast_duration_t grace) {
  wy_ast_window_t *w = calloc(1, sizeof *w);
  if (w) {
    w->retention = retention;
    w->grace = grace;
  }
  return w;
}

wy_ast_window_t *wy_b_window(wy_ast_window_kind_t kind, wy_ast_pos_t pos, wy_ast_duration_t size,
                             wy_ast_duration_t advance, wy_ast_window_t *opts) {
  wy_ast_window_t *w = opts ? opts : calloc(1, sizeof *w);
  if (!w) return NULL;
  w->kind = kind;
  w->pos = pos;
  w->size = size;
  w->advance = advance;
  return w;
}

static wy_ast_query_t *query_shell(wy_ast_query_t *q) { return q ? q : calloc(1, sizeof *q); }

wy_ast_query_t *wy_b_q_window(wy_ast_query_t *q, wy_ast_window_t *w) {
  q = query_shell(q);
  if (!q || !w) {
    wy_ast_query_destroy(q);
    wy_ast_window_destroy(w);
    return NULL;
  }
  q->window = w;
  return q;
}

/* WHERE and HAVING: the same shape, a different slot. */
static wy_ast_query_t *query_condition(wy_ast_query_t *q, wy_ast_expr_t *e, bool having) {
  q = query_shell(q);
  if (!q || !e) {
    wy_ast_query_destroy(q);
    wy_ast_expr_destroy(e);
    return NULL;
  }
  *(having ? &q->having : &q->where) = e;
  return q;
}

wy_ast_query_t *wy_b_q_where(wy_ast_query_t *q, wy_ast_expr_t *e) {
  return query_condition(q, e, false);
}

wy_ast_query_t *wy_b_q_group(wy_ast_query_t *q, wy_plist_t *exprs, bool partition) {
  q = query_shell(q);
  if (!q || !exprs) {
    wy_ast_query_destroy(q);
    wy_plist_destroy(exprs);
    return NULL;
  }
  void **items;
  if (partition) {
    q->has_partition_by = true;
    list_take(exprs, &q->npartition_by, &items);
    q->partition_by = (wy_ast_expr_t **)items;
  } else {
    q->has_group_by = true;
    list_take(exprs, &q->ngroup_by, &items);
    q->group_by = (wy_ast_expr_t **)items;
  }
  return q;
}

wy_ast_query_t *wy_b_q_having(wy_ast_query_t *q, wy_ast_expr_t *e) {
  return query_condition(q, e, true);
}

wy_ast_query_t *wy_b_q_emit(wy_ast_query_t *q, wy_ast_emit_t emit) {
  q = query_shell(q);
  if (q) q->emit = emit;
  return q;
}

wy_ast_query_t *wy_b_q_limit(wy_ast_query_t *q, int64_t limit) {
  q = query_shell(q);
  if (q) {
    q->has_limit = true;
    q->limit = limit;
  }
  return q;
}

wy_ast_query_t *wy_b_query(wy_ast_pos_t pos, wy_plist_t *items, wy_ast_relation_t *from,
                           wy_plist_t *joins, wy_ast_query_t *clauses) {
  wy_ast_query_t *q = query_shell(clauses);
  if (!q || !items || !from) {
    wy_ast_query_destroy(q);
    wy_plist_destroy(items);
    wy_ast_relation_destroy(from);
    wy_plist_destroy(joins);
    return NULL;
  }
  void **v;
  q->pos = pos;
  list_take(items, &q->nitems, &v);
  q->items = (wy_ast_select_item_t **)v;
  q->from = from;
  list_take(joins, &q->njoins, &v);
  q->joins = (wy_ast_join_t **)v;
  return q;
}

/* ---- DDL pieces -------------------------------------------------------------------------- */

wy_ast_column_def_t *wy_b_coldef(wy_ast_name_t name, wy_ast_type_t *type, wy_ast_constraint_t c,
                                 const wy_token_t *header_key) {
  wy_ast_column_def_t *d = calloc(1, sizeof *d);
  if (d && header_key) d->header_key = unquote(header_key);
  if (!d || !name.text || !type || (header_key && !d->header_key)) {
    if (d) free(d->header_key);
    free(d);
    free(name.text);
    wy_ast_type_destroy(type);
    return NULL;
  }
  d->pos = name.pos;
  d->name = name.text;
  d->type = type;
  d->constraint = c;
  return d;
}

wy_ast_property_t *wy_b_prop(wy_ast_name_t name, bool quoted, wy_ast_expr_t *value) {
  wy_ast_property_t *p = calloc(1, sizeof *p);
  if (!p || !name.text || !value) {
    free(p);
    free(name.text);
    wy_ast_expr_destroy(value);
    return NULL;
  }
  p->pos = name.pos;
  p->name = name.text;
  p->name_quoted = quoted;
  p->value = value;
  return p;
}

/* ---- statements ------------------------------------------------------------------------ */

wy_ast_stmt_t *wy_b_stmt(wy_ast_stmt_kind_t kind, wy_ast_pos_t pos) {
  wy_ast_stmt_t *s = calloc(1, sizeof *s);
  if (s) {
    s->kind = kind;
    s->pos = pos;
  }
  return s;
}

wy_ast_stmt_t *wy_b_stmt_named(wy_ast_stmt_kind_t kind, wy_ast_pos_t pos, wy_ast_name_t name) {
  return wy_b_s_name(wy_b_stmt(kind, pos), name, false);
}

wy_ast_stmt_t *wy_b_show(wy_ast_pos_t pos, wy_ast_show_t show, int flags) {
  wy_ast_stmt_t *s = wy_b_s_flags(wy_b_stmt(WY_AST_STMT_SHOW, pos), flags);
  if (s) s->show = show;
  return s;
}

wy_ast_stmt_t *wy_b_s_name(wy_ast_stmt_t *s, wy_ast_name_t name, bool quoted) {
  if (!s) {
    free(name.text);
    return NULL;
  }
  s->name = name.text;
  s->name_pos = name.pos;
  s->name_quoted = quoted;
  return s;
}

wy_ast_stmt_t *wy_b_s_flags(wy_ast_stmt_t *s, int f) {
  if (!s) return NULL;
  s->or_replace |= (f & WY_F_OR_REPLACE) != 0;
  s->is_source |= (f & WY_F_SOURCE) != 0;
  s->if_not_exists |= (f & WY_F_IF_NOT_EXISTS) != 0;
  s->if_exists |= (f & WY_F_IF_EXISTS) != 0;
  s->delete_topic |= (f & WY_F_DELETE_TOPIC) != 0;
  s->extended |= (f & WY_F_EXTENDED) != 0;
  s->all |= (f & WY_F_ALL) != 0;
  s->not_exists |= (f & WY_F_NOT_EXISTS) != 0;
  s->from_beginning |= (f & WY_F_FROM_BEGINNING) != 0;
  return s;
}

wy_ast_stmt_t *wy_b_s_columns(wy_ast_stmt_t *s, wy_plist_t *coldefs) {
  if (!s) {
    wy_plist_destroy(coldefs);
    return NULL;
  }
  void **v;
  list_take(coldefs, &s->ncolumns, &v);
  s->columns = (wy_ast_column_def_t **)v;
  return s;
}

wy_ast_stmt_t *wy_b_s_props(wy_ast_stmt_t *s, wy_plist_t *props) {
  if (!s) {
    wy_plist_destroy(props);
    return NULL;
  }
  void **v;
  list_take(props, &s->nprops, &v);
  s->props = (wy_ast_property_t **)v;
  return s;
}

wy_ast_stmt_t *wy_b_s_query(wy_ast_stmt_t *s, wy_ast_query_t *q) {
  if (!s || !q) {
    wy_ast_stmt_destroy(s);
    wy_ast_query_destroy(q);
    return NULL;
  }
  s->query = q;
  return s;
}

wy_ast_stmt_t *wy_b_s_values(wy_ast_stmt_t *s, wy_plist_t *columns, wy_plist_t *values) {
  if (!s) {
    wy_plist_destroy(columns);
    wy_plist_destroy(values);
    return NULL;
  }
  s->has_insert_columns = columns != NULL;
  if (columns && !names_take(columns, &s->ninsert_columns, &s->insert_columns)) {
    wy_plist_destroy(values);
    wy_ast_stmt_destroy(s);
    return NULL;
  }
  void **v;
  list_take(values, &s->nvalues, &v);
  s->values = (wy_ast_expr_t **)v;
  return s;
}

wy_ast_stmt_t *wy_b_s_type(wy_ast_stmt_t *s, wy_ast_type_t *t) {
  if (!s || !t) {
    wy_ast_stmt_destroy(s);
    wy_ast_type_destroy(t);
    return NULL;
  }
  s->type = t;
  return s;
}

wy_ast_stmt_t *wy_b_s_value(wy_ast_stmt_t *s, const wy_token_t *str) {
  if (!s) return NULL;
  s->value = unquote(str);
  if (!s->value) {
    wy_ast_stmt_destroy(s);
    return NULL;
  }
  return s;
}

wy_ast_stmt_t *wy_b_s_schema_id(wy_ast_stmt_t *s, wy_ast_expr_t *id) {
  if (!s) {
    wy_ast_expr_destroy(id);
    return NULL;
  }
  s->schema_id = id;
  return s;
}

wy_ast_stmt_t *wy_b_s_timeout(wy_ast_stmt_t *s, wy_ast_duration_t d) {
  if (s) s->timeout = d;
  return s;
}

wy_ast_stmt_t *wy_b_s_print(wy_ast_stmt_t *s, int64_t interval, int64_t limit) {
  if (!s) return NULL;
  s->has_interval = interval >= 0;
  s->interval = interval >= 0 ? interval : 0;
  s->has_limit = limit >= 0;
  s->limit = limit >= 0 ? limit : 0;
  return s;
}

wy_ast_stmt_t *wy_b_s_explain(wy_ast_stmt_t *s, wy_ast_stmt_t *inner) {
  if (!s || !inner) {
    wy_ast_stmt_destroy(s);
    wy_ast_stmt_destroy(inner);
    return NULL;
  }
  s->explained = inner;
  return s;
}

wy_ast_stmt_t *wy_b_create_as(wy_parse_ctx_t *ctx, wy_ast_stmt_t *head, wy_plist_t *props,
                              wy_ast_query_t *q) {
  head = wy_b_s_query(wy_b_s_props(head, props), q);
  if (!head) return NULL;
  if (head->is_source) {
    wy_parse_error_at(ctx, head->pos, "CREATE SOURCE %s cannot have AS SELECT",
                      head->kind == WY_AST_STMT_CREATE_STREAM ? "STREAM" : "TABLE");
  }
  head->kind = head->kind == WY_AST_STMT_CREATE_STREAM ? WY_AST_STMT_CREATE_STREAM_AS
                                                       : WY_AST_STMT_CREATE_TABLE_AS;
  return head;
}
