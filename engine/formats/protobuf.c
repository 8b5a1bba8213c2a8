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
#include "engine/formats/format_int.h"
#include "engine/formats/protobuf_schema.h"
#include "engine/registry/registry.h"
#include "udf/convert.h"

#define MAX_DEPTH 64
#define DENSE_MAX 1024 /* field numbers up to this are looked up in a table */

/* ---- plans ---- */

typedef enum { SH_SINGLE = 0, SH_REPEATED, SH_MAP } shape_t;

typedef struct pmsg pmsg_t;

typedef struct pfield {
  int32_t number;
  uint8_t kind;       /* wy_pb_kind_t */
  uint8_t shape;      /* shape_t */
  uint8_t wkt;        /* wy_pb_wkt_t of a MESSAGE field */
  bool presence;      /* absent reads as NULL (optional, messages), else as the default */
  bool as_message;    /* a MESSAGE read as a STRUCT through msg (not a well-known type) */
  int target;         /* slot in the message's values, -1 to skip */
  int member;         /* oneof member: index in the slot's STRUCT, else -1 */
  int nmembers;       /* oneof: the STRUCT's field count */
  const wy_type_t *t; /* the value's type (an element's for repeated, the map for maps) */
  pmsg_t *msg;        /* nested message, or a map's entry (slots key, value) */
  const wy_pb_enum_t *en;
  const char *bad; /* the value cannot be read as t: fail when one is met */
} pfield_t;

struct pmsg {
  size_t nslots;
  const wy_type_t **slot_types;
  wy_value_t *defaults; /* per slot: what an absent field reads as */
  pfield_t *fields;     /* ordered by number (the writing order) */
  size_t nfields;
  int32_t dense_max;
  int16_t *dense; /* number -> field index + 1 (0: unknown), numbers <= dense_max */
  bool has_repeated;
};

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

static bool is_scalar_kind(wy_pb_kind_t k) {
  return k != WY_PB_MESSAGE && k != WY_PB_STRING && k != WY_PB_BYTES;
}

