/*
 * grammar.y — lemon grammar for walleye's ksqlDB dialect (one statement per parse).
 *
 * Follows ksqlDB's SqlBase.g4: statement forms, clause order, operator precedence
 * (OR < AND < NOT < predicates < || < + - < * / % < unary < primary) and its list of
 * non-reserved keywords (usable as identifiers). Actions are one-line calls into the
 * builders of build.c; every pointer nonterminal has a destructor so that a syntax error
 * frees whatever was built. The driver (parser.c) feeds the tokens of one statement,
 * then SEMI, then the end of input.
 */

%include {
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parser_int.h"

#define B(x) wy_parse_check(ctx, (x))
#define E(x, at) wy_parse_expr(ctx, (x), (at))
#define P(t) wy_tok_pos(&(t))
static wy_ast_name_t no_name(void) { wy_ast_name_t n = {NULL, {0, 0}}; return n; }
static wy_ast_duration_t no_duration(void) { wy_ast_duration_t d; memset(&d, 0, sizeof d); return d; }
static int wy_lemon_probe(void *parser, const int *tokens, int n);
}

%code {
/* How many of tokens[0..n) would the parser accept in a row from its current state?
 * Simulates the shifts and reductions on a copy of the state stack (no actions run).
 * Used to describe syntax errors: the expected tokens, a missing or an extraneous one. */
static int wy_lemon_probe(void *parser, const int *tokens, int n) {
  yyParser *p = (yyParser *)parser;
  int depth = (int)(p->yytos - p->yystack);
  int cap = depth + 64 + n;
  YYACTIONTYPE *st = malloc(sizeof *st * (size_t)cap);
  if (!st) return 0;
  for (int i = 0; i <= depth; i++) st[i] = p->yystack[i].stateno;
  int top = depth, done = 0;
  for (int guard = 0; guard < 10000 && done < n; guard++) {
    YYACTIONTYPE act = yy_find_shift_action((YYCODETYPE)tokens[done], st[top]);
    if (act == YY_ACCEPT_ACTION) { done++; break; }
    if (act <= YY_MAX_SHIFTREDUCE) {
      if (top + 1 >= cap) break;
      if (act > YY_MAX_SHIFT) act += YY_MIN_REDUCE - YY_MIN_SHIFTREDUCE;
      st[++top] = act;
      done++;
      continue;
    }
    if (act < YY_MIN_REDUCE) break;
    unsigned rule = act - YY_MIN_REDUCE;
    top += yyRuleInfoNRhs[rule];
    if (top < 0 || top + 1 >= cap) break;
    YYACTIONTYPE g = yy_find_reduce_action(st[top], yyRuleInfoLhs[rule]);
    st[++top] = g;
  }
  free(st);
  return done;
}
}

%name wy_lemon
%token_prefix TK_
%token_type {wy_token_t}
%extra_argument {wy_parse_ctx_t *ctx}
%stack_size 2000
%start_symbol input

%syntax_error {
  wy_parse_syntax_error(ctx, &TOKEN, yypParser, wy_lemon_probe, YYNTOKEN);
}
%stack_overflow {
  wy_parse_error_at(ctx, ctx->cur, "statement is nested too deeply");
}

/* Constructors win over identifiers named ARRAY, MAP or STRUCT, as in ksqlDB. */
%nonassoc ARRAY MAP STRUCT.
%left OR.
%left AND.
%right NOT.
%left CONCAT.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UMINUS.
%nonassoc LP LBRACKET.

input ::= cmd(C) SEMI. { wy_parse_accept(ctx, C); }

%type cmd {wy_ast_stmt_t *}
%destructor cmd { wy_ast_stmt_destroy($$); }
%type create_head {wy_ast_stmt_t *}
%destructor create_head { wy_ast_stmt_destroy($$); }

/* ---- queries, CREATE, INSERT --------------------------------------------------- */

cmd(A) ::= query(Q). { A = B(wy_b_s_query(B(wy_b_stmt(WY_AST_STMT_QUERY, Q ? Q->pos : (wy_ast_pos_t){0, 0})), Q)); }

create_head(A) ::= CREATE(T) orrep(R) srcflag(S) STREAM ifne(I) ident(N). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_CREATE_STREAM, P(T), N)), R | S | I)); }
create_head(A) ::= CREATE(T) orrep(R) srcflag(S) TABLE ifne(I) ident(N). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_CREATE_TABLE, P(T), N)), R | S | I)); }
cmd(A) ::= create_head(H) elements(L) opt_with(W). { A = B(wy_b_s_props(B(wy_b_s_columns(H, L)), W)); }
cmd(A) ::= create_head(H) opt_with(W). { A = B(wy_b_s_props(H, W)); }
cmd(A) ::= create_head(H) opt_with(W) AS query(Q). { A = B(wy_b_create_as(ctx, H, W, Q)); }

cmd(A) ::= INSERT(T) INTO ident(N) opt_with(W) query(Q). { A = B(wy_b_s_query(B(wy_b_s_props(B(wy_b_stmt_named(WY_AST_STMT_INSERT_INTO, P(T), N)), W)), Q)); }
cmd(A) ::= INSERT(T) INTO ident(N) opt_columns(C) VALUES values(V). { A = B(wy_b_s_values(B(wy_b_stmt_named(WY_AST_STMT_INSERT_VALUES, P(T), N)), C, V)); }

%type orrep {int}
orrep(A) ::= . { A = 0; }
orrep(A) ::= OR REPLACE. { A = WY_F_OR_REPLACE; }
%type srcflag {int}
srcflag(A) ::= . { A = 0; }
srcflag(A) ::= SOURCE. { A = WY_F_SOURCE; }
%type ifne {int}
ifne(A) ::= . { A = 0; }
ifne(A) ::= IF NOT EXISTS. { A = WY_F_IF_NOT_EXISTS; }
%type ifex {int}
ifex(A) ::= . { A = 0; }
ifex(A) ::= IF EXISTS. { A = WY_F_IF_EXISTS; }
%type ext {int}
ext(A) ::= . { A = 0; }
ext(A) ::= EXTENDED. { A = WY_F_EXTENDED; }

