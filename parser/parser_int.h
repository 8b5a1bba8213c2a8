/*
 * parser_int.h — private interfaces of the parser module: tokens, the tokenizer, the
 * parse context shared with the lemon grammar, growable lists and the AST builders the
 * grammar actions call.
 *
 * Builders take ownership of every pointer argument, even when they fail; a builder
 * that fails for a semantic reason (a bad DECIMAL precision, a number out of range)
 * records the first error in the context, and the driver stops feeding tokens. Only the
 * thread running the parse touches a context.
 */
#ifndef WY_PARSER_INT_H
#define WY_PARSER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "parser/ast.h"

typedef struct wy_token {
  int type;      /* TK_* from the generated grammar.h; 0 at the end of input */
  const char *z; /* start of the token's text (valid while the statement is parsed) */
  int n;         /* length in bytes */
  int line, col; /* 1-based */
} wy_token_t;

/* ---- tokenizer ---------------------------------------------------------------- */

typedef struct wy_lexer {
  const char *text;
  size_t len;
  size_t off;
  int line, col;
  /* the text is as written, before ${var} substitution (the statement splitter): names
   * are measured against their limit once substituted, not here */
  bool raw;
} wy_lexer_t;

void wy_lex_init(wy_lexer_t *lx, const char *text, size_t len, int line, int col);
/* Next token (type 0 at the end). Whitespace and comments are skipped. On a lexical
 * error returns WY_ERR_PARSE with the position filled in. */
wy_status_t wy_lex_next(wy_lexer_t *lx, wy_token_t *tok, wy_error_t *err);
/* How a token code reads in a syntax error, as ANTLR names ksqlDB's tokens: "'('",
 * "'FROM'", "IDENTIFIER", "INTEGER_VALUE", "<EOF>" (type 0). */
void wy_token_name(int type, char *buf, size_t cap);
/* True for keywords that ksqlDB lets serve as identifiers. */
bool wy_token_is_nonreserved(int type);
/* True for tokens that can start an expression (literals, '(', '-', CASE, ...). */
bool wy_token_starts_expr(int type);
/* True when the upper-cased word is a keyword of the dialect (reserved or not). */
bool wy_lex_is_keyword(const char *word, size_t len);
/* The keyword's token code, or 0. */
int wy_lex_keyword(const char *word, size_t len);

/* ---- parse context -------------------------------------------------------------- */

typedef struct wy_parse_ctx {
  wy_error_t *err;
  bool failed;
  wy_ast_stmt_t *stmt;    /* the statement completed by the grammar */
  wy_ast_pos_t cur;       /* position of the token being fed */
  bool first;             /* the token being fed starts the statement */
  const wy_token_t *next; /* the token after it, NULL at the end */
} wy_parse_ctx_t;

/* Turns a NULL builder result into an out-of-memory error (unless a builder already
 * recorded a better one); returns p. */
