/*
 * protobuf_grammar.y — lemon grammar of .proto files (proto3, and proto2 as far as
 * Confluent's schemas go). Actions are calls into the builder of protobuf_parse.c, which
 * keeps the scope stack; a declaration's head (`message Foo`) is its own rule so the
 * scope opens before the body is parsed. Keywords fall back to identifiers, so a field
 * may be named `message` or `option`. Services and extensions are parsed and dropped;
 * groups are refused (a syntax error).
 */

%include {
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/protobuf_int.h"

static void pb_expected(void *parser, char *buf, size_t cap);
static pb_name_t pb_name_of(pb_build_t *b, const pb_tok_t *t) {
  pb_name_t n = {pb_tok_str(b, t), t->line, t->col};
  return n;
}
}

%name wy_pb_lemon
%token_prefix PB_
%token_type {pb_tok_t}
%extra_argument {pb_build_t *b}
%stack_size 1000

%code {
/* What the parser would have accepted instead of the offending token, as ": expected
 * ';' or '['" (empty when more than three tokens would do). */
static void pb_expected(void *parser, char *buf, size_t cap) {
  yyParser *p = (yyParser *)parser;
  static const struct {
    int kind;
    const char *text;
  } SHOWN[] = {{PB_SEMI, "';'"},   {PB_EQ, "'='"},       {PB_LBRACE, "'{'"},     {PB_RBRACE, "'}'"},
               {PB_LBRACKET, "'['"}, {PB_RBRACKET, "']'"}, {PB_LPAREN, "'('"},     {PB_RPAREN, "')'"},
               {PB_LT, "'<'"},     {PB_GT, "'>'"},       {PB_COMMA, "','"},      {PB_COLON, "':'"},
               {PB_IDENT, "a name"}, {PB_INT, "a number"}, {PB_STRING, "a string"}};
  const char *hits[4];
  int n = 0;
  for (size_t i = 0; i < sizeof SHOWN / sizeof *SHOWN; i++) {
    if (yy_find_shift_action((YYCODETYPE)SHOWN[i].kind, p->yytos->stateno) == YY_ERROR_ACTION) continue;
    if (n < 4) hits[n] = SHOWN[i].text;
    n++;
  }
  buf[0] = 0;
  if (n == 0 || n > 3) return;
  size_t at = (size_t)snprintf(buf, cap, ": expected %s", hits[0]);
  for (int i = 1; i < n && at < cap; i++) at += (size_t)snprintf(buf + at, cap - at, " or %s", hits[i]);
}
}

%syntax_error {
  char expected[96];
  pb_expected(yypParser, expected, sizeof expected);
  if (TOKEN.kind == 0)
    pb_fail(b, TOKEN.line, TOKEN.col, "unexpected end of input");
  else
    pb_fail(b, TOKEN.line, TOKEN.col, "syntax error at '%.*s'%s", TOKEN.len > 40 ? 40 : TOKEN.len, TOKEN.s,
            expected);
}
%stack_overflow {
  pb_fail(b, 0, 0, "schema nested too deeply");
}

%token_class number INT|FLOAT.

%fallback IDENT SYNTAX EDITION PACKAGE IMPORT PUBLIC WEAK OPTION MESSAGE ENUM REPEATED OPTIONAL
  REQUIRED MAP ONEOF RESERVED EXTENSIONS TO MAX EXTEND SERVICE RPC RETURNS STREAM.

%type name {pb_name_t}
%type typename {pb_name_t}
%type optname {pb_name_t}
%type optparen {pb_name_t}
%type label {int}
%type sign {int}
%type constant {wy_pb_option_t *}
%type strings {wy_pb_option_t *}
%type aggregate {wy_pb_option_t *}
%type agg_items {wy_pb_option_t *}
%type agg_value {wy_pb_option_t *}
%type list {wy_pb_option_t *}
%type list_items {wy_pb_option_t *}

file ::= decls.

decls ::= .
decls ::= decls decl.

