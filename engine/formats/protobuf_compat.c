/* Protobuf schema compatibility as Confluent's Schema Registry judges it (SchemaDiff):
 * the two files are compared message by message (matched by name) and field by field
 * (matched by number), and any difference outside the compatible set makes them
 * incompatible. Compatible: messages, enums, enum constants, fields and oneofs added or
 * removed, fields renamed, a message moved, a string/bytes field's label changed, a
 * field added to a oneof. Everything else is not: the package changed, a message
 * removed, a field's kind (scalar/message/map), scalar group (int32/int64/uint32/
 * uint64/bool/enums; sint32/sint64; string/bytes; fixed32/sfixed32; fixed64/sfixed64;
 * float; double) or message type changed, a numeric field turned repeated or back, a
 * required field added or removed, a field removed from a oneof, several fields moved
 * into one oneof or one into an existing oneof. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/formats/protobuf_int.h"

typedef struct {
  bool ok;
  char *why;
  size_t whycap;
  /* message pairs being compared, so recursive types terminate */
  const wy_pb_message_t *seen[2 * PB_MAX_DEPTH];
  int nseen;
} compat_t;

static void incompatible(compat_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void incompatible(compat_t *c, const char *fmt, ...) {
  if (!c->ok) return; /* keep the first reason */
  c->ok = false;
  if (!c->why || !c->whycap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->why, c->whycap, fmt, ap);
  va_end(ap);
}

static void compare_message(compat_t *c, const wy_pb_message_t *o, const wy_pb_message_t *u);

typedef enum { KIND_SCALAR, KIND_MAP, KIND_MESSAGE } field_kind_t;

static field_kind_t kind_of(const wy_pb_field_t *f) {
  if (wy_pb_field_is_map(f)) return KIND_MAP;
  return f->kind == WY_PB_MESSAGE ? KIND_MESSAGE : KIND_SCALAR;
}

/* protobuf's groups of wire-compatible scalars */
static int scalar_group(wy_pb_kind_t k) {
  switch (k) {
    case WY_PB_INT32:
    case WY_PB_INT64:
    case WY_PB_UINT32:
    case WY_PB_UINT64:
    case WY_PB_BOOL:
    case WY_PB_ENUM:
      return 1;
    case WY_PB_SINT32:
    case WY_PB_SINT64:
      return 2;
    case WY_PB_STRING:
    case WY_PB_BYTES:
      return 3;
    case WY_PB_FIXED32:
    case WY_PB_SFIXED32:
      return 4;
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      return 5;
    case WY_PB_FLOAT:
      return 6;
    case WY_PB_DOUBLE:
      return 7;
    default:
      return 0;
  }
}

/* A message's name within its package: "Outer.Inner". */
static const char *local_name(const wy_pb_message_t *m) {
  const char *pkg = m->file ? m->file->package : NULL;
  size_t n = pkg ? strlen(pkg) : 0;
  if (n && strncmp(m->full_name, pkg, n) == 0 && m->full_name[n] == '.')
    return m->full_name + n + 1;
  return m->full_name;
}

static const char *type_text(const wy_pb_field_t *f) {
  return f->kind == WY_PB_MESSAGE ? f->message->full_name
         : f->kind == WY_PB_ENUM  ? f->enumeration->full_name
                                  : wy_pb_kind_name(f->kind);
}

/* FieldSchemaDiff.compareTypes over two resolved fields (or map keys/values). */
static void compare_types(compat_t *c, const wy_pb_message_t *owner, const wy_pb_field_t *o,
                          const wy_pb_field_t *u) {
  field_kind_t ok = kind_of(o), uk = kind_of(u);
  if (ok != uk) {
    incompatible(c, "field '%s' (%d) of '%s' changed kind: %s -> %s", u->name, (int)u->number,
                 owner->full_name, type_text(o), type_text(u));
    return;
  }
  switch (ok) {
    case KIND_SCALAR:
      if (scalar_group(o->kind) != scalar_group(u->kind))
        incompatible(c, "field '%s' (%d) of '%s' changed type: %s -> %s", u->name, (int)u->number,
                     owner->full_name, type_text(o), type_text(u));
      break;
    case KIND_MAP:
      compare_types(c, owner, wy_pb_map_key(o), wy_pb_map_key(u));
      compare_types(c, owner, wy_pb_map_value(o), wy_pb_map_value(u));
      break;
    case KIND_MESSAGE:
      if (strcmp(local_name(o->message), local_name(u->message)) != 0)
        incompatible(c, "field '%s' (%d) of '%s' changed type: %s -> %s", u->name, (int)u->number,
                     owner->full_name, o->message->full_name, u->message->full_name);
      else
        compare_message(c, o->message, u->message);
      break;
  }
}

static bool is_repeated(const wy_pb_field_t *f) {
  return f->label == WY_PB_LABEL_REPEATED && !wy_pb_field_is_map(f);
}

static void compare_fields(compat_t *c, const wy_pb_message_t *owner, const wy_pb_field_t *o,
                           const wy_pb_field_t *u) {
  if (is_repeated(o) != is_repeated(u) && kind_of(o) == KIND_SCALAR && kind_of(u) == KIND_SCALAR &&
      !(scalar_group(o->kind) == 3 && scalar_group(u->kind) == 3))
    incompatible(c, "field '%s' (%d) of '%s' changed between repeated and singular", u->name,
                 (int)u->number, owner->full_name);
  compare_types(c, owner, o, u);
}

static const wy_pb_field_t *field_in(const wy_pb_message_t *m, int32_t number, bool want_oneof) {
  const wy_pb_field_t *f = wy_pb_field_by_number(m, number);
  if (!f || (f->oneof_index >= 0) != want_oneof) return NULL;
  return f;
}

static const wy_pb_oneof_t *oneof_named(const wy_pb_message_t *m, const char *name) {
  for (size_t i = 0; i < m->noneofs; i++)
    if (strcmp(m->oneofs[i].name, name) == 0) return &m->oneofs[i];
  return NULL;
}

static const char *oneof_of(const wy_pb_message_t *m, const wy_pb_field_t *f) {
  return f->oneof_index >= 0 ? m->oneofs[f->oneof_index].name : NULL;
}

static void compare_nested(compat_t *c, const wy_pb_message_t *om, size_t on,
                           const wy_pb_message_t *um, size_t un);

static void compare_message(compat_t *c, const wy_pb_message_t *o, const wy_pb_message_t *u) {
  for (int i = 0; i + 1 < c->nseen; i += 2)
    if (c->seen[i] == o && c->seen[i + 1] == u) return;
  if (c->nseen + 2 > (int)(sizeof c->seen / sizeof *c->seen)) return;
  c->seen[c->nseen++] = o;
  c->seen[c->nseen++] = u;

  /* fields moved into the update's oneofs */
  for (size_t k = 0; k < u->noneofs; k++) {
    const wy_pb_oneof_t *uo = &u->oneofs[k];
    int moved = 0, existing = 0;
    for (size_t j = 0; j < uo->nfields; j++) {
      int32_t num = u->fields[uo->first_field + j].number;
      if (field_in(o, num, false))
        moved++;
      else if (field_in(o, num, true))
        existing++;
    }
    if (moved > 1)
      incompatible(c, "several fields of '%s' moved into oneof '%s'", u->full_name, uo->name);
    else if (moved == 1 && existing > 0)
      incompatible(c, "a field of '%s' moved into the existing oneof '%s'", u->full_name, uo->name);
  }
  /* oneofs matched by name: a member may be added, not removed */
  for (size_t k = 0; k < o->noneofs; k++) {
    const wy_pb_oneof_t *oo = &o->oneofs[k], *uo = oneof_named(u, oo->name);
    if (!uo) continue;
    for (size_t j = 0; j < oo->nfields; j++) {
      const wy_pb_field_t *of = &o->fields[oo->first_field + j];
      const wy_pb_field_t *uf = wy_pb_field_by_number(u, of->number);
      if (!uf || uf->oneof_index < 0 || strcmp(u->oneofs[uf->oneof_index].name, oo->name) != 0)
        incompatible(c, "field '%s' (%d) of '%s' was removed from oneof '%s'", of->name,
                     (int)of->number, o->full_name, oo->name);
      else
        compare_fields(c, u, of, uf);
    }
  }
  /* fields outside oneofs, matched by number */
  for (size_t i = 0; i < o->nfields; i++) {
    const wy_pb_field_t *of = &o->fields[i];
    const wy_pb_field_t *uf = wy_pb_field_by_number(u, of->number);
    if (of->oneof_index >= 0) {
      /* a member whose oneof changed name or that left its oneof: compare contents */
      if (uf && !(oneof_of(u, uf) && strcmp(oneof_of(u, uf), oneof_of(o, of)) == 0))
        compare_fields(c, u, of, uf);
      continue;
    }
    if (!uf) {
      if (of->label == WY_PB_LABEL_REQUIRED)
        incompatible(c, "required field '%s' (%d) of '%s' was removed", of->name, (int)of->number,
                     o->full_name);
      continue;
    }
    compare_fields(c, u, of, uf);
  }
  for (size_t i = 0; i < u->nfields; i++) {
    const wy_pb_field_t *uf = &u->fields[i];
    if (uf->oneof_index < 0 && uf->label == WY_PB_LABEL_REQUIRED &&
        !wy_pb_field_by_number(o, uf->number))
      incompatible(c, "required field '%s' (%d) of '%s' was added", uf->name, (int)uf->number,
                   u->full_name);
  }
  compare_nested(c, o->messages, o->nmessages, u->messages, u->nmessages);
}

/* Messages matched by name; one removed is incompatible (map entries aside). */
static void compare_nested(compat_t *c, const wy_pb_message_t *om, size_t on,
                           const wy_pb_message_t *um, size_t un) {
  for (size_t i = 0; i < on; i++) {
    if (om[i].map_entry) continue;
    const wy_pb_message_t *match = NULL;
    for (size_t j = 0; j < un && !match; j++)
      if (!um[j].map_entry && strcmp(um[j].name, om[i].name) == 0) match = &um[j];
    if (!match)
      incompatible(c, "message '%s' was removed", om[i].full_name);
    else
      compare_message(c, &om[i], match);
  }
}

wy_status_t wy_pb_schema_compatible(const wy_pb_schema_t *original, const wy_pb_schema_t *update,
                                    bool *ok, char *why, size_t whycap, wy_error_t *err) {
  if (!original || !update || !ok) return wy_error_set(err, WY_ERR_INVALID, "no schema to compare");
  compat_t c;
  memset(&c, 0, sizeof c);
  c.ok = true;
  c.why = why;
  c.whycap = whycap;
  if (why && whycap) why[0] = 0;
  const wy_pb_file_t *of = original->file, *uf = update->file;
  const char *op = of->package ? of->package : "", *up = uf->package ? uf->package : "";
  if (strcmp(op, up) != 0) incompatible(&c, "package changed from '%s' to '%s'", op, up);
  compare_nested(&c, of->messages, of->nmessages, uf->messages, uf->nmessages);
  *ok = c.ok;
  return WY_OK;
}
