/* Hand-written tokenizer for the ksqlDB dialect (token rules of ksqlDB's SqlBase.g4). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "engine/base/limits.h"
#include "parser/parser_int.h"

/* X(word) — every keyword; the token code is TK_<word>. Keep in step with grammar.y. */
// clang-format off
#define WY_KEYWORDS(X)                                                                      \
  X(ADD) X(ADVANCE) X(ALL) X(ALTER) X(AND) X(ARRAY) X(AS) X(ASSERT) X(BEGINNING) X(BETWEEN) \
  X(BY) X(CASE) X(CAST) X(CHANGES) X(COLUMN) X(CREATE) X(DAY) X(DAYS) X(DEFINE) X(DELETE)   \
  X(DESCRIBE) X(DISTINCT) X(DROP) X(ELSE) X(EMIT) X(END) X(ESCAPE) X(EXISTS) X(EXPLAIN)     \
  X(EXTENDED) X(FALSE) X(FINAL) X(FROM) X(FULL) X(FUNCTION) X(FUNCTIONS) X(GRACE) X(GROUP)  \
  X(HAVING) X(HEADER) X(HEADERS) X(HOPPING) X(HOUR) X(HOURS) X(ID) X(IF) X(IN) X(INNER)     \
  X(INSERT) X(INTERVAL) X(INTO) X(IS) X(JOIN) X(KEY) X(LEFT) X(LIKE) X(LIMIT) X(LIST)       \
  X(MAP) X(MILLISECOND) X(MILLISECONDS) X(MINUTE) X(MINUTES) X(NOT) X(NULL) X(ON) X(OR)     \
  X(OUTER) X(PARTITION) X(PAUSE) X(PERIOD) X(PRIMARY) X(PRINT) X(PROPERTIES) X(QUERIES)     \
  X(REPLACE) X(RESUME) X(RETENTION) X(RIGHT) X(RUN) X(SAMPLE) X(SCHEMA) X(SCRIPT)           \
  X(SECOND) X(SECONDS) X(SELECT) X(SESSION) X(SET) X(SHOW) X(SIZE) X(SOURCE) X(STREAM)      \
  X(STREAMS) X(STRUCT) X(SUBJECT) X(TABLE) X(TABLES) X(TERMINATE) X(THEN) X(TIMEOUT)        \
  X(TOPIC) X(TOPICS) X(TRUE) X(TUMBLING) X(TYPE) X(TYPES) X(UNDEFINE) X(UNSET) X(VALUES)    \
  X(VARIABLES) X(WHEN) X(WHERE) X(WINDOW) X(WITH) X(WITHIN)
// clang-format on

/* X(code, how it reads in messages) — the other tokens. */
// clang-format off
#define WY_PUNCT(X)                                                                         \
  X(TK_SEMI, "';'") X(TK_LP, "'('") X(TK_LLP, "'('") X(TK_RP, "')'")                        \
  X(TK_LBRACKET, "'['") X(TK_RBRACKET, "']'") X(TK_COMMA, "','") X(TK_DOT, "'.'")           \
  X(TK_EQ, "'='") X(TK_NE, "'<>'") X(TK_LT, "'<'") X(TK_LE, "'<='") X(TK_GT, "'>'")        \
  X(TK_GE, "'>='") X(TK_PLUS, "'+'") X(TK_MINUS, "'-'") X(TK_STAR, "'*'")                  \
  X(TK_SLASH, "'/'") X(TK_PERCENT, "'%'") X(TK_CONCAT, "'||'") X(TK_ASSIGN, "':='")        \
  X(TK_ARROW, "'->'") X(TK_LAMBDA, "'=>'") X(TK_IDENT, "an identifier")                    \
  X(TK_QIDENT, "a quoted identifier") X(TK_BQIDENT, "a quoted identifier")                 \
  X(TK_DIGITIDENT, "an identifier") X(TK_VARIABLE, "a variable")                           \
  X(TK_STRING, "a string") X(TK_INTEGER, "an integer") X(TK_DECNUM, "a number")            \
  X(TK_FLOATNUM, "a number")
// clang-format on

typedef struct {
  const char *word;
  int len;
  int code;
} keyword_t;

static const keyword_t keywords[] = {
#define WY_X(w) {#w, (int)sizeof(#w) - 1, TK_##w},
    WY_KEYWORDS(WY_X)
#undef WY_X
};

