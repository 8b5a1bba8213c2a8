/*
 * protobuf_schema.h — the PROTOBUF formats' schema side: a proto3 schema model, the
 * .proto parser, Confluent's canonical text, generation from columns and inference.
 *
 * A wy_pb_schema_t is one parsed or generated .proto file together with everything it
 * depends on: the files it imports (the registry's schema references, passed to the
 * parser as wy_pb_source_t) and the well-known files walleye knows by heart
 * (google/protobuf/timestamp.proto, wrappers.proto, confluent/type/decimal.proto,
 * google/type/date.proto, google/type/timeofday.proto, ...), so every type reference of
 * every field is resolved to a model pointer. The schema owns all of its memory (one
 * arena); free it with wy_pb_schema_free. A schema is immutable once returned, so any
 * number of codecs and threads may read it at once.
 *
 * Maps are modelled as protoc does: a `map<K, V> f = n;` field is a repeated MESSAGE
 * field whose type is a synthetic nested message `FEntry` (map_entry set) with the
 * fields key = 1 and value = 2. The renderer turns it back into `map<K, V>`.
 *
 * The column mapping (wy_pb_message_columns) says which ksqlDB column each field or
 * oneof of a message becomes, in order, so a codec walks fields and columns side by side.
 */
#ifndef WY_PROTOBUF_SCHEMA_H
#define WY_PROTOBUF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/status.h"
#include "engine/base/types.h"
#include "engine/formats/format.h"

/* Field types, numbered as descriptor.proto's FieldDescriptorProto.Type (so the wire
 * codec can index tables by them). GROUP (10) is refused by the parser. */
typedef enum {
  WY_PB_DOUBLE = 1,
  WY_PB_FLOAT = 2,
  WY_PB_INT64 = 3,
  WY_PB_UINT64 = 4,
  WY_PB_INT32 = 5,
  WY_PB_FIXED64 = 6,
  WY_PB_FIXED32 = 7,
  WY_PB_BOOL = 8,
  WY_PB_STRING = 9,
  WY_PB_MESSAGE = 11, /* field->message is set (maps too) */
  WY_PB_BYTES = 12,
  WY_PB_UINT32 = 13,
  WY_PB_ENUM = 14, /* field->enumeration is set */
  WY_PB_SFIXED32 = 15,
  WY_PB_SFIXED64 = 16,
  WY_PB_SINT32 = 17,
  WY_PB_SINT64 = 18
} wy_pb_kind_t;

#define WY_PB_KIND_MAX 18

/* Wire types of the encoding. */
typedef enum {
  WY_PB_WIRE_VARINT = 0,
  WY_PB_WIRE_I64 = 1,
  WY_PB_WIRE_LEN = 2,
  WY_PB_WIRE_SGROUP = 3,
  WY_PB_WIRE_EGROUP = 4,
  WY_PB_WIRE_I32 = 5
} wy_pb_wire_t;

typedef enum {
  WY_PB_LABEL_SINGULAR = 0, /* proto3 field without a label (no presence for scalars) */
  WY_PB_LABEL_OPTIONAL,     /* `optional`: explicit presence (proto3 optional, proto2) */
  WY_PB_LABEL_REPEATED,     /* `repeated` (and every map field) */
  WY_PB_LABEL_REQUIRED      /* proto2 `required` */
} wy_pb_label_t;

typedef enum { WY_PB_SYNTAX_PROTO3 = 0, WY_PB_SYNTAX_PROTO2 } wy_pb_syntax_t;

/* X(tag, full name, file that declares it) — the messages with a special meaning to
 * ksqlDB (Confluent's ProtobufData), recognized by full name when the schema is built. */
#define WY_PB_WKT_LIST(X)                                                                    \
  X(WY_PB_WKT_TIMESTAMP, "google.protobuf.Timestamp", "google/protobuf/timestamp.proto")     \
  X(WY_PB_WKT_DOUBLE_VALUE, "google.protobuf.DoubleValue", "google/protobuf/wrappers.proto") \
  X(WY_PB_WKT_FLOAT_VALUE, "google.protobuf.FloatValue", "google/protobuf/wrappers.proto")   \
  X(WY_PB_WKT_INT64_VALUE, "google.protobuf.Int64Value", "google/protobuf/wrappers.proto")   \
  X(WY_PB_WKT_UINT64_VALUE, "google.protobuf.UInt64Value", "google/protobuf/wrappers.proto") \
  X(WY_PB_WKT_INT32_VALUE, "google.protobuf.Int32Value", "google/protobuf/wrappers.proto")   \
  X(WY_PB_WKT_UINT32_VALUE, "google.protobuf.UInt32Value", "google/protobuf/wrappers.proto") \
  X(WY_PB_WKT_BOOL_VALUE, "google.protobuf.BoolValue", "google/protobuf/wrappers.proto")     \
  X(WY_PB_WKT_STRING_VALUE, "google.protobuf.StringValue", "google/protobuf/wrappers.proto") \
  X(WY_PB_WKT_BYTES_VALUE, "google.protobuf.BytesValue", "google/protobuf/wrappers.proto")   \
  X(WY_PB_WKT_DECIMAL, "confluent.type.Decimal", "confluent/type/decimal.proto")             \
  X(WY_PB_WKT_DATE, "google.type.Date", "google/type/date.proto")                            \
  X(WY_PB_WKT_TIME_OF_DAY, "google.type.TimeOfDay", "google/type/timeofday.proto")

