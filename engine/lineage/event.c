/* OpenLineage event content: the run document built once per run, events serialized
 * from it, run ids and namespaces. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "engine/base/intmath.h"
#include "engine/lineage/lineage_int.h"

#define SPEC_URL "https://openlineage.io/spec/"
#define RUN_EVENT_SCHEMA SPEC_URL "2-0-2/OpenLineage.json#/$defs/RunEvent"

/* X(id, key, schema version, schema name) — the facets walleye writes. */
#define FACETS(X)                                                                       \
  X(F_PROCESSING_ENGINE, "processing_engine", "1-1-1", "ProcessingEngineRunFacet")      \
  X(F_ERROR_MESSAGE, "errorMessage", "1-0-1", "ErrorMessageRunFacet")                   \
  X(F_JOB_TYPE, "jobType", "2-0-4", "JobTypeJobFacet")                                  \
  X(F_SQL, "sql", "1-1-0", "SQLJobFacet")                                               \
  X(F_SCHEMA, "schema", "1-2-0", "SchemaDatasetFacet")                                  \
  X(F_DATASET_TYPE, "datasetType", "1-0-1", "DatasetTypeDatasetFacet")                  \
  X(F_SYMLINKS, "symlinks", "1-0-1", "SymlinksDatasetFacet")                            \
  X(F_DATASOURCE, "dataSource", "1-0-1", "DatasourceDatasetFacet")                      \
  X(F_COLUMN_LINEAGE, "columnLineage", "1-2-0", "ColumnLineageDatasetFacet")            \
  X(F_INPUT_STATISTICS, "inputStatistics", "1-0-0", "InputStatisticsInputDatasetFacet") \
  X(F_OUTPUT_STATISTICS, "outputStatistics", "1-0-2", "OutputStatisticsOutputDatasetFacet")

typedef enum {
#define X_ID(id, key, ver, name) id,
  FACETS(X_ID)
#undef X_ID
} facet_t;

static const struct {
  const char *key;
  const char *schema_url;
} facet_info[] = {
#define X_INFO(id, key, ver, name) \
  [id] = {key, SPEC_URL "facets/" ver "/" name ".json#/$defs/" name},
    FACETS(X_INFO)
#undef X_INFO
};

static const struct {
  const char *type;
  const char *subtype;
} transforms[] = {
#define X_TR(id, type, subtype) [id] = {type, subtype},
    WY_LINEAGE_TRANSFORMS(X_TR)
#undef X_TR
};

static const char *const source_kinds[] = {
#define X_SK(id, name) [id] = name,
    WY_LINEAGE_SOURCE_KINDS(X_SK)
#undef X_SK
};

static const char *const event_names[] = {
#define X_EV(id, name) [id] = name,
    WY_LINEAGE_EVENTS(X_EV)
#undef X_EV
};

const char *wy_lineage_transform_type(wy_lineage_transform_t t) {
  return (unsigned)t < WY_LINEAGE_TRANSFORM__COUNT ? transforms[t].type : NULL;
}

const char *wy_lineage_transform_subtype(wy_lineage_transform_t t) {
  return (unsigned)t < WY_LINEAGE_TRANSFORM__COUNT ? transforms[t].subtype : NULL;
}

const char *wy_lineage_event_name(wy_lineage_event_t ev) { return event_names[ev]; }

struct wy_lineage_doc {
  char *producer;
  json_t *job;        /* {namespace, name, facets} */
  json_t *run_facets; /* {processing_engine} */
  json_t *inputs;     /* dataset objects, without inputFacets */
  json_t *outputs;    /* dataset objects, without outputFacets */
};

/* ---- building JSON without checking every call ---------------------------------------
 * jansson returns NULL or -1 when out of memory (or given text that is not UTF-8);
 * the builder remembers that once and the caller checks at the end. */

typedef struct builder {
  bool failed;
  const char *producer;
} builder_t;

static json_t *put(builder_t *b, json_t *obj, const char *key, json_t *v) {
  if (!v || !obj || json_object_set_new(obj, key, v) != 0) {
    b->failed = true;
    return NULL;
  }
  return v;
}