static int keyword_code(const char *z, size_t n) {
  char up[32];
  if (n >= sizeof up) return 0;
  for (size_t i = 0; i < n; i++) up[i] = (char)toupper((unsigned char)z[i]);
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (keywords[i].len == (int)n && memcmp(keywords[i].word, up, n) == 0) return keywords[i].code;
  return 0;
}

bool wy_lex_is_keyword(const char *word, size_t len) { return keyword_code(word, len) != 0; }
int wy_lex_keyword(const char *word, size_t len) { return keyword_code(word, len); }

/* ANTLR's display names for the tokens of ksqlDB's grammar (SqlBase.g4): literal tokens
 * quoted, the others by their symbolic name. */
static const char *class_name(int type) {
  switch (type) {
    case 0:
      return "<EOF>";
    case TK_LLP:
      return "'('";
    case TK_NE:
      return "NEQ";
    case TK_IDENT:
      return "IDENTIFIER";
    case TK_QIDENT:
      return "QUOTED_IDENTIFIER";
    case TK_BQIDENT:
      return "BACKQUOTED_IDENTIFIER";
    case TK_DIGITIDENT:
      return "DIGIT_IDENTIFIER";
    case TK_VARIABLE:
      return "VARIABLE";
    case TK_STRING:
      return "STRING";
    case TK_INTEGER:
      return "INTEGER_VALUE";
    case TK_DECNUM:
      return "DECIMAL_VALUE";
    case TK_FLOATNUM:
      return "FLOATING_POINT_VALUE";
    default:
      return NULL;
  }
}

void wy_token_name(int type, char *buf, size_t cap) {
  const char *c = class_name(type);
  if (c) {
    snprintf(buf, cap, "%s", c);
    return;
  }
  switch (type) {
#define WY_X(code, text)            \
  case code:                        \
    snprintf(buf, cap, "%s", text); \
    return;
    WY_PUNCT(WY_X)
#undef WY_X
    default:
      break;
  }
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (keywords[i].code == type) {
      snprintf(buf, cap, "'%s'", keywords[i].word);
      return;
    }
  snprintf(buf, cap, "<%d>", type);
}

void wy_lex_init(wy_lexer_t *lx, const char *text, size_t len, int line, int col) {
  lx->text = text;
  lx->len = len;
  lx->off = 0;
  lx->line = line;
  lx->col = col;
  lx->raw = false;
}

static int peek(const wy_lexer_t *lx, size_t ahead) {
  return lx->off + ahead < lx->len ? (unsigned char)lx->text[lx->off + ahead] : -1;
}

static void advance(wy_lexer_t *lx, size_t n) {
  for (size_t i = 0; i < n && lx->off < lx->len; i++) {
    if (lx->text[lx->off] == '\n') {
      lx->line++;
      lx->col = 1;
    } else {
      lx->col++;
    }
    lx->off++;
  }
}

static bool is_ident_start(int c) { return c >= 0 && (isalpha(c) || c == '_'); }
static bool is_ident_char(int c) { return c >= 0 && (isalnum(c) || c == '_' || c == '@'); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* Skips whitespace and comments. An unterminated block comment is an error. */
static wy_status_t skip_trivia(wy_lexer_t *lx, wy_error_t *err) {
  for (;;) {
    int c = peek(lx, 0);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      advance(lx, 1);
    } else if (c == '-' && peek(lx, 1) == '-') {
      while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n') advance(lx, 1);
    } else if (c == '/' && peek(lx, 1) == '*') {
      int line = lx->line, col = lx->col;
      advance(lx, 2);
      while (peek(lx, 0) >= 0 && !(peek(lx, 0) == '*' && peek(lx, 1) == '/')) advance(lx, 1);
      if (peek(lx, 0) < 0)
        return wy_error_set_pos(err, WY_ERR_PARSE, line, col, "unterminated comment");
      advance(lx, 2);
    } else {
      return WY_OK;
    }
  }
}

/* A quoted token: the quote character doubled inside stands for itself. */
static wy_status_t scan_quoted(wy_lexer_t *lx, int quote, wy_token_t *tok, wy_error_t *err) {
  advance(lx, 1);
  for (;;) {
    int c = peek(lx, 0);
    if (c < 0) {
      const char *what = quote == '\'' ? "string" : "quoted identifier";
      return wy_error_set_pos(err, WY_ERR_PARSE, tok->line, tok->col, "unterminated %s", what);
    }
    advance(lx, 1);
    if (c == quote) {
      if (peek(lx, 0) != quote) return WY_OK;
      advance(lx, 1);
    }
  }
}