typedef enum {
  WY_PB_WKT_NONE = 0,
#define WY_PB_X_WKT(tag, full, file) tag,
  WY_PB_WKT_LIST(WY_PB_X_WKT)
#undef WY_PB_X_WKT
      WY_PB_WKT__COUNT
} wy_pb_wkt_t;

/* True for the google.protobuf.*Value wrappers (their field `value = 1`). */
bool wy_pb_wkt_is_wrapper(wy_pb_wkt_t w);

typedef struct wy_pb_message wy_pb_message_t;
typedef struct wy_pb_enum wy_pb_enum_t;
typedef struct wy_pb_file wy_pb_file_t;

/* An option as written: `name = value`, `(ext.name) = value`, or an aggregate
 * `(confluent.field_meta) = { params: [{ key: "precision", value: "4" }] }`. Kept so the
 * renderer reproduces it; the parser reads the ones that matter (json_name, packed,
 * map_entry, the Decimal's precision and scale) into the model's fields. */
typedef enum {
  WY_PB_OPT_STRING = 0, /* text holds the unescaped string */
  WY_PB_OPT_NUMBER,     /* text holds the literal: 12, -1.5, inf */
  WY_PB_OPT_IDENT,      /* text holds true, false or an enum constant */
  WY_PB_OPT_MAP,        /* { k: v, ... }: nitems entries (name = key) */
  WY_PB_OPT_LIST        /* [ v, ... ]: nitems values (name NULL) */
} wy_pb_opt_kind_t;

typedef struct wy_pb_option {
  char *name;         /* option or map-entry key, without parentheses; NULL for list items */
  bool parenthesized; /* `(name)`: an extension option */
  wy_pb_opt_kind_t kind;
  char *text;                 /* STRING, NUMBER, IDENT */
  struct wy_pb_option *items; /* MAP, LIST */
  size_t nitems;
} wy_pb_option_t;

typedef struct wy_pb_oneof {
  char *name;
  size_t first_field; /* index in the message's fields of its first member */
  size_t nfields;     /* its members (consecutive in declaration order in the model) */
  wy_pb_option_t *options;
  size_t noptions;
} wy_pb_oneof_t;

typedef struct wy_pb_field {
  char *name;
  int32_t number; /* 1 .. 2^29-1, not in 19000..19999 */
  wy_pb_label_t label;
  wy_pb_kind_t kind;
  const wy_pb_message_t *message;  /* WY_PB_MESSAGE: the resolved type (never NULL) */
  const wy_pb_enum_t *enumeration; /* WY_PB_ENUM: the resolved type (never NULL) */
  int oneof_index;                 /* index into the message's oneofs, or -1 */
  bool packed;                     /* repeated scalars: written packed (proto3 default true) */
  char *json_name;                 /* [json_name = "..."], or NULL */
  char *type_text;                 /* the type as written, for rendering: "int32", "Event",
                                      ".pkg.M", "map<string, int32>" */
  /* [(confluent.field_meta).params]: DECIMAL precision/scale of a confluent.type.Decimal
   * field, -1 when absent. */
  int decimal_precision;
  int decimal_scale;
  wy_pb_option_t *options; /* every option as written, in order */
  size_t noptions;
  int line, column; /* where it was declared (1-based), 0 when generated */
} wy_pb_field_t;

typedef struct wy_pb_enum_value {
  char *name;
  int32_t number;
  wy_pb_option_t *options;
  size_t noptions;
} wy_pb_enum_value_t;

/* `reserved 2, 15, 9 to 11, 40 to max;` / `reserved "foo", "bar";` */
typedef struct wy_pb_reserved {
  char *name;         /* a reserved name, or NULL for a range */
  int32_t start, end; /* inclusive range; end INT32_MAX stands for `max` */
  int stmt;           /* entries of one `reserved` statement share it */
} wy_pb_reserved_t;