void *wy_parse_check(wy_parse_ctx_t *ctx, void *p);
/* Same for expressions; also rejects trees deeper than WY_AST_MAX_DEPTH. */
wy_ast_expr_t *wy_parse_expr(wy_parse_ctx_t *ctx, wy_ast_expr_t *e, wy_ast_pos_t pos);
void wy_parse_error_at(wy_parse_ctx_t *ctx, wy_ast_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How many of tokens[0..n) the parser would accept in a row from its current state. */
typedef int (*wy_parse_probe_fn)(void *parser, const int *tokens, int n);
/* Reports tok as a syntax error worded as ksqlDB's parser does ("line L:C: Syntax
 * Error" and a detail line); probe tells which tokens the parser could accept. */
void wy_parse_syntax_error(wy_parse_ctx_t *ctx, const wy_token_t *tok, void *parser,
                           wy_parse_probe_fn probe, int ntokens);
/* Reports a syntax error at pos with the given detail line. */
void wy_parse_syntax_error_detail(wy_parse_ctx_t *ctx, wy_ast_pos_t pos, const char *detail);
void wy_parse_accept(wy_parse_ctx_t *ctx, wy_ast_stmt_t *stmt);

/* ---- lists built while parsing ---------------------------------------------------- */

typedef enum {
  WY_L_EXPR,   /* wy_ast_expr_t */
  WY_L_ITEM,   /* wy_ast_select_item_t */
  WY_L_JOIN,   /* wy_ast_join_t */
  WY_L_COLDEF, /* wy_ast_column_def_t */
  WY_L_PROP,   /* wy_ast_property_t */
  WY_L_NAME    /* wy_ast_name_t (heap copy) */
} wy_plist_kind_t;

typedef struct wy_plist {
  wy_plist_kind_t kind;
  size_t n, cap;
  void **items;
} wy_plist_t;

wy_plist_t *wy_plist_new(wy_plist_kind_t kind);
/* Append item to list, creating the list when it is NULL. On failure destroys both and
 * returns NULL. */
wy_plist_t *wy_plist_push(wy_plist_kind_t kind, wy_plist_t *list, void *item);
/* Put an expression first (GROUP BY (a, b, ...) is built from its tail). */
wy_plist_t *wy_plist_prepend(wy_plist_t *list, wy_ast_expr_t *first);
void wy_plist_destroy(wy_plist_t *list);

/* A name written as an identifier or as a string (PRINT, ASSERT TOPIC, SUBJECT). */
typedef struct wy_resource {
  wy_ast_name_t name;
  bool quoted;
} wy_resource_t;

/* STRUCT(name := value, ...) while it is being parsed. */
typedef struct wy_fields {
  wy_plist_t *names;
  wy_plist_t *values;
} wy_fields_t;

/* ---- builders (build.c) ------------------------------------------------------------ */

wy_ast_pos_t wy_tok_pos(const wy_token_t *t);
wy_ast_name_t wy_b_ident(const wy_token_t *t);
wy_ast_name_t wy_b_string_name(const wy_token_t *t); /* a '...' string used as a name */
wy_ast_name_t *wy_b_name_box(wy_ast_name_t name);

wy_ast_expr_t *wy_b_number(wy_parse_ctx_t *ctx, const wy_token_t *t);
wy_ast_expr_t *wy_b_string(const wy_token_t *t);
wy_ast_expr_t *wy_b_simple_lit(wy_ast_lit_kind_t kind, const wy_token_t *t);
wy_ast_expr_t *wy_b_typed_lit(wy_ast_name_t type, const wy_token_t *value);
wy_ast_expr_t *wy_b_column(wy_ast_name_t qualifier, wy_ast_name_t name);
wy_ast_expr_t *wy_b_deref(wy_ast_expr_t *base, wy_ast_name_t field);
wy_ast_expr_t *wy_b_node(wy_ast_expr_kind_t kind, wy_ast_pos_t pos, wy_ast_expr_t *a,
                         wy_ast_expr_t *b, wy_ast_expr_t *c);
wy_ast_expr_t *wy_b_op(wy_ast_expr_kind_t kind, wy_ast_op_t op, wy_ast_expr_t *a, wy_ast_expr_t *b);
wy_ast_expr_t *wy_b_compare(const wy_token_t *op, wy_ast_expr_t *a, wy_ast_expr_t *b);
wy_ast_expr_t *wy_b_unary(wy_ast_op_t op, wy_ast_expr_t *e, wy_ast_pos_t pos);
wy_ast_expr_t *wy_b_negate(wy_ast_expr_t *e, bool negated);
wy_ast_expr_t *wy_b_like(wy_ast_expr_t *v, wy_ast_expr_t *pattern, const wy_token_t *escape,
                         bool negated);
wy_ast_expr_t *wy_b_in(wy_ast_expr_t *v, wy_plist_t *list, bool negated);
wy_ast_expr_t *wy_b_case(wy_ast_pos_t pos, wy_ast_expr_t *operand, wy_plist_t *whens,
                         wy_ast_expr_t *otherwise);
wy_ast_expr_t *wy_b_cast(wy_ast_pos_t pos, wy_ast_expr_t *e, wy_ast_type_t *type);
wy_ast_expr_t *wy_b_call(wy_ast_name_t name, wy_plist_t *args, bool star);
wy_ast_expr_t *wy_b_time_unit(wy_ast_time_unit_t unit, wy_ast_pos_t pos);
wy_ast_expr_t *wy_b_lambda(wy_ast_pos_t pos, wy_plist_t *params, wy_ast_expr_t *body);
/* ARRAY / MAP (args alternate key, value) / STRUCT (names give the fields). */
wy_ast_expr_t *wy_b_ctor(wy_ast_expr_kind_t kind, wy_ast_pos_t pos, wy_plist_t *args,
                         wy_plist_t *names);
wy_ast_expr_t *wy_b_paren(wy_ast_expr_t *e);

wy_ast_type_t *wy_b_type_named(wy_parse_ctx_t *ctx, wy_ast_name_t name, wy_plist_t *params);
wy_ast_type_t *wy_b_type_array(wy_ast_pos_t pos, wy_ast_type_t *elem);
wy_ast_type_t *wy_b_type_map(wy_ast_pos_t pos, wy_ast_type_t *key, wy_ast_type_t *value);
/* fields: a WY_L_COLDEF list (names and types), may be NULL for STRUCT<>. */
wy_ast_type_t *wy_b_type_struct(wy_ast_pos_t pos, wy_plist_t *fields);

wy_ast_select_item_t *wy_b_item(wy_ast_item_kind_t kind, wy_ast_pos_t pos, wy_ast_expr_t *e,
                                wy_ast_name_t alias);
wy_ast_relation_t *wy_b_relation(wy_ast_name_t name, wy_ast_name_t alias);
wy_ast_duration_t wy_b_duration(wy_parse_ctx_t *ctx, const wy_token_t *count,
                                wy_ast_time_unit_t unit);
wy_ast_join_t *wy_b_join(wy_ast_join_kind_t kind, wy_ast_pos_t pos, wy_ast_relation_t *right,
                         wy_ast_join_t *within, wy_ast_expr_t *on);
/* The WITHIN part of a join, carried in a join shell until the join is complete. */
wy_ast_join_t *wy_b_within(wy_ast_duration_t before, wy_ast_duration_t after,
                           wy_ast_duration_t grace);
wy_ast_window_t *wy_b_window(wy_ast_window_kind_t kind, wy_ast_pos_t pos, wy_ast_duration_t size,
                             wy_ast_duration_t advance, wy_ast_window_t *opts);
/* RETENTION / GRACE PERIOD options of a window, carried in a window shell. */
wy_ast_window_t *wy_b_window_opts(wy_ast_duration_t retention, wy_ast_duration_t grace);
int64_t wy_b_count(wy_parse_ctx_t *ctx, const wy_token_t *t);

wy_ast_query_t *wy_b_query(wy_ast_pos_t pos, wy_plist_t *items, wy_ast_relation_t *from,
                           wy_plist_t *joins, wy_ast_query_t *clauses);
/* One clause at a time into a query shell (created on first use). */
wy_ast_query_t *wy_b_q_window(wy_ast_query_t *q, wy_ast_window_t *w);
wy_ast_query_t *wy_b_q_where(wy_ast_query_t *q, wy_ast_expr_t *e);
wy_ast_query_t *wy_b_q_group(wy_ast_query_t *q, wy_plist_t *exprs, bool partition);
wy_ast_query_t *wy_b_q_having(wy_ast_query_t *q, wy_ast_expr_t *e);
wy_ast_query_t *wy_b_q_emit(wy_ast_query_t *q, wy_ast_emit_t emit);
wy_ast_query_t *wy_b_q_limit(wy_ast_query_t *q, int64_t limit);

wy_ast_column_def_t *wy_b_coldef(wy_ast_name_t name, wy_ast_type_t *type, wy_ast_constraint_t c,
                                 const wy_token_t *header_key);
wy_ast_property_t *wy_b_prop(wy_ast_name_t name, bool quoted, wy_ast_expr_t *value);

wy_ast_stmt_t *wy_b_stmt(wy_ast_stmt_kind_t kind, wy_ast_pos_t pos);
wy_ast_stmt_t *wy_b_show(wy_ast_pos_t pos, wy_ast_show_t show, int flags);
wy_ast_stmt_t *wy_b_stmt_named(wy_ast_stmt_kind_t kind, wy_ast_pos_t pos, wy_ast_name_t name);
/* Setters used by the grammar to fill a statement in steps; each takes ownership and
 * returns s (or NULL, having destroyed everything, when s is NULL). */
wy_ast_stmt_t *wy_b_s_flags(wy_ast_stmt_t *s, int flags);
wy_ast_stmt_t *wy_b_s_columns(wy_ast_stmt_t *s, wy_plist_t *coldefs);
wy_ast_stmt_t *wy_b_s_props(wy_ast_stmt_t *s, wy_plist_t *props);
wy_ast_stmt_t *wy_b_s_query(wy_ast_stmt_t *s, wy_ast_query_t *q);
wy_ast_stmt_t *wy_b_s_values(wy_ast_stmt_t *s, wy_plist_t *columns, wy_plist_t *values);
wy_ast_stmt_t *wy_b_s_type(wy_ast_stmt_t *s, wy_ast_type_t *t);
wy_ast_stmt_t *wy_b_s_value(wy_ast_stmt_t *s, const wy_token_t *str);
wy_ast_stmt_t *wy_b_s_name(wy_ast_stmt_t *s, wy_ast_name_t name, bool quoted);
wy_ast_stmt_t *wy_b_s_schema_id(wy_ast_stmt_t *s, wy_ast_expr_t *id);
wy_ast_stmt_t *wy_b_s_timeout(wy_ast_stmt_t *s, wy_ast_duration_t d);
wy_ast_stmt_t *wy_b_s_print(wy_ast_stmt_t *s, int64_t interval, int64_t limit);
wy_ast_stmt_t *wy_b_s_explain(wy_ast_stmt_t *s, wy_ast_stmt_t *inner);
/* CREATE head + tail: checks the combinations the grammar lets through. */
wy_ast_stmt_t *wy_b_create_as(wy_parse_ctx_t *ctx, wy_ast_stmt_t *head, wy_plist_t *props,
                              wy_ast_query_t *q);

/* Flag bits for wy_b_s_flags. */
enum {
  WY_F_OR_REPLACE = 1 << 0,
  WY_F_SOURCE = 1 << 1,
  WY_F_IF_NOT_EXISTS = 1 << 2,
  WY_F_IF_EXISTS = 1 << 3,
  WY_F_DELETE_TOPIC = 1 << 4,
  WY_F_EXTENDED = 1 << 5,
  WY_F_ALL = 1 << 6,
  WY_F_NOT_EXISTS = 1 << 7,
  WY_F_FROM_BEGINNING = 1 << 8
};

/* ---- printing helpers shared by ast.c and the tests --------------------------------- */

/* True when name can be written without back-quotes and read back unchanged. */
bool wy_ast_ident_is_plain(const char *name);

/* One name function per X-macro list: fn(k) is the list's second column for k. */
#define WY_X_NAME(k, name, ...) name,
#define WY_NAME_FN(scope, fn, type, LIST)                               \
  scope const char *fn(type k) {                                        \
    static const char *const names[] = {LIST(WY_X_NAME)};               \
    return (size_t)k < sizeof names / sizeof names[0] ? names[k] : "?"; \
  }

#endif
