/* PROTOBUF and PROTOBUF_NOSR: proto3 binary messages, with (PROTOBUF) or without
 * (PROTOBUF_NOSR) Confluent's Schema Registry header.
 *
 * The wire codec is walleye's own. A codec compiles a plan once per (message, columns):
 * for every field of the message, which column (or STRUCT field) it fills, how its wire
 * value becomes the column's type, and what an absent field reads as (proto3 defaults:
 * 0, "", false, empty lists and maps for plain fields; NULL for `optional` fields,
 * wrappers and other messages). Decoding looks fields up by number in a dense table and
 * writes values straight into the row: strings and bytes are slices of the record,
 * lists, maps and structs live in the arena; nothing is malloc'd per record and no name
 * is compared per record. Encoding walks the same plan in field-number order and writes
 * what protobuf-java writes (plain fields holding their default are left out, repeated
 * scalars are packed).
 *
 * Plans come from two places:
 *  - a schema model (protobuf_schema.h) parsed from a registered schema: PROTOBUF reads
 *    with the writer's schema (the id in the record, the message its index path names)
 *    and writes with the schema registered as KEY/VALUE_SCHEMA_ID; fields are matched
 *    to columns by name (exactly, then ignoring ASCII case) as ksqlDB does;
 *  - the columns themselves, for the schema ksqlDB generates from them (fields numbered
 *    from 1 in column order, STRUCTs as nested messages, DECIMAL, TIMESTAMP, DATE and
 *    TIME as confluent.type.Decimal, google.protobuf.Timestamp, google.type.Date and
 *    google.type.TimeOfDay, nullable primitives per nullable.representation): what
 *    PROTOBUF_NOSR reads and writes, and what a PROTOBUF sink without a schema id
 *    writes (its text, rendered by protobuf_schema.c, is registered under the subject).
 *
 * Confluent's header: magic byte 0, the schema id (4 bytes, big-endian), the message
 * index path (a zigzag varint count and as many zigzag varint indexes; a lone 0 byte
 * for the first message). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/base/decimal.h"
#include "engine/formats/protobuf_codec_int.h"
#include "engine/registry/registry.h"
#include "udf/convert.h"

/* ---- plans ---- */

typedef struct pb_reader {
  int32_t id;
  wy_pb_schema_t *schema;
} pb_reader_t;

typedef struct pb_plan_cache {
  const wy_pb_message_t *m;
  pmsg_t *plan;
} pb_plan_cache_t;

typedef struct pb_impl {
  bool nosr;
  int nullable;         /* WY_PB_NULLABLE_* of generated schemas */
  const wy_type_t *row; /* the columns as a STRUCT */
  void **pool;          /* every plan node and array, freed at close */
  size_t npool, cappool;
  pmsg_t *gen;          /* plan for the schema generated from the columns */
  pmsg_t *gen_read;     /* the same for reading: columns the query does not use skipped */
  pb_reader_t *readers; /* writer schemas by id */
  size_t nreaders;
  pb_plan_cache_t *plans; /* decode plans by message */
  size_t nplans;
  size_t last_reader, last_plan;
  /* writing */
  bool writer_ready;
  int32_t wid;
  uint8_t header[64];
  size_t header_len;
  wy_pb_schema_t *wschema;
  pmsg_t *wplan;
} pb_impl_t;

static void *palloc(pb_impl_t *a, size_t n) {
  if (a->npool == a->cappool) {
    size_t cap = a->cappool ? a->cappool * 2 : 64;
    void **p = realloc(a->pool, cap * sizeof *p);
    if (!p) return NULL;
    a->pool = p;
    a->cappool = cap;
  }
  void *m = calloc(1, n ? n : 1);
  if (m) a->pool[a->npool++] = m;
  return m;
}

static const wy_list_t EMPTY_LIST = {0, NULL};
static const wy_map_t EMPTY_MAP = {0, NULL, NULL};

/* The proto3 default of a plain field read as type t. */
static wy_value_t zero_of(const wy_type_t *t) {
  wy_value_t v = {0};
  v.kind = (uint8_t)t->kind;
  switch (t->kind) {
    case WY_T_ARRAY:
      v.u.list = &EMPTY_LIST;
      break;
    case WY_T_MAP:
      v.u.map = &EMPTY_MAP;
      break;
    case WY_T_STRING:
    case WY_T_BYTES:
      v.u.str = "";
      break;
    case WY_T_DECIMAL:
      v.precision = t->precision;
      v.scale = t->scale;
      break;
    case WY_T_STRUCT:
      v.null = 1;
      break;
    default:
      break;
  }
  return v;
}