struct wy_pb_enum {
  char *name;
  char *full_name;               /* "pkg.Outer.Suit" (no leading dot) */
  const wy_pb_message_t *parent; /* NULL for a top-level enum */
  const wy_pb_file_t *file;
  int decl_order;             /* position among its scope's declared messages and enums */
  wy_pb_enum_value_t *values; /* declaration order; values[0] is the proto3 default */
  size_t nvalues;
  wy_pb_reserved_t *reserved;
  size_t nreserved;
  wy_pb_option_t *options;
  size_t noptions;
};

struct wy_pb_message {
  char *name;
  char *full_name;               /* "pkg.Outer.Inner" (no leading dot) */
  const wy_pb_message_t *parent; /* enclosing message, NULL for a top-level one */
  const wy_pb_file_t *file;
  int decl_order;        /* position among its scope's declared messages and enums */
  wy_pb_wkt_t wkt;       /* which well-known type this is, else WY_PB_WKT_NONE */
  bool map_entry;        /* the synthetic XxxEntry message of a map field */
  wy_pb_field_t *fields; /* declaration order, oneof members included */
  size_t nfields;
  /* nested messages, in order, map entries included (protoc's order); the wire
   * format's message indexes skip map entries (see wy_pb_message_at) */
  wy_pb_message_t *messages;
  size_t nmessages;
  wy_pb_enum_t *enums; /* nested enums, in order */
  size_t nenums;
  wy_pb_oneof_t *oneofs; /* real oneofs only (proto3 `optional` makes none) */
  size_t noneofs;
  wy_pb_reserved_t *reserved;
  size_t nreserved;
  wy_pb_option_t *options;
  size_t noptions;
  /* wy_pb_field_by_number's index, built when the schema is linked: by_number[n] for
   * n < nby_number when dense, else the fields sorted by number. Private. */
  const wy_pb_field_t **by_number;
  size_t nby_number;
  bool by_number_dense;
};

typedef enum { WY_PB_IMPORT_PLAIN = 0, WY_PB_IMPORT_PUBLIC, WY_PB_IMPORT_WEAK } wy_pb_import_kind_t;

typedef struct wy_pb_import {
  char *path; /* "google/protobuf/timestamp.proto" */
  wy_pb_import_kind_t kind;
  const wy_pb_file_t *file; /* resolved file (a reference or a well-known file) */
} wy_pb_import_t;

struct wy_pb_file {
  char *name;            /* "event.proto"; NULL for the schema's own text */
  wy_pb_syntax_t syntax; /* proto2 files are accepted as far as ksqlDB's mapping goes */
  bool syntax_declared;  /* `syntax = ...;` was written (the renderer writes it back) */
  char *package;         /* NULL when none */
  wy_pb_import_t *imports;
  size_t nimports;
  wy_pb_option_t *options;
  size_t noptions;
  wy_pb_message_t *messages; /* top-level messages, in order */
  size_t nmessages;
  wy_pb_enum_t *enums; /* top-level enums, in order */
  size_t nenums;
};

/* A parsed or generated schema: the main file and all files it depends on. */
typedef struct wy_pb_schema {
  const wy_pb_file_t *file;       /* the main file (never NULL) */
  struct wy_pb_schema_impl *impl; /* owner of the memory; private */
} wy_pb_schema_t;

/* A referenced file: the registry's schema references ({name, schema} pairs). */
typedef struct wy_pb_source {
  const char *name; /* the import path, e.g. "event.proto" */
  const char *text;
} wy_pb_source_t;

/* ---- parsing ---- */

/* Parse .proto text (with the files it imports, deps[0..ndeps), which may import each
 * other; the well-known files are built in) and resolve every type reference. Syntax
 * errors, unresolved names and invalid declarations fail with WY_ERR_INVALID,
 * err->line/err->column set (1-based) and a message such as
 * "2:16: syntax error at '3': expected '='" or "3:11: type 'Foo' of field 'x' is not
 * defined (import \"foo.proto\" was not supplied)"; errors in a dependency are
 * prefixed "in foo.proto: ". An import neither supplied nor built in is tolerated
 * until a type needs it. Never reads outside the strings; any input is safe. */
wy_status_t wy_pb_parse(const char *text, const wy_pb_source_t *deps, size_t ndeps,
                        wy_pb_schema_t **out, wy_error_t *err);
void wy_pb_schema_free(wy_pb_schema_t *s); /* accepts NULL */

