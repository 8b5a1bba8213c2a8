/* query_stream.c — POST /query-stream (push and pull queries) and POST /close-query.
 *
 * A request becomes a wy_node_stream: a transient query (transient.h) planned under the
 * node's lock, and a reader of its source topics from the node's runtime. Then the
 * request's own thread drives it without the lock: it reads records, delivers them and
 * turns the rows into the response. Pull queries read every partition up to the end it
 * had when the request came; push queries read from the end (or, with the property
 * auto.offset.reset=earliest, from the beginning) until LIMIT rows, /close-query or the
 * client leaving. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine/base/buf.h"
#include "engine/server/node_int.h"
#include "engine/server/transient.h"
#include "parser/parser.h"

#define READ_BATCH 256
#define PULL_IDLE_MS 2000 /* a pull query ends when its reader gives nothing for this long */

struct wy_node_stream {
  wy_node_t *n;
  struct wy_node_stream *next; /* in n->streams */
  char id[64];
  wy_transient_t *t;
  wy_source_t *src;
  wy_position_t *ends; /* pull: where each partition's read stops */
  int64_t *reached;    /* pull: next offset per entry of ends */
  size_t nends;
  bool json;           /* application/json: one array; else the delimited format */
  bool locked_deliver; /* the node's schema registry is shared: deliver under the lock */
  bool header_sent, finished, done;
  int closed; /* atomic: /close-query or the node stopping */
  int64_t rows;
  int64_t idle_since;
  wy_record_t recs[READ_BATCH];
};

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void bad_request(wy_node_reply_t *r, int status, int code, const char *msg) {
  wy_node_reply_json(
      r, status,
      wy_node_error_json(status == 400 && code == 40001 ? "statement_error" : "generic_error", code,
                         msg));
}

/* The one SELECT of a request's sql, with its sessionVariables substituted, or NULL
 * with the reply set. */
static wy_ast_script_t *parse_select(wy_node_t *n, const char *sql, size_t len,
                                     const json_t *session_vars, wy_node_reply_t *r) {
  wy_ast_script_t *script = NULL;
  wy_error_t err;
  wy_parse_vars_t *pv = wy_node_session_vars(session_vars);
  if (!pv) {
    bad_request(r, 500, 50000, "out of memory");
    return NULL;
  }
  wy_status_t st = wy_parse_ex(sql, len, pv, wy_node_parse_flags(n), &script, &err);
  wy_parse_vars_destroy(pv);
  if (st != WY_OK) {
    char msg[WY_ERROR_MSG_MAX + 40];
    wy_parse_error_format(&err, msg, sizeof msg);
    bad_request(r, 400, 40001, msg);
    return NULL;
  }
  if (script->n != 1 || script->stmts[0]->kind != WY_AST_STMT_QUERY) {
    bad_request(
        r, 400, 40001,
        script->n != 1
            ? "Expected exactly one statement"
            : "The /query-stream endpoint runs SELECT statements; use /ksql for the others");
    wy_ast_script_destroy(script);
    return NULL;
  }
  return script;
}

static void stream_free(wy_node_stream_t *s) {
  if (!s) return;
  if (s->src) wy_source_destroy(s->src);
  wy_transient_destroy(s->t);
  free(s->ends);
  free(s->reached);
  free(s);
}

static bool admit(void *user, const wy_record_t *r);

