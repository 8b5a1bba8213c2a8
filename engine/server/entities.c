/* entities.c — ksqlDB's REST entities for SHOW, LIST, DESCRIBE and EXPLAIN, rendered
 * from the engine's catalog, plans and function registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/server/node_int.h"

json_t *wy_node_schema_json(const wy_type_t *t) {
  json_t *j = json_object();
  json_object_set_new(j, "type", json_string(wy_type_kind_name(t->kind)));
  json_t *fields = json_null(), *member = json_null();
  if (t->kind == WY_T_STRUCT) {
    fields = json_array();
    for (size_t i = 0; i < t->nfields; i++)
      json_array_append_new(fields, json_pack("{s:s, s:o}", "name", t->fields[i].name, "schema",
                                              wy_node_schema_json(t->fields[i].type)));
  } else if ((t->kind == WY_T_ARRAY || t->kind == WY_T_MAP) && t->elem) {
    member = wy_node_schema_json(t->elem);
  }
  json_object_set_new(j, "fields", fields);
  json_object_set_new(j, "memberSchema", member);
  if (t->kind == WY_T_DECIMAL)
    json_object_set_new(j, "parameters",
                        json_pack("{s:i, s:i}", "precision", t->precision, "scale", t->scale));
  return j;
}

static json_t *fields_json(const wy_schema_t *s) {
  json_t *a = json_array();
  for (size_t i = 0; i < s->n; i++) {
    const wy_column_t *c = &s->cols[i];
    json_t *f = json_pack("{s:s, s:o}", "name", c->name, "schema", wy_node_schema_json(c->type));
    if (c->ns == WY_NS_KEY)
      json_object_set_new(f, "type", json_string("KEY"));
    else if (c->ns == WY_NS_HEADERS || c->ns == WY_NS_HEADER)
      json_object_set_new(f, "type", json_string("HEADER"));
    json_array_append_new(a, f);
  }
  return a;
}

static const char *window_name(wy_window_kind_t w) {
  switch (w) {
    case WY_WINDOW_TUMBLING:
      return "TUMBLING";
    case WY_WINDOW_HOPPING:
      return "HOPPING";
    case WY_WINDOW_SESSION:
      return "SESSION";
    default:
      return NULL;
  }
}

static const char *format_name(const wy_format_spec_t *f) { return f->name[0] ? f->name : "KAFKA"; }

static wy_node_query_state_t query_state(wy_node_t *n, const char *id) {
  node_query_t *nq = wy_node_find_query(n, id);
  return nq ? nq->state : WY_NODE_QUERY_RUNNING;
}

json_t *wy_node_running_query_json(wy_node_t *n, wy_query_t *q) {
  const wy_plan_t *p = wy_query_plan(q);
  const char *state = wy_node_query_state_name(query_state(n, p->id));
  json_t *j =
      json_pack("{s:s, s:[s?], s:[s?], s:s, s:{s:i}, s:s, s:s}", "queryString",
                p->sql ? p->sql : "", "sinks", p->sink_name, "sinkKafkaTopics", p->sink_topic, "id",
                p->id, "statusCount", state, 1, "queryType", "PERSISTENT", "state", state);
  node_query_t *nq = wy_node_find_query(n, p->id);
  if (nq && nq->description) json_object_set_new(j, "description", json_string(nq->description));
  return j;
}

static json_t *queries_touching(wy_node_t *n, const wy_source_def_t *d, bool writes) {
  json_t *a = json_array();
  for (size_t i = 0; i < wy_engine_query_count(n->engine); i++) {
    wy_query_t *q = wy_engine_query_at(n->engine, i);
    const wy_plan_t *p = wy_query_plan(q);
    bool hit =
        writes ? p->sink_name && strcmp(p->sink_name, d->name) == 0 : wy_plan_reads(p, d->topic);
    if (hit) json_array_append_new(a, wy_node_running_query_json(n, q));
  }
  return a;
}

static json_t *source_description(wy_node_t *n, const wy_source_def_t *d, bool extended) {
  const char *w = window_name(d->window);
  json_t *j = json_object();
  json_object_set_new(j, "name", json_string(d->name));
  json_object_set_new(j, "windowType", w ? json_string(w) : json_null());
  json_object_set_new(j, "readQueries", queries_touching(n, d, false));
  json_object_set_new(j, "writeQueries", queries_touching(n, d, true));
  json_object_set_new(j, "fields", fields_json(&d->schema));
  json_object_set_new(j, "type", json_string(d->kind == WY_SOURCE_TABLE ? "TABLE" : "STREAM"));
  json_object_set_new(j, "timestamp", json_string(d->timestamp_column ? d->timestamp_column : ""));
  json_object_set_new(j, "statistics", json_string(""));
  json_object_set_new(j, "errorStats", json_string(""));
  json_object_set_new(j, "extended", json_boolean(extended));
  json_object_set_new(j, "keyFormat", json_string(format_name(&d->key_format)));
  json_object_set_new(j, "valueFormat", json_string(format_name(&d->value_format)));
  json_object_set_new(j, "topic", json_string(d->topic ? d->topic : ""));
  json_object_set_new(j, "partitions", json_integer(extended ? d->partitions : 0));
  json_object_set_new(j, "replication", json_integer(extended ? d->replicas : 0));
  json_object_set_new(j, "statement", json_string(d->sql ? d->sql : ""));
  json_object_set_new(j, "queryOffsetSummaries", json_array());
  json_object_set_new(j, "sourceConstraints", json_array());
  json_object_set_new(j, "clusterStatistics", json_array());
  json_object_set_new(j, "clusterErrorStats", json_array());
  return j;
}

static json_t *entity(const char *type, const wy_ast_stmt_t *s) {
  return json_pack("{s:s, s:s, s:[]}", "@type", type, "statementText", s->text ? s->text : "",
                   "warnings");
}

static json_t *list_sources(wy_node_t *n, const wy_ast_stmt_t *s, wy_source_kind_t kind,
                            bool describe) {
  const wy_catalog_t *cat = wy_engine_catalog(n->engine);
  bool table = kind == WY_SOURCE_TABLE;
  json_t *a = json_array();
  for (size_t i = 0; i < wy_catalog_count(cat); i++) {
    const wy_source_def_t *d = wy_catalog_at(cat, i);
    if (d->kind != kind) continue;
    if (describe) {
      json_array_append_new(a, source_description(n, d, s->extended));
      continue;
    }
    json_array_append_new(
        a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "type", table ? "TABLE" : "STREAM", "name",
                     d->name, "topic", d->topic ? d->topic : "", "keyFormat",
                     format_name(&d->key_format), "valueFormat", format_name(&d->value_format),
                     "isWindowed", d->window != WY_WINDOW_NONE));
  }
  json_t *e = entity(describe ? "source_descriptions" : table ? "tables" : "streams", s);
  json_object_set_new(e, describe ? "sourceDescriptions" : table ? "tables" : "streams", a);
  return e;
}

/* A readable topology of a plan: one block per sub-topology, inputs and their steps. */
static char *topology_text(const wy_plan_t *p) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  fprintf(f, "Topologies:\n");
  for (size_t s = 0; s < p->nsubs; s++) {
    fprintf(f, "   Sub-topology: %zu\n", s);
    for (size_t i = 0; i < p->subs[s].ninputs; i++) {
      const wy_plan_input_t *in = &p->subs[s].inputs[i];
      fprintf(f, "      Source: %s (topics: [%s])\n",
              in->source_name ? in->source_name : "repartition", in->topic);
      for (int k = in->first, hops = 0; k >= 0 && hops < (int)p->subs[s].nsteps;
           k = p->subs[s].steps[k].next, hops++) {
        const wy_plan_step_t *st = &p->subs[s].steps[k];
        fprintf(f, "      --> %s", wy_step_name(st->kind));
        if (st->topic) fprintf(f, " (topic: %s)", st->topic);
        fprintf(f, "\n");
      }
    }
  }
  fclose(f);
  return buf;
}