/* ---- lookup ---- */

/* A message by full name ("pkg.Outer.Inner", leading dot allowed) or, when no message
 * has that full name, by simple name among the main file's top-level messages. Any
 * file of the schema is searched by full name. NULL when none. */
const wy_pb_message_t *wy_pb_find_message(const wy_pb_schema_t *s, const char *name);

/* The message a Confluent message-index path points at: idx[0] indexes the main file's
 * top-level messages, idx[1] the nested messages of that one (map entries not counted,
 * as Confluent counts the .proto's message declarations), and so on. An empty path
 * (n == 0) means the first message, as in the wire format's single 0 byte. NULL when an
 * index is out of range. */
const wy_pb_message_t *wy_pb_message_at(const wy_pb_schema_t *s, const int32_t *idx, size_t n);

/* The inverse: fills idx[0..cap) with m's path and returns its length (may exceed cap;
 * then idx is incomplete). m must belong to s's main file. */
size_t wy_pb_message_path(const wy_pb_message_t *m, int32_t *idx, size_t cap);

/* A message's field by number, or NULL: one array load when the numbers are small
 * (up to 4 x nfields + 32), else a binary search. For the codec's per-tag lookups. */
const wy_pb_field_t *wy_pb_field_by_number(const wy_pb_message_t *m, int32_t number);

/* Map helpers: is f a map field (repeated, of a map_entry message)? Then its key and
 * value fields. */
bool wy_pb_field_is_map(const wy_pb_field_t *f);
const wy_pb_field_t *wy_pb_map_key(const wy_pb_field_t *f);
const wy_pb_field_t *wy_pb_map_value(const wy_pb_field_t *f);

/* The wire type a value of this kind is written with (unpacked). */
wy_pb_wire_t wy_pb_kind_wire_type(wy_pb_kind_t k);
/* "int32", "string", ... for scalar kinds; "message", "enum" otherwise. */
const char *wy_pb_kind_name(wy_pb_kind_t k);
/* The tag's full name, "google.protobuf.Timestamp"; "" for WY_PB_WKT_NONE. */
const char *wy_pb_wkt_full_name(wy_pb_wkt_t w);

/* ---- canonical text ---- */

/* The schema's main file as Confluent's ProtobufSchema.canonicalString() writes it
 * (what ksqlDB registers and QTT compares): `syntax = "proto3";`, the package, a blank
 * line and the imports, a blank line and the options, a blank line and every top-level
 * message then every enum. In a message, after a blank line each: reserved, options,
 * fields (maps as map<K, V>), oneofs, nested messages then enums; two-space indentation
 * line by line. Parsing the result renders it again unchanged. malloc'd; NULL only on
 * ENOMEM. See docs/protobuf.md. */
char *wy_pb_render(const wy_pb_schema_t *s);

/* ---- generation (sink schemas) ---- */

/* VALUE_PROTOBUF_NULLABLE_REPRESENTATION / KEY_... */
typedef enum {
  WY_PB_NULLABLE_DEFAULT = 0, /* plain proto3 fields (null reads back as the default) */
  WY_PB_NULLABLE_OPTIONAL,    /* `optional` fields */
  WY_PB_NULLABLE_WRAPPER      /* google.protobuf.*Value wrappers for primitives */
} wy_pb_nullable_t;

typedef struct wy_pb_gen_options {
  /* VALUE_SCHEMA_FULL_NAME / KEY_SCHEMA_FULL_NAME: "pkg.Name" gives `package pkg;` and
   * message Name; NULL means ksqlDB's default (no package, message ConnectDefault1). */
  const char *full_name;
  wy_pb_nullable_t nullable;
  /* One anonymous column written as a bare value (WRAP_SINGLE_VALUE=false). PROTOBUF
   * cannot: the call fails as ksqlDB does. */
  bool unwrapped;
} wy_pb_gen_options_t;

/* The schema ksqlDB registers for a sink with these columns (ksqlDB -> Connect schema ->
 * Confluent ProtobufData): message ConnectDefault1 (or the full name's), one field per
 * column numbered from 1, STRUCTs as nested messages ConnectDefault2, 3, ... in
 * depth-first order (from ConnectDefault1 when full_name is set; a MAP uses up a
 * number), ARRAY -> repeated, MAP -> map<K, V>, DECIMAL -> confluent.type.Decimal with
 * field_meta precision/scale, TIMESTAMP -> google.protobuf.Timestamp, DATE ->
 * google.type.Date, TIME -> google.type.TimeOfDay, BYTES -> bytes. opts may be NULL.
 * Refused: unwrapped (WY_ERR_UNSUPPORTED, ksqlDB's message), ARRAY of ARRAY or MAP,
 * MAP keys other than INT/BIGINT/BOOLEAN/STRING, MAP values that are ARRAY or MAP
 * (WY_ERR_UNSUPPORTED), a column name that is not [A-Za-z][A-Za-z0-9_]*
 * (WY_ERR_ANALYSIS), a blank or invalid full_name (WY_ERR_CONFIG). */
