/* Sink schemas checked before a statement creates anything (see sink_schemas.h). The
 * schema text a sink would register is the one its codec generates: the codec is
 * opened against a throw-away in-process registry that records it. */
#include "engine/plan/sink_schemas.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/catalog/format_spec.h"

/* The schema a codec of cols[0..n) with spec would register under its subject, checked
 * against sr (nothing to check without registration). */
static wy_status_t check_side(const wy_format_spec_t *spec, const char *topic, bool key,
                              const wy_format_column_t *cols, size_t n, const char *key_name,
                              const char *owner, wy_sr_t *sr, wy_error_t *err) {
  wy_codec_request_t req = {key, topic, NULL, true, key ? key_name : NULL, NULL, 0};
  wy_format_t f;
  wy_format_options_t o;
  char subject[512];
  wy_error_t ignored;
  if (wy_format_spec_options(spec, &req, &f, &o, subject, sizeof subject, &ignored) != WY_OK ||
      !o.register_schema)
    return WY_OK;
  wy_sr_t *capture = wy_sr_mem_new(WY_COMPAT_NONE);
  if (!capture) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  req.registry = capture;
  wy_format_codec_t *c = wy_format_spec_codec(spec, cols, n, &req, &ignored);
  wy_format_codec_destroy(c);
  const char *text;
  wy_sr_type_t type;
  wy_status_t st = WY_OK;
  if (c && wy_sr_latest(capture, subject, NULL, &text, &type, &ignored) == WY_OK) {
    bool ok = true;
    char why[512];
    st = wy_sr_check_compatible_why(sr, subject, type, text, &ok, why, sizeof why, err);
    if (st == WY_OK && !ok) {
      wy_sr_compat_t level;
      char named[48] = "";
      if (wy_sr_get_compatibility(sr, subject, &level, &ignored) == WY_OK)
        snprintf(named, sizeof named, " (compatibility %s)", wy_sr_compat_name(level));
      st = wy_error_set(err, WY_ERR_CONFIG,
                        "Could not register the %s schema of %s for topic %s: the Schema "
                        "Registry refuses it under subject '%s'%s: %s",
                        key ? "key" : "value", owner, topic, subject, named,
                        why[0] ? why : "incompatible");
    } else if (st != WY_OK) {
      wy_error_prefix(err, "Could not check the %s schema of subject '%s'", key ? "key" : "value",
                      subject);
    }
  }
  wy_sr_destroy(capture);
  return st;
}

/* check_side over the key (from 0) or value (from nkey) columns of schema. */
static wy_status_t check_columns(const wy_format_spec_t *spec, const char *topic, bool key,
                                 const wy_schema_t *schema, size_t from, size_t to,
                                 const char *key_name, wy_sr_t *sr, wy_error_t *err) {
  size_t n = to > from ? to - from : 0;
  wy_format_column_t *cols = calloc(n + 1, sizeof *cols);
  if (!cols) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    cols[i] = (wy_format_column_t){schema->cols[from + i].name, schema->cols[from + i].type};
  wy_status_t st = check_side(spec, topic, key, cols, n, key_name, "the sink", sr, err);
  free(cols);
  return st;
}

wy_status_t wy_plan_check_sink_schemas(const wy_plan_t *p, wy_sr_t *sr, wy_error_t *err) {
  if (!sr) return WY_OK;
  for (size_t s = 0; s < p->nsubs; s++)
    for (size_t i = 0; i < p->subs[s].nsteps; i++) {
      const wy_plan_step_t *step = &p->subs[s].steps[i];
      if (step->kind != WY_STEP_SINK) continue;
      const wy_schema_t *in = &step->in.schema;
      if (check_columns(&step->key_format, step->topic, true, in, 0, step->in.nkey,
                        step->key_schema_name, sr, err) != WY_OK ||
          check_columns(&step->value_format, step->topic, false, in, step->in.nkey, in->n, NULL, sr,
                        err) != WY_OK)
        return err->code;
    }
  return WY_OK;
}

wy_status_t wy_source_check_schemas(const wy_source_def_t *d, wy_sr_t *sr, wy_error_t *err) {
  if (!sr) return WY_OK;
  wy_format_column_t *cols = calloc(d->schema.n + 1, sizeof *cols);
  if (!cols) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  char owner[300];
  snprintf(owner, sizeof owner, "%s %s", d->kind == WY_SOURCE_TABLE ? "table" : "stream", d->name);
  wy_status_t st = WY_OK;
  for (int side = 0; side < 2 && st == WY_OK; side++) {
    wy_col_ns_t ns = side == 0 ? WY_NS_KEY : WY_NS_VALUE;
    size_t n = 0;
    for (size_t i = 0; i < d->schema.n; i++)
      if (d->schema.cols[i].ns == ns)
        cols[n++] = (wy_format_column_t){d->schema.cols[i].name, d->schema.cols[i].type};
    if (side == 0 && n == 0) continue; /* a key-less stream */
    st = check_side(side == 0 ? &d->key_format : &d->value_format, d->topic, side == 0, cols, n,
                    NULL, owner, sr, err);
  }
  free(cols);
  return st;
}