static json_t *query_description(wy_node_t *n, wy_query_t *q) {
  const wy_plan_t *p = wy_query_plan(q);
  const wy_source_def_t *sink =
      p->sink_name ? wy_catalog_find(wy_engine_catalog(n->engine), p->sink_name) : NULL;
  node_query_t *nq = wy_node_find_query(n, p->id);
  const char *state = wy_node_query_state_name(nq ? nq->state : WY_NODE_QUERY_RUNNING);
  json_t *sources = json_array();
  for (size_t s = 0; s < p->nsubs; s++)
    for (size_t i = 0; i < p->subs[s].ninputs; i++)
      if (p->subs[s].inputs[i].source_name)
        json_array_append_new(sources, json_string(p->subs[s].inputs[i].source_name));
  char *topo = topology_text(p);
  json_t *j = json_object();
  json_object_set_new(j, "id", json_string(p->id));
  json_object_set_new(j, "statementText", json_string(p->sql ? p->sql : ""));
  const char *w = sink ? window_name(sink->window) : NULL;
  json_object_set_new(j, "windowType", w ? json_string(w) : json_null());
  json_object_set_new(j, "fields", sink ? fields_json(&sink->schema) : json_array());
  json_object_set_new(j, "sources", sources);
  json_object_set_new(j, "sinks", json_pack("[s?]", p->sink_name));
  json_object_set_new(j, "topology", json_string(topo ? topo : ""));
  json_object_set_new(j, "executionPlan", json_string(topo ? topo : ""));
  json_object_set_new(j, "overriddenProperties", json_object());
  json_object_set_new(j, "ksqlHostQueryStatus", json_object());
  json_object_set_new(j, "queryType", json_string("PERSISTENT"));
  json_object_set_new(
      j, "queryErrors",
      nq && nq->error ? json_pack("[{s:s}]", "errorMessage", nq->error) : json_array());
  json_object_set_new(j, "tasksMetadata", json_array());
  json_object_set_new(j, "state", json_string(state));
  /* walleye extensions: the counters `walleye sql ps` prints, and the description */
  if (nq) {
    json_object_set_new(j, "statistics",
                        json_pack("{s:I, s:I, s:I}", "recordsIn", (json_int_t)nq->in, "recordsOut",
                                  (json_int_t)nq->out, "recordsSkipped", (json_int_t)nq->skipped));
    if (nq->description) json_object_set_new(j, "description", json_string(nq->description));
  }
  free(topo);
  return j;
}

