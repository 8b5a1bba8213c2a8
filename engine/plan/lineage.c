/* lineage.c — a plan's OpenLineage description: datasets, schemas, column lineage. */
#include "engine/plan/plan_lineage.h"

#include <stdlib.h>
#include <string.h>

static wy_lineage_source_kind_t kind_of(const wy_source_def_t *d) {
  return d && d->kind == WY_SOURCE_TABLE ? WY_LINEAGE_TABLE : WY_LINEAGE_STREAM;
}

/* The fields of a source: every column but the header ones. */
static wy_lineage_field_t *fields_of(const wy_source_def_t *d, size_t *n) {
  *n = 0;
  if (!d) return NULL;
  wy_lineage_field_t *f = calloc(d->schema.n + 1, sizeof *f);
  if (!f) return NULL;
  for (size_t i = 0; i < d->schema.n; i++) {
    const wy_column_t *c = &d->schema.cols[i];
    if (c->ns == WY_NS_HEADER || c->ns == WY_NS_HEADERS) continue;
    f[*n].name = c->name;
    f[*n].type = c->type;
    (*n)++;
  }
  return f;
}

wy_status_t wy_plan_lineage_start(const wy_plan_t *p, const wy_catalog_t *cat,
                                  const char *service_id, const char *bootstrap,
                                  wy_lineage_emitter_t *em, wy_lineage_run_t **out,
                                  wy_error_t *err) {
  *out = NULL;
  size_t nin = p->nsources;
  wy_lineage_dataset_t *in = calloc(nin + 1, sizeof *in), outds;
  wy_lineage_field_t **fields = calloc(nin + 2, sizeof *fields);
  memset(&outds, 0, sizeof outds);
  /* column lineage: the plan's refs, typed as the lineage module wants them */
  size_t nrefs = p->nlineage_indirect;
  for (size_t i = 0; i < p->nlineage; i++) nrefs += p->lineage[i].nrefs;
  wy_lineage_ref_t *refs = calloc(nrefs + 1, sizeof *refs);
  wy_lineage_column_t *cols = calloc(p->nlineage + 1, sizeof *cols);
  wy_status_t st = WY_OK;
  if (!in || !fields || !refs || !cols) {
    st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  } else {
    for (size_t i = 0; i < nin; i++) {
      const wy_source_def_t *d = wy_catalog_find(cat, p->source_names[i]);
      in[i].topic = d ? d->topic : p->source_names[i];
      in[i].source_name = p->source_names[i];
      in[i].kind = kind_of(d);
      fields[i] = fields_of(d, &in[i].nfields);
      in[i].fields = fields[i];
    }
    const wy_source_def_t *sink = p->sink_name ? wy_catalog_find(cat, p->sink_name) : NULL;
    outds.topic = p->sink_topic;
    outds.source_name = p->sink_name;
    outds.kind = kind_of(sink);
    fields[nin] = fields_of(sink, &outds.nfields);
    outds.fields = fields[nin];
    size_t k = 0;
    for (size_t i = 0; i < p->nlineage; i++) {
      cols[i].name = p->lineage[i].name;
      cols[i].refs = refs + k;
      for (size_t j = 0; j < p->lineage[i].nrefs; j++) {
        const wy_column_lineage_ref_t *r = &p->lineage[i].refs[j];
        refs[k++] = (wy_lineage_ref_t){(size_t)r->input, r->field,
                                       (wy_lineage_transform_t)r->transform, r->masking, NULL};
        cols[i].nrefs++;
      }
    }
    outds.columns = cols;
    outds.ncolumns = p->nlineage;
    outds.dataset_refs = refs + k;
    for (size_t j = 0; j < p->nlineage_indirect; j++) {
      const wy_column_lineage_ref_t *r = &p->lineage_indirect[j];
      refs[k++] = (wy_lineage_ref_t){(size_t)r->input, r->field,
                                     (wy_lineage_transform_t)r->transform, r->masking, NULL};
      outds.ndataset_refs++;
    }
    wy_lineage_query_t q = {service_id, p->id, p->sql, bootstrap, in, nin, &outds, 1};
    st = wy_lineage_run_start(em, &q, out, err);
  }
  free(refs);
  free(cols);
  for (size_t i = 0; fields && i < nin + 1; i++) free(fields[i]);
  free(fields);
  free(in);
  return st;
}