/* Can a wire value of kind k (well-known type w) be read as t? NULL when yes, else why. */
static const char *readable(wy_pb_kind_t k, wy_pb_wkt_t w, const wy_type_t *t) {
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
  f->bad = readable(mf->kind, mf->kind == WY_PB_MESSAGE ? mf->message->wkt : WY_PB_WKT_NONE, t);
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

/* ---- reading ---- */

typedef struct {
  const uint8_t *p, *end;
  wy_arena_t *arena;
  wy_error_t *err;
  int depth;
} dctx_t;

static bool dfail(dctx_t *d, const char *fmt, const char *arg) {
  wy_error_set(d->err, WY_ERR_DECODE, fmt, arg);
  return false;
}

static bool read_varint(dctx_t *d, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (d->p >= d->end) return dfail(d, "protobuf data ends inside a varint%s", "");
    uint8_t b = *d->p++;
    if (shift == 63 && b > 1) return dfail(d, "protobuf varint is too long%s", "");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return dfail(d, "protobuf varint is too long%s", "");
}

static bool read_fixed(dctx_t *d, int n, uint64_t *out) {
  if (d->end - d->p < n) return dfail(d, "protobuf data ends inside a fixed-size value%s", "");
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | d->p[i];
  d->p += n;
  *out = v;
  return true;
}

static bool read_len(dctx_t *d, const uint8_t **s, size_t *n) {
  uint64_t len;
  if (!read_varint(d, &len)) return false;
  if (len > (uint64_t)(d->end - d->p))
    return dfail(d, "protobuf length-delimited field runs past the end of its message%s", "");
  *s = d->p;
  *n = (size_t)len;
  d->p += len;
  return true;
}

static bool skip_field(dctx_t *d, int wire) {
  uint64_t v;
  const uint8_t *s;
  size_t n;
  switch (wire) {
    case WY_PB_WIRE_VARINT:
      return read_varint(d, &v);
    case WY_PB_WIRE_I64:
      return read_fixed(d, 8, &v);
    case WY_PB_WIRE_I32:
      return read_fixed(d, 4, &v);
    case WY_PB_WIRE_LEN:
      return read_len(d, &s, &n);
    default:
      return dfail(d, "unsupported protobuf wire type (groups are not supported)%s", "");
  }
}

static const char *kind_wire_name(int wire) {
  static const char *names[] = {"varint",      "64-bit",    "length-delimited",
                                "group start", "group end", "32-bit"};
  return wire >= 0 && wire < 6 ? names[wire] : "unknown";
}

/* A scalar read off the wire: an integer (sign-extended as its kind says), a double, or
 * bytes. */
typedef struct {
  int64_t i;
  double f;
  const uint8_t *s;
  size_t n;
} raw_t;

static bool read_scalar(dctx_t *d, wy_pb_kind_t k, raw_t *r) {
  uint64_t v;
  switch (k) {
    case WY_PB_INT32:
      if (!read_varint(d, &v)) return false;
      r->i = (int32_t)(uint32_t)v;
      return true;
    case WY_PB_UINT32:
      if (!read_varint(d, &v)) return false;
      r->i = (uint32_t)v;
      return true;
    case WY_PB_SINT32:
      if (!read_varint(d, &v)) return false;
      r->i = (int32_t)((uint32_t)(v >> 1) ^ -(uint32_t)(v & 1));
      return true;
    case WY_PB_INT64:
    case WY_PB_UINT64:
    case WY_PB_BOOL:
    case WY_PB_ENUM:
      if (!read_varint(d, &v)) return false;
      r->i = k == WY_PB_ENUM ? (int32_t)(uint32_t)v : k == WY_PB_BOOL ? (v != 0) : (int64_t)v;
      return true;
    case WY_PB_SINT64:
      if (!read_varint(d, &v)) return false;
      r->i = (int64_t)((v >> 1) ^ -(v & 1));
      return true;
    case WY_PB_FIXED32:
      if (!read_fixed(d, 4, &v)) return false;
      r->i = (uint32_t)v;
      return true;
    case WY_PB_SFIXED32:
      if (!read_fixed(d, 4, &v)) return false;
      r->i = (int32_t)(uint32_t)v;
      return true;
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      if (!read_fixed(d, 8, &v)) return false;
      r->i = (int64_t)v;
      return true;
    case WY_PB_FLOAT: {
      if (!read_fixed(d, 4, &v)) return false;
      uint32_t b = (uint32_t)v;
      float x;
      memcpy(&x, &b, sizeof x);
      r->f = x;
      return true;
    }
    case WY_PB_DOUBLE:
      if (!read_fixed(d, 8, &v)) return false;
      memcpy(&r->f, &v, sizeof r->f);
      return true;
    case WY_PB_STRING:
    case WY_PB_BYTES:
      return read_len(d, &r->s, &r->n);
    default:
      return dfail(d, "cannot read protobuf kind %s", wy_pb_kind_name(k));
  }
}

static bool is_float_kind(wy_pb_kind_t k) { return k == WY_PB_FLOAT || k == WY_PB_DOUBLE; }

/* A scalar as a value of type t (checked by readable() when the plan was built). */
static bool scalar_value(dctx_t *d, const pfield_t *f, const wy_type_t *t, const raw_t *r,
                         wy_value_t *out) {
  wy_pb_kind_t k = f->kind;
  switch (t->kind) {
    case WY_T_INT:
      *out = wy_int((int32_t)r->i);
      return true;
    case WY_T_BIGINT:
      *out = wy_bigint(r->i);
      return true;
    case WY_T_TIMESTAMP:
      *out = wy_timestamp(r->i);
      return true;
    case WY_T_DATE:
      *out = wy_date((int32_t)r->i);
      return true;
    case WY_T_TIME:
      *out = wy_time((int32_t)r->i);
      return true;
    case WY_T_DOUBLE:
      *out = wy_double(is_float_kind(k) ? r->f : (double)r->i);
      return true;
    case WY_T_BOOLEAN:
      *out = wy_bool(r->i != 0);
      return true;
    case WY_T_DECIMAL: {
      wy_int128_t u = (wy_int128_t)r->i * wy_decimal_pow10(t->scale);
      if (!wy_decimal_fits(u, t->precision))
        return dfail(d, "protobuf integer does not fit DECIMAL%s", "");
      *out = wy_decimal(u, t->precision, t->scale);
      return true;
    }
    case WY_T_BYTES:
      *out = wy_bytes(r->s, r->n);
      return true;
    case WY_T_STRING:
      if (k == WY_PB_STRING || k == WY_PB_BYTES) {
        *out = wy_string((const char *)r->s, r->n);
        return true;
      }
      if (k == WY_PB_ENUM) {
        for (size_t i = 0; f->en && i < f->en->nvalues; i++)
          if (f->en->values[i].number == r->i) {
            *out = wy_string(f->en->values[i].name, strlen(f->en->values[i].name));
            return true;
          }
        *out = wy_null(WY_T_STRING); /* a number the writer's enum does not name */
        return true;
      }
      {
        char *buf = wy_arena_alloc(d->arena, 32);
        if (!buf) return dfail(d, "out of memory%s", "");
        int n = k == WY_PB_BOOL    ? snprintf(buf, 32, "%s", r->i ? "true" : "false")
                : is_float_kind(k) ? snprintf(buf, 32, "%.17g", r->f)
                : (k == WY_PB_UINT64 || k == WY_PB_FIXED64)
                    ? snprintf(buf, 32, "%llu", (unsigned long long)(uint64_t)r->i)
                    : snprintf(buf, 32, "%lld", (long long)r->i);
        *out = wy_string(buf, (size_t)n);
        return true;
      }
    default:
      return dfail(d, "cannot read a protobuf scalar as %s", wy_type_kind_name(t->kind));
  }
}

static bool decode_msg(dctx_t *d, const pmsg_t *p, const uint8_t *s, size_t n, wy_value_t *slots);

/* The integer fields 1..4 of a small well-known message (Timestamp, Date, TimeOfDay),
 * and its field 1 as bytes (Decimal). */
static bool read_small(dctx_t *d, const uint8_t *s, size_t n, int64_t v[5], const uint8_t **b,
                       size_t *bn) {
  dctx_t sub = {s, s + n, d->arena, d->err, d->depth + 1};
  memset(v, 0, 5 * sizeof *v);
  while (sub.p < sub.end) {
    uint64_t tag, x;
    if (!read_varint(&sub, &tag)) return false;
    int wire = (int)(tag & 7);
    uint64_t num = tag >> 3;
    if (num == 1 && wire == WY_PB_WIRE_LEN && b) {
      if (!read_len(&sub, b, bn)) return false;
    } else if (num >= 1 && num <= 4 && wire == WY_PB_WIRE_VARINT) {
      if (!read_varint(&sub, &x)) return false;
      v[num] = (int64_t)x;
    } else if (!skip_field(&sub, wire)) {
      return false;
    }
  }
  return true;
}

/* A value of a MESSAGE field that is not read as a STRUCT: a well-known type. */
static bool wkt_value(dctx_t *d, const pfield_t *f, const wy_type_t *t, const uint8_t *s, size_t n,
                      wy_value_t *out) {
  int64_t v[5];
  const uint8_t *b = NULL;
  size_t bn = 0;
  switch ((wy_pb_wkt_t)f->wkt) {
    case WY_PB_WKT_TIMESTAMP:
      if (!read_small(d, s, n, v, NULL, NULL)) return false;
      /* wrapping arithmetic: any bytes are safe, every millisecond value round-trips */
      *out = wy_timestamp(
          (int64_t)((uint64_t)v[1] * 1000u + (uint64_t)(int64_t)((int32_t)v[2] / 1000000)));
      return true;
    case WY_PB_WKT_DATE:
      if (!read_small(d, s, n, v, NULL, NULL)) return false;
      *out = wy_date((int32_t)wy_days_from_civil((int32_t)v[1], (unsigned)(int32_t)v[2],
                                                 (unsigned)(int32_t)v[3]));
      return true;
    case WY_PB_WKT_TIME_OF_DAY:
      if (!read_small(d, s, n, v, NULL, NULL)) return false;
      *out = wy_time((int32_t)((
          (((uint64_t)(int64_t)(int32_t)v[1] * 60u + (uint64_t)(int64_t)(int32_t)v[2]) * 60u +
           (uint64_t)(int64_t)(int32_t)v[3]) *
              1000u +
          (uint64_t)(int64_t)((int32_t)v[4] / 1000000))));
      return true;
    case WY_PB_WKT_DECIMAL: {
      if (!read_small(d, s, n, v, &b, &bn)) return false;
      if (bn > 16) return dfail(d, "protobuf Decimal has more than 16 bytes%s", "");
      unsigned __int128 bits = bn && (b[0] & 0x80) ? ~(unsigned __int128)0 : 0; /* sign */
      for (size_t i = 0; i < bn; i++) bits = bits << 8 | b[i];
      wy_int128_t u = (wy_int128_t)bits;
      int32_t scale = (int32_t)v[3];
      if (scale < 0 || scale > 38 || !wy_decimal_rescale(u, scale, t->scale, &u) ||
          !wy_decimal_fits(u, t->precision)) {
        char what[24];
        snprintf(what, sizeof what, "(%d, %d)", t->precision, t->scale);
        return dfail(d, "protobuf Decimal does not fit DECIMAL%s", what);
      }
      *out = wy_decimal(u, t->precision, t->scale);
      return true;
    }
    default: { /* a wrapper read as its primitive */
      static const uint8_t kind_of[] = {
          [WY_PB_WKT_DOUBLE_VALUE] = WY_PB_DOUBLE, [WY_PB_WKT_FLOAT_VALUE] = WY_PB_FLOAT,
          [WY_PB_WKT_INT64_VALUE] = WY_PB_INT64,   [WY_PB_WKT_UINT64_VALUE] = WY_PB_UINT64,
          [WY_PB_WKT_INT32_VALUE] = WY_PB_INT32,   [WY_PB_WKT_UINT32_VALUE] = WY_PB_UINT32,
          [WY_PB_WKT_BOOL_VALUE] = WY_PB_BOOL,     [WY_PB_WKT_STRING_VALUE] = WY_PB_STRING,
          [WY_PB_WKT_BYTES_VALUE] = WY_PB_BYTES};
      if (f->wkt >= sizeof kind_of || !kind_of[f->wkt])
        return dfail(d, "cannot read this protobuf message as %s", wy_type_kind_name(t->kind));
      pfield_t inner = *f;
      inner.kind = kind_of[f->wkt];
      if (readable(inner.kind, WY_PB_WKT_NONE, t))
        return dfail(d, "cannot read a protobuf wrapper as %s", wy_type_kind_name(t->kind));
      raw_t r = {0, 0, (const uint8_t *)"", 0};
      dctx_t sub = {s, s + n, d->arena, d->err, d->depth + 1};
      while (sub.p < sub.end) {
        uint64_t tag;
        if (!read_varint(&sub, &tag)) return false;
        if ((tag >> 3) == 1 && (int)(tag & 7) == (int)wy_pb_kind_wire_type(inner.kind)) {
          if (!read_scalar(&sub, inner.kind, &r)) return false;
        } else if (!skip_field(&sub, (int)(tag & 7))) {
          return false;
        }
      }
      return scalar_value(d, &inner, t, &r, out);
    }
  }
}

/* One value of field f (an element for repeated fields) from the wire. */
static bool field_value(dctx_t *d, const pfield_t *f, const wy_type_t *t, wy_value_t *out) {
  if (f->kind != WY_PB_MESSAGE) {
    raw_t r = {0};
    return read_scalar(d, f->kind, &r) && scalar_value(d, f, t, &r, out);
  }
  const uint8_t *s;
  size_t n;
  if (!read_len(d, &s, &n)) return false;
  if (!f->as_message) return wkt_value(d, f, t, s, n, out);
  const pmsg_t *m = f->msg;
  wy_list_t *l = wy_arena_alloc(d->arena, sizeof *l);
  wy_value_t *items = wy_arena_alloc(d->arena, (m->nslots + 1) * sizeof *items);
  if (!l || !items) return dfail(d, "out of memory%s", "");
  l->n = (uint32_t)m->nslots;
  l->items = items;
  if (!decode_msg(d, m, s, n, items)) return false;
  *out = wy_struct(l);
  return true;
}

static const pfield_t *find_field(const pmsg_t *p, uint64_t num) {
  if (num <= (uint64_t)p->dense_max) {
    int16_t i = p->dense[num];
    return i ? &p->fields[i - 1] : NULL;
  }
  size_t lo = 0, hi = p->nfields;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if ((uint64_t)p->fields[mid].number < num)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < p->nfields && (uint64_t)p->fields[lo].number == num ? &p->fields[lo] : NULL;
}

/* Elements a repeated field's occurrence holds (packed: several). */
static size_t count_packed(const pfield_t *f, const uint8_t *s, size_t n) {
  switch (wy_pb_kind_wire_type(f->kind)) {
    case WY_PB_WIRE_I32:
      return n / 4;
    case WY_PB_WIRE_I64:
      return n / 8;
    default: {
      size_t c = 0;
      for (size_t i = 0; i < n; i++) c += !(s[i] & 0x80);
      return c;
    }
  }
}

static bool wire_ok(const pfield_t *f, int wire) {
  int want = f->shape == SH_MAP ? WY_PB_WIRE_LEN : (int)wy_pb_kind_wire_type(f->kind);
  return wire == want ||
         (f->shape == SH_REPEATED && wire == WY_PB_WIRE_LEN && is_scalar_kind(f->kind));
}

static bool wrong_wire(dctx_t *d, const pfield_t *f, int wire) {
  char msg[160];
  snprintf(
      msg, sizeof msg, "protobuf field %d has wire type %s where %s was expected", (int)f->number,
      kind_wire_name(wire),
      kind_wire_name(f->shape == SH_MAP ? WY_PB_WIRE_LEN : (int)wy_pb_kind_wire_type(f->kind)));
  return dfail(d, "%s", msg);
}

/* Decode one map entry into m's key and value. */
static bool map_entry(dctx_t *d, const pfield_t *f, wy_value_t *key, wy_value_t *val) {
  const uint8_t *s;
  size_t n;
  if (!read_len(d, &s, &n)) return false;
  wy_value_t kv[2];
  if (!decode_msg(d, f->msg, s, n, kv)) return false;
  *key = kv[0];
  *val = kv[1];
  return true;
}

static bool decode_msg(dctx_t *d, const pmsg_t *p, const uint8_t *s, size_t n, wy_value_t *slots) {
  if (++d->depth > MAX_DEPTH) return dfail(d, "protobuf data nested too deeply%s", "");
  memcpy(slots, p->defaults, p->nslots * sizeof *slots);
  uint32_t *counts = NULL;
  wy_list_t **lists = NULL;
  wy_map_t **maps = NULL;
  if (p->has_repeated) {
    /* pass 1: count each repeated field's elements so that its list is sized once */
    counts = wy_arena_calloc(d->arena, p->nfields * 2 + 1, sizeof *counts);
    lists = wy_arena_calloc(d->arena, p->nfields + 1, sizeof *lists);
    maps = wy_arena_calloc(d->arena, p->nfields + 1, sizeof *maps);
    if (!counts || !lists || !maps) return dfail(d, "out of memory%s", "");
    dctx_t c = {s, s + n, d->arena, d->err, d->depth};
    while (c.p < c.end) {
      uint64_t tag;
      if (!read_varint(&c, &tag)) return false;
      int wire = (int)(tag & 7);
      const pfield_t *f = find_field(p, tag >> 3);
      const uint8_t *at = c.p;
      if (!skip_field(&c, wire)) return false;
      if (!f || f->target < 0 || f->shape == SH_SINGLE || f->bad) continue;
      if (!wire_ok(f, wire)) return wrong_wire(d, f, wire);
      size_t fi = (size_t)(f - p->fields);
      if (f->shape == SH_REPEATED && wire == WY_PB_WIRE_LEN && is_scalar_kind(f->kind)) {
        dctx_t l = {at, c.end, d->arena, d->err, d->depth};
        const uint8_t *ps;
        size_t pn;
        if (!read_len(&l, &ps, &pn)) return false;
        counts[fi] += (uint32_t)count_packed(f, ps, pn);
      } else {
        counts[fi]++;
      }
    }
    for (size_t i = 0; i < p->nfields; i++) {
      const pfield_t *f = &p->fields[i];
      if (f->target < 0 || f->shape == SH_SINGLE || f->bad) continue;
      if (f->shape == SH_MAP) {
        wy_map_t *m = wy_arena_alloc(d->arena, sizeof *m);
        wy_value_t *kv = wy_arena_alloc(d->arena, (counts[i] * 2 + 1) * sizeof *kv);
        if (!m || !kv) return dfail(d, "out of memory%s", "");
        m->n = 0;
        m->keys = kv;
        m->vals = kv + counts[i];
        maps[i] = m;
        slots[f->target] = wy_mapv(m);
      } else {
        wy_list_t *l = wy_arena_alloc(d->arena, sizeof *l);
        wy_value_t *items = wy_arena_alloc(d->arena, (counts[i] + 1) * sizeof *items);
        if (!l || !items) return dfail(d, "out of memory%s", "");
        l->n = 0;
        l->items = items;
        lists[i] = l;
        slots[f->target] = wy_array(l);
      }
    }
  }
  const uint8_t *save_p = d->p, *save_end = d->end;
  d->p = s;
  d->end = s + n;
  bool ok = true;
  while (ok && d->p < d->end) {
    uint64_t tag;
    if (!(ok = read_varint(d, &tag))) break;
    int wire = (int)(tag & 7);
    uint64_t num = tag >> 3;
    if (num == 0) {
      ok = dfail(d, "protobuf field number 0 is invalid%s", "");
      break;
    }
    const pfield_t *f = find_field(p, num);
    if (!f || f->target < 0) {
      ok = skip_field(d, wire);
      continue;
    }
    if (!wire_ok(f, wire)) {
      ok = wrong_wire(d, f, wire);
      break;
    }
    if (f->bad) {
      char msg[200];
      snprintf(msg, sizeof msg, "cannot read protobuf field %d (%s) as %s: %s", (int)f->number,
               f->kind == WY_PB_MESSAGE ? "message" : wy_pb_kind_name(f->kind),
               wy_type_kind_name(f->t->kind), f->bad);
      ok = dfail(d, "%s", msg);
      break;
    }
    size_t fi = (size_t)(f - p->fields);
    switch (f->shape) {
      case SH_SINGLE:
        if (f->member >= 0) {
          wy_value_t *cur = &slots[f->target];
          wy_list_t *l = wy_arena_alloc(d->arena, sizeof *l);
          wy_value_t *items = wy_arena_alloc(d->arena, ((size_t)f->nmembers + 1) * sizeof *items);
          if (!l || !items) {
            ok = dfail(d, "out of memory%s", "");
            break;
          }
          const wy_type_t *ot = p->slot_types[f->target];
          for (int i = 0; i < f->nmembers; i++) items[i] = wy_null(ot->fields[i].type->kind);
          l->n = (uint32_t)f->nmembers;
          l->items = items;
          ok = field_value(d, f, f->t, &items[f->member]);
          *cur = wy_struct(l);
        } else {
          ok = field_value(d, f, f->t, &slots[f->target]);
        }
        break;
      case SH_REPEATED: {
        wy_list_t *l = lists[fi];
        if (wire == WY_PB_WIRE_LEN && is_scalar_kind(f->kind)) {
          const uint8_t *ps;
          size_t pn;
          if (!(ok = read_len(d, &ps, &pn))) break;
          dctx_t sub = {ps, ps + pn, d->arena, d->err, d->depth};
          while (ok && sub.p < sub.end && l->n < counts[fi])
            ok = field_value(&sub, f, f->t->elem, &l->items[l->n++]);
          if (ok && sub.p != sub.end) ok = dfail(d, "bad packed protobuf field%s", "");
        } else if (l->n < counts[fi]) {
          ok = field_value(d, f, f->t->elem, &l->items[l->n++]);
        } else {
          ok = dfail(d, "protobuf repeated field changed between passes%s", "");
        }
        break;
      }
      case SH_MAP: {
        wy_map_t *m = maps[fi];
        wy_value_t k, v;
        if (!(ok = map_entry(d, f, &k, &v))) break;
        /* a later entry with an equal key replaces the earlier one */
        uint32_t at = m->n;
        for (uint32_t i = 0; i < m->n; i++)
          if (!k.null && !m->keys[i].null && m->keys[i].kind == WY_T_STRING &&
              k.kind == WY_T_STRING && m->keys[i].len == k.len &&
              memcmp(m->keys[i].u.str, k.u.str, k.len) == 0) {
            at = i;
            break;
          }
        m->keys[at] = k;
        m->vals[at] = v;
        if (at == m->n) m->n++;
        break;
      }
    }
  }
  d->p = save_p;
  d->end = save_end;
  d->depth--;
  return ok;
}

/* ---- writing ---- */

typedef struct {
  wy_buf_t *out;
  wy_error_t *err;
  bool oom;
  int depth;
} ectx_t;

static bool efail(ectx_t *e, const char *fmt, const char *a, const char *b) {
  wy_error_set(e->err, WY_ERR_ENCODE, fmt, a, b);
  return false;
}

static bool put(ectx_t *e, const void *p, size_t n) {
  if (!wy_buf_append(e->out, p, n)) return e->oom = true, false;
  return true;
}

static size_t varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) v >>= 7, n++;
  return n;
}