void wy_node_query_stream(wy_node_t *n, const char *body, size_t len, const char *accept,
                          wy_node_stream_t **out, wy_node_reply_t *reply) {
  *out = NULL;
  json_error_t jerr;
  json_t *req = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
  json_t *sql = json_object_get(req, "sql"), *props = json_object_get(req, "properties");
  json_t *vars = json_object_get(req, "sessionVariables");
  if (!json_is_object(req) || !json_is_string(sql) ||
      (props && !json_is_object(props) && !json_is_null(props)) ||
      (vars && !json_is_object(vars) && !json_is_null(vars))) {
    char msg[300];
    snprintf(msg, sizeof msg, "Invalid request: %s",
             !req ? jerr.text
                  : "expected an object with a 'sql' string and 'properties' and "
                    "'sessionVariables' objects");
    bad_request(reply, 400, 40000, msg);
    json_decref(req);
    return;
  }
  /* auto.offset.reset: the request's, else the node's */
  const char *reset = json_string_value(json_object_get(props, "auto.offset.reset"));
  if (!reset) reset = json_string_value(json_object_get(props, "ksql.streams.auto.offset.reset"));
  wy_ast_script_t *script =
      parse_select(n, json_string_value(sql), json_string_length(sql), vars, reply);
  if (!script) {
    json_decref(req);
    return;
  }
  wy_node_stream_t *s = calloc(1, sizeof *s);
  wy_error_t err;
  wy_status_t st = s ? WY_OK : wy_error_set(&err, WY_ERR_NOMEM, "out of memory");
  pthread_mutex_lock(&n->lock);
  bool earliest = reset ? strcasecmp(reset, "earliest") == 0 : n->req_earliest;
  if (st == WY_OK) {
    s->n = n;
    s->json = accept && strstr(accept, "application/json") != NULL;
    snprintf(s->id, sizeof s->id, "transient_%llu_%lld", (unsigned long long)++n->transient_seq,
             (long long)mono_ms());
    st = wy_transient_new(n->engine, script->stmts[0], s->id, &s->t, &err);
  }
  if (st == WY_OK && !n->rt.ops->open_reader)
    st = wy_error_set(&err, WY_ERR_UNSUPPORTED,
                      "this node's runtime (%s) serves no push or pull queries", n->rt.ops->name);
  if (st == WY_OK) {
    size_t nt = wy_transient_topic_count(s->t);
    const char **topics = calloc(nt + 1, sizeof *topics);
    for (size_t i = 0; topics && i < nt; i++) topics[i] = wy_transient_topic(s->t, i);
    bool pull = wy_transient_is_pull(s->t);
    st = topics ? n->rt.ops->open_reader(n->rt.ctx, n->engine, topics, nt, pull || earliest,
                                         &s->src, &s->ends, &s->nends, &err)
                : wy_error_set(&err, WY_ERR_NOMEM, "out of memory");
    free(topics);
    s->reached = st == WY_OK ? calloc(s->nends ? s->nends : 1, sizeof *s->reached) : NULL;
    if (st == WY_OK && !s->reached) st = wy_error_set(&err, WY_ERR_NOMEM, "out of memory");
    if (st == WY_OK) st = wy_transient_start(s->t, s->src, admit, s, &err);
    s->locked_deliver = wy_engine_schema_registry(n->engine) != NULL;
  }
  if (st == WY_OK) {
    s->next = n->streams;
    n->streams = s;
  }
  pthread_mutex_unlock(&n->lock);
  wy_ast_script_destroy(script);
  json_decref(req);
  if (st != WY_OK) {
    stream_free(s);
    bad_request(reply, st == WY_ERR_NOMEM ? 500 : 400, st == WY_ERR_NOMEM ? 50000 : 40001, err.msg);
    return;
  }
  s->idle_since = mono_ms();
  *out = s;
}

const char *wy_node_stream_content_type(const wy_node_stream_t *s) {
  return s->json ? "application/json" : "application/vnd.ksqlapi.delimited.v1";
}

/* Pull: has every partition been read up to its end? */
static bool pull_complete(const wy_node_stream_t *s) {
  for (size_t i = 0; i < s->nends; i++)
    if (s->reached[i] < s->ends[i].offset) return false;
  return true;
}

/* Pull: note how far a record's partition was read; false when the record lies past the
 * end the request saw (not part of the answer). */
static bool pull_within(wy_node_stream_t *s, const wy_record_t *r) {
  for (size_t i = 0; i < s->nends; i++) {
    if (s->ends[i].partition != r->partition || strcmp(s->ends[i].topic, r->topic) != 0) continue;
    if (r->offset + 1 > s->reached[i]) s->reached[i] = r->offset + 1;
    return r->offset < s->ends[i].offset;
  }
  return true;
}

/* The driver's admission of a record: a pull query's answer stops at the ends. */
static bool admit(void *user, const wy_record_t *r) {
  wy_node_stream_t *s = user;
  return !wy_transient_is_pull(s->t) || pull_within(s, r);
}

/* Read and deliver what the reader has (waiting up to timeout_ms); false on an error. */
static bool read_some(wy_node_stream_t *s, int timeout_ms, wy_error_t *err) {
  size_t got = 0;
  if (wy_source_poll(s->src, s->recs, READ_BATCH, &got, timeout_ms, err) != WY_OK) return false;
  if (got) s->idle_since = mono_ms();
  if (s->locked_deliver) pthread_mutex_lock(&s->n->lock);
  bool ok = wy_transient_deliver(s->t, s->recs, got, err) == WY_OK;
  if (s->locked_deliver) pthread_mutex_unlock(&s->n->lock);
  return ok;
}

/* The text gathered for the caller (NUL-terminated), or NULL when there is none or no
 * memory was left for all of it. */
static char *hand_out(wy_buf_t *b, size_t *len) {
  *len = b->len;
  char *text = b->len ? wy_buf_take(b) : NULL;
  if (!text) {
    wy_buf_free(b);
    *len = 0;
  }
  return text;
}

/* Rows ready now, formatted; sets s->done when LIMIT is reached. */
static void take_rows(wy_node_stream_t *s, wy_buf_t *b) {
  int64_t limit = wy_transient_limit(s->t);
  for (char *row; (limit < 0 || s->rows < limit) && (row = wy_transient_next_row(s->t)) != NULL;
       free(row)) {
    if (s->json) wy_buf_append(b, ",\n", 2);
    wy_buf_append_str(b, row);
    if (!s->json) wy_buf_putc(b, '\n');
    s->rows++;
  }
  if (limit >= 0 && s->rows >= limit) s->done = true;
}