static void scan_number(wy_lexer_t *lx, wy_token_t *tok) {
  bool point = false, exponent = false;
  while (is_digit(peek(lx, 0))) advance(lx, 1);
  if (peek(lx, 0) == '.') {
    point = true;
    advance(lx, 1);
    while (is_digit(peek(lx, 0))) advance(lx, 1);
  }
  int c = peek(lx, 0);
  if (c == 'e' || c == 'E') {
    size_t k = 1;
    if (peek(lx, 1) == '+' || peek(lx, 1) == '-') k = 2;
    if (is_digit(peek(lx, k))) {
      exponent = true;
      advance(lx, k);
      while (is_digit(peek(lx, 0))) advance(lx, 1);
    }
  }
  tok->type = exponent ? TK_FLOATNUM : point ? TK_DECNUM : TK_INTEGER;
  /* ksqlDB's DIGIT_IDENTIFIER: digits followed by letters, e.g. 1ST_COLUMN. */
  if (!point && !exponent && is_ident_char(peek(lx, 0))) {
    while (is_ident_char(peek(lx, 0))) advance(lx, 1);
    tok->type = TK_DIGITIDENT;
  }
}

/* An identifier's length in characters as the name it denotes: quotes off, a doubled
 * quote counted once, a UTF-8 sequence counted once, so that any spelling of one name
 * (as the printer re-quotes it) has the same length. */
static size_t identifier_length(const char *s, size_t n, int type) {
  char quote = type == TK_QIDENT ? '"' : type == TK_BQIDENT ? '`' : 0;
  if (quote) s++, n -= 2;
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (quote && s[i] == quote) i++; /* the pair's second quote */
    if (((unsigned char)s[i] & 0xC0) != 0x80) len++;
  }
  return len;
}

wy_status_t wy_lex_next(wy_lexer_t *lx, wy_token_t *tok, wy_error_t *err) {
  wy_status_t st = skip_trivia(lx, err);
  if (st != WY_OK) return st;
  tok->z = lx->text + lx->off;
  tok->line = lx->line;
  tok->col = lx->col;
  tok->type = 0;
  tok->n = 0;
  int c = peek(lx, 0);
  if (c < 0) return WY_OK;
  size_t start = lx->off;
  int c1 = peek(lx, 1);
  if (is_ident_start(c)) {
    while (is_ident_char(peek(lx, 0))) advance(lx, 1);
    int kw = keyword_code(tok->z, lx->off - start);
    tok->type = kw ? kw : TK_IDENT;
  } else if (is_digit(c) || (c == '.' && is_digit(c1))) {
    scan_number(lx, tok);
  } else if (c == '\'' || c == '`' || c == '"') {
    st = scan_quoted(lx, c, tok, err);
    if (st != WY_OK) return st;
    tok->type = c == '\'' ? TK_STRING : c == '`' ? TK_BQIDENT : TK_QIDENT;
  } else if (c == '$' && (c1 == '{' || (c1 == '$' && peek(lx, 2) == '{'))) {
    /* ${name}, or its escape $${name} (seen only before substitution, which makes it a
     * literal ${name}) */
    size_t at = c1 == '$' ? 3 : 2, k = at;
    while (is_ident_char(peek(lx, k))) k++;
    if (k == at || peek(lx, k) != '}' || !is_ident_start(peek(lx, at)))
      return wy_error_set_pos(err, WY_ERR_PARSE, tok->line, tok->col,
                              "malformed variable reference (want ${name})");
    advance(lx, k + 1);
    tok->type = TK_VARIABLE;
  } else {
    int type = 0;
    size_t n = 1;
    switch (c) {
      case ';':
        type = TK_SEMI;
        break;
      case '(':
        type = TK_LP;
        break;
      case ')':
        type = TK_RP;
        break;
      case '[':
        type = TK_LBRACKET;
        break;
      case ']':
        type = TK_RBRACKET;
        break;
      case ',':
        type = TK_COMMA;
        break;
      case '.':
        type = TK_DOT;
        break;
      case '+':
        type = TK_PLUS;
        break;
      case '*':
        type = TK_STAR;
        break;
      case '/':
        type = TK_SLASH;
        break;
      case '%':
        type = TK_PERCENT;
        break;
      case '-':
        type = c1 == '>' ? (n = 2, TK_ARROW) : TK_MINUS;
        break;
      case '=':
        type = c1 == '>' ? (n = 2, TK_LAMBDA) : TK_EQ;
        break;
      case '<':
        type = c1 == '=' ? (n = 2, TK_LE) : c1 == '>' ? (n = 2, TK_NE) : TK_LT;
        break;
      case '>':
        type = c1 == '=' ? (n = 2, TK_GE) : TK_GT;
        break;
      case '!':
        type = c1 == '=' ? (n = 2, TK_NE) : 0;
        break;
      case '|':
        type = c1 == '|' ? (n = 2, TK_CONCAT) : 0;
        break;
      case ':':
        type = c1 == '=' ? (n = 2, TK_ASSIGN) : 0;
        break;
      default:
        break;
    }
    if (!type) {
      if (c >= 0x20 && c < 0x7f)
        return wy_error_set_pos(err, WY_ERR_PARSE, tok->line, tok->col, "unexpected character '%c'",
                                c);
      return wy_error_set_pos(err, WY_ERR_PARSE, tok->line, tok->col, "unexpected character 0x%02x",
                              (unsigned)c);
    }
    tok->type = type;
    advance(lx, n);
  }
  tok->n = (int)(lx->off - start);
  /* names end up in topic, column and store names: bounded (Kafka's topic names are) */
  if (!lx->raw && (tok->type == TK_IDENT || tok->type == TK_DIGITIDENT || tok->type == TK_QIDENT ||
                   tok->type == TK_BQIDENT)) {
    size_t len = identifier_length(lx->text + start, (size_t)tok->n, tok->type);
    if (len <= wy_limit(WY_LIMIT_IDENTIFIER_LENGTH)) return WY_OK;
    wy_limit_refuse(err, WY_LIMIT_IDENTIFIER_LENGTH, "An identifier", len, tok->line, tok->col);
    err->code = WY_ERR_PARSE;
    return WY_ERR_PARSE;
  }
  return WY_OK;
}