%type elements {wy_plist_t *}
%destructor elements { wy_plist_destroy($$); }
elements(A) ::= LP coldefs(L) RP. { A = L; }
%type coldefs {wy_plist_t *}
%destructor coldefs { wy_plist_destroy($$); }
coldefs(A) ::= coldef(C). { A = B(wy_plist_push(WY_L_COLDEF, NULL, C)); }
coldefs(A) ::= coldefs(L) COMMA coldef(C). { A = B(wy_plist_push(WY_L_COLDEF, L, C)); }
%type coldef {wy_ast_column_def_t *}
%destructor coldef { wy_ast_column_def_destroy($$); }
coldef(A) ::= ident(N) type(T). { A = B(wy_b_coldef(N, T, WY_AST_COL_VALUE, NULL)); }
coldef(A) ::= ident(N) type(T) KEY. { A = B(wy_b_coldef(N, T, WY_AST_COL_KEY, NULL)); }
coldef(A) ::= ident(N) type(T) PRIMARY KEY. { A = B(wy_b_coldef(N, T, WY_AST_COL_PRIMARY_KEY, NULL)); }
coldef(A) ::= ident(N) type(T) HEADERS. { A = B(wy_b_coldef(N, T, WY_AST_COL_HEADERS, NULL)); }
coldef(A) ::= ident(N) type(T) HEADER LP STRING(K) RP. { A = B(wy_b_coldef(N, T, WY_AST_COL_HEADER, &K)); }

%type opt_with {wy_plist_t *}
%destructor opt_with { wy_plist_destroy($$); }
opt_with(A) ::= . { A = NULL; }
opt_with(A) ::= WITH LP props(L) RP. { A = L; }
%type props {wy_plist_t *}
%destructor props { wy_plist_destroy($$); }
props(A) ::= prop(P). { A = B(wy_plist_push(WY_L_PROP, NULL, P)); }
props(A) ::= props(L) COMMA prop(P). { A = B(wy_plist_push(WY_L_PROP, L, P)); }
%type prop {wy_ast_property_t *}
%destructor prop { wy_ast_property_destroy($$); }
prop(A) ::= ident(N) EQ plit(V). { A = B(wy_b_prop(N, false, V)); }
prop(A) ::= STRING(S) EQ plit(V). { A = B(wy_b_prop(wy_b_string_name(&S), true, V)); }

/* Literals allowed as property values and schema ids (ksqlDB's `literal`). */
%type plit {wy_ast_expr_t *}
%destructor plit { wy_ast_expr_destroy($$); }
plit(A) ::= literal(L). { A = L; }
plit(A) ::= MINUS(M) number(L). { A = E(wy_b_unary(WY_AST_OP_NEG, L, P(M)), P(M)); }

%type opt_columns {wy_plist_t *}
%destructor opt_columns { wy_plist_destroy($$); }
opt_columns(A) ::= . { A = NULL; }
opt_columns(A) ::= LP names(L) RP. { A = L; }
%type names {wy_plist_t *}
%destructor names { wy_plist_destroy($$); }
names(A) ::= ident(N). { A = B(wy_plist_push(WY_L_NAME, NULL, B(wy_b_name_box(N)))); }
names(A) ::= names(L) COMMA ident(N). { A = B(wy_plist_push(WY_L_NAME, L, B(wy_b_name_box(N)))); }

%type values {wy_plist_t *}
%destructor values { wy_plist_destroy($$); }
values(A) ::= LP RP. { A = NULL; }
values(A) ::= LP exprs(L) RP. { A = L; }

/* ---- other statements ------------------------------------------------------------ */

cmd(A) ::= DROP(T) STREAM ifex(I) ident(N) deltopic(D). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_DROP_STREAM, P(T), N)), I | D)); }
cmd(A) ::= DROP(T) TABLE ifex(I) ident(N) deltopic(D). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_DROP_TABLE, P(T), N)), I | D)); }
cmd(A) ::= DROP(T) TYPE ifex(I) ident(N). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_DROP_TYPE, P(T), N)), I)); }
%type deltopic {int}
deltopic(A) ::= . { A = 0; }
deltopic(A) ::= DELETE TOPIC. { A = WY_F_DELETE_TOPIC; }

cmd(A) ::= CREATE(T) TYPE ifne(I) ident(N) AS type(Y). { A = B(wy_b_s_type(B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_CREATE_TYPE, P(T), N)), I)), Y)); }

cmd(A) ::= ALTER(T) STREAM ident(N) alters(L). { A = B(wy_b_s_columns(B(wy_b_stmt_named(WY_AST_STMT_ALTER_STREAM, P(T), N)), L)); }
cmd(A) ::= ALTER(T) TABLE ident(N) alters(L). { A = B(wy_b_s_columns(B(wy_b_stmt_named(WY_AST_STMT_ALTER_TABLE, P(T), N)), L)); }
%type alters {wy_plist_t *}
%destructor alters { wy_plist_destroy($$); }
alters(A) ::= alter(C). { A = B(wy_plist_push(WY_L_COLDEF, NULL, C)); }
alters(A) ::= alters(L) COMMA alter(C). { A = B(wy_plist_push(WY_L_COLDEF, L, C)); }
%type alter {wy_ast_column_def_t *}
%destructor alter { wy_ast_column_def_destroy($$); }
alter(A) ::= ADD ident(N) type(T). { A = B(wy_b_coldef(N, T, WY_AST_COL_VALUE, NULL)); }
alter(A) ::= ADD COLUMN ident(N) type(T). { A = B(wy_b_coldef(N, T, WY_AST_COL_VALUE, NULL)); }

cmd(A) ::= TERMINATE(T) ident(N). { A = B(wy_b_stmt_named(WY_AST_STMT_TERMINATE, P(T), N)); }
cmd(A) ::= TERMINATE(T) ALL. { A = B(wy_b_s_flags(B(wy_b_stmt(WY_AST_STMT_TERMINATE, P(T))), WY_F_ALL)); }
cmd(A) ::= PAUSE(T) ident(N). { A = B(wy_b_stmt_named(WY_AST_STMT_PAUSE, P(T), N)); }
cmd(A) ::= PAUSE(T) ALL. { A = B(wy_b_s_flags(B(wy_b_stmt(WY_AST_STMT_PAUSE, P(T))), WY_F_ALL)); }
cmd(A) ::= RESUME(T) ident(N). { A = B(wy_b_stmt_named(WY_AST_STMT_RESUME, P(T), N)); }
cmd(A) ::= RESUME(T) ALL. { A = B(wy_b_s_flags(B(wy_b_stmt(WY_AST_STMT_RESUME, P(T))), WY_F_ALL)); }