const char *wy_pb_readable(wy_pb_kind_t k, wy_pb_wkt_t w, const wy_type_t *t) {
  wy_type_kind_t tk = t->kind;
  switch (k) {
    case WY_PB_INT32:
    case WY_PB_SINT32:
    case WY_PB_SFIXED32:
    case WY_PB_UINT32:
    case WY_PB_FIXED32:
    case WY_PB_INT64:
    case WY_PB_SINT64:
    case WY_PB_SFIXED64:
    case WY_PB_UINT64:
    case WY_PB_FIXED64:
      if (tk == WY_T_INT || tk == WY_T_BIGINT || tk == WY_T_DOUBLE || tk == WY_T_DECIMAL ||
          tk == WY_T_STRING || tk == WY_T_TIMESTAMP || tk == WY_T_DATE || tk == WY_T_TIME)
        return NULL;
      break;
    case WY_PB_FLOAT:
    case WY_PB_DOUBLE:
      if (tk == WY_T_DOUBLE || tk == WY_T_STRING) return NULL;
      break;
    case WY_PB_BOOL:
      if (tk == WY_T_BOOLEAN || tk == WY_T_STRING) return NULL;
      break;
    case WY_PB_STRING:
      if (tk == WY_T_STRING || tk == WY_T_BYTES) return NULL;
      break;
    case WY_PB_BYTES:
      if (tk == WY_T_BYTES || tk == WY_T_STRING) return NULL;
      break;
    case WY_PB_ENUM:
      if (tk == WY_T_STRING || tk == WY_T_INT || tk == WY_T_BIGINT) return NULL;
      break;
    case WY_PB_MESSAGE:
      switch (w) {
        case WY_PB_WKT_TIMESTAMP:
          if (tk == WY_T_TIMESTAMP || tk == WY_T_STRUCT) return NULL;
          break;
        case WY_PB_WKT_DATE:
          if (tk == WY_T_DATE || tk == WY_T_STRUCT) return NULL;
          break;
        case WY_PB_WKT_TIME_OF_DAY:
          if (tk == WY_T_TIME || tk == WY_T_STRUCT) return NULL;
          break;
        case WY_PB_WKT_DECIMAL:
          if (tk == WY_T_DECIMAL || tk == WY_T_STRUCT) return NULL;
          break;
        case WY_PB_WKT_NONE:
          if (tk == WY_T_STRUCT) return NULL;
          break;
        default: /* wrappers: the primitive, or STRUCT<value> */
          return NULL;
      }
      break;
  }
  return "type mismatch";
}

/* Reader field for a writer field name: exact, then ASCII case-insensitive. */
static int match_field(const wy_type_t *st, const char *name) {
  int i = wy_type_field_index(st, name);
  if (i >= 0) return i;
  for (size_t k = 0; k < st->nfields; k++)
    if (strcasecmp(st->fields[k].name, name) == 0) return (int)k;
  return -1;
}

static int by_number(const void *x, const void *y) {
  const pfield_t *a = x, *b = y;
  return (a->number > b->number) - (a->number < b->number);
}

/* Sort the fields by number and build the number table. */
static bool finish_msg(pb_impl_t *a, pmsg_t *p) {
  qsort(p->fields, p->nfields, sizeof *p->fields, by_number);
  int32_t max = 0;
  bool dense = p->nfields < INT16_MAX; /* the table holds int16 indexes */
  for (size_t i = 0; i < p->nfields; i++) {
    if (dense && p->fields[i].number <= DENSE_MAX && p->fields[i].number > max)
      max = p->fields[i].number;
    if (p->fields[i].shape != SH_SINGLE && p->fields[i].target >= 0) p->has_repeated = true;
  }
  p->dense_max = max;
  p->dense = palloc(a, (size_t)(max + 1) * sizeof *p->dense);
  if (!p->dense) return false;
  for (size_t i = 0; dense && i < p->nfields; i++)
    if (p->fields[i].number <= DENSE_MAX) p->dense[p->fields[i].number] = (int16_t)(i + 1);
  return true;
}

static pmsg_t *new_msg(pb_impl_t *a, size_t nslots, size_t nfields) {
  pmsg_t *p = palloc(a, sizeof *p);
  if (!p) return NULL;
  p->nslots = nslots;
  p->nfields = nfields;
  p->slot_types = palloc(a, (nslots + 1) * sizeof *p->slot_types);
  p->defaults = palloc(a, (nslots + 1) * sizeof *p->defaults);
  p->fields = palloc(a, (nfields + 1) * sizeof *p->fields);
  if (!p->slot_types || !p->defaults || !p->fields) return NULL;
  return p;
}

/* The default of a slot filled by field f (f NULL: no field fills it). */
static void set_default(pmsg_t *p, int slot, const pfield_t *f) {
  const wy_type_t *t = p->slot_types[slot];
  if (!f || f->presence || f->member >= 0 || f->bad ||
      (f->shape == SH_SINGLE && f->kind == WY_PB_BYTES))
    p->defaults[slot] = wy_null(t->kind); /* absent bytes read as NULL, as in ksqlDB */
  else if (f->kind == WY_PB_ENUM && f->shape == SH_SINGLE && t->kind == WY_T_STRING && f->en &&
           f->en->nvalues)
    p->defaults[slot] = wy_string(f->en->values[0].name, strlen(f->en->values[0].name));
  else
    p->defaults[slot] = zero_of(t);
}

/* ---- plans from a schema model ---- */

static pmsg_t *model_msg(pb_impl_t *a, const wy_pb_message_t *m, const wy_type_t *st, int depth,
                         wy_error_t *err);