char *wy_node_stream_next(wy_node_stream_t *s, int timeout_ms, size_t *len, bool *done) {
  wy_buf_t b;
  wy_buf_init(&b);
  *len = 0;
  *done = false;
  if (s->finished) {
    *done = true;
    return NULL;
  }
  if (!s->header_sent) {
    char *h = wy_transient_header(s->t);
    if (s->json) wy_buf_putc(&b, '[');
    if (h) wy_buf_append_str(&b, h);
    if (!s->json) wy_buf_putc(&b, '\n');
    free(h);
    s->header_sent = true;
    /* the header goes out at once: a push query may wait long for its first row */
    if (!wy_transient_is_pull(s->t)) return hand_out(&b, len);
  }
  wy_error_t err;
  bool failed = false;
  if (!s->done && !__atomic_load_n(&s->closed, __ATOMIC_RELAXED)) {
    if (wy_transient_is_pull(s->t)) {
      /* a pull query answers at once: read to the ends, then fold */
      int64_t deadline = mono_ms() + timeout_ms;
      while (!pull_complete(s) && mono_ms() - s->idle_since < PULL_IDLE_MS && !failed) {
        failed = !read_some(s, 100, &err);
        if (mono_ms() >= deadline && b.len) break; /* hand the header out meanwhile */
      }
      if (!failed && (pull_complete(s) || mono_ms() - s->idle_since >= PULL_IDLE_MS)) {
        wy_transient_finish(s->t);
        take_rows(s, &b);
        s->done = true;
      }
    } else {
      failed = !read_some(s, timeout_ms, &err);
      if (!failed) take_rows(s, &b);
    }
  }
  if (failed) {
    /* the query itself failed: say so in the stream, as ksqlDB does, and end it */
    json_t *e = wy_node_error_json("generic_error", 50000, err.msg);
    char *text = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    if (text) {
      if (s->json) wy_buf_append(&b, ",\n", 2);
      wy_buf_append_str(&b, text);
      if (!s->json) wy_buf_putc(&b, '\n');
    }
    free(text);
    s->done = true;
  }
  if (s->done || __atomic_load_n(&s->closed, __ATOMIC_RELAXED)) {
    if (s->json) wy_buf_putc(&b, ']');
    s->finished = true;
    *done = true;
  }
  return hand_out(&b, len);
}

void wy_node_stream_close(wy_node_stream_t *s) {
  if (!s) return;
  wy_node_t *n = s->n;
  pthread_mutex_lock(&n->lock);
  for (wy_node_stream_t **p = &n->streams; *p; p = &(*p)->next)
    if (*p == s) {
      *p = s->next;
      break;
    }
  pthread_mutex_unlock(&n->lock);
  stream_free(s);
}

void wy_node_streams_stop(wy_node_t *n) {
  for (wy_node_stream_t *s = n->streams; s; s = s->next)
    __atomic_store_n(&s->closed, 1, __ATOMIC_RELAXED);
}

void wy_node_close_query(wy_node_t *n, const char *body, size_t len, wy_node_reply_t *r) {
  json_t *req = json_loadb(body ? body : "", len, 0, NULL);
  const char *id = json_string_value(json_object_get(req, "queryId"));
  if (!id) {
    json_decref(req);
    bad_request(r, 400, 40000, "Invalid request: expected an object with a 'queryId' string");
    return;
  }
  bool found = false;
  pthread_mutex_lock(&n->lock);
  for (wy_node_stream_t *s = n->streams; s; s = s->next)
    if (strcmp(s->id, id) == 0) {
      __atomic_store_n(&s->closed, 1, __ATOMIC_RELAXED);
      found = true;
    }
  pthread_mutex_unlock(&n->lock);
  if (found) {
    r->status = 200;
    r->content_type = "application/json";
    r->body = strdup("");
    r->len = 0;
  } else {
    char msg[200];
    snprintf(msg, sizeof msg, "No query with id %s", id);
    bad_request(r, 400, 40000, msg);
  }
  json_decref(req);
}

void wy_node_query_stream_whole(wy_node_t *n, const char *body, size_t len, wy_node_reply_t *r) {
  wy_node_stream_t *s = NULL;
  wy_node_query_stream(n, body, len, NULL, &s, r);
  if (!s) return;
  wy_buf_t all;
  wy_buf_init(&all);
  for (bool done = false; !done;) {
    size_t n_ = 0;
    char *part = wy_node_stream_next(s, 200, &n_, &done);
    if (part) wy_buf_append(&all, part, n_);
    free(part);
  }
  size_t total = all.len;
  char *text = wy_buf_take(&all);
  r->status = 200;
  r->content_type = wy_node_stream_content_type(s);
  r->body = text ? text : strdup(""); /* out of memory: an empty reply */
  r->len = text ? total : 0;
  wy_node_stream_close(s);
}