cmd(A) ::= showkw(T) STREAMS ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_STREAMS, X)); }
cmd(A) ::= showkw(T) TABLES ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_TABLES, X)); }
cmd(A) ::= showkw(T) QUERIES ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_QUERIES, X)); }
cmd(A) ::= showkw(T) TOPICS ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_TOPICS, X)); }
cmd(A) ::= showkw(T) ALL TOPICS ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_TOPICS, X | WY_F_ALL)); }
cmd(A) ::= showkw(T) FUNCTIONS ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_FUNCTIONS, X)); }
cmd(A) ::= showkw(T) PROPERTIES ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_PROPERTIES, X)); }
cmd(A) ::= showkw(T) TYPES ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_TYPES, X)); }
cmd(A) ::= showkw(T) VARIABLES ext(X). { A = B(wy_b_show(T, WY_AST_SHOW_VARIABLES, X)); }
%type showkw {wy_ast_pos_t}
showkw(A) ::= SHOW(T). { A = P(T); }
showkw(A) ::= LIST(T). { A = P(T); }

cmd(A) ::= DESCRIBE(T) ident(N) ext(X). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_DESCRIBE, P(T), N)), X)); }
cmd(A) ::= DESCRIBE(T) EXTENDED ident(N). { A = B(wy_b_s_flags(B(wy_b_stmt_named(WY_AST_STMT_DESCRIBE, P(T), N)), WY_F_EXTENDED)); }
cmd(A) ::= DESCRIBE(T) STREAMS ext(X). { A = B(wy_b_s_flags(B(wy_b_stmt(WY_AST_STMT_DESCRIBE_STREAMS, P(T))), X)); }
cmd(A) ::= DESCRIBE(T) TABLES ext(X). { A = B(wy_b_s_flags(B(wy_b_stmt(WY_AST_STMT_DESCRIBE_TABLES, P(T))), X)); }
cmd(A) ::= DESCRIBE(T) FUNCTION ident(N). { A = B(wy_b_stmt_named(WY_AST_STMT_DESCRIBE_FUNCTION, P(T), N)); }

cmd(A) ::= EXPLAIN(T) cmd(C). { A = B(wy_b_s_explain(B(wy_b_stmt(WY_AST_STMT_EXPLAIN, P(T))), C)); }
cmd(A) ::= EXPLAIN(T) ident(N). { A = B(wy_b_stmt_named(WY_AST_STMT_EXPLAIN, P(T), N)); }

cmd(A) ::= PRINT(T) resource(R) printfrom(F) printint(I) opt_limit(L). { A = B(wy_b_s_print(B(wy_b_s_flags(B(wy_b_s_name(B(wy_b_stmt(WY_AST_STMT_PRINT, P(T))), R.name, R.quoted)), F)), I, L)); }
%type printfrom {int}
printfrom(A) ::= . { A = 0; }
printfrom(A) ::= FROM BEGINNING. { A = WY_F_FROM_BEGINNING; }
%type printint {int64_t}
printint(A) ::= . { A = -1; }
printint(A) ::= INTERVAL INTEGER(N). { A = wy_b_count(ctx, &N); }
printint(A) ::= SAMPLE INTEGER(N). { A = wy_b_count(ctx, &N); }

%type resource {wy_resource_t}
%destructor resource { free($$.name.text); }
resource(A) ::= ident(N). { A.name = N; A.quoted = false; }
resource(A) ::= STRING(S). { A.name = wy_b_string_name(&S); A.quoted = true; }

cmd(A) ::= SET(T) STRING(K) EQ STRING(V). { A = B(wy_b_s_value(B(wy_b_stmt_named(WY_AST_STMT_SET, P(T), wy_b_string_name(&K))), &V)); }
cmd(A) ::= UNSET(T) STRING(K). { A = B(wy_b_stmt_named(WY_AST_STMT_UNSET, P(T), wy_b_string_name(&K))); }
cmd(A) ::= DEFINE(T) ident(N) EQ STRING(V). { A = B(wy_b_s_value(B(wy_b_stmt_named(WY_AST_STMT_DEFINE, P(T), N)), &V)); }
cmd(A) ::= UNDEFINE(T) ident(N). { A = B(wy_b_stmt_named(WY_AST_STMT_UNDEFINE, P(T), N)); }
cmd(A) ::= RUN(T) SCRIPT STRING(S). { A = B(wy_b_s_value(B(wy_b_stmt(WY_AST_STMT_RUN_SCRIPT, P(T))), &S)); }