/* Fill f's value part for model field mf read as type t (the element's for repeated). */
static bool model_value(pb_impl_t *a, pfield_t *f, const wy_pb_field_t *mf, const wy_type_t *t,
                        int depth, wy_error_t *err) {
  f->kind = (uint8_t)mf->kind;
  f->t = t;
  f->en = mf->enumeration;
  if (mf->kind == WY_PB_MESSAGE) {
    f->wkt = (uint8_t)mf->message->wkt;
    /* any message read as a STRUCT (a well-known one too: a wrapper as STRUCT<VALUE>) */
    if (t->kind == WY_T_STRUCT) {
      f->as_message = true;
      if (!(f->msg = model_msg(a, mf->message, t, depth + 1, err))) return false;
      return true;
    }
  }
  f->bad =
      wy_pb_readable(mf->kind, mf->kind == WY_PB_MESSAGE ? mf->message->wkt : WY_PB_WKT_NONE, t);
  return true;
}

static pmsg_t *model_msg(pb_impl_t *a, const wy_pb_message_t *m, const wy_type_t *st, int depth,
                         wy_error_t *err) {
  if (depth > MAX_DEPTH) {
    wy_error_set(err, WY_ERR_UNSUPPORTED, "protobuf schema nested too deeply");
    return NULL;
  }
  pmsg_t *p = new_msg(a, st->nfields, m->nfields);
  if (!p) goto nomem;
  for (size_t i = 0; i < st->nfields; i++) p->slot_types[i] = st->fields[i].type;
  int *filled_by = palloc(a, (st->nfields + 1) * sizeof *filled_by);
  if (!filled_by) goto nomem;
  for (size_t i = 0; i < st->nfields; i++) filled_by[i] = -1;
  for (size_t i = 0; i < m->nfields; i++) {
    const wy_pb_field_t *mf = &m->fields[i];
    pfield_t *f = &p->fields[i];
    f->number = mf->number;
    f->kind = (uint8_t)mf->kind;
    f->member = -1;
    f->target = -1;
    int slot = -1;
    const wy_type_t *t = NULL;
    if (mf->oneof_index >= 0) {
      const wy_pb_oneof_t *o = &m->oneofs[mf->oneof_index];
      char name[256];
      snprintf(name, sizeof name, "%s_%d", o->name, mf->oneof_index);
      slot = match_field(st, name);
      if (slot < 0) slot = match_field(st, o->name);
      const wy_type_t *ot = slot >= 0 ? st->fields[slot].type : NULL;
      int mi = ot && ot->kind == WY_T_STRUCT ? match_field(ot, mf->name) : -1;
      if (mi >= 0) {
        f->member = mi;
        f->nmembers = (int)ot->nfields;
        t = ot->fields[mi].type;
      } else {
        slot = -1;
      }
    } else {
      slot = match_field(st, mf->name);
      if (slot >= 0 && filled_by[slot] >= 0) slot = -1; /* the first field wins */
      if (slot >= 0) t = st->fields[slot].type;
    }
    f->target = slot;
    if (slot < 0) {
      /* skipped: still know the kind for wire checks */
      f->shape = mf->label == WY_PB_LABEL_REPEATED ? SH_REPEATED : SH_SINGLE;
      continue;
    }
    if (mf->oneof_index < 0) filled_by[slot] = (int)i;
    if (wy_pb_field_is_map(mf)) {
      f->shape = SH_MAP;
      f->t = t;
      if (t->kind != WY_T_MAP) {
        f->bad = "a protobuf map cannot be read as this column's type";
        continue;
      }
      const wy_pb_field_t *kf = wy_pb_map_key(mf), *vf = wy_pb_map_value(mf);
      pmsg_t *e = new_msg(a, 2, 2);
      if (!e || !kf || !vf) goto nomem;
      e->slot_types[0] = t->key;
      e->slot_types[1] = t->elem;
      const wy_pb_field_t *ef[2] = {kf, vf};
      for (int k = 0; k < 2; k++) {
        pfield_t *g = &e->fields[k];
        g->number = k + 1;
        g->member = -1;
        g->target = k;
        if (!model_value(a, g, ef[k], e->slot_types[k], depth + 1, err)) return NULL;
        g->presence = g->kind == WY_PB_MESSAGE;
        set_default(e, k, g);
      }
      if (!finish_msg(a, e)) goto nomem;
      f->msg = e;
      continue;
    }
    if (mf->label == WY_PB_LABEL_REPEATED) {
      f->shape = SH_REPEATED;
      if (t->kind != WY_T_ARRAY) {
        f->t = t;
        f->bad = "a repeated protobuf field can only be read as an ARRAY";
        continue;
      }
      if (!model_value(a, f, mf, t->elem, depth, err)) return NULL;
      f->t = t; /* the ARRAY; the element type is t->elem */
      continue;
    }
    f->shape = SH_SINGLE;
    if (!model_value(a, f, mf, t, depth, err)) return NULL;
    f->presence = mf->label == WY_PB_LABEL_OPTIONAL || mf->kind == WY_PB_MESSAGE ||
                  m->file->syntax == WY_PB_SYNTAX_PROTO2;
  }
  for (size_t s = 0; s < st->nfields; s++)
    set_default(p, (int)s, filled_by[s] >= 0 ? &p->fields[filled_by[s]] : NULL);
  if (!finish_msg(a, p)) goto nomem;
  return p;
nomem:
  wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return NULL;
}

/* ---- plans from columns (the schema ksqlDB generates) ---- */