static json_t *show_queries(wy_node_t *n, const wy_ast_stmt_t *s) {
  json_t *a = json_array();
  for (size_t i = 0; i < wy_engine_query_count(n->engine); i++) {
    wy_query_t *q = wy_engine_query_at(n->engine, i);
    json_array_append_new(a,
                          s->extended ? query_description(n, q) : wy_node_running_query_json(n, q));
  }
  json_t *e = entity(s->extended ? "query_descriptions" : "queries", s);
  json_object_set_new(e, s->extended ? "queryDescriptions" : "queries", a);
  return e;
}

/* ksqlDB's FunctionType of a function. */
static const char *function_type(const wy_function_t *f) {
  static const char *const names[] = {"SCALAR", "AGGREGATE", "TABLE"};
  return names[wy_function_kind(f)];
}

static json_t *show_functions(wy_node_t *n, const wy_ast_stmt_t *s) {
  const wy_registry_t *r = wy_engine_registry(n->engine);
  json_t *a = json_array();
  for (size_t i = 0; i < wy_registry_count(r); i++) {
    const wy_function_t *f = wy_registry_at(r, i);
    json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", f->name, "type", function_type(f),
                                       "category", f->category ? f->category : "OTHER"));
  }
  json_t *e = entity("function_names", s);
  json_object_set_new(e, "functions", a);
  return e;
}