cmd(A) ::= ASSERT(T) notex(X) TOPIC resource(R) opt_with(W) opt_timeout(O). { A = B(wy_b_s_timeout(B(wy_b_s_props(B(wy_b_s_flags(B(wy_b_s_name(B(wy_b_stmt(WY_AST_STMT_ASSERT_TOPIC, P(T))), R.name, R.quoted)), X)), W)), O)); }
cmd(A) ::= ASSERT(T) notex(X) SCHEMA opt_subject(S) opt_id(I) opt_timeout(O). { A = B(wy_b_s_timeout(B(wy_b_s_schema_id(B(wy_b_s_name(B(wy_b_s_flags(B(wy_b_stmt(WY_AST_STMT_ASSERT_SCHEMA, P(T))), X)), S.name, S.quoted)), I)), O)); }
cmd(A) ::= ASSERT(T) VALUES ident(N) opt_columns(C) VALUES values(V). { A = B(wy_b_s_values(B(wy_b_stmt_named(WY_AST_STMT_ASSERT_VALUES, P(T), N)), C, V)); }
cmd(A) ::= ASSERT(T) NULL VALUES ident(N) opt_columns(C) KEY values(V). { A = B(wy_b_s_values(B(wy_b_stmt_named(WY_AST_STMT_ASSERT_TOMBSTONE, P(T), N)), C, V)); }
cmd(A) ::= ASSERT(T) STREAM ident(N) opt_elements(L) opt_with(W). { A = B(wy_b_s_props(B(wy_b_s_columns(B(wy_b_stmt_named(WY_AST_STMT_ASSERT_STREAM, P(T), N)), L)), W)); }
cmd(A) ::= ASSERT(T) TABLE ident(N) opt_elements(L) opt_with(W). { A = B(wy_b_s_props(B(wy_b_s_columns(B(wy_b_stmt_named(WY_AST_STMT_ASSERT_TABLE, P(T), N)), L)), W)); }
%type notex {int}
notex(A) ::= . { A = 0; }
notex(A) ::= NOT EXISTS. { A = WY_F_NOT_EXISTS; }
%type opt_subject {wy_resource_t}
%destructor opt_subject { free($$.name.text); }
opt_subject(A) ::= . { A.name = no_name(); A.quoted = false; }
opt_subject(A) ::= SUBJECT resource(R). { A = R; }
%type opt_id {wy_ast_expr_t *}
%destructor opt_id { wy_ast_expr_destroy($$); }
opt_id(A) ::= . { A = NULL; }
opt_id(A) ::= ID plit(L). { A = L; }
%type opt_timeout {wy_ast_duration_t}
opt_timeout(A) ::= . { A = no_duration(); }
opt_timeout(A) ::= TIMEOUT duration(D). { A = D; }
%type opt_elements {wy_plist_t *}
%destructor opt_elements { wy_plist_destroy($$); }
opt_elements(A) ::= . { A = NULL; }
opt_elements(A) ::= elements(L). { A = L; }

/* ---- SELECT ------------------------------------------------------------------------ */

%type query {wy_ast_query_t *}
%destructor query { wy_ast_query_destroy($$); }
query(A) ::= SELECT(T) items(I) FROM relation(R) joins(J) qlimit(C). { A = B(wy_b_query(P(T), I, R, J, C)); }

%type items {wy_plist_t *}
%destructor items { wy_plist_destroy($$); }
items(A) ::= item(I). { A = B(wy_plist_push(WY_L_ITEM, NULL, I)); }
items(A) ::= items(L) COMMA item(I). { A = B(wy_plist_push(WY_L_ITEM, L, I)); }
%type item {wy_ast_select_item_t *}
%destructor item { wy_ast_select_item_destroy($$); }
item(A) ::= expr(X). { A = B(wy_b_item(WY_AST_ITEM_EXPR, X ? X->pos : (wy_ast_pos_t){0, 0}, X, no_name())); }
item(A) ::= expr(X) AS ident(N). { A = B(wy_b_item(WY_AST_ITEM_EXPR, X ? X->pos : N.pos, X, N)); }
item(A) ::= expr(X) alias_ident(N). { A = B(wy_b_item(WY_AST_ITEM_EXPR, X ? X->pos : N.pos, X, N)); }
item(A) ::= STAR(T). { A = B(wy_b_item(WY_AST_ITEM_ALL, P(T), NULL, no_name())); }
item(A) ::= ident(N) DOT STAR. { A = B(wy_b_item(WY_AST_ITEM_SOURCE_ALL, N.pos, NULL, N)); }
item(A) ::= primary(X) ARROW STAR. { A = B(wy_b_item(WY_AST_ITEM_STRUCT_ALL, X ? X->pos : (wy_ast_pos_t){0, 0}, X, no_name())); }

%type relation {wy_ast_relation_t *}
%destructor relation { wy_ast_relation_destroy($$); }
relation(A) ::= ident(N). { A = B(wy_b_relation(N, no_name())); }
relation(A) ::= ident(N) AS ident(L). { A = B(wy_b_relation(N, L)); }
relation(A) ::= ident(N) alias_ident(L). { A = B(wy_b_relation(N, L)); }

%type joins {wy_plist_t *}
%destructor joins { wy_plist_destroy($$); }
joins(A) ::= . { A = NULL; }
joins(A) ::= joins(L) join(J). { A = B(wy_plist_push(WY_L_JOIN, L, J)); }
%type join {wy_ast_join_t *}
%destructor join { wy_ast_join_destroy($$); }
join(A) ::= jointype(K) JOIN(T) relation(R) within(W) ON expr(X). { A = B(wy_b_join((wy_ast_join_kind_t)K, P(T), R, W, X)); }
%type jointype {int}
jointype(A) ::= . { A = WY_AST_JOIN_INNER; }
jointype(A) ::= INNER. { A = WY_AST_JOIN_INNER; }
jointype(A) ::= LEFT. { A = WY_AST_JOIN_LEFT; }
jointype(A) ::= LEFT OUTER. { A = WY_AST_JOIN_LEFT; }
jointype(A) ::= RIGHT. { A = WY_AST_JOIN_RIGHT; }
jointype(A) ::= RIGHT OUTER. { A = WY_AST_JOIN_RIGHT; }
jointype(A) ::= FULL. { A = WY_AST_JOIN_FULL; }
jointype(A) ::= FULL OUTER. { A = WY_AST_JOIN_FULL; }
%type within {wy_ast_join_t *}
%destructor within { wy_ast_join_destroy($$); }
within(A) ::= . { A = NULL; }
within(A) ::= WITHIN duration(D) grace(G). { A = B(wy_b_within(D, no_duration(), G)); }
within(A) ::= WITHIN LP duration(D) COMMA duration(F) RP grace(G). { A = B(wy_b_within(D, F, G)); }
%type grace {wy_ast_duration_t}
grace(A) ::= . { A = no_duration(); }
grace(A) ::= GRACE PERIOD duration(D). { A = D; }

%type duration {wy_ast_duration_t}
duration(A) ::= INTEGER(N) unit(U). { A = wy_b_duration(ctx, &N, (wy_ast_time_unit_t)U); }
%type unit {int}
unit(A) ::= DAY. { A = WY_AST_UNIT_DAYS; }
unit(A) ::= DAYS. { A = WY_AST_UNIT_DAYS; }
unit(A) ::= HOUR. { A = WY_AST_UNIT_HOURS; }
unit(A) ::= HOURS. { A = WY_AST_UNIT_HOURS; }
unit(A) ::= MINUTE. { A = WY_AST_UNIT_MINUTES; }
unit(A) ::= MINUTES. { A = WY_AST_UNIT_MINUTES; }
unit(A) ::= SECOND. { A = WY_AST_UNIT_SECONDS; }
unit(A) ::= SECONDS. { A = WY_AST_UNIT_SECONDS; }
unit(A) ::= MILLISECOND. { A = WY_AST_UNIT_MILLISECONDS; }
unit(A) ::= MILLISECONDS. { A = WY_AST_UNIT_MILLISECONDS; }