static pmsg_t *gen_msg(pb_impl_t *a, const wy_type_t *st, int depth, wy_error_t *err);

/* Where a generated value sits: the representation of nullable primitives applies to
 * fields (OPTIONAL, WRAPPER) and to array elements and map values (WRAPPER only), never
 * to map keys, as Confluent's ProtobufData generates them. */
typedef enum { POS_FIELD, POS_ELEMENT, POS_KEY } gen_pos_t;

static bool gen_value(pb_impl_t *a, pfield_t *f, const wy_type_t *t, gen_pos_t pos, int depth,
                      wy_error_t *err) {
  f->t = t;
  f->member = -1;
  switch (t->kind) {
    case WY_T_BOOLEAN:
      f->kind = WY_PB_BOOL;
      break;
    case WY_T_INT:
      f->kind = WY_PB_INT32;
      break;
    case WY_T_BIGINT:
      f->kind = WY_PB_INT64;
      break;
    case WY_T_DOUBLE:
      f->kind = WY_PB_DOUBLE;
      break;
    case WY_T_STRING:
      f->kind = WY_PB_STRING;
      break;
    case WY_T_BYTES:
      f->kind = WY_PB_BYTES;
      break;
    case WY_T_DECIMAL:
      f->kind = WY_PB_MESSAGE;
      f->wkt = WY_PB_WKT_DECIMAL;
      break;
    case WY_T_TIMESTAMP:
      f->kind = WY_PB_MESSAGE;
      f->wkt = WY_PB_WKT_TIMESTAMP;
      break;
    case WY_T_DATE:
      f->kind = WY_PB_MESSAGE;
      f->wkt = WY_PB_WKT_DATE;
      break;
    case WY_T_TIME:
      f->kind = WY_PB_MESSAGE;
      f->wkt = WY_PB_WKT_TIME_OF_DAY;
      break;
    case WY_T_STRUCT:
      f->kind = WY_PB_MESSAGE;
      f->as_message = true;
      if (!(f->msg = gen_msg(a, t, depth + 1, err))) return false;
      break;
    default:
      wy_error_set(err, WY_ERR_UNSUPPORTED, "PROTOBUF cannot write type %s",
                   wy_type_kind_name(t->kind));
      return false;
  }
  if (f->kind == WY_PB_MESSAGE) {
    f->presence = true;
  } else if (pos == POS_FIELD && a->nullable == WY_PB_NULLABLE_OPTIONAL) {
    f->presence = true;
  } else if (pos != POS_KEY && a->nullable == WY_PB_NULLABLE_WRAPPER) {
    static const uint8_t wrapper_of[WY_PB_KIND_MAX + 1] = {
        [WY_PB_BOOL] = WY_PB_WKT_BOOL_VALUE,     [WY_PB_INT32] = WY_PB_WKT_INT32_VALUE,
        [WY_PB_INT64] = WY_PB_WKT_INT64_VALUE,   [WY_PB_DOUBLE] = WY_PB_WKT_DOUBLE_VALUE,
        [WY_PB_STRING] = WY_PB_WKT_STRING_VALUE, [WY_PB_BYTES] = WY_PB_WKT_BYTES_VALUE};
    f->wkt = wrapper_of[f->kind];
    f->kind = WY_PB_MESSAGE;
    f->presence = true;
  }
  return true;
}

static bool gen_field(pb_impl_t *a, pfield_t *f, int32_t number, int slot, const wy_type_t *t,
                      int depth, wy_error_t *err);

static pmsg_t *gen_msg(pb_impl_t *a, const wy_type_t *st, int depth, wy_error_t *err) {
  if (depth > MAX_DEPTH) {
    wy_error_set(err, WY_ERR_UNSUPPORTED, "PROTOBUF schema nested too deeply");
    return NULL;
  }
  pmsg_t *p = new_msg(a, st->nfields, st->nfields);
  if (!p) goto nomem;
  for (size_t i = 0; i < st->nfields; i++) {
    p->slot_types[i] = st->fields[i].type;
    if (!gen_field(a, &p->fields[i], (int32_t)i + 1, (int)i, st->fields[i].type, depth, err))
      return NULL;
    set_default(p, (int)i, &p->fields[i]);
  }
  if (!finish_msg(a, p)) goto nomem;
  return p;
nomem:
  wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return NULL;
}

/* The generated field `number` of a message for a column or STRUCT field of type t. */
static bool gen_field(pb_impl_t *a, pfield_t *f, int32_t number, int slot, const wy_type_t *t,
                      int depth, wy_error_t *err) {
  f->number = number;
  f->target = slot;
  if (t->kind == WY_T_ARRAY) {
    if (!gen_value(a, f, t->elem, POS_ELEMENT, depth, err)) return false;
    f->shape = SH_REPEATED;
    f->presence = false;
    f->t = t;
    return true;
  }
  if (t->kind == WY_T_MAP) {
    f->shape = SH_MAP;
    f->kind = WY_PB_MESSAGE;
    f->t = t;
    f->member = -1;
    pmsg_t *e = new_msg(a, 2, 2);
    if (!e) goto nomem;
    e->slot_types[0] = t->key;
    e->slot_types[1] = t->elem;
    for (int k = 0; k < 2; k++) {
      pfield_t *g = &e->fields[k];
      g->number = k + 1;
      g->target = k;
      if (!gen_value(a, g, e->slot_types[k], k ? POS_ELEMENT : POS_KEY, depth + 1, err))
        return false;
      set_default(e, k, g);
    }
    if (!finish_msg(a, e)) goto nomem;
    f->msg = e;
    return true;
  }
  if (!gen_value(a, f, t, POS_FIELD, depth, err)) return false;
  f->shape = SH_SINGLE;
  return true;
nomem:
  wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  return false;
}