static json_t *describe_function(wy_node_t *n, const wy_ast_stmt_t *s, wy_error_t *err) {
  const wy_function_t *f = wy_registry_find(wy_engine_registry(n->engine), s->name);
  if (!f) {
    wy_error_set(err, WY_ERR_NOT_FOUND, "Can't find any functions with the name '%s'", s->name);
    return NULL;
  }
  json_t *variants = json_array();
  for (size_t i = 0; i < f->noverloads; i++) {
    const wy_overload_t *ov = &f->overloads[i];
    json_t *args = json_array(), *types = json_array();
    for (size_t p = 0; p < ov->nparams; p++) {
      char t[256];
      wy_type_pat_format(ov->params[p], t, sizeof t);
      bool variadic = ov->variadic && p + 1 == ov->nparams;
      char vt[270];
      snprintf(vt, sizeof vt, variadic ? "%s[]" : "%s", t);
      const char *pname = ov->param_names && ov->param_names[p] ? ov->param_names[p] : "";
      json_array_append_new(args, json_pack("{s:s, s:s, s:s, s:b}", "name", pname, "type", vt,
                                            "description", "", "isVariadic", variadic));
      json_array_append_new(types, json_string(vt));
    }
    char ret[256] = "";
    if (ov->ret)
      wy_type_pat_format(ov->ret, ret, sizeof ret);
    else
      snprintf(ret, sizeof ret, "DECIMAL"); /* computed from the arguments: DECIMAL results */
    json_array_append_new(
        variants,
        json_pack("{s:o, s:s, s:s, s:o}", "arguments", args, "returnType", ret, "description",
                  ov->description ? ov->description : "", "argumentTypes", types));
  }
  json_t *e = entity("describe_function", s);
  json_object_set_new(e, "name", json_string(f->name));
  json_object_set_new(e, "description", json_string(f->description ? f->description : ""));
  json_object_set_new(e, "author", json_string(f->author ? f->author : ""));
  json_object_set_new(e, "version", json_string(f->version ? f->version : ""));
  json_object_set_new(e, "path", json_string(f->path ? f->path : "internal"));
  json_object_set_new(e, "functions", variants);
  json_object_set_new(e, "type", json_string(function_type(f)));
  return e;
}

static json_t *show_properties(wy_node_t *n, const wy_ast_stmt_t *s) {
  json_t *a = json_array();
  for (int k = 0; k < WY_CFG__COUNT; k++) {
    const char *name = wy_config_key_name((wy_config_key_t)k);
    const char *session = wy_engine_property(n->engine, name);
    json_array_append_new(
        a, json_pack("{s:s, s:s, s:s}", "name", name, "scope", "KSQL", "value",
                     session ? session : wy_config_get_string(n->cfg, (wy_config_key_t)k)));
  }
  json_t *e = entity("properties", s);
  json_object_set_new(e, "properties", a);
  json_object_set_new(e, "overwrittenProperties", json_array());
  json_object_set_new(e, "defaultProperties", json_array());
  return e;
}

static void add_topic(json_t *seen, json_t *a, wy_node_t *n, const char *topic, int partitions) {
  if (!topic || json_object_get(seen, topic)) return;
  json_object_set_new(seen, topic, json_true());
  wy_memory_broker_t *b = wy_engine_broker(n->engine);
  int np = b ? wy_memory_broker_partitions(b, topic) : partitions;
  if (np < 1) np = partitions > 0 ? partitions : 1;
  json_t *replicas = json_array();
  for (int i = 0; i < np; i++) json_array_append_new(replicas, json_integer(1));
  json_array_append_new(a, json_pack("{s:s, s:o}", "name", topic, "replicaInfo", replicas));
}