/* The optional clauses, in ksqlDB's order, each layered on the previous ones. */
%type qwindow {wy_ast_query_t *}
%destructor qwindow { wy_ast_query_destroy($$); }
qwindow(A) ::= . { A = NULL; }
qwindow(A) ::= WINDOW window(W). { A = B(wy_b_q_window(NULL, W)); }
qwindow(A) ::= WINDOW IDENT window(W). { A = B(wy_b_q_window(NULL, W)); }
%type qwhere {wy_ast_query_t *}
%destructor qwhere { wy_ast_query_destroy($$); }
qwhere(A) ::= qwindow(Q). { A = Q; }
qwhere(A) ::= qwindow(Q) WHERE expr(X). { A = B(wy_b_q_where(Q, X)); }
%type qgroup {wy_ast_query_t *}
%destructor qgroup { wy_ast_query_destroy($$); }
qgroup(A) ::= qwhere(Q). { A = Q; }
qgroup(A) ::= qwhere(Q) GROUP BY groupexprs(L). { A = B(wy_b_q_group(Q, L, false)); }
%type qpartition {wy_ast_query_t *}
%destructor qpartition { wy_ast_query_destroy($$); }
qpartition(A) ::= qgroup(Q). { A = Q; }
qpartition(A) ::= qgroup(Q) PARTITION BY groupexprs(L). { A = B(wy_b_q_group(Q, L, true)); }
%type qhaving {wy_ast_query_t *}
%destructor qhaving { wy_ast_query_destroy($$); }
qhaving(A) ::= qpartition(Q). { A = Q; }
qhaving(A) ::= qpartition(Q) HAVING expr(X). { A = B(wy_b_q_having(Q, X)); }
%type qemit {wy_ast_query_t *}
%destructor qemit { wy_ast_query_destroy($$); }
qemit(A) ::= qhaving(Q). { A = Q; }
qemit(A) ::= qhaving(Q) EMIT CHANGES. { A = B(wy_b_q_emit(Q, WY_AST_EMIT_CHANGES)); }
qemit(A) ::= qhaving(Q) EMIT FINAL. { A = B(wy_b_q_emit(Q, WY_AST_EMIT_FINAL)); }
%type qlimit {wy_ast_query_t *}
%destructor qlimit { wy_ast_query_destroy($$); }
qlimit(A) ::= qemit(Q). { A = Q; }
qlimit(A) ::= qemit(Q) LIMIT INTEGER(N). { A = B(wy_b_q_limit(Q, wy_b_count(ctx, &N))); }

%type opt_limit {int64_t}
opt_limit(A) ::= . { A = -1; }
opt_limit(A) ::= LIMIT INTEGER(N). { A = wy_b_count(ctx, &N); }

%type window {wy_ast_window_t *}
%destructor window { wy_ast_window_destroy($$); }
window(A) ::= TUMBLING(T) LP SIZE duration(S) wopts(O) RP. { A = B(wy_b_window(WY_AST_WINDOW_TUMBLING, P(T), S, no_duration(), O)); }
window(A) ::= HOPPING(T) LP SIZE duration(S) COMMA ADVANCE BY duration(V) wopts(O) RP. { A = B(wy_b_window(WY_AST_WINDOW_HOPPING, P(T), S, V, O)); }
window(A) ::= SESSION(T) LP duration(S) wopts(O) RP. { A = B(wy_b_window(WY_AST_WINDOW_SESSION, P(T), S, no_duration(), O)); }
%type wopts {wy_ast_window_t *}
%destructor wopts { wy_ast_window_destroy($$); }
wopts(A) ::= . { A = NULL; }
wopts(A) ::= COMMA RETENTION duration(R). { A = B(wy_b_window_opts(R, no_duration())); }
wopts(A) ::= COMMA GRACE PERIOD duration(G). { A = B(wy_b_window_opts(no_duration(), G)); }
wopts(A) ::= COMMA RETENTION duration(R) COMMA GRACE PERIOD duration(G). { A = B(wy_b_window_opts(R, G)); }

%type groupexprs {wy_plist_t *}
%destructor groupexprs { wy_plist_destroy($$); }
groupexprs(A) ::= vexprs(L). { A = L; }
groupexprs(A) ::= LP RP. { A = B(wy_plist_new(WY_L_EXPR)); }
groupexprs(A) ::= LP vexpr(X) COMMA vexprs(L) RP. { A = B(wy_plist_prepend(L, X)); }
%type vexprs {wy_plist_t *}
%destructor vexprs { wy_plist_destroy($$); }
vexprs(A) ::= vexpr(X). { A = B(wy_plist_push(WY_L_EXPR, NULL, X)); }
vexprs(A) ::= vexprs(L) COMMA vexpr(X). { A = B(wy_plist_push(WY_L_EXPR, L, X)); }

/* ---- expressions ------------------------------------------------------------------- */

%type exprs {wy_plist_t *}
%destructor exprs { wy_plist_destroy($$); }
exprs(A) ::= expr(X). { A = B(wy_plist_push(WY_L_EXPR, NULL, X)); }
exprs(A) ::= exprs(L) COMMA expr(X). { A = B(wy_plist_push(WY_L_EXPR, L, X)); }

%type expr {wy_ast_expr_t *}
%destructor expr { wy_ast_expr_destroy($$); }
expr(A) ::= pred(X). { A = X; }
expr(A) ::= NOT(T) expr(X). { A = E(wy_b_node(WY_AST_NOT, P(T), X, NULL, NULL), P(T)); }
expr(A) ::= expr(L) AND(T) expr(R). { A = E(wy_b_op(WY_AST_AND, WY_AST_OP_EQ, L, R), P(T)); }
expr(A) ::= expr(L) OR(T) expr(R). { A = E(wy_b_op(WY_AST_OR, WY_AST_OP_EQ, L, R), P(T)); }