/* ---- schemas with references ---- */

#define MAX_REFS 16

typedef struct {
  wy_pb_source_t src[MAX_REFS];
  size_t n;
} refs_t;

/* Is path one of the files the parser knows by heart? */
static bool well_known_file(const char *path, size_t n) {
  return (n > 16 && strncmp(path, "google/protobuf/", 16) == 0) ||
         (n > 12 && strncmp(path, "google/type/", 12) == 0) ||
         (n > 10 && strncmp(path, "confluent/", 10) == 0);
}

/* Collect the files text imports (and theirs) from the registry: a reference is the
 * latest schema of the subject named like the import path, as Confluent's serializers
 * register them. Imports the registry lacks are left to the parser to report. */
static void collect_refs(wy_sr_t *sr, const char *text, refs_t *r, int depth) {
  if (!sr || depth > 8) return;
  for (const char *p = text; (p = strstr(p, "import")) != NULL; p += 6) {
    if (p > text && (p[-1] == '_' || (p[-1] >= 'a' && p[-1] <= 'z') ||
                     (p[-1] >= 'A' && p[-1] <= 'Z') || (p[-1] >= '0' && p[-1] <= '9')))
      continue;
    const char *q = p + 6;
    while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
    if (strncmp(q, "public", 6) == 0 || strncmp(q, "weak", 4) == 0) {
      q += q[0] == 'p' ? 6 : 4;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
    }
    if (*q != '"' && *q != '\'') continue;
    char quote = *q++;
    const char *end = strchr(q, quote);
    if (!end || end == q || end - q > 255) continue;
    char path[256];
    memcpy(path, q, (size_t)(end - q));
    path[end - q] = '\0';
    if (well_known_file(path, strlen(path))) continue;
    bool seen = false;
    for (size_t i = 0; i < r->n && !seen; i++) seen = strcmp(r->src[i].name, path) == 0;
    if (seen || r->n == MAX_REFS) continue;
    const char *dep = NULL;
    wy_sr_type_t type;
    wy_error_t ig;
    if (wy_sr_latest(sr, path, NULL, &dep, &type, &ig) != WY_OK || !dep || type != WY_SR_PROTOBUF)
      continue;
    char *name = strdup(path);
    if (!name) return;
    r->src[r->n++] = (wy_pb_source_t){name, dep};
    collect_refs(sr, dep, r, depth + 1);
  }
}

/* Parse a registered schema text with the files it imports. */
static wy_status_t parse_registered(wy_sr_t *sr, const char *text, wy_pb_schema_t **out,
                                    wy_error_t *err) {
  refs_t r = {.n = 0};
  collect_refs(sr, text, &r, 0);
  wy_status_t st = wy_pb_parse(text, r.src, r.n, out, err);
  for (size_t i = 0; i < r.n; i++) free((char *)r.src[i].name);
  return st;
}

/* ---- the codec ---- */

