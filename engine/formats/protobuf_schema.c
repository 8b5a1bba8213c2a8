/* Protobuf schema model helpers (kind names, wire types, well-known types, lookups by
 * name and by message index) and the canonical text Confluent's ProtobufSchema writes
 * (Square Wire's layout: two-space indentation, a blank line before each section). */
#include <stdlib.h>
#include <string.h>

#include "engine/base/buf.h"
#include "engine/formats/protobuf_int.h"

static const char *WKT_NAMES[] = {"",
#define WY_PB_X_WKT(tag, full, file) full,
                                  WY_PB_WKT_LIST(WY_PB_X_WKT)
#undef WY_PB_X_WKT
};

const char *wy_pb_wkt_full_name(wy_pb_wkt_t w) {
  return (unsigned)w < WY_PB_WKT__COUNT ? WKT_NAMES[w] : "";
}

bool wy_pb_wkt_is_wrapper(wy_pb_wkt_t w) {
  return w >= WY_PB_WKT_DOUBLE_VALUE && w <= WY_PB_WKT_BYTES_VALUE;
}

const char *wy_pb_kind_name(wy_pb_kind_t k) {
  switch (k) {
    case WY_PB_DOUBLE:
      return "double";
    case WY_PB_FLOAT:
      return "float";
    case WY_PB_INT64:
      return "int64";
    case WY_PB_UINT64:
      return "uint64";
    case WY_PB_INT32:
      return "int32";
    case WY_PB_FIXED64:
      return "fixed64";
    case WY_PB_FIXED32:
      return "fixed32";
    case WY_PB_BOOL:
      return "bool";
    case WY_PB_STRING:
      return "string";
    case WY_PB_MESSAGE:
      return "message";
    case WY_PB_BYTES:
      return "bytes";
    case WY_PB_UINT32:
      return "uint32";
    case WY_PB_ENUM:
      return "enum";
    case WY_PB_SFIXED32:
      return "sfixed32";
    case WY_PB_SFIXED64:
      return "sfixed64";
    case WY_PB_SINT32:
      return "sint32";
    case WY_PB_SINT64:
      return "sint64";
  }
  return "?";
}

wy_pb_wire_t wy_pb_kind_wire_type(wy_pb_kind_t k) {
  switch (k) {
    case WY_PB_DOUBLE:
    case WY_PB_FIXED64:
    case WY_PB_SFIXED64:
      return WY_PB_WIRE_I64;
    case WY_PB_FLOAT:
    case WY_PB_FIXED32:
    case WY_PB_SFIXED32:
      return WY_PB_WIRE_I32;
    case WY_PB_STRING:
    case WY_PB_BYTES:
    case WY_PB_MESSAGE:
      return WY_PB_WIRE_LEN;
    default:
      return WY_PB_WIRE_VARINT;
  }
}

bool wy_pb_field_is_map(const wy_pb_field_t *f) {
  return f && f->kind == WY_PB_MESSAGE && f->label == WY_PB_LABEL_REPEATED && f->message &&
         f->message->map_entry;
}

const wy_pb_field_t *wy_pb_map_key(const wy_pb_field_t *f) {
  return wy_pb_field_is_map(f) ? wy_pb_field_by_number(f->message, 1) : NULL;
}

const wy_pb_field_t *wy_pb_map_value(const wy_pb_field_t *f) {
  return wy_pb_field_is_map(f) ? wy_pb_field_by_number(f->message, 2) : NULL;
}