%type pred {wy_ast_expr_t *}
%destructor pred { wy_ast_expr_destroy($$); }
pred(A) ::= vexpr(X). { A = X; }
pred(A) ::= vexpr(L) cmpop(O) vexpr(R). { A = E(wy_b_compare(&O, L, R), P(O)); }
pred(A) ::= vexpr(X) BETWEEN(T) vexpr(L) AND vexpr(H). { A = E(wy_b_node(WY_AST_BETWEEN, P(T), X, L, H), P(T)); }
pred(A) ::= vexpr(X) NOT(T) BETWEEN vexpr(L) AND vexpr(H). { A = E(wy_b_negate(wy_b_node(WY_AST_BETWEEN, P(T), X, L, H), true), P(T)); }
pred(A) ::= vexpr(X) IN(T) LP exprs(L) RP. { A = E(wy_b_in(X, L, false), P(T)); }
pred(A) ::= vexpr(X) NOT(T) IN LP exprs(L) RP. { A = E(wy_b_in(X, L, true), P(T)); }
pred(A) ::= vexpr(X) LIKE(T) vexpr(L). { A = E(wy_b_like(X, L, NULL, false), P(T)); }
pred(A) ::= vexpr(X) LIKE(T) vexpr(L) ESCAPE STRING(S). { A = E(wy_b_like(X, L, &S, false), P(T)); }
pred(A) ::= vexpr(X) NOT(T) LIKE vexpr(L). { A = E(wy_b_like(X, L, NULL, true), P(T)); }
pred(A) ::= vexpr(X) NOT(T) LIKE vexpr(L) ESCAPE STRING(S). { A = E(wy_b_like(X, L, &S, true), P(T)); }
pred(A) ::= vexpr(X) IS(T) NULL. { A = E(wy_b_node(WY_AST_IS_NULL, P(T), X, NULL, NULL), P(T)); }
pred(A) ::= vexpr(X) IS(T) NOT NULL. { A = E(wy_b_negate(wy_b_node(WY_AST_IS_NULL, P(T), X, NULL, NULL), true), P(T)); }
pred(A) ::= vexpr(X) IS(T) DISTINCT FROM vexpr(R). { A = E(wy_b_node(WY_AST_IS_DISTINCT, P(T), X, R, NULL), P(T)); }
pred(A) ::= vexpr(X) IS(T) NOT DISTINCT FROM vexpr(R). { A = E(wy_b_negate(wy_b_node(WY_AST_IS_DISTINCT, P(T), X, R, NULL), true), P(T)); }

%type cmpop {wy_token_t}
cmpop(A) ::= EQ(T). { A = T; }
cmpop(A) ::= NE(T). { A = T; }
cmpop(A) ::= LT(T). { A = T; }
cmpop(A) ::= LE(T). { A = T; }
cmpop(A) ::= GT(T). { A = T; }
cmpop(A) ::= GE(T). { A = T; }

%type vexpr {wy_ast_expr_t *}
%destructor vexpr { wy_ast_expr_destroy($$); }
vexpr(A) ::= primary(X). { A = X; }
vexpr(A) ::= MINUS(T) vexpr(X). [UMINUS] { A = E(wy_b_unary(WY_AST_OP_NEG, X, P(T)), P(T)); }
vexpr(A) ::= PLUS(T) vexpr(X). [UMINUS] { A = E(wy_b_unary(WY_AST_OP_POS, X, P(T)), P(T)); }
vexpr(A) ::= vexpr(L) STAR(T) vexpr(R). { A = E(wy_b_op(WY_AST_BINARY, WY_AST_OP_MUL, L, R), P(T)); }
vexpr(A) ::= vexpr(L) SLASH(T) vexpr(R). { A = E(wy_b_op(WY_AST_BINARY, WY_AST_OP_DIV, L, R), P(T)); }
vexpr(A) ::= vexpr(L) PERCENT(T) vexpr(R). { A = E(wy_b_op(WY_AST_BINARY, WY_AST_OP_MOD, L, R), P(T)); }
vexpr(A) ::= vexpr(L) PLUS(T) vexpr(R). { A = E(wy_b_op(WY_AST_BINARY, WY_AST_OP_ADD, L, R), P(T)); }
vexpr(A) ::= vexpr(L) MINUS(T) vexpr(R). { A = E(wy_b_op(WY_AST_BINARY, WY_AST_OP_SUB, L, R), P(T)); }
vexpr(A) ::= vexpr(L) CONCAT(T) vexpr(R). { A = E(wy_b_op(WY_AST_BINARY, WY_AST_OP_CONCAT, L, R), P(T)); }

%type primary {wy_ast_expr_t *}
%destructor primary { wy_ast_expr_destroy($$); }
primary(A) ::= literal(X). { A = X; }
primary(A) ::= ident(N) STRING(S). { A = E(wy_b_typed_lit(N, &S), N.pos); }
primary(A) ::= CASE(T) vexpr(X) whens(W) else(L) END. { A = E(wy_b_case(P(T), X, W, L), P(T)); }
primary(A) ::= CASE(T) whens(W) else(L) END. { A = E(wy_b_case(P(T), NULL, W, L), P(T)); }
primary(A) ::= CAST(T) LP expr(X) AS type(Y) RP. { A = E(wy_b_cast(P(T), X, Y), P(T)); }
primary(A) ::= ARRAY(T) LBRACKET RBRACKET. { A = E(wy_b_ctor(WY_AST_ARRAY, P(T), NULL, NULL), P(T)); }
primary(A) ::= ARRAY(T) LBRACKET exprs(L) RBRACKET. { A = E(wy_b_ctor(WY_AST_ARRAY, P(T), L, NULL), P(T)); }
primary(A) ::= MAP(T) LP RP. { A = E(wy_b_ctor(WY_AST_MAP, P(T), NULL, NULL), P(T)); }
primary(A) ::= MAP(T) LP entries(L) RP. { A = E(wy_b_ctor(WY_AST_MAP, P(T), L, NULL), P(T)); }
primary(A) ::= STRUCT(T) LP RP. { A = E(wy_b_ctor(WY_AST_STRUCT, P(T), NULL, NULL), P(T)); }
primary(A) ::= STRUCT(T) LP fields(F) RP. { A = E(wy_b_ctor(WY_AST_STRUCT, P(T), F.values, F.names), P(T)); }
primary(A) ::= ident(N) LP STAR RP. { A = E(wy_b_call(N, NULL, true), N.pos); }
primary(A) ::= ident(N) LP RP. { A = E(wy_b_call(N, NULL, false), N.pos); }
primary(A) ::= ident(N) LP fargs(L) RP. { A = E(wy_b_call(N, L, false), N.pos); }
primary(A) ::= primary(X) LBRACKET(T) vexpr(I) RBRACKET. { A = E(wy_b_node(WY_AST_SUBSCRIPT, P(T), X, I, NULL), P(T)); }
primary(A) ::= ident(N). { A = E(wy_b_column(no_name(), N), N.pos); }
primary(A) ::= ident(Q) DOT ident(N). { A = E(wy_b_column(Q, N), Q.pos); }
primary(A) ::= primary(X) ARROW(T) ident(N). { A = E(wy_b_deref(X, N), P(T)); }
primary(A) ::= LP expr(X) RP. { A = wy_b_paren(X); }