static wy_status_t reader_schema(wy_format_codec_t *c, int32_t id, wy_pb_schema_t **out,
                                 wy_error_t *err) {
  pb_impl_t *a = c->impl;
  if (a->last_reader < a->nreaders && a->readers[a->last_reader].id == id) {
    *out = a->readers[a->last_reader].schema;
    return WY_OK;
  }
  for (size_t i = 0; i < a->nreaders; i++)
    if (a->readers[i].id == id) {
      a->last_reader = i;
      *out = a->readers[i].schema;
      return WY_OK;
    }
  const char *text;
  wy_status_t st = wy_fmt_writer_schema(c, id, WY_SR_PROTOBUF, &text, err);
  if (st != WY_OK) return st;
  wy_pb_schema_t *s = NULL;
  if ((st = parse_registered(c->registry, text, &s, err)) != WY_OK) {
    wy_error_prefix(err, "Failed to deserialize %s: schema id %d", wy_fmt_target(c), (int)id);
    return WY_ERR_DECODE;
  }
  pb_reader_t *r = realloc(a->readers, (a->nreaders + 1) * sizeof *r);
  if (!r) {
    wy_pb_schema_free(s);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  a->readers = r;
  r[a->nreaders] = (pb_reader_t){id, s};
  a->last_reader = a->nreaders++;
  *out = s;
  return WY_OK;
}

/* A decode plan skips the fields of columns the query does not read (they stay NULL). */
static void project(const wy_format_codec_t *c, pmsg_t *p) {
  p->has_repeated = false;
  for (size_t i = 0; i < p->nfields; i++) {
    pfield_t *f = &p->fields[i];
    if (f->target >= 0 && (size_t)f->target < c->ncols && !c->used[f->target]) f->target = -1;
    if (f->shape != SH_SINGLE && f->target >= 0) p->has_repeated = true;
  }
  for (size_t s = 0; s < p->nslots && s < c->ncols; s++)
    if (!c->used[s]) p->defaults[s] = wy_null(p->slot_types[s]->kind);
}

/* The decode plan of message m (cached per message). */
static wy_status_t plan_for(wy_format_codec_t *c, const wy_pb_message_t *m, pmsg_t **out,
                            wy_error_t *err) {
  pb_impl_t *a = c->impl;
  if (a->last_plan < a->nplans && a->plans[a->last_plan].m == m) {
    *out = a->plans[a->last_plan].plan;
    return WY_OK;
  }
  for (size_t i = 0; i < a->nplans; i++)
    if (a->plans[i].m == m) {
      a->last_plan = i;
      *out = a->plans[i].plan;
      return WY_OK;
    }
  pmsg_t *p = model_msg(a, m, a->row, 0, err);
  if (!p) return err && err->code != WY_OK ? err->code : WY_ERR_NOMEM;
  project(c, p);
  pb_plan_cache_t *pc = realloc(a->plans, (a->nplans + 1) * sizeof *pc);
  if (!pc) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  a->plans = pc;
  pc[a->nplans] = (pb_plan_cache_t){m, p};
  a->last_plan = a->nplans++;
  *out = p;
  return WY_OK;
}

/* Confluent's header: magic, id, message indexes. *body_at gets the message's offset. */
static wy_status_t read_header(wy_format_codec_t *c, const uint8_t *p, size_t len, int32_t *id,
                               int32_t *idx, size_t *nidx, size_t *body_at, wy_error_t *err) {
  if (len < 5 || p[0] != 0)
    return wy_error_set(err, WY_ERR_DECODE, "Failed to deserialize %s: Unknown magic byte!",
                        wy_fmt_target(c));
  *id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
  dctx_t d = {p + 5, p + len, NULL, err, 0};
  uint64_t v;
  if (!wy_pb_read_varint(&d, &v)) goto bad;
  int64_t count = (int64_t)((v >> 1) ^ -(v & 1));
  if (count < 0 || count > 32) goto bad;
  *nidx = 0;
  for (int64_t i = 0; i < count; i++) {
    if (!wy_pb_read_varint(&d, &v)) goto bad;
    int64_t x = (int64_t)((v >> 1) ^ -(v & 1));
    if (x < 0 || x > INT32_MAX) goto bad;
    idx[(*nidx)++] = (int32_t)x;
  }
  *body_at = (size_t)(d.p - p);
  return WY_OK;
bad:
  return wy_error_set(err, WY_ERR_DECODE, "Failed to deserialize %s: bad protobuf message indexes",
                      wy_fmt_target(c));
}

static wy_status_t pb_decode(wy_format_codec_t *c, const uint8_t *p, size_t len, wy_arena_t *arena,
                             wy_value_t *cols, bool *null_row, wy_error_t *err) {
  (void)null_row;
  pb_impl_t *a = c->impl;
  const pmsg_t *plan = a->gen_read;
  size_t at = 0;
  int32_t id = 0;
  if (!a->nosr) {
    int32_t idx[32];
    size_t nidx = 0;
    wy_status_t st = read_header(c, p, len, &id, idx, &nidx, &at, err);
    if (st != WY_OK) return st;
    if (a->gen_read && a->writer_ready && id == a->wid && a->wplan == a->gen && nidx <= 1 &&
        (nidx == 0 || idx[0] == 0)) {
      plan = a->gen_read;
    } else {
      wy_pb_schema_t *s;
      if ((st = reader_schema(c, id, &s, err)) != WY_OK) return st;
      const wy_pb_message_t *m = wy_pb_message_at(s, idx, nidx);
      if (!m)
        return wy_error_set(err, WY_ERR_DECODE,
                            "Failed to deserialize %s: schema id %d has no message at the "
                            "record's message index",
                            wy_fmt_target(c), (int)id);
      pmsg_t *pm = NULL;
      if ((st = plan_for(c, m, &pm, err)) != WY_OK) return st;
      plan = pm;
    }
  }
  wy_error_clear(err);
  dctx_t d = {p + at, p + len, arena, err, 0};
  if (!wy_pb_decode_msg(&d, plan, p + at, len - at, cols)) {
    if (!err) return WY_ERR_DECODE;
    if (a->nosr)
      return wy_error_prefix(err, "Failed to deserialize %s", wy_fmt_target(c)), WY_ERR_DECODE;
    return wy_error_prefix(err, "Failed to deserialize %s (schema id %d)", wy_fmt_target(c),
                           (int)id),
           WY_ERR_DECODE;
  }
  return WY_OK;
}

static wy_status_t pb_from_columns(const wy_format_schema_t *schema,
                                   const wy_format_options_t *opts, bool unwrapped, char **text_out,
                                   wy_error_t *err);

/* Settle the writer: the plan and, for PROTOBUF, the schema id and header. */
static wy_status_t writer_ready(wy_format_codec_t *c, wy_error_t *err) {
  pb_impl_t *a = c->impl;
  if (a->writer_ready) return WY_OK;
  if (a->nosr) {
    a->wplan = a->gen;
    a->writer_ready = true;
    return WY_OK;
  }
  wy_status_t st;
  int32_t idx[32];
  size_t nidx = 0;
  if (c->schema_id > 0) {
    if (!c->registry)
      return wy_error_set(err, WY_ERR_CONFIG, "%s_SCHEMA_ID needs a Schema Registry",
                          c->is_key ? "KEY" : "VALUE");
    wy_pb_schema_t *s;
    if ((st = reader_schema(c, c->schema_id, &s, err)) != WY_OK) return st;
    const wy_pb_message_t *m = c->full_schema_name ? wy_pb_find_message(s, c->full_schema_name)
                                                   : wy_pb_message_at(s, NULL, 0);
    if (!m)
      return wy_error_set(err, WY_ERR_CONFIG, "Schema %d has no message named %s",
                          (int)c->schema_id, c->full_schema_name ? c->full_schema_name : "(first)");
    pmsg_t *pm = model_msg(a, m, a->row, 0, err);
    if (!pm) return err && err->code != WY_OK ? err->code : WY_ERR_NOMEM;
    nidx = wy_pb_message_path(m, idx, 32);
    if (nidx > 32) nidx = 32;
    a->wplan = pm;
    a->wid = c->schema_id;
  } else {
    if (!c->registry || !c->subject)
      return wy_error_set(err, WY_ERR_CONFIG,
                          "PROTOBUF %s codec needs a Schema Registry and a subject to write",
                          wy_fmt_target(c));
    if (!a->gen)
      return wy_error_set(err, WY_ERR_UNSUPPORTED,
                          "PROTOBUF cannot generate a %s schema for these columns",
                          wy_fmt_target(c));
    wy_format_column_t *cols = calloc(c->ncols + 1, sizeof *cols);
    if (!cols) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < c->ncols; i++) cols[i] = (wy_format_column_t){c->names[i], c->types[i]};
    wy_format_schema_t fs = {c->ncols, cols};
    wy_format_options_t o = {0};
    o.is_key = c->is_key;
    o.full_schema_name = c->full_schema_name;
    o.pb_nullable = a->nullable;
    char *text = NULL;
    st = pb_from_columns(&fs, &o, false, &text, err);
    free(cols);
    if (st == WY_OK)
      st = wy_sr_register(c->registry, c->subject, WY_SR_PROTOBUF, text, &a->wid, err);
    free(text);
    if (st != WY_OK) return st;
    a->wplan = a->gen;
  }
  /* magic, id, indexes ([0] is the single byte 0) */
  uint8_t *h = a->header;
  h[0] = 0;
  h[1] = (uint8_t)(a->wid >> 24);
  h[2] = (uint8_t)(a->wid >> 16);
  h[3] = (uint8_t)(a->wid >> 8);
  h[4] = (uint8_t)a->wid;
  size_t n = 5;
  if (nidx == 0 || (nidx == 1 && idx[0] == 0)) {
    h[n++] = 0;
  } else {
    n += wy_pb_varint_to(h + n, (uint64_t)nidx << 1);
    for (size_t i = 0; i < nidx; i++) n += wy_pb_varint_to(h + n, (uint64_t)(uint32_t)idx[i] << 1);
  }
  a->header_len = n;
  a->writer_ready = true;
  return WY_OK;
}