static size_t varint_to(uint8_t *b, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  b[n++] = (uint8_t)v;
  return n;
}

static bool put_varint(ectx_t *e, uint64_t v) {
  uint8_t b[10];
  return put(e, b, varint_to(b, v));
}

static bool put_tag(ectx_t *e, int32_t number, int wire) {
  return put_varint(e, (uint64_t)(uint32_t)number << 3 | (uint64_t)wire);
}

static bool put_fixed(ectx_t *e, uint64_t v, int n) {
  uint8_t b[8];
  for (int i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * i));
  return put(e, b, (size_t)n);
}

/* Start a length-delimited body: reserve one byte for its length. */
static bool begin_len(ectx_t *e, size_t *mark) {
  *mark = e->out->len;
  return put(e, "", 1);
}

/* Finish it: write the length, moving the body when it needs more than one byte. */
static bool end_len(ectx_t *e, size_t mark) {
  size_t body = e->out->len - mark - 1;
  size_t ln = varint_len(body);
  if (ln > 1) {
    if (!wy_buf_reserve(e->out, ln - 1)) return e->oom = true, false;
    memmove(e->out->data + mark + ln, e->out->data + mark + 1, body);
    e->out->len += ln - 1;
  }
  varint_to(e->out->data + mark, body);
  return true;
}

