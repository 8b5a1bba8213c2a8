/* qtt.c — loading and expanding QTT files. */
#include "engine/testing/qtt.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/base64.h"
#include "engine/base/buf.h"
#include "engine/testing/qtt_json.h"

/* ksqlDB substitutes this text when a statement uses {FORMAT} without a `format` list,
 * so that the statement fails to parse with a message that says why. */
#define FORMAT_REPLACE_ERROR \
  "To use {FORMAT} in your statements please set the 'format' test case element"

static const char *const window_names[] = {
#define WY_X_WIN(code, name) name,
    WY_QTT_WINDOW_KINDS(WY_X_WIN)
#undef WY_X_WIN
};

const char *wy_qtt_window_kind_name(wy_qtt_window_kind_t k) {
  return (unsigned)k < sizeof window_names / sizeof window_names[0] ? window_names[k] : "?";
}

/* Parsing context for one case: the first problem found becomes `invalid`. */
typedef struct {
  wy_arena_t *a;
  const char *invalid;
  bool oom;
} ctx_t;

static void bad(ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad(ctx_t *c, const char *fmt, ...) {
  if (c->invalid) return;
  char msg[WY_ERROR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->invalid = wy_arena_strdup(c->a, msg);
  if (!c->invalid) c->oom = true, c->invalid = "out of memory";
}

/* Record a problem and leave the (void) parsing function. */
#define FAIL(c, ...)       \
  do {                     \
    bad((c), __VA_ARGS__); \
    return;                \
  } while (0)

static const char *dup(ctx_t *c, const char *s, size_t n) {
  char *d = wy_arena_strndup(c->a, s, n);
  if (!d) c->oom = true;
  return d;
}

/* Optional string member: NULL when absent; invalid when not a string. */
static const char *opt_str(ctx_t *c, const json_t *obj, const char *key, const char *where) {
  const json_t *j = json_object_get(obj, key);
  if (!j || json_is_null(j)) return NULL;
  size_t n;
  const char *s = wy_qtt_json_string(j, &n);
  if (!s) {
    bad(c, "%s: '%s' must be a string", where, key);
    return NULL;
  }
  return dup(c, s, n);
}

static const char *req_str(ctx_t *c, const json_t *obj, const char *key, const char *where) {
  const char *s = opt_str(c, obj, key, where);
  if (!s && !c->invalid) bad(c, "%s: missing '%s'", where, key);
  return s;
}

static bool opt_int(ctx_t *c, const json_t *obj, const char *key, const char *where, int64_t *out) {
  const json_t *j = json_object_get(obj, key);
  if (!j || json_is_null(j)) return false;
  if (!wy_qtt_json_int64(j, out)) {
    bad(c, "%s: '%s' must be an integer", where, key);
    return false;
  }
  return true;
}

static bool opt_bool(ctx_t *c, const json_t *obj, const char *key, const char *where, bool dflt) {
  const json_t *j = json_object_get(obj, key);
  if (!j || json_is_null(j)) return dflt;
  if (!json_is_boolean(j)) {
    bad(c, "%s: '%s' must be true or false", where, key);
    return dflt;
  }
  return json_is_true(j);
}

static wy_value_t opt_value(ctx_t *c, const json_t *obj, const char *key) {
  wy_value_t v = wy_null(WY_T_STRING);
  const json_t *j = json_object_get(obj, key);
  if (j && !wy_qtt_json_value(j, c->a, &v)) c->oom = true;
  return v;
}

/* Optional array member: NULL when absent or null; invalid when not an array. */
static const json_t *opt_array(ctx_t *c, const json_t *obj, const char *key, const char *where) {
  const json_t *j = json_object_get(obj, key);
  if (!j || json_is_null(j)) return NULL;
  if (!json_is_array(j)) {
    bad(c, "%s: '%s' must be an array", where, key);
    return NULL;
  }
  return j;
}

static const json_t *opt_object(ctx_t *c, const json_t *obj, const char *key, const char *where) {
  const json_t *j = json_object_get(obj, key);
  if (!j || json_is_null(j)) return NULL;
  if (!json_is_object(j)) {
    bad(c, "%s: '%s' must be an object", where, key);
    return NULL;
  }
  return j;
}

static bool str_list(ctx_t *c, const json_t *arr, const char *what, wy_qtt_strings_t *out) {
  out->n = arr ? json_array_size(arr) : 0;
  out->items = out->n ? wy_arena_calloc(c->a, out->n, sizeof *out->items) : NULL;
  if (out->n && !out->items) return c->oom = true, false;
  for (size_t i = 0; i < out->n; i++) {
    size_t n;
    const char *s = wy_qtt_json_string(json_array_get(arr, i), &n);
    if (!s) {
      bad(c, "%s[%zu] must be a string", what, i);
      return false;
    }
    out->items[i] = dup(c, s, n);
  }
  return true;
}

/* ---- records ------------------------------------------------------------------------ */

static void parse_window(ctx_t *c, const json_t *j, const char *where, wy_qtt_window_t *w) {
  w->kind = WY_QTT_WINDOW_NONE;
  if (!j || json_is_null(j)) return;
  if (!json_is_object(j)) FAIL(c, "%s: 'window' must be an object", where);
  const char *type = req_str(c, j, "type", where);
  if (!type) return;
  if (strcasecmp(type, "time") == 0)
    w->kind = WY_QTT_WINDOW_TIME;
  else if (strcasecmp(type, "session") == 0)
    w->kind = WY_QTT_WINDOW_SESSION;
  else
    FAIL(c, "%s: window type '%s' is neither 'time' nor 'session'", where, type);
  if (!opt_int(c, j, "start", where, &w->start) || !opt_int(c, j, "end", where, &w->end))
    bad(c, "%s: window needs integer 'start' and 'end'", where);
}

static void parse_headers(ctx_t *c, const json_t *arr, const char *where, wy_qtt_record_t *r) {
  r->nheaders = json_array_size(arr);
  r->headers = r->nheaders ? wy_arena_calloc(c->a, r->nheaders, sizeof *r->headers) : NULL;
  if (r->nheaders && !r->headers) {
    c->oom = true;
    return;
  }
  for (size_t i = 0; i < r->nheaders; i++) {
    const json_t *h = json_array_get(arr, i);
    if (!json_is_object(h)) FAIL(c, "%s: header %zu must be an object", where, i);
    wy_qtt_header_t *out = &r->headers[i];
    out->key = req_str(c, h, "KEY", where);
    const char *v = opt_str(c, h, "VALUE", where);
    if (!v) continue;
    uint8_t *bytes = wy_arena_alloc(c->a, wy_base64_decoded_max(strlen(v)));
    if (!bytes) {
      c->oom = true;
      return;
    }
    /* Lenient about padding (any run of '=' at the end), as the loader has always been:
     * test files that load today keep loading. */
    if (!wy_base64_decode(v, strlen(v), WY_BASE64_PAD_ANY, bytes, &out->len))
      FAIL(c, "%s: header '%s' has a VALUE that is not base64", where, out->key);
    out->value = bytes;
  }
}

static void parse_record(ctx_t *c, const json_t *j, const char *where, wy_qtt_record_t *r) {
  memset(r, 0, sizeof *r);
  r->key = r->value = wy_null(WY_T_STRING);
  if (!json_is_object(j)) FAIL(c, "%s must be an object", where);
  r->topic = req_str(c, j, "topic", where);
  if (r->topic && (isspace((unsigned char)r->topic[0]) ||
                   (r->topic[0] && isspace((unsigned char)r->topic[strlen(r->topic) - 1]))))
    bad(c, "%s: topic '%s' has leading or trailing whitespace", where, r->topic);
  r->key = opt_value(c, j, "key");
  if (!json_object_get(j, "value")) bad(c, "%s: missing 'value'", where);
  r->value = opt_value(c, j, "value");
  r->has_timestamp = opt_int(c, j, "timestamp", where, &r->timestamp);
  const json_t *headers = opt_array(c, j, "headers", where);
  r->has_headers = headers != NULL;
  if (headers) parse_headers(c, headers, where, r);
  parse_window(c, json_object_get(j, "window"), where, &r->window);
}

static wy_qtt_record_t *parse_records(ctx_t *c, const json_t *arr, const char *what, size_t *n) {
  *n = arr ? json_array_size(arr) : 0;
  if (!*n) return NULL;
  wy_qtt_record_t *rs = wy_arena_calloc(c->a, *n, sizeof *rs);
  if (!rs) return c->oom = true, *n = 0, NULL;
  for (size_t i = 0; i < *n; i++) {
    char where[64];
    snprintf(where, sizeof where, "%s[%zu]", what, i);
    parse_record(c, json_array_get(arr, i), where, &rs[i]);
  }
  return rs;
}

/* ---- topics, formats, post conditions ---------------------------------------------- */

static void parse_topic(ctx_t *c, const json_t *j, const char *where, wy_qtt_topic_t *t) {
  if (!json_is_object(j)) FAIL(c, "%s must be an object", where);
  int64_t x;
  t->name = req_str(c, j, "name", where);
  t->key_format = opt_str(c, j, "keyFormat", where);
  t->value_format = opt_str(c, j, "valueFormat", where);
  t->key_schema = opt_value(c, j, "keySchema");
  t->value_schema = opt_value(c, j, "valueSchema");
  t->has_key_schema_id = opt_int(c, j, "keySchemaId", where, &t->key_schema_id);
  t->has_value_schema_id = opt_int(c, j, "valueSchemaId", where, &t->value_schema_id);
  t->key_schema_refs = opt_value(c, j, "keySchemaReferences");
  t->value_schema_refs = opt_value(c, j, "valueSchemaReferences");
  t->key_serde_features = opt_value(c, j, "keySerdeFeatures");
  t->value_serde_features = opt_value(c, j, "valueSerdeFeatures");
  t->partitions = opt_int(c, j, "partitions", where, &x) ? (int)x : 1;
  t->replicas = opt_int(c, j, "replicas", where, &x) ? (int)x : 1;
  if (t->partitions < 1) bad(c, "%s: partitions must be positive", where);
}

static void parse_format(ctx_t *c, const json_t *j, const char *where, wy_qtt_format_t *f) {
  memset(f, 0, sizeof *f);
  f->properties = wy_null(WY_T_STRING);
  if (!j || json_is_null(j)) return;
  size_t n;
  const char *s = wy_qtt_json_string(j, &n);
  if (s) {
    f->format = dup(c, s, n);
    return;
  }
  if (!json_is_object(j)) FAIL(c, "%s: a format must be a string or an object", where);
  f->format = req_str(c, j, "format", where);
  const json_t *features = opt_array(c, j, "features", where);
  f->has_features = features != NULL;
  str_list(c, features, "features", &f->features);
  f->properties = opt_value(c, j, "properties");
  f->window_type = opt_str(c, j, "windowType", where);
  f->has_window_size = opt_int(c, j, "windowSize", where, &f->window_size);
}

static void parse_post_source(ctx_t *c, const json_t *j, const char *where,
                              wy_qtt_post_source_t *s) {
  if (!json_is_object(j)) FAIL(c, "%s must be an object", where);
  s->name = req_str(c, j, "name", where);
  s->type = req_str(c, j, "type", where);
  if (s->type && strcasecmp(s->type, "stream") != 0 && strcasecmp(s->type, "table") != 0)
    bad(c, "%s: type must be either STREAM or TABLE", where);
  s->schema = opt_str(c, j, "schema", where);
  const json_t *kf = json_object_get(j, "keyFormat");
  s->has_key_format = kf && !json_is_null(kf);
  parse_format(c, kf, where, &s->key_format);
  s->value_format = opt_str(c, j, "valueFormat", where);
  const json_t *kfe = opt_array(c, j, "keyFeatures", where);
  const json_t *vfe = opt_array(c, j, "valueFeatures", where);
  s->has_key_features = kfe != NULL;
  s->has_value_features = vfe != NULL;
  str_list(c, kfe, "keyFeatures", &s->key_features);
  str_list(c, vfe, "valueFeatures", &s->value_features);
  const json_t *is = json_object_get(j, "isSource");
  s->has_is_source = is && !json_is_null(is);
  s->is_source = opt_bool(c, j, "isSource", where, false);
}

static void parse_post_topic(ctx_t *c, const json_t *j, const char *where, wy_qtt_post_topic_t *t) {
  if (!json_is_object(j)) FAIL(c, "%s must be an object", where);
  int64_t x;
  t->name = req_str(c, j, "name", where);
  if (!json_object_get(j, "keyFormat") || !json_object_get(j, "valueFormat"))
    bad(c, "%s: 'keyFormat' and 'valueFormat' are required", where);
  parse_format(c, json_object_get(j, "keyFormat"), where, &t->key_format);
  parse_format(c, json_object_get(j, "valueFormat"), where, &t->value_format);
  t->has_partitions = opt_int(c, j, "partitions", where, &x);
  t->partitions = (int)x;
  if (t->has_partitions && x < 1) bad(c, "%s: partition count must be positive", where);
  t->has_key_schema_id = opt_int(c, j, "keySchemaId", where, &t->key_schema_id);
  t->has_value_schema_id = opt_int(c, j, "valueSchemaId", where, &t->value_schema_id);
  t->key_schema = opt_value(c, j, "keySchema");
  t->value_schema = opt_value(c, j, "valueSchema");
}

/* Allocate n zeroed items for an array member and parse each with fn. */
#define PARSE_LIST(c, arr, what, out, nout, fn)                             \
  do {                                                                      \
    (nout) = (arr) ? json_array_size(arr) : 0;                              \
    (out) = (nout) ? wy_arena_calloc((c)->a, (nout), sizeof *(out)) : NULL; \
    if ((nout) && !(out)) {                                                 \
      (c)->oom = true;                                                      \
      (nout) = 0;                                                           \
    }                                                                       \
    for (size_t i_ = 0; i_ < (nout); i_++) {                                \
      char where_[64];                                                      \
      snprintf(where_, sizeof where_, "%s[%zu]", (what), i_);               \
      fn((c), json_array_get((arr), i_), where_, &(out)[i_]);               \
    }                                                                       \
  } while (0)

static void parse_post(ctx_t *c, const json_t *j, wy_qtt_post_t *p) {
  PARSE_LIST(c, opt_array(c, j, "sources", "post"), "post.sources", p->sources, p->nsources,
             parse_post_source);
  const json_t *topics = opt_object(c, j, "topics", "post");
  if (!topics) return;
  p->blacklist = opt_str(c, topics, "blacklist", "post.topics");
  PARSE_LIST(c, opt_array(c, topics, "topics", "post.topics"), "post.topics.topics", p->topics,
             p->ntopics, parse_post_topic);
}

/* ---- cases -------------------------------------------------------------------------- */

static char *replace_all(wy_arena_t *a, const char *s, const char *pat, const char *with) {
  size_t np = strlen(pat), nw = strlen(with), count = 0;
  for (const char *p = strstr(s, pat); p; p = strstr(p + np, pat)) count++;
  char *out = wy_arena_alloc(a, strlen(s) + count * nw + 1);
  if (!out) return NULL;
  char *o = out;
  for (const char *p; (p = strstr(s, pat)); s = p + np) {
    memcpy(o, s, (size_t)(p - s));
    o += p - s;
    memcpy(o, with, nw);
    o += nw;
  }
  strcpy(o, s);
  return out;
}

static const char *basename_noext(wy_arena_t *a, const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  return wy_arena_strndup(a, b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
}

static bool is_config_placeholder(const json_t *v) {
  const char *s = wy_qtt_json_string(v, NULL);
  return s && strcasecmp(s, "{CONFIG}") == 0;
}

/* Build one expansion of entry t. Problems end up in tc->invalid. */
static void build_case(wy_arena_t *a, const char *path, const char *base, size_t index,
                       const json_t *t, const char *format, const char *config, wy_qtt_case_t *tc) {
  ctx_t c = {a, NULL, false};
  char where[32];
  snprintf(where, sizeof where, "tests[%zu]", index);
  tc->file = path;
  tc->index = index;
  tc->enabled = true;
  tc->format = format;
  tc->config = config;
  tc->name = req_str(&c, t, "name", where);
  if (!tc->name) tc->name = wy_arena_sprintf(a, "<%s>", where);

  /* Properties, with {CONFIG} replaced in the one property that holds it. */
  const json_t *props = opt_object(&c, t, "properties", where);
  const char *config_prop = NULL;
  tc->nproperties = props ? json_object_size(props) : 0;
  tc->properties =
      tc->nproperties ? wy_arena_calloc(a, tc->nproperties, sizeof *tc->properties) : NULL;
  if (tc->nproperties && !tc->properties) c.oom = true, tc->nproperties = 0;
  size_t i = 0, placeholders = 0;
  const char *key;
  json_t *val;
  if (props && tc->properties) json_object_foreach((json_t *)props, key, val) {
      wy_qtt_property_t *p = &tc->properties[i++];
      p->name = dup(&c, key, strlen(key));
      if (config && is_config_placeholder(val)) {
        placeholders++;
        config_prop = p->name;
        p->value = wy_string(config, strlen(config));
      } else if (!wy_qtt_json_value(val, a, &p->value)) {
        c.oom = true;
      }
    }
  if (config && placeholders != 1)
    bad(&c, "'config' needs exactly one property whose value is \"{CONFIG}\" (found %zu)",
        placeholders);

  tc->full_name = wy_arena_sprintf(a, "%s - %s%s%s%s%s%s", base, tc->name, format ? " - " : "",
                                   format ? format : "", config_prop ? " - " : "",
                                   config_prop ? config_prop : "",
                                   config_prop ? wy_arena_sprintf(a, "=%s", config) : "");

  const json_t *stmts = opt_array(&c, t, "statements", where);
  if (!stmts || json_array_size(stmts) == 0) bad(&c, "'statements' must be a non-empty array");
  if (str_list(&c, stmts, "statements", &tc->statements))
    for (size_t k = 0; k < tc->statements.n; k++) {
      char *s = replace_all(a, tc->statements.items[k], "{FORMAT}",
                            format ? format : FORMAT_REPLACE_ERROR);
      if (!s) c.oom = true;
      tc->statements.items[k] = s;
    }

  PARSE_LIST(&c, opt_array(&c, t, "topics", where), "topics", tc->topics, tc->ntopics, parse_topic);
  tc->inputs = parse_records(&c, opt_array(&c, t, "inputs", where), "inputs", &tc->ninputs);
  tc->outputs = parse_records(&c, opt_array(&c, t, "outputs", where), "outputs", &tc->noutputs);

  const json_t *ee = opt_object(&c, t, "expectedException", where);
  tc->has_expected_exception = ee != NULL;
  if (ee) {
    wy_qtt_expected_exception_t *x = &tc->expected_exception;
    x->type = opt_str(&c, ee, "type", "expectedException");
    x->message = opt_str(&c, ee, "message", "expectedException");
    x->cause = opt_str(&c, ee, "cause", "expectedException");
    x->cause_message = opt_str(&c, ee, "causeMessage", "expectedException");
    if (!x->type && !x->message)
      bad(&c, "expectedException needs at least one of 'type' and 'message'");
    if (x->cause_message && !x->cause) bad(&c, "expectedException: 'causeMessage' needs 'cause'");
  }
  const json_t *post = opt_object(&c, t, "post", where);
  tc->has_post = post != NULL;
  if (post) parse_post(&c, post, &tc->post);

  if (!tc->ninputs && !tc->noutputs && !ee)
    bad(&c, "a test needs at least one of 'inputs', 'outputs' and 'expectedException'");

  tc->enabled = opt_bool(&c, t, "enabled", where, true);
  const json_t *versions = opt_object(&c, t, "versions", where);
  const char *vmin = versions ? opt_str(&c, versions, "min", "versions") : NULL;
  const char *vmax = versions ? opt_str(&c, versions, "max", "versions") : NULL;
  if (!tc->enabled)
    tc->skip = "disabled";
  else if (vmin && wy_qtt_version_compare(WY_QTT_COMPAT_VERSION, vmin) < 0)
    tc->skip = wy_arena_sprintf(a, "needs ksqlDB >= %s", vmin);
  else if (vmax && wy_qtt_version_compare(WY_QTT_COMPAT_VERSION, vmax) > 0)
    tc->skip = wy_arena_sprintf(a, "needs ksqlDB <= %s", vmax);
  if (c.oom) c.invalid = "out of memory while loading the case";
  tc->invalid = c.invalid;
}

static size_t expansion_count(const json_t *t) {
  const json_t *f = json_object_get(t, "format"), *g = json_object_get(t, "config");
  size_t nf = json_is_array(f) && json_array_size(f) ? json_array_size(f) : 1;
  size_t ng = json_is_array(g) && json_array_size(g) ? json_array_size(g) : 1;
  return nf * ng;
}

/* The i-th string of an optional list member; NULL when the list is absent or empty. */
static const char *list_item(wy_arena_t *a, const json_t *t, const char *key, size_t i) {
  const json_t *arr = json_object_get(t, key);
  if (!json_is_array(arr) || json_array_size(arr) == 0) return NULL;
  size_t n;
  const char *s = wy_qtt_json_string(json_array_get(arr, i), &n);
  return s ? wy_arena_strndup(a, s, n) : wy_arena_sprintf(a, "<%s[%zu]?>", key, i);
}

static wy_qtt_file_t *file_new(const char *path) {
  wy_qtt_file_t *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  wy_arena_init(&f->arena, 0);
  f->path = wy_arena_strdup(&f->arena, path);
  if (!f->path) {
    wy_qtt_file_destroy(f);
    return NULL;
  }
  return f;
}

static void mark_duplicates(wy_qtt_file_t *f) {
  for (size_t i = 1; i < f->ncases; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(f->cases[i].full_name, f->cases[j].full_name) == 0 && !f->cases[i].invalid) {
        f->cases[i].invalid = "duplicate test name";
        break;
      }
}

static wy_qtt_file_t *from_json(const char *path, json_t *root, wy_error_t *err) {
  const json_t *tests = json_object_get(root, "tests");
  if (!json_is_object(root) || !json_is_array(tests) || json_array_size(tests) == 0) {
    wy_error_set(err, WY_ERR_INVALID, "%s: a QTT file needs a non-empty \"tests\" array", path);
    return NULL;
  }
  wy_qtt_file_t *f = file_new(path);
  if (!f) {
    wy_error_set(err, WY_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  wy_arena_t *a = &f->arena;
  f->nentries = json_array_size(tests);
  for (size_t i = 0; i < f->nentries; i++) f->ncases += expansion_count(json_array_get(tests, i));
  f->cases = wy_arena_calloc(a, f->ncases, sizeof *f->cases);
  const char *base = basename_noext(a, path);
  if (!f->cases || !base) {
    wy_qtt_file_destroy(f);
    wy_error_set(err, WY_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  size_t k = 0;
  for (size_t i = 0; i < f->nentries; i++) {
    const json_t *t = json_array_get(tests, i);
    size_t nf = expansion_count(t);
    const json_t *cfg = json_object_get(t, "config");
    size_t ng = json_is_array(cfg) && json_array_size(cfg) ? json_array_size(cfg) : 1;
    nf /= ng;
    for (size_t fi = 0; fi < nf; fi++)
      for (size_t gi = 0; gi < ng; gi++) {
        wy_qtt_case_t *tc = &f->cases[k++];
        if (!json_is_object(t)) {
          tc->file = f->path;
          tc->index = i;
          tc->name = tc->full_name = wy_arena_sprintf(a, "%s - <tests[%zu]>", base, i);
          tc->invalid = "a test must be an object";
          continue;
        }
        build_case(a, f->path, base, i, t, list_item(a, t, "format", fi),
                   list_item(a, t, "config", gi), tc);
      }
  }
  mark_duplicates(f);
  return f;
}

wy_qtt_file_t *wy_qtt_file_parse(const char *path, const char *text, size_t len, wy_error_t *err) {
  json_t *root = wy_qtt_json_parse(text, len, path, err);
  if (!root) return NULL;
  wy_qtt_file_t *f = from_json(path, root, err);
  json_decref(root);
  return f;
}

wy_qtt_file_t *wy_qtt_file_load(const char *path, wy_error_t *err) {
  json_t *root = wy_qtt_json_load_file(path, err);
  if (!root) return NULL;
  wy_qtt_file_t *f = from_json(path, root, err);
  json_decref(root);
  return f;
}

void wy_qtt_file_destroy(wy_qtt_file_t *f) {
  if (!f) return;
  wy_arena_release(&f->arena);
  free(f);
}

/* ---- ksql-test-runner mode ---------------------------------------------------------- */

static char *slurp(const char *path, wy_arena_t *a, size_t *len, wy_error_t *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    wy_error_set(err, WY_ERR_IO, "%s: cannot open", path);
    return NULL;
  }
  wy_buf_t b;
  wy_buf_init_arena(&b, a);
  bool read = wy_buf_read(&b, fp);
  fclose(fp);
  char *text = read ? wy_buf_cstr(&b) : NULL;
  if (!text) {
    wy_error_set(err, WY_ERR_IO, "%s: cannot read", path);
    return NULL;
  }
  *len = b.len;
  return text;
}

/* Load `{"<member>": [records...]}` from path into the case. */
static wy_status_t runner_records(const char *path, const char *member, wy_arena_t *a,
                                  wy_qtt_record_t **out, size_t *n, wy_error_t *err) {
  json_t *root = wy_qtt_json_load_file(path, err);
  if (!root) return err ? err->code : WY_ERR_DECODE;
  const json_t *arr = json_object_get(root, member);
  if (!json_is_array(arr) || json_array_size(arr) == 0) {
    json_decref(root);
    return wy_error_set(err, WY_ERR_INVALID, "%s: needs a non-empty \"%s\" array", path, member);
  }
  ctx_t c = {a, NULL, false};
  *out = parse_records(&c, arr, member, n);
  json_decref(root);
  if (c.invalid || c.oom)
    return wy_error_set(err, c.oom ? WY_ERR_NOMEM : WY_ERR_INVALID, "%s: %s", path,
                        c.oom ? "out of memory" : c.invalid);
  return WY_OK;
}

wy_qtt_file_t *wy_qtt_file_from_runner_files(const char *sql_path, const char *input_path,
                                             const char *output_path, wy_error_t *err) {
  wy_qtt_file_t *f = file_new(sql_path);
  if (!f) {
    wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    return NULL;
  }
  wy_arena_t *a = &f->arena;
  wy_qtt_case_t *tc = f->cases = wy_arena_calloc(a, 1, sizeof *tc);
  size_t len;
  const char *sql = tc ? slurp(sql_path, a, &len, err) : NULL;
  if (!sql || wy_qtt_split_sql(sql, len, a, &tc->statements, err) != WY_OK ||
      (input_path && runner_records(input_path, "inputs", a, &tc->inputs, &tc->ninputs, err)) ||
      runner_records(output_path, "outputs", a, &tc->outputs, &tc->noutputs, err)) {
    if (!tc) wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    wy_qtt_file_destroy(f);
    return NULL;
  }
  if (tc->statements.n == 0) {
    wy_error_set(err, WY_ERR_INVALID, "%s: no statements", sql_path);
    wy_qtt_file_destroy(f);
    return NULL;
  }
  f->ncases = f->nentries = 1;
  tc->file = f->path;
  tc->name = tc->full_name = "KSQL_Test";
  tc->enabled = true;
  return f;
}

wy_status_t wy_qtt_split_sql(const char *sql, size_t len, wy_arena_t *a, wy_qtt_strings_t *out,
                             wy_error_t *err) {
  size_t cap = 8, n = 0;
  const char **items = wy_arena_alloc(a, cap * sizeof *items);
  size_t start = 0, i = 0;
  bool significant = false;
  while (items && i <= len) {
    char c = i < len ? sql[i] : ';'; /* a virtual terminator flushes the tail */
    if (i < len && (c == '\'' || c == '"' || c == '`')) {
      for (i++; i < len; i++) {
        if (sql[i] == c && i + 1 < len && sql[i + 1] == c)
          i++; /* doubled quote */
        else if (sql[i] == c)
          break;
      }
      if (i >= len) return wy_error_set(err, WY_ERR_PARSE, "unterminated quoted text in SQL");
      significant = true;
      i++;
    } else if (i + 1 < len && c == '-' && sql[i + 1] == '-') {
      while (i < len && sql[i] != '\n') i++;
    } else if (i + 1 < len && c == '/' && sql[i + 1] == '*') {
      const char *e = strstr(sql + i + 2, "*/");
      i = e ? (size_t)(e - sql) + 2 : len;
    } else if (c == ';') {
      size_t end = i < len ? i + 1 : len;
      if (significant) {
        if (n == cap) {
          const char **bigger = wy_arena_alloc(a, 2 * cap * sizeof *items);
          if (!bigger) break;
          memcpy(bigger, items, n * sizeof *items);
          items = bigger, cap *= 2;
        }
        while (start < end && isspace((unsigned char)sql[start])) start++;
        items[n++] = wy_arena_strndup(a, sql + start, end - start);
        if (!items[n - 1]) break;
      }
      start = end;
      significant = false;
      i++;
    } else {
      if (!isspace((unsigned char)c)) significant = true;
      i++;
    }
  }
  if (!items || i <= len) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  out->items = items;
  out->n = n;
  return WY_OK;
}

int wy_qtt_version_compare(const char *a, const char *b) {
  while (*a || *b) {
    long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b, 10);
    if (x != y) return x < y ? -1 : 1;
    while (*a && *a != '.') a++;
    while (*b && *b != '.') b++;
    if (*a == '.') a++;
    if (*b == '.') b++;
  }
  return 0;
}

const char *wy_qtt_case_property(const wy_qtt_case_t *c, const char *name, char *buf, size_t cap) {
  for (size_t i = 0; i < c->nproperties; i++) {
    const wy_qtt_property_t *p = &c->properties[i];
    if (strcmp(p->name, name) != 0) continue;
    if (p->value.kind == WY_T_STRING && !p->value.null) {
      size_t n = p->value.len < cap - 1 ? p->value.len : cap - 1;
      memcpy(buf, p->value.u.str, n);
      buf[n] = '\0';
    } else {
      wy_qtt_json_format(&p->value, buf, cap);
    }
    return buf;
  }
  return NULL;
}