static void push(builder_t *b, json_t *arr, json_t *v) {
  if (!v || !arr || json_array_append_new(arr, v) != 0) b->failed = true;
}

static void put_str(builder_t *b, json_t *obj, const char *key, const char *s) {
  put(b, obj, key, json_string(s ? s : ""));
}

static json_t *facet_new(builder_t *b, json_t *facets, facet_t f) {
  json_t *o = put(b, facets, facet_info[f].key, json_object());
  put_str(b, o, "_producer", b->producer);
  put_str(b, o, "_schemaURL", facet_info[f].schema_url);
  return o;
}

/* ---- checks ----------------------------------------------------------------------- */

static wy_status_t check_refs(const wy_lineage_query_t *q, const char *output, const char *column,
                              const wy_lineage_ref_t *refs, size_t n, bool indirect_only,
                              wy_error_t *err) {
  for (size_t i = 0; i < n; i++) {
    const wy_lineage_ref_t *r = &refs[i];
    if (r->input >= q->ninputs)
      return wy_error_set(err, WY_ERR_INVALID,
                          "lineage of %s.%s refers to input %zu, but the query has %zu", output,
                          column, r->input, q->ninputs);
    if (!r->field || !*r->field)
      return wy_error_set(err, WY_ERR_INVALID, "lineage of %s.%s has a reference without a field",
                          output, column);
    if ((unsigned)r->transform >= WY_LINEAGE_TRANSFORM__COUNT)
      return wy_error_set(err, WY_ERR_INVALID, "lineage of %s.%s has an unknown transformation",
                          output, column);
    if (indirect_only && strcmp(transforms[r->transform].type, "INDIRECT") != 0)
      return wy_error_set(err, WY_ERR_INVALID,
                          "dataset-level lineage of %s must be INDIRECT, not %s on %s", output,
                          transforms[r->transform].subtype, r->field);
  }
  return WY_OK;
}

static wy_status_t check_dataset(const wy_lineage_dataset_t *d, const char *side, size_t i,
                                 wy_error_t *err) {
  if (!d->topic || !*d->topic)
    return wy_error_set(err, WY_ERR_INVALID, "lineage %s %zu has no topic", side, i);
  if ((unsigned)d->kind >= WY_LINEAGE_SOURCE_KIND__COUNT)
    return wy_error_set(err, WY_ERR_INVALID, "lineage %s %s has an unknown kind", side, d->topic);
  for (size_t f = 0; f < d->nfields; f++)
    if (!d->fields[f].name)
      return wy_error_set(err, WY_ERR_INVALID, "lineage %s %s: field %zu has no name", side,
                          d->topic, f);
  return WY_OK;
}

wy_status_t wy_lineage_query_check(const wy_lineage_query_t *q, wy_error_t *err) {
  char ns[256];
  if (!q || !q->service_id || !*q->service_id || !q->query_id || !*q->query_id)
    return wy_error_set(err, WY_ERR_INVALID, "lineage needs a service id and a query id");
  if (!q->sql) return wy_error_set(err, WY_ERR_INVALID, "lineage of %s has no SQL", q->query_id);
  if (wy_lineage_kafka_namespace(q->bootstrap_servers, ns, sizeof ns, err) != WY_OK)
    return wy_error_prefix(err, "lineage of %s", q->query_id);
  for (size_t i = 0; i < q->ninputs; i++)
    if (check_dataset(&q->inputs[i], "input", i, err) != WY_OK) return err->code;
  for (size_t i = 0; i < q->noutputs; i++) {
    const wy_lineage_dataset_t *o = &q->outputs[i];
    if (check_dataset(o, "output", i, err) != WY_OK) return err->code;
    for (size_t c = 0; c < o->ncolumns; c++) {
      const wy_lineage_column_t *col = &o->columns[c];
      if (!col->name)
        return wy_error_set(err, WY_ERR_INVALID, "lineage output %s: column %zu has no name",
                            o->topic, c);
      if (check_refs(q, o->topic, col->name, col->refs, col->nrefs, false, err) != WY_OK)
        return err->code;
    }
    if (check_refs(q, o->topic, "*", o->dataset_refs, o->ndataset_refs, true, err) != WY_OK)
      return err->code;
  }
  return WY_OK;
}