static int64_t value_int(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_INT:
    case WY_T_DATE:
    case WY_T_TIME:
      return v->u.i32;
    case WY_T_BOOLEAN:
      return v->u.b;
    case WY_T_DOUBLE: /* Java's (long) cast: NaN is 0, out of range saturates */
      return isnan(v->u.f64)                      ? 0
             : v->u.f64 >= 9223372036854775807.0  ? INT64_MAX
             : v->u.f64 <= -9223372036854775808.0 ? INT64_MIN
                                                  : (int64_t)v->u.f64;
    case WY_T_DECIMAL:
      return (int64_t)(v->u.dec / wy_decimal_pow10(v->scale));
    default:
      return v->u.i64;
  }
}

static double value_double(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_DOUBLE:
      return v->u.f64;
    case WY_T_DECIMAL:
      return wy_decimal_to_double(v->u.dec, v->scale);
    default:
      return (double)value_int(v);
  }
}

/* Is v the proto3 default of kind k (left out of a plain field)? */
static bool is_number_value(const wy_value_t *v);

static bool is_default(wy_pb_kind_t k, const wy_value_t *v) {
  if (k != WY_PB_STRING && k != WY_PB_BYTES && !is_number_value(v)) return false;
  switch (k) {
    case WY_PB_FLOAT:
    case WY_PB_DOUBLE: {
      double x = value_double(v);
      return x == 0 && !signbit(x);
    }
    case WY_PB_STRING:
    case WY_PB_BYTES:
      return v->len == 0;
    case WY_PB_ENUM:
      return false; /* resolved when written */
    default:
      return value_int(v) == 0;
  }
}