static wy_status_t pb_encode(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                             bool *null_record, wy_error_t *err) {
  pb_impl_t *a = c->impl;
  wy_status_t st = writer_ready(c, err);
  if (c->is_key) { /* a key of NULLs is a null key (a tombstone's key stays null) */
    size_t i = 0;
    while (i < c->ncols && cols[i].null) i++;
    if (c->ncols && i == c->ncols) {
      *null_record = true;
      return st;
    }
  }
  if (st != WY_OK) return st;
  ectx_t e = {out, err, false, 0};
  /* an empty message is a record of zero bytes, not a tombstone: make data non-NULL */
  if (!wy_buf_reserve(out, 16)) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  bool ok = a->nosr || wy_pb_put(&e, a->header, a->header_len);
  ok = ok && wy_pb_encode_msg(&e, a->wplan, cols, c->ncols);
  if (e.oom) return wy_error_set(err, WY_ERR_NOMEM, "out of memory encoding PROTOBUF");
  if (!ok) return wy_error_prefix(err, "Failed to serialize %s", wy_fmt_target(c)), WY_ERR_ENCODE;
  return WY_OK;
}

static void pb_close(wy_format_codec_t *c) {
  pb_impl_t *a = c->impl;
  if (!a) return;
  for (size_t i = 0; i < a->nreaders; i++) wy_pb_schema_free(a->readers[i].schema);
  free(a->readers);
  free(a->plans);
  for (size_t i = 0; i < a->npool; i++) free(a->pool[i]);
  free(a->pool);
  wy_type_unref(a->row);
  free(a);
  c->impl = NULL;
}