/* ---- the run document -------------------------------------------------------------- */

static json_t *type_json(const wy_type_t *t) {
  char small[256];
  size_t need = wy_type_format(t, small, sizeof small);
  if (need < sizeof small) return json_string(small);
  char *big = malloc(need + 1);
  if (!big) return NULL;
  wy_type_format(t, big, need + 1);
  json_t *s = json_string(big);
  free(big);
  return s;
}

static json_t *schema_field(builder_t *b, const char *name, const wy_type_t *t,
                            const char *type_text) {
  json_t *f = json_object();
  put_str(b, f, "name", name);
  if (t)
    put(b, f, "type", type_json(t));
  else if (type_text)
    put_str(b, f, "type", type_text);
  if (t && t->kind == WY_T_STRUCT) {
    json_t *sub = put(b, f, "fields", json_array());
    for (size_t i = 0; i < t->nfields; i++)
      push(b, sub, schema_field(b, t->fields[i].name, t->fields[i].type, NULL));
  }
  return f;
}

static json_t *transformation(builder_t *b, const wy_lineage_ref_t *r) {
  json_t *t = json_object();
  put_str(b, t, "type", transforms[r->transform].type);
  put_str(b, t, "subtype", transforms[r->transform].subtype);
  if (r->description) put_str(b, t, "description", r->description);
  put(b, t, "masking", json_boolean(r->masking));
  return t;
}

static bool same_input_field(const wy_lineage_ref_t *a, const wy_lineage_ref_t *b) {
  return a->input == b->input && strcmp(a->field, b->field) == 0;
}

/* One InputField per distinct (input, field), in order of first mention, holding every
 * transformation that applies to it: OpenLineage consumers key on the field. */
static json_t *input_fields(builder_t *b, const wy_lineage_query_t *q, const char *ns,
                            const wy_lineage_ref_t *refs, size_t n) {
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++) seen = same_input_field(&refs[j], &refs[i]);
    if (seen) continue;
    json_t *f = json_object();
    put_str(b, f, "namespace", ns);
    put_str(b, f, "name", q->inputs[refs[i].input].topic);
    put_str(b, f, "field", refs[i].field);
    json_t *ts = put(b, f, "transformations", json_array());
    for (size_t k = i; k < n; k++)
      if (same_input_field(&refs[k], &refs[i])) push(b, ts, transformation(b, &refs[k]));
    push(b, arr, f);
  }
  return arr;
}

static void column_lineage(builder_t *b, json_t *facets, const wy_lineage_query_t *q,
                           const char *ns, const wy_lineage_dataset_t *d) {
  json_t *cl = facet_new(b, facets, F_COLUMN_LINEAGE);
  json_t *fields = put(b, cl, "fields", json_object());
  for (size_t c = 0; c < d->ncolumns; c++) {
    json_t *col = put(b, fields, d->columns[c].name, json_object());
    put(b, col, "inputFields", input_fields(b, q, ns, d->columns[c].refs, d->columns[c].nrefs));
  }
  if (d->ndataset_refs)
    put(b, cl, "dataset", input_fields(b, q, ns, d->dataset_refs, d->ndataset_refs));
}

static json_t *dataset(builder_t *b, const wy_lineage_query_t *q, const char *ns,
                       const wy_lineage_dataset_t *d, bool output) {
  json_t *o = json_object();
  put_str(b, o, "namespace", ns);
  put_str(b, o, "name", d->topic);
  json_t *facets = put(b, o, "facets", json_object());

  json_t *fields = put(b, facet_new(b, facets, F_SCHEMA), "fields", json_array());
  for (size_t i = 0; i < d->nfields; i++)
    push(b, fields, schema_field(b, d->fields[i].name, d->fields[i].type, d->fields[i].type_text));

  put_str(b, facet_new(b, facets, F_DATASET_TYPE), "datasetType", "TOPIC");

  if (d->source_name) {
    json_t *ids = put(b, facet_new(b, facets, F_SYMLINKS), "identifiers", json_array());
    json_t *id = json_object();
    put_str(b, id, "namespace", q->service_id);
    put_str(b, id, "name", d->source_name);
    put_str(b, id, "type", source_kinds[d->kind]);
    push(b, ids, id);
  }

  json_t *src = facet_new(b, facets, F_DATASOURCE);
  put_str(b, src, "name", ns);
  put_str(b, src, "uri", ns);

  if (output && (d->ncolumns || d->ndataset_refs)) column_lineage(b, facets, q, ns, d);
  return o;
}