%type literal {wy_ast_expr_t *}
%destructor literal { wy_ast_expr_destroy($$); }
literal(A) ::= number(X). { A = X; }
literal(A) ::= STRING(S). { A = E(wy_b_string(&S), P(S)); }
literal(A) ::= TRUE(T). { A = E(wy_b_simple_lit(WY_AST_LIT_BOOLEAN, &T), P(T)); }
literal(A) ::= FALSE(T). { A = E(wy_b_simple_lit(WY_AST_LIT_BOOLEAN, &T), P(T)); }
literal(A) ::= NULL(T). { A = E(wy_b_simple_lit(WY_AST_LIT_NULL, &T), P(T)); }
%type number {wy_ast_expr_t *}
%destructor number { wy_ast_expr_destroy($$); }
number(A) ::= INTEGER(T). { A = E(wy_b_number(ctx, &T), P(T)); }
number(A) ::= DECNUM(T). { A = E(wy_b_number(ctx, &T), P(T)); }
number(A) ::= FLOATNUM(T). { A = E(wy_b_number(ctx, &T), P(T)); }

%type whens {wy_plist_t *}
%destructor whens { wy_plist_destroy($$); }
whens(A) ::= when(W). { A = B(wy_plist_push(WY_L_EXPR, NULL, W)); }
whens(A) ::= whens(L) when(W). { A = B(wy_plist_push(WY_L_EXPR, L, W)); }
%type when {wy_ast_expr_t *}
%destructor when { wy_ast_expr_destroy($$); }
when(A) ::= WHEN(T) expr(C) THEN expr(R). { A = E(wy_b_node(WY_AST_WHEN, P(T), C, R, NULL), P(T)); }
%type else {wy_ast_expr_t *}
%destructor else { wy_ast_expr_destroy($$); }
else(A) ::= . { A = NULL; }
else(A) ::= ELSE expr(X). { A = X; }

%type entries {wy_plist_t *}
%destructor entries { wy_plist_destroy($$); }
entries(A) ::= expr(K) ASSIGN expr(V). { A = B(wy_plist_push(WY_L_EXPR, B(wy_plist_push(WY_L_EXPR, NULL, K)), V)); }
entries(A) ::= entries(L) COMMA expr(K) ASSIGN expr(V). { A = B(wy_plist_push(WY_L_EXPR, B(wy_plist_push(WY_L_EXPR, L, K)), V)); }
%type fields {wy_fields_t}
%destructor fields { wy_plist_destroy($$.names); wy_plist_destroy($$.values); }
fields(A) ::= ident(N) ASSIGN expr(V). { A.names = B(wy_plist_push(WY_L_NAME, NULL, B(wy_b_name_box(N)))); A.values = B(wy_plist_push(WY_L_EXPR, NULL, V)); }
fields(A) ::= fields(F) COMMA ident(N) ASSIGN expr(V). { A.names = B(wy_plist_push(WY_L_NAME, F.names, B(wy_b_name_box(N)))); A.values = B(wy_plist_push(WY_L_EXPR, F.values, V)); }

%type fargs {wy_plist_t *}
%destructor fargs { wy_plist_destroy($$); }
fargs(A) ::= farg(X). { A = B(wy_plist_push(WY_L_EXPR, NULL, X)); }
fargs(A) ::= fargs(L) COMMA farg(X). { A = B(wy_plist_push(WY_L_EXPR, L, X)); }
%type farg {wy_ast_expr_t *}
%destructor farg { wy_ast_expr_destroy($$); }
farg(A) ::= expr(X). { A = X; }
farg(A) ::= ident(N) LAMBDA expr(X). { A = E(wy_b_lambda(N.pos, B(wy_plist_push(WY_L_NAME, NULL, B(wy_b_name_box(N)))), X), N.pos); }
farg(A) ::= LLP(T) names(L) RP LAMBDA expr(X). { A = E(wy_b_lambda(P(T), L, X), P(T)); }
farg(A) ::= DAYS(T). { A = E(wy_b_time_unit(WY_AST_UNIT_DAYS, P(T)), P(T)); }
farg(A) ::= HOURS(T). { A = E(wy_b_time_unit(WY_AST_UNIT_HOURS, P(T)), P(T)); }
farg(A) ::= MINUTES(T). { A = E(wy_b_time_unit(WY_AST_UNIT_MINUTES, P(T)), P(T)); }
farg(A) ::= SECONDS(T). { A = E(wy_b_time_unit(WY_AST_UNIT_SECONDS, P(T)), P(T)); }
farg(A) ::= MILLISECOND(T). { A = E(wy_b_time_unit(WY_AST_UNIT_MILLISECONDS, P(T)), P(T)); }
farg(A) ::= MILLISECONDS(T). { A = E(wy_b_time_unit(WY_AST_UNIT_MILLISECONDS, P(T)), P(T)); }

/* ---- types ------------------------------------------------------------------------- */