static wy_status_t pb_open_common(wy_format_codec_t *c, bool nosr, wy_error_t *err) {
  const char *fmt = nosr ? "PROTOBUF_NOSR" : "PROTOBUF";
  for (size_t i = 0; i < c->ncols; i++)
    if (wy_fmt_has_non_string_map_key(c->types[i]))
      return wy_error_set(err, WY_ERR_UNSUPPORTED,
                          "%s format only supports MAP types with STRING keys", "PROTOBUF");
  if (c->wrap == WY_WRAP_FALSE)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'false'.", fmt);
  c->unwrapped = false;
  pb_impl_t *a = calloc(1, sizeof *a);
  if (!a) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  c->impl = a;
  a->nosr = nosr;
  a->nullable = c->pb_nullable;
  wy_type_t *row = wy_type_struct_new();
  a->row = row;
  for (size_t i = 0; row && i < c->ncols; i++)
    if (!wy_type_struct_add(row, c->names[i], wy_type_ref(c->types[i]))) row = NULL;
  wy_status_t st = WY_OK;
  if (!row) {
    st = wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  } else if (!(a->gen = gen_msg(a, a->row, 0, err)) ||
             !(a->gen_read = gen_msg(a, a->row, 0, err))) {
    st = err && err->code != WY_OK ? err->code : WY_ERR_NOMEM;
    /* a PROTOBUF reader of registered schemas does without the generated plan */
    if (!nosr && st != WY_ERR_NOMEM && !c->register_schema) {
      a->gen = a->gen_read = NULL;
      st = WY_OK;
      wy_error_clear(err);
    }
  } else {
    project(c, a->gen_read);
  }
  if (st == WY_OK && !nosr && (c->register_schema || c->schema_id > 0)) st = writer_ready(c, err);
  if (st != WY_OK) pb_close(c);
  return st;
}

static wy_status_t pb_open(wy_format_codec_t *c, wy_error_t *err) {
  return pb_open_common(c, false, err);
}

static wy_status_t pb_open_nosr(wy_format_codec_t *c, wy_error_t *err) {
  return pb_open_common(c, true, err);
}

/* ---- schemas ---- */

static wy_status_t pb_from_columns(const wy_format_schema_t *schema,
                                   const wy_format_options_t *opts, bool unwrapped, char **text_out,
                                   wy_error_t *err) {
  wy_pb_gen_options_t g = {opts->full_schema_name, (wy_pb_nullable_t)opts->pb_nullable, unwrapped};
  wy_pb_schema_t *s = NULL;
  wy_status_t st = wy_pb_from_columns(schema, &g, &s, err);
  if (st != WY_OK) return st;
  *text_out = wy_pb_render(s);
  wy_pb_schema_free(s);
  return *text_out ? WY_OK : wy_error_set(err, WY_ERR_NOMEM, "out of memory");
}

static wy_status_t pb_infer(const char *text, const wy_format_options_t *opts, bool unwrapped,
                            wy_format_column_t **cols_out, size_t *ncols_out, wy_error_t *err) {
  (void)unwrapped;
  wy_pb_schema_t *s = NULL;
  wy_status_t st = parse_registered(opts->registry, text, &s, err);
  if (st != WY_OK) return st;
  /* ksqlDB upper-cases inferred names, except for a schema named by its id */
  wy_pb_infer_options_t io = {.keep_names = opts->schema_id > 0};
  st = wy_pb_infer_columns(s, opts->full_schema_name, &io, cols_out, ncols_out, err);
  wy_pb_schema_free(s);
  return st;
}

/* Does text import a file other than the well-known ones (a schema reference)? */
static bool has_references(const char *text) {
  for (const char *p = text; (p = strstr(p, "import")) != NULL; p += 6) {
    const char *q = strchr(p, '"'), *q2 = strchr(p, '\'');
    if (!q || (q2 && q2 < q)) q = q2;
    const char *semi = strchr(p, ';');
    if (!q || (semi && semi < q)) continue;
    const char *end = strchr(q + 1, *q);
    if (end && !well_known_file(q + 1, (size_t)(end - q - 1))) return true;
  }
  return false;
}

/* The registry's check (protobuf_compat.c): can data written with writer be read with
 * reader? A schema that imports other files is not checked here: resolving its
 * references needs the registry, which this call does not have. */
static wy_status_t pb_compatible(const char *reader, const char *writer, bool *ok, char *why,
                                 size_t whycap, wy_error_t *err) {
  *ok = true;
  if (has_references(reader) || has_references(writer)) return WY_OK;
  wy_pb_schema_t *r = NULL, *w = NULL;
  wy_status_t st = wy_pb_parse(reader, NULL, 0, &r, err);
  if (st == WY_OK) st = wy_pb_parse(writer, NULL, 0, &w, err);
  if (st == WY_OK)
    st = wy_pb_schema_compatible(w, r, ok, why, whycap, err);
  else
    st = WY_ERR_INVALID;
  wy_pb_schema_free(r);
  wy_pb_schema_free(w);
  return st;
}

static const wy_format_schema_ops_t PROTOBUF_SCHEMA = {true, WY_SR_PROTOBUF, pb_from_columns,
                                                       pb_infer, pb_compatible};
static const wy_format_schema_ops_t PROTOBUF_NOSR_SCHEMA = {false, WY_SR_PROTOBUF, pb_from_columns,
                                                            NULL, NULL};

const wy_format_ops_t wy_format_ops_PROTOBUF = {pb_open, pb_close, pb_decode, pb_encode,
                                                &PROTOBUF_SCHEMA};
const wy_format_ops_t wy_format_ops_PROTOBUF_NOSR = {pb_open_nosr, pb_close, pb_decode, pb_encode,
                                                     &PROTOBUF_NOSR_SCHEMA};