static bool enc_msg(ectx_t *e, const pmsg_t *p, const wy_value_t *slots, size_t nslots);

static bool is_number_value(const wy_value_t *v) {
  switch ((wy_type_kind_t)v->kind) {
    case WY_T_STRING:
    case WY_T_BYTES:
    case WY_T_ARRAY:
    case WY_T_MAP:
    case WY_T_STRUCT:
      return false;
    default:
      return true;
  }
}

/* The payload of a scalar (no tag). */
static bool enc_scalar(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (f->kind != WY_PB_STRING && f->kind != WY_PB_BYTES && f->kind != WY_PB_ENUM &&
      !is_number_value(v))
    return efail(e, "cannot write %s as protobuf %s", wy_type_kind_name(v->kind),
                 wy_pb_kind_name(f->kind));
  switch ((wy_pb_kind_t)f->kind) {
    case WY_PB_INT32:
      return put_varint(e, (uint64_t)(int64_t)(int32_t)value_int(v));
    case WY_PB_INT64:
    case WY_PB_UINT64:
      return put_varint(e, (uint64_t)value_int(v));
    case WY_PB_UINT32:
      return put_varint(e, (uint32_t)value_int(v));
    case WY_PB_BOOL:
      return put_varint(e, value_int(v) != 0);
    case WY_PB_SINT32: {
      int32_t x = (int32_t)value_int(v);
      return put_varint(e, (uint32_t)((uint32_t)x << 1) ^ (uint32_t)(x >> 31));
    }
    case WY_PB_SINT64: {
      int64_t x = value_int(v);
      return put_varint(e, ((uint64_t)x << 1) ^ (uint64_t)(x >> 63));
    }
    case WY_PB_FIXED32:
    case WY_PB_SFIXED32:
      return put_fixed(e, (uint32_t)value_int(v), 4);
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      return put_fixed(e, (uint64_t)value_int(v), 8);
    case WY_PB_FLOAT: {
      float x = (float)value_double(v);
      uint32_t b;
      memcpy(&b, &x, 4);
      return put_fixed(e, b, 4);
    }
    case WY_PB_DOUBLE: {
      double x = value_double(v);
      uint64_t b;
      memcpy(&b, &x, 8);
      return put_fixed(e, b, 8);
    }
    case WY_PB_STRING:
    case WY_PB_BYTES:
      if (v->kind != WY_T_STRING && v->kind != WY_T_BYTES)
        return efail(e, "cannot write %s as protobuf %s", wy_type_kind_name(v->kind),
                     wy_pb_kind_name(f->kind));
      return put_varint(e, v->len) && put(e, v->u.str, v->len);
    case WY_PB_ENUM: {
      if (v->kind != WY_T_STRING) return put_varint(e, (uint64_t)(int64_t)(int32_t)value_int(v));
      for (size_t i = 0; f->en && i < f->en->nvalues; i++) {
        const char *nm = f->en->values[i].name;
        if (strlen(nm) == v->len && memcmp(nm, v->u.str, v->len) == 0)
          return put_varint(e, (uint64_t)(int64_t)f->en->values[i].number);
      }
      char sym[128];
      snprintf(sym, sizeof sym, "%.*s", (int)(v->len < 100 ? v->len : 100), v->u.str);
      return efail(e, "'%s' is not a symbol of protobuf enum %s", sym,
                   f->en ? f->en->full_name : "?");
    }
    default:
      return efail(e, "cannot write protobuf %s%s", wy_pb_kind_name(f->kind), "");
  }
}