static json_t *job(builder_t *b, const wy_lineage_query_t *q, int64_t interval_ms) {
  json_t *j = json_object();
  put_str(b, j, "namespace", q->service_id);
  put_str(b, j, "name", q->query_id);
  json_t *facets = put(b, j, "facets", json_object());

  json_t *jt = facet_new(b, facets, F_JOB_TYPE);
  put_str(b, jt, "processingType", "STREAMING");
  put_str(b, jt, "integration", "WALLEYE");
  put_str(b, jt, "jobType", "QUERY");
  /* Every RUNNING event repeats the whole lineage and the window's statistics. */
  json_t *pattern = put(b, jt, "emissionPattern", json_object());
  put_str(b, pattern, "eventTrigger", "PERIODIC");
  put_str(b, pattern, "eventContentMode", "COMPLETE_SNAPSHOT");
  int64_t window_s = (interval_ms + 500) / 1000;
  put(b, pattern, "windowDuration", json_integer(window_s < 1 ? 1 : window_s));

  json_t *sql = facet_new(b, facets, F_SQL);
  put_str(b, sql, "query", q->sql);
  put_str(b, sql, "dialect", "ksql");
  return j;
}

void wy_lineage_doc_destroy(wy_lineage_doc_t *d) {
  if (!d) return;
  json_decref(d->job);
  json_decref(d->run_facets);
  json_decref(d->inputs);
  json_decref(d->outputs);
  free(d->producer);
  free(d);
}

wy_status_t wy_lineage_doc_new(const wy_lineage_query_t *q, const char *producer,
                               int64_t interval_ms, wy_lineage_doc_t **out, wy_error_t *err) {
  char ns[256];
  *out = NULL;
  if (wy_lineage_kafka_namespace(q->bootstrap_servers, ns, sizeof ns, err) != WY_OK)
    return err->code;
  wy_lineage_doc_t *d = calloc(1, sizeof *d);
  if (!d || !(d->producer = strdup(producer))) {
    free(d);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory building lineage");
  }
  builder_t b = {.failed = false, .producer = d->producer};
  d->job = job(&b, q, interval_ms);
  d->run_facets = json_object();
  json_t *pe = facet_new(&b, d->run_facets, F_PROCESSING_ENGINE);
  put_str(&b, pe, "version", WALLEYE_VERSION);
  put_str(&b, pe, "name", "walleye");
  put_str(&b, pe, "openlineageAdapterVersion", WALLEYE_VERSION);
  d->inputs = json_array();
  for (size_t i = 0; i < q->ninputs; i++)
    push(&b, d->inputs, dataset(&b, q, ns, &q->inputs[i], false));
  d->outputs = json_array();
  for (size_t i = 0; i < q->noutputs; i++)
    push(&b, d->outputs, dataset(&b, q, ns, &q->outputs[i], true));
  if (b.failed || !d->job || !d->run_facets || !d->inputs || !d->outputs) {
    wy_lineage_doc_destroy(d);
    return wy_error_set(err, WY_ERR_NOMEM,
                        "cannot build lineage of %s (out of memory, or text that is not UTF-8)",
                        q->query_id);
  }
  *out = d;
  return WY_OK;
}

/* ---- events ------------------------------------------------------------------------ */

/* Dataset objects are shared with the document; only the statistics facet differs per
 * event, so each event gets shallow copies with that one facet added. */
static json_t *datasets_with_stats(builder_t *b, json_t *templ, const wy_lineage_delta_t *d,
                                   const char *key, facet_t f) {
  if (!d) return json_incref(templ);
  json_t *arr = json_array();
  size_t i;
  json_t *ds;
  json_array_foreach(templ, i, ds) {
    json_t *copy = json_copy(ds);
    json_t *holder = put(b, copy, key, json_object());
    json_t *stats = facet_new(b, holder, f);
    put(b, stats, "rowCount", json_integer((json_int_t)d[i].records));
    put(b, stats, "size", json_integer((json_int_t)d[i].bytes));
    push(b, arr, copy);
  }
  return arr;
}