wy_status_t wy_pb_from_columns(const wy_format_schema_t *cols, const wy_pb_gen_options_t *opts,
                               wy_pb_schema_t **out, wy_error_t *err);

/* ---- inference and the column mapping ---- */

typedef struct wy_pb_infer_options {
  /* Zero-initialized options are ksqlDB's defaults for a new source. */
  /* Keep field names as written (ksqlDB does when the schema was named by
   * VALUE_SCHEMA_ID/KEY_SCHEMA_ID); by default they are upper-cased, nested STRUCT
   * field names too. */
  bool keep_names;
  /* unwrapPrimitives=false: google.protobuf.*Value wrappers read as STRUCT<value T>
   * instead of their primitive (the default). */
  bool wrappers_as_structs;
} wy_pb_infer_options_t;

/* One column of a message: the field it reads, or the oneof it stands for (a STRUCT of
 * the oneof's members, in member order, named "<oneof>_<index>" as Connect does). */
typedef struct wy_pb_column {
  char *name;
  const wy_type_t *type;      /* one reference, owned by the column */
  const wy_pb_field_t *field; /* NULL for a oneof column */
  const wy_pb_oneof_t *oneof; /* NULL for a field column */
} wy_pb_column_t;

/* The ksqlDB columns of message m, in Connect's order: first one per oneof (a STRUCT
 * of its members, named "<oneof>_<index>"), then one per field not in a oneof.
 * int32/sint32/sfixed32 -> INTEGER, uint32/fixed32 and the 64-bit kinds -> BIGINT, float/double ->
 * DOUBLE, bool -> BOOLEAN, string and enums -> STRING, bytes -> BYTES, repeated -> ARRAY, maps ->
 * MAP, messages -> STRUCT (recursively), Timestamp -> TIMESTAMP, Date -> DATE, TimeOfDay -> TIME,
 * Decimal -> DECIMAL(p, s), wrappers per wrappers_as_structs. opts may be NULL. Fails with
 * WY_ERR_UNSUPPORTED for a recursive message type. Free with wy_pb_columns_free. */
wy_status_t wy_pb_message_columns(const wy_pb_message_t *m, const wy_pb_infer_options_t *opts,
                                  wy_pb_column_t **out, size_t *nout, wy_error_t *err);
void wy_pb_columns_free(wy_pb_column_t *cols, size_t n);

/* The SQL type of one field (as its column or STRUCT member would have). */
wy_status_t wy_pb_field_sql_type(const wy_pb_field_t *f, const wy_pb_infer_options_t *opts,
                                 const wy_type_t **out, wy_error_t *err);

/* Schema inference for CREATE without columns: the columns of the message named
 * full_name (VALUE_SCHEMA_FULL_NAME; NULL = the first top-level message), in the
 * wy_format_column_t form the analyzer takes (free with wy_pb_format_columns_free).
 * An unknown full_name fails with WY_ERR_NOT_FOUND. */
wy_status_t wy_pb_infer_columns(const wy_pb_schema_t *s, const char *full_name,
                                const wy_pb_infer_options_t *opts, wy_format_column_t **cols_out,
                                size_t *ncols_out, wy_error_t *err);
void wy_pb_format_columns_free(wy_format_column_t *cols, size_t n);

/* ---- compatibility (the registry's check) ---- */

/* Can a consumer with `update` read data written with `original`, as Confluent's
 * ProtobufSchema.isBackwardCompatible decides (SchemaDiff: messages matched by name,
 * fields by number; incompatible: package changed, message removed, a field's kind,
 * scalar group or message type changed, numeric repeated <-> singular, required field
 * added/removed, oneof member removed, fields moved into oneofs)? BACKWARD checks
 * (registered, new), FORWARD (new, registered). *ok gets the answer and why (may be
 * NULL) the first reason, naming the message and the field. Fails only on bad
 * arguments. */
wy_status_t wy_pb_schema_compatible(const wy_pb_schema_t *original, const wy_pb_schema_t *update,
                                    bool *ok, char *why, size_t whycap, wy_error_t *err);

#endif