static bool enc_small(ectx_t *e, const int64_t *v, int n) {
  for (int i = 1; i <= n; i++)
    if (v[i] && (!put_tag(e, i, WY_PB_WIRE_VARINT) || !put_varint(e, (uint64_t)v[i]))) return false;
  return true;
}

/* The body of a MESSAGE value (without tag and length). */
static bool enc_message_body(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (f->as_message) {
    if (v->kind != WY_T_STRUCT)
      return efail(e, "cannot write %s as a protobuf message%s", wy_type_kind_name(v->kind), "");
    return enc_msg(e, f->msg, v->u.list->items, v->u.list->n);
  }
  int64_t x[5] = {0};
  switch ((wy_pb_wkt_t)f->wkt) {
    case WY_PB_WKT_TIMESTAMP: {
      int64_t ms = value_int(v);
      int64_t sec = ms / 1000, rem = ms % 1000;
      if (rem < 0) rem += 1000, sec--;
      x[1] = sec;
      x[2] = rem * 1000000;
      return enc_small(e, x, 2);
    }
    case WY_PB_WKT_DATE: {
      int64_t y;
      unsigned m, dd;
      wy_civil_from_days(value_int(v), &y, &m, &dd);
      x[1] = y, x[2] = m, x[3] = dd;
      return enc_small(e, x, 3);
    }
    case WY_PB_WKT_TIME_OF_DAY: {
      int64_t ms = value_int(v);
      x[1] = ms / 3600000;
      x[2] = ms / 60000 % 60;
      x[3] = ms / 1000 % 60;
      x[4] = ms % 1000 * 1000000;
      return enc_small(e, x, 4);
    }
    case WY_PB_WKT_DECIMAL: {
      if (v->kind != WY_T_DECIMAL)
        return efail(e, "cannot write %s as a protobuf Decimal%s", wy_type_kind_name(v->kind), "");
      /* BigInteger.toByteArray(): minimal big-endian two's complement */
      uint8_t b[17];
      int n = 0;
      wy_int128_t u = v->u.dec;
      uint8_t tmp[16];
      for (int i = 0; i < 16; i++) tmp[15 - i] = (uint8_t)((unsigned __int128)u >> (8 * i));
      int start = 0;
      while (start < 15 && ((tmp[start] == 0 && !(tmp[start + 1] & 0x80)) ||
                            (tmp[start] == 0xff && (tmp[start + 1] & 0x80))))
        start++;
      for (int i = start; i < 16; i++) b[n++] = tmp[i];
      if (!put_tag(e, 1, WY_PB_WIRE_LEN) || !put_varint(e, (uint64_t)n) || !put(e, b, (size_t)n))
        return false;
      x[2] = wy_decimal_digits(u);
      x[3] = v->scale;
      return enc_small(e, x, 3);
    }
    default: { /* a wrapper: value = 1, left out when it is the default */
      static const uint8_t kind_of[] = {
          [WY_PB_WKT_DOUBLE_VALUE] = WY_PB_DOUBLE, [WY_PB_WKT_FLOAT_VALUE] = WY_PB_FLOAT,
          [WY_PB_WKT_INT64_VALUE] = WY_PB_INT64,   [WY_PB_WKT_UINT64_VALUE] = WY_PB_UINT64,
          [WY_PB_WKT_INT32_VALUE] = WY_PB_INT32,   [WY_PB_WKT_UINT32_VALUE] = WY_PB_UINT32,
          [WY_PB_WKT_BOOL_VALUE] = WY_PB_BOOL,     [WY_PB_WKT_STRING_VALUE] = WY_PB_STRING,
          [WY_PB_WKT_BYTES_VALUE] = WY_PB_BYTES};
      if (f->wkt >= sizeof kind_of || !kind_of[f->wkt])
        return efail(e, "cannot write %s as this protobuf message%s", wy_type_kind_name(v->kind),
                     "");
      pfield_t inner = *f;
      inner.kind = kind_of[f->wkt];
      if (is_default(inner.kind, v)) return true;
      return put_tag(e, 1, (int)wy_pb_kind_wire_type(inner.kind)) && enc_scalar(e, &inner, v);
    }
  }
}