bool wy_token_is_nonreserved(int type) {
  switch (type) {
    /* Mirrors the ident / alias_ident / nonreserved rules of grammar.y. */
    case TK_SHOW:
    case TK_FUNCTIONS:
    case TK_FUNCTION:
    case TK_SESSION:
    case TK_INTERVAL:
    case TK_DAY:
    case TK_HOUR:
    case TK_MINUTE:
    case TK_SECOND:
    case TK_EXPLAIN:
    case TK_TYPE:
    case TK_TYPES:
    case TK_SET:
    case TK_SOURCE:
    case TK_PRIMARY:
    case TK_KEY:
    case TK_CHANGES:
    case TK_FINAL:
    case TK_REPLACE:
    case TK_ASSERT:
    case TK_ALTER:
    case TK_ADD:
    case TK_HEADER:
    case TK_HEADERS:
    case TK_GRACE:
    case TK_PERIOD:
    case TK_DEFINE:
    case TK_UNDEFINE:
    case TK_VARIABLES:
    case TK_TIMEOUT:
    case TK_SCHEMA:
    case TK_SUBJECT:
    case TK_ID:
    case TK_PAUSE:
    case TK_RESUME:
    case TK_SIZE:
    case TK_TOPIC:
    case TK_LIST:
    case TK_EMIT:
    case TK_PARTITION:
    case TK_ESCAPE:
    case TK_ARRAY:
    case TK_MAP:
    case TK_STRUCT:
    case TK_QIDENT:
    case TK_BQIDENT:
    case TK_DIGITIDENT:
    case TK_VARIABLE:
      return true;
    default:
      return false;
  }
}

bool wy_token_starts_expr(int type) {
  switch (type) {
    case TK_INTEGER:
    case TK_DECNUM:
    case TK_FLOATNUM:
    case TK_STRING:
    case TK_TRUE:
    case TK_FALSE:
    case TK_NULL:
    case TK_LP:
    case TK_LLP:
    case TK_MINUS:
    case TK_PLUS:
    case TK_NOT:
    case TK_CASE:
    case TK_CAST:
      return true;
    default:
      return wy_token_is_nonreserved(type);
  }
}