decl ::= SYNTAX EQ STRING(S) SEMI. { pb_syntax(b, &S); }
decl ::= EDITION EQ STRING(S) SEMI. { pb_fail(b, S.line, S.col, "editions are not supported"); }
decl ::= PACKAGE name(N) SEMI. { pb_package(b, &N); }
decl ::= IMPORT STRING(S) SEMI. { pb_import(b, &S, WY_PB_IMPORT_PLAIN); }
decl ::= IMPORT PUBLIC STRING(S) SEMI. { pb_import(b, &S, WY_PB_IMPORT_PUBLIC); }
decl ::= IMPORT WEAK STRING(S) SEMI. { pb_import(b, &S, WY_PB_IMPORT_WEAK); }
decl ::= option_decl.
decl ::= message.
decl ::= enum.
decl ::= service.
decl ::= extend.
decl ::= SEMI.

name(A) ::= IDENT(T). { A = pb_name_of(b, &T); }
name(A) ::= name(X) DOT IDENT(T). { A = X; A.s = pb_name_join(b, X.s, ".", pb_tok_str(b, &T)); }

typename(A) ::= name(X). { A = X; }
typename(A) ::= DOT(D) name(X). { A = X; A.s = pb_name_join(b, "", ".", X.s); A.line = D.line; A.col = D.col; }

/* ---- options ---- */

option_decl ::= OPTION optname(N) EQ constant(V) SEMI. { pb_option_decl(b, &N, V); }

/* An extension option keeps its parentheses in the name: "(confluent.field_meta)". */
optname(A) ::= name(X). { A = X; }
optname(A) ::= optparen(X). { A = X; }
optname(A) ::= optparen(X) DOT name(Y). { A = X; A.s = pb_name_join(b, X.s, ".", Y.s); }
optparen(A) ::= LPAREN name(X) RPAREN. { A = X; A.s = pb_name_join(b, "(", X.s, ")"); }
optparen(A) ::= LPAREN DOT name(X) RPAREN. { A = X; A.s = pb_name_join(b, "(.", X.s, ")"); }

constant(A) ::= strings(X). { A = X; }
constant(A) ::= sign(S) number(N). {
  char *t = pb_tok_str(b, &N);
  A = pb_opt_scalar(b, WY_PB_OPT_NUMBER, S < 0 ? pb_name_join(b, "", "-", t) : t);
}
constant(A) ::= sign(S) IDENT(T). {
  char *t = pb_tok_str(b, &T);
  A = pb_opt_scalar(b, WY_PB_OPT_IDENT, S < 0 ? pb_name_join(b, "", "-", t) : t);
}
constant(A) ::= aggregate(X). { A = X; }

sign(A) ::= . { A = 0; }
sign(A) ::= MINUS. { A = -1; }
sign(A) ::= PLUS. { A = 1; }

strings(A) ::= STRING(S). { A = pb_opt_string(b, &S); }
strings(A) ::= strings(X) STRING(S). { A = pb_opt_string_cat(b, X, &S); }

aggregate(A) ::= LBRACE agg_items(X) RBRACE. { A = X; }
agg_items(A) ::= . { A = pb_opt_aggregate(b, WY_PB_OPT_MAP); }
agg_items(A) ::= agg_items(X) IDENT(K) agg_value(V) agg_sep. { A = X; pb_opt_append(b, A, V, pb_tok_str(b, &K)); }
agg_items(A) ::= agg_items(X) LBRACKET name(K) RBRACKET agg_value(V) agg_sep. {
  A = X; pb_opt_append(b, A, V, pb_name_join(b, "[", K.s, "]"));
}
agg_sep ::= .
agg_sep ::= COMMA.
agg_sep ::= SEMI.
agg_value(A) ::= COLON constant(V). { A = V; }
agg_value(A) ::= COLON list(V). { A = V; }
agg_value(A) ::= aggregate(V). { A = V; }

list(A) ::= LBRACKET RBRACKET. { A = pb_opt_aggregate(b, WY_PB_OPT_LIST); }
list(A) ::= LBRACKET list_items(X) RBRACKET. { A = X; }
list_items(A) ::= constant(V). { A = pb_opt_aggregate(b, WY_PB_OPT_LIST); pb_opt_append(b, A, V, NULL); }
list_items(A) ::= list_items(X) COMMA constant(V). { A = X; pb_opt_append(b, A, V, NULL); }

field_opts ::= .
field_opts ::= LBRACKET field_opt_list RBRACKET.
field_opt_list ::= field_opt.
field_opt_list ::= field_opt_list COMMA field_opt.
field_opt ::= optname(N) EQ constant(V). { pb_option_pending(b, &N, V); }

/* ---- messages ---- */