/* The topics walleye knows of: sources', sinks' and internal ones (a listing of the
 * whole cluster is the backend's business and not part of the runtime interface). */
static json_t *show_topics(wy_node_t *n, const wy_ast_stmt_t *s) {
  json_t *a = json_array(), *seen = json_object();
  const wy_catalog_t *cat = wy_engine_catalog(n->engine);
  for (size_t i = 0; i < wy_catalog_count(cat); i++)
    add_topic(seen, a, n, wy_catalog_at(cat, i)->topic, wy_catalog_at(cat, i)->partitions);
  for (size_t i = 0; s->all && i < wy_engine_query_count(n->engine); i++) {
    const wy_plan_t *p = wy_query_plan(wy_engine_query_at(n->engine, i));
    for (size_t t = 0; t < p->ninternal; t++)
      add_topic(seen, a, n, p->internal_topics[t], wy_plan_internal_partitions(p, t));
  }
  json_decref(seen);
  json_t *e = entity("kafka_topics", s);
  json_object_set_new(e, "topics", a);
  return e;
}

json_t *wy_node_describe_entity(wy_node_t *n, const wy_ast_stmt_t *s, wy_error_t *err) {
  switch (s->kind) {
    case WY_AST_STMT_SHOW:
      switch (s->show) {
        case WY_AST_SHOW_STREAMS:
          return list_sources(n, s, WY_SOURCE_STREAM, s->extended);
        case WY_AST_SHOW_TABLES:
          return list_sources(n, s, WY_SOURCE_TABLE, s->extended);
        case WY_AST_SHOW_QUERIES:
          return show_queries(n, s);
        case WY_AST_SHOW_FUNCTIONS:
          return show_functions(n, s);
        case WY_AST_SHOW_PROPERTIES:
          return show_properties(n, s);
        case WY_AST_SHOW_TOPICS:
          return show_topics(n, s);
        default:
          wy_error_set(err, WY_ERR_UNSUPPORTED,
                       "SHOW %s is not supported by the REST API of walleye",
                       wy_ast_show_name(s->show));
          return NULL;
      }
    case WY_AST_STMT_DESCRIBE_STREAMS:
      return list_sources(n, s, WY_SOURCE_STREAM, true);
    case WY_AST_STMT_DESCRIBE_TABLES:
      return list_sources(n, s, WY_SOURCE_TABLE, true);
    case WY_AST_STMT_DESCRIBE: {
      const wy_source_def_t *d = wy_catalog_find(wy_engine_catalog(n->engine), s->name);
      if (!d) {
        wy_error_set(err, WY_ERR_NOT_FOUND, "Could not find STREAM/TABLE '%s' in the Metastore",
                     s->name);
        return NULL;
      }
      json_t *e = entity("sourceDescription", s);
      json_object_set_new(e, "sourceDescription", source_description(n, d, s->extended));
      return e;
    }
    case WY_AST_STMT_DESCRIBE_FUNCTION:
      return describe_function(n, s, err);
    case WY_AST_STMT_EXPLAIN: {
      wy_query_t *q = s->name ? wy_node_engine_query(n, s->name) : NULL;
      if (!q) {
        if (s->name)
          wy_error_set(err, WY_ERR_NOT_FOUND,
                       "Query with id:%s does not exist, use SHOW QUERIES to view the full set of "
                       "running queries.",
                       s->name);
        else
          wy_error_set(err, WY_ERR_UNSUPPORTED,
                       "EXPLAIN of a statement is not supported by walleye: EXPLAIN a query id");
        return NULL;
      }
      json_t *e = entity("queryDescription", s);
      json_object_set_new(e, "queryDescription", query_description(n, q));
      return e;
    }
    default:
      wy_error_set(err, WY_ERR_INTERNAL, "not a listing statement");
      return NULL;
  }
}