/* One element or value (tag included); a NULL element is written as the default. */
static bool enc_one(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (f->kind == WY_PB_MESSAGE) {
    size_t mark;
    if (!put_tag(e, f->number, WY_PB_WIRE_LEN) || !begin_len(e, &mark)) return false;
    if (!v->null && !enc_message_body(e, f, v)) return false;
    return end_len(e, mark);
  }
  if (v->null) {
    wy_value_t z = {0};
    z.kind = WY_T_BIGINT;
    z.u.str = "";
    return put_tag(e, f->number, (int)wy_pb_kind_wire_type(f->kind)) &&
           (f->kind == WY_PB_STRING || f->kind == WY_PB_BYTES ? put_varint(e, 0)
                                                              : enc_scalar(e, f, &z));
  }
  return put_tag(e, f->number, (int)wy_pb_kind_wire_type(f->kind)) && enc_scalar(e, f, v);
}

static bool enc_field(ectx_t *e, const pfield_t *f, const wy_value_t *v) {
  if (v->null) return true;
  switch (f->shape) {
    case SH_SINGLE:
      if (f->kind != WY_PB_MESSAGE && !f->presence && f->kind != WY_PB_ENUM &&
          is_default(f->kind, v))
        return true;
      if (f->kind == WY_PB_ENUM && !f->presence && v->kind == WY_T_STRING && f->en &&
          f->en->nvalues && strlen(f->en->values[0].name) == v->len &&
          memcmp(f->en->values[0].name, v->u.str, v->len) == 0 && f->en->values[0].number == 0)
        return true;
      return enc_one(e, f, v);
    case SH_REPEATED: {
      if (v->kind != WY_T_ARRAY)
        return efail(e, "cannot write %s as a repeated protobuf field%s",
                     wy_type_kind_name(v->kind), "");
      const wy_list_t *l = v->u.list;
      if (l->n == 0) return true;
      if (is_scalar_kind(f->kind)) { /* packed */
        size_t mark;
        if (!put_tag(e, f->number, WY_PB_WIRE_LEN) || !begin_len(e, &mark)) return false;
        wy_value_t z = {0};
        z.kind = WY_T_BIGINT;
        for (uint32_t i = 0; i < l->n; i++)
          if (!enc_scalar(e, f, l->items[i].null ? &z : &l->items[i])) return false;
        return end_len(e, mark);
      }
      for (uint32_t i = 0; i < l->n; i++)
        if (!enc_one(e, f, &l->items[i])) return false;
      return true;
    }
    case SH_MAP: {
      if (v->kind != WY_T_MAP)
        return efail(e, "cannot write %s as a protobuf map%s", wy_type_kind_name(v->kind), "");
      const wy_map_t *m = v->u.map;
      for (uint32_t i = 0; i < m->n; i++) {
        size_t mark;
        wy_value_t kv[2] = {m->keys[i], m->vals[i]};
        if (!put_tag(e, f->number, WY_PB_WIRE_LEN) || !begin_len(e, &mark) ||
            !enc_msg(e, f->msg, kv, 2) || !end_len(e, mark))
          return false;
      }
      return true;
    }
  }
  return true;
}