char *wy_lineage_event_dump(const wy_lineage_doc_t *d, wy_lineage_event_t ev, const char *run_id,
                            int64_t now_ms, const wy_lineage_delta_t *in,
                            const wy_lineage_delta_t *out, const char *message, size_t *len) {
  builder_t b = {.failed = false, .producer = d->producer};
  char when[32];
  wy_lineage_format_time(now_ms, when);
  json_t *e = json_object();
  put_str(&b, e, "eventType", event_names[ev]);
  put_str(&b, e, "eventTime", when);
  put_str(&b, e, "producer", d->producer);
  put_str(&b, e, "schemaURL", RUN_EVENT_SCHEMA);
  json_t *run = put(&b, e, "run", json_object());
  put_str(&b, run, "runId", run_id);
  json_t *rf = put(&b, run, "facets", json_copy(d->run_facets));
  if (ev == WY_LINEAGE_EV_FAIL) {
    json_t *em = facet_new(&b, rf, F_ERROR_MESSAGE);
    put_str(&b, em, "message", message ? message : "unknown error");
    put_str(&b, em, "programmingLanguage", "C");
  }
  put(&b, e, "job", json_incref(d->job));
  put(&b, e, "inputs", datasets_with_stats(&b, d->inputs, in, "inputFacets", F_INPUT_STATISTICS));
  put(&b, e, "outputs",
      datasets_with_stats(&b, d->outputs, out, "outputFacets", F_OUTPUT_STATISTICS));
  char *text = b.failed ? NULL : json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(e);
  if (text && len) *len = strlen(text);
  return text;
}

/* ---- helpers ----------------------------------------------------------------------- */

void wy_lineage_format_time(int64_t ms, char buf[32]) {
  time_t secs = (time_t)wy_floor_div(ms, 1000);
  int frac = (int)wy_floor_mod(ms, 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, 32 - n, ".%03dZ", frac);
}

wy_status_t wy_lineage_uuid7(int64_t ms, char out[WY_LINEAGE_UUID_LEN + 1], wy_error_t *err) {
  uint8_t u[16];
  uint64_t ts = (uint64_t)ms & 0xFFFFFFFFFFFFull;
  for (int i = 0; i < 6; i++) u[i] = (uint8_t)(ts >> (40 - 8 * i));
  size_t got = 0;
  while (got < 10) {
    ssize_t n = getrandom(u + 6 + got, 10 - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return wy_error_set(err, WY_ERR_IO, "getrandom: %s", strerror(errno));
    got += (size_t)n;
  }
  u[6] = (uint8_t)((u[6] & 0x0F) | 0x70); /* version 7 */
  u[8] = (uint8_t)((u[8] & 0x3F) | 0x80); /* variant 10 */
  static const char hex[] = "0123456789abcdef";
  char *p = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
    *p++ = hex[u[i] >> 4];
    *p++ = hex[u[i] & 0xF];
  }
  *p = '\0';
  return WY_OK;
}

wy_status_t wy_lineage_kafka_namespace(const char *bootstrap_servers, char *buf, size_t cap,
                                       wy_error_t *err) {
  const char *p = bootstrap_servers ? bootstrap_servers : "";
  while (*p == ' ' || *p == '\t') p++;
  size_t n = strcspn(p, ",;");
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
  /* Spark and Flink drop a listener prefix such as PLAINTEXT:// or SASL_SSL://. */
  const char *scheme = memmem(p, n, "://", 3);
  if (scheme) {
    n -= (size_t)(scheme + 3 - p);
    p = scheme + 3;
  }
  while (n && p[n - 1] == '/') n--;
  if (n == 0)
    return wy_error_set(err, WY_ERR_INVALID, "no bootstrap server in '%s'",
                        bootstrap_servers ? bootstrap_servers : "");
  int w = snprintf(buf, cap, "kafka://%.*s", (int)n, p);
  if (w < 0 || (size_t)w >= cap)
    return wy_error_set(err, WY_ERR_INVALID, "bootstrap server name too long");
  return WY_OK;
}