%type type {wy_ast_type_t *}
%destructor type { wy_ast_type_destroy($$); }
type(A) ::= ident(N). { A = B(wy_b_type_named(ctx, N, NULL)); }
type(A) ::= ident(N) LP tparams(L) RP. { A = B(wy_b_type_named(ctx, N, L)); }
type(A) ::= ident(N) LP ident(P) RP. { A = B(wy_b_type_named(ctx, N, B(wy_plist_push(WY_L_NAME, NULL, B(wy_b_name_box(P)))))); }
type(A) ::= ARRAY(T) LT type(E) GT. { A = B(wy_b_type_array(P(T), E)); }
type(A) ::= MAP(T) LT type(K) COMMA type(V) GT. { A = B(wy_b_type_map(P(T), K, V)); }
type(A) ::= STRUCT(T) LT GT. { A = B(wy_b_type_struct(P(T), NULL)); }
type(A) ::= STRUCT(T) NE. { A = B(wy_b_type_struct(P(T), NULL)); }
type(A) ::= STRUCT(T) LT tfields(L) GT. { A = B(wy_b_type_struct(P(T), L)); }
%type tparams {wy_plist_t *}
%destructor tparams { wy_plist_destroy($$); }
tparams(A) ::= INTEGER(N). { A = B(wy_plist_push(WY_L_EXPR, NULL, E(wy_b_number(ctx, &N), P(N)))); }
tparams(A) ::= tparams(L) COMMA INTEGER(N). { A = B(wy_plist_push(WY_L_EXPR, L, E(wy_b_number(ctx, &N), P(N)))); }
%type tfields {wy_plist_t *}
%destructor tfields { wy_plist_destroy($$); }
tfields(A) ::= ident(N) type(T). { A = B(wy_plist_push(WY_L_COLDEF, NULL, B(wy_b_coldef(N, T, WY_AST_COL_VALUE, NULL)))); }
tfields(A) ::= tfields(L) COMMA ident(N) type(T). { A = B(wy_plist_push(WY_L_COLDEF, L, B(wy_b_coldef(N, T, WY_AST_COL_VALUE, NULL)))); }

/* ---- identifiers ------------------------------------------------------------------- */

/* ksqlDB's non-reserved keywords work as identifiers. A few are left out where they
 * would make the grammar ambiguous: IF (IF NOT EXISTS), COLUMN (ADD COLUMN) and TABLES
 * (DESCRIBE TABLES). As an alias without AS, EMIT, PARTITION and ESCAPE would swallow
 * the clause that follows, so alias_ident leaves them out too. */
%type ident {wy_ast_name_t}
%destructor ident { free($$.text); }
%type alias_ident {wy_ast_name_t}
%destructor alias_ident { free($$.text); }
ident(A) ::= alias_ident(N). { A = N; }
ident(A) ::= EMIT(T). { A = wy_b_ident(&T); }
ident(A) ::= PARTITION(T). { A = wy_b_ident(&T); }
ident(A) ::= ESCAPE(T). { A = wy_b_ident(&T); }
ident(A) ::= ARRAY(T). { A = wy_b_ident(&T); }
ident(A) ::= MAP(T). { A = wy_b_ident(&T); }
ident(A) ::= STRUCT(T). { A = wy_b_ident(&T); }
alias_ident(A) ::= IDENT(T). { A = wy_b_ident(&T); }
alias_ident(A) ::= QIDENT(T). { A = wy_b_ident(&T); }
alias_ident(A) ::= BQIDENT(T). { A = wy_b_ident(&T); }
alias_ident(A) ::= DIGITIDENT(T). { A = wy_b_ident(&T); }
alias_ident(A) ::= VARIABLE(T). { A = wy_b_ident(&T); }
alias_ident(A) ::= nonreserved(T). { A = wy_b_ident(&T); }
%type nonreserved {wy_token_t}
nonreserved(A) ::= SHOW(T). { A = T; }
nonreserved(A) ::= FUNCTIONS(T). { A = T; }
nonreserved(A) ::= FUNCTION(T). { A = T; }
nonreserved(A) ::= SESSION(T). { A = T; }
nonreserved(A) ::= INTERVAL(T). { A = T; }
nonreserved(A) ::= DAY(T). { A = T; }
nonreserved(A) ::= HOUR(T). { A = T; }
nonreserved(A) ::= MINUTE(T). { A = T; }
nonreserved(A) ::= SECOND(T). { A = T; }
nonreserved(A) ::= EXPLAIN(T). { A = T; }
nonreserved(A) ::= TYPE(T). { A = T; }
nonreserved(A) ::= TYPES(T). { A = T; }
nonreserved(A) ::= SET(T). { A = T; }
nonreserved(A) ::= SOURCE(T). { A = T; }
nonreserved(A) ::= PRIMARY(T). { A = T; }
nonreserved(A) ::= KEY(T). { A = T; }
nonreserved(A) ::= CHANGES(T). { A = T; }
nonreserved(A) ::= FINAL(T). { A = T; }
nonreserved(A) ::= REPLACE(T). { A = T; }
nonreserved(A) ::= ASSERT(T). { A = T; }
nonreserved(A) ::= ALTER(T). { A = T; }
nonreserved(A) ::= ADD(T). { A = T; }
nonreserved(A) ::= HEADER(T). { A = T; }
nonreserved(A) ::= HEADERS(T). { A = T; }
nonreserved(A) ::= GRACE(T). { A = T; }
nonreserved(A) ::= PERIOD(T). { A = T; }
nonreserved(A) ::= DEFINE(T). { A = T; }
nonreserved(A) ::= UNDEFINE(T). { A = T; }
nonreserved(A) ::= VARIABLES(T). { A = T; }
nonreserved(A) ::= TIMEOUT(T). { A = T; }
nonreserved(A) ::= SCHEMA(T). { A = T; }
nonreserved(A) ::= SUBJECT(T). { A = T; }
nonreserved(A) ::= ID(T). { A = T; }
nonreserved(A) ::= PAUSE(T). { A = T; }
nonreserved(A) ::= RESUME(T). { A = T; }
nonreserved(A) ::= SIZE(T). { A = T; }
nonreserved(A) ::= TOPIC(T). { A = T; }
nonreserved(A) ::= LIST(T). { A = T; }