static bool enc_msg(ectx_t *e, const pmsg_t *p, const wy_value_t *slots, size_t nslots) {
  if (++e->depth > MAX_DEPTH) return efail(e, "value nested too deeply%s%s", "", "");
  for (size_t i = 0; i < p->nfields; i++) {
    const pfield_t *f = &p->fields[i];
    if (f->target < 0 || (size_t)f->target >= nslots) continue;
    const wy_value_t *v = &slots[f->target];
    if (f->member >= 0) {
      if (v->null || v->kind != WY_T_STRUCT || (uint32_t)f->member >= v->u.list->n) continue;
      const wy_value_t *mv = &v->u.list->items[f->member];
      if (mv->null) continue;
      if (!enc_one(e, f, mv)) return false;
      continue;
    }
    if (!enc_field(e, f, v)) return false;
  }
  e->depth--;
  return true;
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
  if (!read_varint(&d, &v)) goto bad;
  int64_t count = (int64_t)((v >> 1) ^ -(v & 1));
  if (count < 0 || count > 32) goto bad;
  *nidx = 0;
  for (int64_t i = 0; i < count; i++) {
    if (!read_varint(&d, &v)) goto bad;
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
  if (!decode_msg(&d, plan, p + at, len - at, cols)) {
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
    n += varint_to(h + n, (uint64_t)nidx << 1);
    for (size_t i = 0; i < nidx; i++) n += varint_to(h + n, (uint64_t)(uint32_t)idx[i] << 1);
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
  bool ok = a->nosr || put(&e, a->header, a->header_len);
  ok = ok && enc_msg(&e, a->wplan, cols, c->ncols);
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
