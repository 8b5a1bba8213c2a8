/* URL built-ins: ksqlDB parses with java.net.URI (RFC 2396) and encodes parameters as
 * application/x-www-form-urlencoded. A URL that is not a valid URI fails the call
 * ("URL input has invalid syntax: ..."), which the evaluator turns into NULL. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "udf/builtins_int.h"

/* The components of a URI as text ranges of the input; a NULL start means absent. */
typedef struct {
  const char *scheme, *host, *path, *query, *fragment;
  size_t scheme_n, host_n, path_n, query_n, fragment_n;
  long port; /* -1 when absent */
} uri_t;

static bool is_hex(char c) { return isxdigit((unsigned char)c) != 0; }

/* Characters java.net.URI accepts in a component (besides escapes and non-ASCII
 * "other" characters): RFC 2396 unreserved and reserved ones. */
static bool uri_char_ok(unsigned char c) {
  if (c >= 0x80) return true;
  if (isalnum(c)) return true;
  return c != '\0' && strchr("-_.!~*'();/?:@&=+$,[]", c) != NULL;
}

/* Every character legal and every '%' an escape; `extra` also allowed. */
static bool component_ok(const char *s, size_t n, const char *extra) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%') {
      if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (c < 0x20 || c == 0x7f || (!uri_char_ok(c) && !(extra && strchr(extra, c)))) {
      return false;
    }
  }
  return true;
}

static bool scheme_ok(const char *s, size_t n) {
  if (!n || !isalpha((unsigned char)s[0])) return false;
  for (size_t i = 1; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.') return false;
  return true;
}

/* A server-based host (hostname, IPv4 or [IPv6]); else the authority is registry-based
 * and java.net.URI reports no host and no port. */
static bool host_ok(const char *s, size_t n) {
  if (!n) return false;
  if (s[0] == '[') return s[n - 1] == ']';
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.') return false;
  return s[0] != '-' && s[0] != '.' && s[n - 1] != '-';
}

static void parse_authority(const char *a, size_t n, uri_t *u) {
  const char *at = NULL;
  for (size_t i = 0; i < n; i++)
    if (a[i] == '@') at = a + i;
  const char *h = at ? at + 1 : a, *end = a + n, *colon = NULL;
  for (const char *p = h; p < end; p++) {
    if (*p == ']') colon = NULL;
    if (*p == ':') colon = p;
  }
  const char *he = colon ? colon : end;
  long port = -1;
  if (colon && colon + 1 < end) {
    port = 0;
    for (const char *p = colon + 1; p < end; p++) {
      if (!isdigit((unsigned char)*p) || port > 65535) return; /* registry-based */
      port = port * 10 + (*p - '0');
    }
  }
  if (!host_ok(h, (size_t)(he - h))) return;
  u->host = h;
  u->host_n = (size_t)(he - h);
  u->port = port;
}

/* Split s into components; false when java.net.URI would reject it. */
static bool uri_parse(const char *s, size_t n, uri_t *u) {
  memset(u, 0, sizeof *u);
  u->port = -1;
  if (!n) { /* "" is a valid (empty, relative) URI with an empty path */
    u->path = s;
    return true;
  }
  const char *end = s + n, *p = s;
  const char *hash = memchr(s, '#', n);
  if (hash && memchr(hash + 1, '#', (size_t)(end - hash - 1))) return false;
  const char *body_end = hash ? hash : end;
  for (const char *q = s; q < body_end; q++) {
    if (*q == '/' || *q == '?') break;
    if (*q == ':') {
      if (!scheme_ok(s, (size_t)(q - s))) return false;
      u->scheme = s;
      u->scheme_n = (size_t)(q - s);
      p = q + 1;
      break;
    }
  }
  if (hash) {
    if (!component_ok(hash + 1, (size_t)(end - hash - 1), NULL)) return false;
    u->fragment = hash + 1;
    u->fragment_n = (size_t)(end - hash - 1);
  }
  if (u->scheme && (p == body_end || *p != '/')) { /* opaque: mailto:x, urn:y */
    return p < body_end && component_ok(p, (size_t)(body_end - p), NULL);
  }
  if (body_end - p >= 2 && p[0] == '/' && p[1] == '/') {
    const char *a = p + 2, *ae = a;
    while (ae < body_end && *ae != '/' && *ae != '?') ae++;
    if (!component_ok(a, (size_t)(ae - a), NULL)) return false;
    parse_authority(a, (size_t)(ae - a), u);
    p = ae;
  }
  const char *qm = memchr(p, '?', (size_t)(body_end - p));
  const char *pe = qm ? qm : body_end;
  if (!component_ok(p, (size_t)(pe - p), NULL)) return false;
  u->path = p;
  u->path_n = (size_t)(pe - p);
  if (qm) {
    if (!component_ok(qm + 1, (size_t)(body_end - qm - 1), NULL)) return false;
    u->query = qm + 1;
    u->query_n = (size_t)(body_end - qm - 1);
  }
  return true;
}

static int hexval(char c) {
  return isdigit((unsigned char)c) ? c - '0' : (tolower((unsigned char)c) - 'a' + 10);
}

/* Percent-decode into the arena (plus_space: '+' is a space, as URLDecoder). False on a
 * malformed escape. */
static bool pct_decode(wy_fn_ctx_t *ctx, const char *s, size_t n, bool plus_space, wy_value_t *out,
                       bool *oom) {
  char *d = wy_fn_alloc(ctx, n);
  if (!d) return *oom = true, false;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      d[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      d[k++] = plus_space && s[i] == '+' ? ' ' : s[i];
    }
  }
  d[k] = '\0';
  *out = wy_string(d, k);
  return true;
}