const wy_pb_field_t *wy_pb_field_by_number(const wy_pb_message_t *m, int32_t number) {
  if (!m || number < 0) return NULL;
  if (m->by_number_dense) return (size_t)number < m->nby_number ? m->by_number[number] : NULL;
  size_t lo = 0, hi = m->nby_number;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int32_t n = m->by_number[mid]->number;
    if (n == number) return m->by_number[mid];
    if (n < number)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* ---- lookup ---- */

static const wy_pb_message_t *find_in(const wy_pb_message_t *ms, size_t n, const char *full) {
  for (size_t i = 0; i < n; i++) {
    const wy_pb_message_t *m = &ms[i];
    if (strcmp(m->full_name, full) == 0) return m;
    size_t len = strlen(m->full_name);
    if (strncmp(m->full_name, full, len) == 0 && full[len] == '.') {
      const wy_pb_message_t *r = find_in(m->messages, m->nmessages, full);
      if (r) return r;
    }
  }
  return NULL;
}

const wy_pb_message_t *wy_pb_find_message(const wy_pb_schema_t *s, const char *name) {
  if (!s || !name) return NULL;
  if (name[0] == '.') name++;
  for (size_t i = 0; i < s->impl->nfiles; i++) {
    const wy_pb_file_t *f = s->impl->files[i];
    const wy_pb_message_t *m = find_in(f->messages, f->nmessages, name);
    if (m) return m;
  }
  for (size_t i = 0; i < s->file->nmessages; i++)
    if (strcmp(s->file->messages[i].name, name) == 0) return &s->file->messages[i];
  return NULL;
}

/* The i-th message of ms that is not a map entry. */
static const wy_pb_message_t *nth_declared(const wy_pb_message_t *ms, size_t n, int32_t i) {
  for (size_t j = 0; j < n; j++) {
    if (ms[j].map_entry) continue;
    if (i-- == 0) return &ms[j];
  }
  return NULL;
}

const wy_pb_message_t *wy_pb_message_at(const wy_pb_schema_t *s, const int32_t *idx, size_t n) {
  if (!s) return NULL;
  if (n == 0) return nth_declared(s->file->messages, s->file->nmessages, 0);
  const wy_pb_message_t *m = NULL;
  for (size_t k = 0; k < n; k++) {
    if (idx[k] < 0) return NULL;
    m = k == 0 ? nth_declared(s->file->messages, s->file->nmessages, idx[0])
               : nth_declared(m->messages, m->nmessages, idx[k]);
    if (!m) return NULL;
  }
  return m;
}

size_t wy_pb_message_path(const wy_pb_message_t *m, int32_t *idx, size_t cap) {
  size_t depth = 0;
  for (const wy_pb_message_t *p = m; p; p = p->parent) depth++;
  size_t at = depth;
  for (const wy_pb_message_t *p = m; p; p = p->parent) {
    const wy_pb_message_t *ms = p->parent ? p->parent->messages : p->file->messages;
    size_t n = p->parent ? p->parent->nmessages : p->file->nmessages;
    int32_t i = 0;
    for (size_t j = 0; j < n && &ms[j] != p; j++)
      if (!ms[j].map_entry) i++;
    at--;
    if (at < cap) idx[at] = i;
  }
  return depth;
}

/* ---- canonical text ---- */

/* appendIndented: every line of text gets two spaces, blank ones too; trailing newlines
 * are dropped first (Java's String.split drops trailing empty strings). */
static void indent(wy_buf_t *out, const char *text, size_t len) {
  while (len > 0 && text[len - 1] == '\n') len--;
  size_t i = 0;
  for (;;) {
    size_t j = i;
    while (j < len && text[j] != '\n') j++;
    wy_buf_append(out, "  ", 2);
    wy_buf_append(out, text + i, j - i);
    wy_buf_putc(out, '\n');
    if (j >= len) break;
    i = j + 1;
  }
}

static void indent_buf(wy_buf_t *out, wy_buf_t *inner) {
  if (inner->oom) out->oom = true;
  indent(out, (const char *)inner->data, inner->len);
  wy_buf_free(inner);
  wy_buf_init(inner);
}

/* A string literal with Confluent's escapeChars. */
static void quoted(wy_buf_t *out, const char *s) {
  wy_buf_putc(out, '"');
  for (; s && *s; s++) {
    const char *esc = NULL;
    switch (*s) {
      case '\a':
        esc = "\\a";
        break;
      case '\b':
        esc = "\\b";
        break;
      case '\f':
        esc = "\\f";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\t':
        esc = "\\t";
        break;
      case '\v':
        esc = "\\v";
        break;
      case '\\':
        esc = "\\\\";
        break;
      case '\'':
        esc = "\\'";
        break;
      case '"':
        esc = "\\\"";
        break;
      default:
        break;
    }
    if (esc)
      wy_buf_append_str(out, esc);
    else
      wy_buf_putc(out, *s);
  }
  wy_buf_putc(out, '"');
}

static void option_map(wy_buf_t *out, const wy_pb_option_t *o);

/* formatOptionMapValue */
static void option_value(wy_buf_t *out, const wy_pb_option_t *o) {
  switch (o->kind) {
    case WY_PB_OPT_STRING:
      quoted(out, o->text);
      break;
    case WY_PB_OPT_NUMBER:
    case WY_PB_OPT_IDENT:
      wy_buf_append_str(out, o->text ? o->text : "");
      break;
    case WY_PB_OPT_MAP:
      wy_buf_append_str(out, "{\n");
      option_map(out, o);
      wy_buf_putc(out, '}');
      break;
    case WY_PB_OPT_LIST: {
      wy_buf_append_str(out, "[\n");
      for (size_t i = 0; i < o->nitems; i++) {
        wy_buf_t item;
        wy_buf_init(&item);
        option_value(&item, &o->items[i]);
        if (i + 1 < o->nitems) wy_buf_putc(&item, ',');
        indent_buf(out, &item);
      }
      wy_buf_putc(out, ']');
      break;
    }
  }
}

/* formatOptionMap: "key: value" lines, comma-separated, indented. */
static void option_map(wy_buf_t *out, const wy_pb_option_t *o) {
  for (size_t i = 0; i < o->nitems; i++) {
    wy_buf_t item;
    wy_buf_init(&item);
    wy_buf_printf(&item, "%s: ", o->items[i].name ? o->items[i].name : "");
    option_value(&item, &o->items[i]);
    if (i + 1 < o->nitems) wy_buf_putc(&item, ',');
    indent_buf(out, &item);
  }
}

/* OptionElement.toSchema: `name = value`. */
static void option_text(wy_buf_t *out, const wy_pb_option_t *o) {
  if (o->parenthesized)
    wy_buf_printf(out, "(%s) = ", o->name);
  else
    wy_buf_printf(out, "%s = ", o->name ? o->name : "");
  option_value(out, o);
}

static bool is_special_option(const wy_pb_option_t *o) {
  return !o->parenthesized && o->name &&
         (strcmp(o->name, "json_name") == 0 || strcmp(o->name, "default") == 0);
}

/* appendOptions: " [a = 1]" or " [\n  a = 1,\n  b = 2\n]"; Wire writes default and
 * json_name last. */
static void bracket_options(wy_buf_t *out, const wy_pb_option_t *opts, size_t n) {
  if (n == 0) return;
  wy_buf_putc(out, ' ');
  wy_buf_append_str(out, n == 1 ? "[" : "[\n");
  size_t k = 0;
  /* pass 0: ordinary options; 1: default; 2: json_name */
  for (int pass = 0; pass < 3; pass++) {
    for (size_t i = 0; i < n; i++) {
      const wy_pb_option_t *o = &opts[i];
      int rank = !is_special_option(o) ? 0 : strcmp(o->name, "default") == 0 ? 1 : 2;
      if (rank != pass) continue;
      if (n == 1) {
        option_text(out, o);
        continue;
      }
      wy_buf_t item;
      wy_buf_init(&item);
      option_text(&item, o);
      if (++k < n) wy_buf_putc(&item, ',');
      indent_buf(out, &item);
    }
  }
  wy_buf_putc(out, ']');
}

static void option_decls(wy_buf_t *out, const wy_pb_option_t *opts, size_t n, bool indented) {
  if (n == 0) return;
  wy_buf_putc(out, '\n');
  for (size_t i = 0; i < n; i++) {
    wy_buf_t item;
    wy_buf_init(&item);
    wy_buf_append_str(&item, "option ");
    option_text(&item, &opts[i]);
    wy_buf_append_str(&item, ";\n");
    if (indented) {
      indent_buf(out, &item);
    } else {
      wy_buf_append(out, item.data, item.len);
      wy_buf_free(&item);
    }
  }
}

static void reserved_decls(wy_buf_t *out, const wy_pb_reserved_t *r, size_t n) {
  if (n == 0) return;
  wy_buf_putc(out, '\n');
  for (size_t i = 0; i < n;) {
    wy_buf_t item;
    wy_buf_init(&item);
    wy_buf_append_str(&item, "reserved ");
    size_t j = i;
    for (; j < n && r[j].stmt == r[i].stmt; j++) {
      if (j > i) wy_buf_append_str(&item, ", ");
      if (r[j].name)
        quoted(&item, r[j].name);
      else if (r[j].start == r[j].end)
        wy_buf_printf(&item, "%d", (int)r[j].start);
      else if (r[j].end == INT32_MAX) /* Wire keeps `max` as the largest field number */
        wy_buf_printf(&item, "%d to 536870911", (int)r[j].start);
      else
        wy_buf_printf(&item, "%d to %d", (int)r[j].start, (int)r[j].end);
    }
    wy_buf_append_str(&item, ";\n");
    indent_buf(out, &item);
    i = j;
  }
}

static void field_text(wy_buf_t *out, const wy_pb_field_t *f) {
  bool map = strncmp(f->type_text, "map<", 4) == 0;
  if (!map) {
    switch (f->label) {
      case WY_PB_LABEL_OPTIONAL:
        wy_buf_append_str(out, "optional ");
        break;
      case WY_PB_LABEL_REPEATED:
        wy_buf_append_str(out, "repeated ");
        break;
      case WY_PB_LABEL_REQUIRED:
        wy_buf_append_str(out, "required ");
        break;
      default:
        break;
    }
  }
  wy_buf_printf(out, "%s %s = %d", f->type_text, f->name, (int)f->number);
  bracket_options(out, f->options, f->noptions);
  wy_buf_append_str(out, ";\n");
}

static void enum_text(wy_buf_t *out, const wy_pb_enum_t *e) {
  /* Confluent writes neither the reserved statements of an enum nor a blank line
   * between its options and its constants. */
  wy_buf_printf(out, "enum %s {", e->name);
  if (e->noptions || e->nvalues) wy_buf_putc(out, '\n');
  for (size_t i = 0; i < e->noptions; i++) {
    wy_buf_t item;
    wy_buf_init(&item);
    wy_buf_append_str(&item, "option ");
    option_text(&item, &e->options[i]);
    wy_buf_append_str(&item, ";\n");
    indent_buf(out, &item);
  }
  if (e->nvalues) {
    for (size_t i = 0; i < e->nvalues; i++) {
      wy_buf_t item;
      wy_buf_init(&item);
      wy_buf_printf(&item, "%s = %d", e->values[i].name, (int)e->values[i].number);
      bracket_options(&item, e->values[i].options, e->values[i].noptions);
      wy_buf_append_str(&item, ";\n");
      indent_buf(out, &item);
    }
  }
  wy_buf_append_str(out, "}\n");
}

static void message_text(wy_buf_t *out, const wy_pb_message_t *m);

/* The nested (or top-level) types after one blank line: every message (map entries
 * left out) then every enum, each in declaration order; indented inside a message. */
static void types_text(wy_buf_t *out, const wy_pb_message_t *ms, size_t nm, const wy_pb_enum_t *es,
                       size_t ne, bool nested) {
  size_t shown = ne;
  for (size_t i = 0; i < nm; i++)
    if (!ms[i].map_entry) shown++;
  if (!shown) return;
  wy_buf_putc(out, '\n');
  for (size_t i = 0; i < nm + ne; i++) {
    if (i < nm && ms[i].map_entry) continue;
    wy_buf_t item;
    wy_buf_init(&item);
    if (i < nm)
      message_text(&item, &ms[i]);
    else
      enum_text(&item, &es[i - nm]);
    if (nested) {
      indent_buf(out, &item);
    } else {
      wy_buf_append(out, item.data, item.len);
      if (item.oom) out->oom = true;
      wy_buf_free(&item);
    }
  }
}

static void message_text(wy_buf_t *out, const wy_pb_message_t *m) {
  wy_buf_printf(out, "message %s {", m->name);
  reserved_decls(out, m->reserved, m->nreserved);
  option_decls(out, m->options, m->noptions, true);
  bool any = false;
  for (size_t i = 0; i < m->nfields; i++) {
    if (m->fields[i].oneof_index >= 0) continue;
    if (!any) wy_buf_putc(out, '\n');
    any = true;
    wy_buf_t item;
    wy_buf_init(&item);
    field_text(&item, &m->fields[i]);
    indent_buf(out, &item);
  }
  if (m->noneofs) wy_buf_putc(out, '\n');
  for (size_t k = 0; k < m->noneofs; k++) {
    const wy_pb_oneof_t *o = &m->oneofs[k];
    wy_buf_t item;
    wy_buf_init(&item);
    wy_buf_printf(&item, "oneof %s {", o->name);
    option_decls(&item, o->options, o->noptions, true);
    if (o->nfields) wy_buf_putc(&item, '\n');
    for (size_t i = 0; i < o->nfields; i++) {
      wy_buf_t f;
      wy_buf_init(&f);
      field_text(&f, &m->fields[o->first_field + i]);
      indent_buf(&item, &f);
    }
    wy_buf_append_str(&item, "}\n");
    indent_buf(out, &item);
  }
  types_text(out, m->messages, m->nmessages, m->enums, m->nenums, true);
  wy_buf_append_str(out, "}\n");
}

char *wy_pb_render(const wy_pb_schema_t *s) {
  if (!s || !s->file) return NULL;
  const wy_pb_file_t *f = s->file;
  wy_buf_t out;
  wy_buf_init(&out);
  if (f->syntax_declared)
    wy_buf_printf(&out, "syntax = \"%s\";\n",
                  f->syntax == WY_PB_SYNTAX_PROTO3 ? "proto3" : "proto2");
  if (f->package) wy_buf_printf(&out, "package %s;\n", f->package);
  if (f->nimports) {
    wy_buf_putc(&out, '\n');
    for (int pub = 0; pub < 2; pub++) {
      for (size_t i = 0; i < f->nimports; i++) {
        const wy_pb_import_t *im = &f->imports[i];
        if ((im->kind == WY_PB_IMPORT_PUBLIC) != (pub == 1)) continue;
        wy_buf_append_str(&out, pub                             ? "import public "
                                : im->kind == WY_PB_IMPORT_WEAK ? "import weak "
                                                                : "import ");
        quoted(&out, im->path);
        wy_buf_append_str(&out, ";\n");
      }
    }
  }
  option_decls(&out, f->options, f->noptions, false);
  types_text(&out, f->messages, f->nmessages, f->enums, f->nenums, false);
  return wy_buf_take(&out);
}