message ::= message_head LBRACE message_body RBRACE. { pb_close(b); }
message_head ::= MESSAGE IDENT(N). { pb_open_message(b, &N); }

message_body ::= .
message_body ::= message_body message_elem.

message_elem ::= field.
message_elem ::= map_field.
message_elem ::= oneof.
message_elem ::= message.
message_elem ::= enum.
message_elem ::= option_decl.
message_elem ::= reserved.
message_elem ::= extensions.
message_elem ::= extend.
message_elem ::= SEMI.

label(A) ::= . { A = WY_PB_LABEL_SINGULAR; }
label(A) ::= OPTIONAL. { A = WY_PB_LABEL_OPTIONAL; }
label(A) ::= REPEATED. { A = WY_PB_LABEL_REPEATED; }
label(A) ::= REQUIRED. { A = WY_PB_LABEL_REQUIRED; }

field ::= label(L) typename(T) IDENT(N) EQ INT(V) field_opts SEMI. { pb_field(b, (wy_pb_label_t)L, &T, &N, &V); }

map_field ::= MAP LT IDENT(K) COMMA typename(V) GT IDENT(N) EQ INT(I) field_opts SEMI. {
  pb_map_field(b, &K, &V, &N, &I);
}

oneof ::= oneof_head LBRACE oneof_body RBRACE. { pb_close(b); }
oneof_head ::= ONEOF IDENT(N). { pb_open_oneof(b, &N); }
oneof_body ::= .
oneof_body ::= oneof_body oneof_elem.
oneof_elem ::= typename(T) IDENT(N) EQ INT(V) field_opts SEMI. { pb_field(b, WY_PB_LABEL_SINGULAR, &T, &N, &V); }
oneof_elem ::= option_decl.
oneof_elem ::= SEMI.

reserved ::= reserved_head reserved_items SEMI.
reserved_head ::= RESERVED. { pb_reserved_begin(b); }
reserved_items ::= reserved_item.
reserved_items ::= reserved_items COMMA reserved_item.
reserved_item ::= sign(S) INT(X). { pb_reserved_range(b, &X, S < 0, &X, S < 0, false); }
reserved_item ::= sign(S) INT(X) TO sign(T) INT(Y). { pb_reserved_range(b, &X, S < 0, &Y, T < 0, false); }
reserved_item ::= sign(S) INT(X) TO MAX. { pb_reserved_range(b, &X, S < 0, &X, false, true); }
reserved_item ::= STRING(S). { pb_reserved_name(b, &S); }
reserved_item ::= IDENT(S). { pb_reserved_name(b, &S); }

extensions ::= EXTENSIONS ext_items field_opts SEMI. { pb_drop_pending(b); }
ext_items ::= ext_item.
ext_items ::= ext_items COMMA ext_item.
ext_item ::= INT.
ext_item ::= INT TO INT.
ext_item ::= INT TO MAX.

/* ---- enums ---- */

enum ::= enum_head LBRACE enum_body RBRACE. { pb_close(b); }
enum_head ::= ENUM IDENT(N). { pb_open_enum(b, &N); }
enum_body ::= .
enum_body ::= enum_body enum_elem.
enum_elem ::= IDENT(N) EQ sign(S) INT(V) field_opts SEMI. { pb_enum_value(b, &N, &V, S < 0); }
enum_elem ::= option_decl.
enum_elem ::= reserved.
enum_elem ::= SEMI.

/* ---- tolerated and dropped: services, extend blocks ---- */

service ::= service_head LBRACE service_body RBRACE. { pb_close(b); }
service_head ::= SERVICE IDENT. { pb_open_ignored(b); }
service_body ::= .
service_body ::= service_body service_elem.
service_elem ::= option_decl.
service_elem ::= SEMI.
service_elem ::= RPC IDENT LPAREN stream_opt typename RPAREN RETURNS LPAREN stream_opt typename RPAREN rpc_end.
stream_opt ::= .
stream_opt ::= STREAM.
rpc_end ::= SEMI.
rpc_end ::= LBRACE rpc_body RBRACE.
rpc_body ::= .
rpc_body ::= rpc_body option_decl.
rpc_body ::= rpc_body SEMI.

extend ::= extend_head LBRACE extend_body RBRACE. { pb_close(b); }
extend_head ::= EXTEND typename. { pb_open_ignored(b); }
extend_body ::= .
extend_body ::= extend_body field.
extend_body ::= extend_body SEMI.