/* Parse a[0]; fail as ksqlDB on invalid syntax. */
static wy_status_t parse_arg(wy_fn_ctx_t *ctx, const wy_value_t *a, uri_t *u) {
  if (uri_parse(a->u.str, a->len, u)) return WY_OK;
  return wy_fn_fail(ctx, "URL input has invalid syntax: %.*s", (int)a->len, a->u.str);
}

/* A decoded component, or NULL when absent. */
static wy_status_t component(wy_fn_ctx_t *ctx, const char *s, size_t n, wy_value_t *out) {
  bool oom = false;
  if (!s) return *out = wy_null(WY_T_STRING), WY_OK;
  if (!pct_decode(ctx, s, n, false, out, &oom) && oom) return wy_fn_nomem(ctx);
  return WY_OK;
}

wy_status_t fn_url_extract_host(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uri_t u;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  return st ? st : component(ctx, u.host, u.host_n, out);
}

wy_status_t fn_url_extract_path(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uri_t u;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  return st ? st : component(ctx, u.path, u.path_n, out);
}

wy_status_t fn_url_extract_query(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uri_t u;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  return st ? st : component(ctx, u.query, u.query_n, out);
}

wy_status_t fn_url_extract_fragment(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                    wy_value_t *out) {
  uri_t u;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  return st ? st : component(ctx, u.fragment, u.fragment_n, out);
}

wy_status_t fn_url_extract_protocol(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                    wy_value_t *out) {
  uri_t u;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  if (st) return st;
  *out = u.scheme ? wy_string(u.scheme, u.scheme_n) : wy_null(WY_T_STRING);
  return WY_OK;
}

wy_status_t fn_url_extract_port(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  uri_t u;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  if (st) return st;
  *out = u.port < 0 ? wy_null(WY_T_INT) : wy_int((int32_t)u.port);
  return WY_OK;
}

/* The value of the first `name=value` of the decoded query whose name equals a[1]
 * exactly; "" for a bare `name`; NULL when absent. */
wy_status_t fn_url_extract_parameter(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                     wy_value_t *out) {
  uri_t u;
  wy_value_t q;
  wy_status_t st = parse_arg(ctx, &a[0], &u);
  if (!st) st = component(ctx, u.query, u.query_n, &q);
  if (st) return st;
  *out = wy_null(WY_T_STRING);
  if (q.null) return WY_OK;
  const char *p = q.u.str, *end = p + q.len;
  while (p <= end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *pe = amp ? amp : end, *eq = memchr(p, '=', (size_t)(pe - p));
    const char *ke = eq ? eq : pe;
    if ((size_t)(ke - p) == a[1].len && !memcmp(p, a[1].u.str, a[1].len)) {
      *out = eq ? wy_string(eq + 1, (size_t)(pe - eq - 1)) : wy_string("", 0);
      return WY_OK;
    }
    if (!amp) break;
    p = amp + 1;
  }
  return WY_OK;
}

/* Guava's urlFormParameterEscaper: letters, digits and "-_.*" stay, a space becomes
 * '+', every other byte %XX (upper-case hex of the UTF-8 encoding). */
wy_status_t fn_url_encode_param(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  static const char HEX[] = "0123456789ABCDEF";
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  for (uint32_t i = 0; i < a[0].len; i++) {
    unsigned char c = (unsigned char)a[0].u.str[i];
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*') {
      wy_buf_putc(&b, (char)c);
    } else if (c == ' ') {
      wy_buf_putc(&b, '+');
    } else {
      wy_buf_putc(&b, '%');
      wy_buf_putc(&b, HEX[c >> 4]);
      wy_buf_putc(&b, HEX[c & 15]);
    }
  }
  return wy_fn_buf_result(ctx, &b, false, out);
}

/* java.net.URLDecoder: '+' is a space, %XX a byte; a malformed escape fails. */
wy_status_t fn_url_decode_param(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  bool oom = false;
  if (pct_decode(ctx, a[0].u.str, a[0].len, true, out, &oom)) return WY_OK;
  if (oom) return wy_fn_nomem(ctx);
  return wy_fn_fail(ctx, "URLDecoder: Illegal hex characters in escape (%%) pattern");
}
