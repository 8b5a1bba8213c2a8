/* engine/formats protobuf schema side: the .proto parser (resolution, references,
 * well-known files, errors with line:col, hostile input), Confluent's canonical text,
 * the schema generated for a sink's columns and the columns inferred from a schema. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/protobuf_schema.h"

static wy_error_t err;

static wy_pb_schema_t *parse_ok(const char *text) {
  wy_pb_schema_t *s = NULL;
  wy_error_clear(&err);
  wy_status_t st = wy_pb_parse(text, NULL, 0, &s, &err);
  if (st != WY_OK) fail_msg("parse failed: %s", err.msg);
  return s;
}

/* Parse text, expecting an error at line:col whose message contains want. */
static void parse_fails(const char *text, int line, int col, const char *want) {
  wy_pb_schema_t *s = NULL;
  wy_error_clear(&err);
  assert_int_not_equal(wy_pb_parse(text, NULL, 0, &s, &err), WY_OK);
  assert_null(s);
  if (!strstr(err.msg, want)) fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
  if (err.line != line || err.column != col)
    fail_msg("error \"%s\" at %d:%d, expected %d:%d", err.msg, err.line, err.column, line, col);
}

static char *render_text(const char *text) {
  wy_pb_schema_t *s = parse_ok(text);
  char *r = wy_pb_render(s);
  assert_non_null(r);
  wy_pb_schema_free(s);
  return r;
}

static void assert_renders(const char *text, const char *want) {
  char *r = render_text(text);
  assert_string_equal(r, want);
  /* the canonical text is a fixed point */
  char *again = render_text(r);
  assert_string_equal(again, r);
  free(again);
  free(r);
}

/* ---- parsing and the model ---- */

static const char *WAREHOUSE =
    "// a warehouse\n"
    "syntax = \"proto3\";\n"
    "package depot.v1;\n"
    "import \"google/protobuf/timestamp.proto\";\n"
    "message Shelf {\n"
    "  string label = 1;\n"
    "  repeated Bin bins = 2;\n"
    "  map<string, Bin> by_code = 3;\n"
    "  Kind kind = 4;\n"
    "  google.protobuf.Timestamp checked = 5;\n"
    "  oneof owner { string team = 6; int64 person = 7; }\n"
    "  optional sint32 level = 8;\n"
    "  repeated fixed64 weights = 9;\n"
    "  message Bin { uint32 slot = 1; .depot.v1.Shelf.Kind kind = 2; }\n"
    "  enum Kind { KIND_UNSET = 0; COLD = 3; }\n"
    "}\n"
    "message Aisle { repeated Shelf shelves = 1; Shelf.Bin spare = 2; }\n";

static void model_resolves_types_scopes_and_maps(void **state) {
  (void)state;
  wy_pb_schema_t *s = parse_ok(WAREHOUSE);
  const wy_pb_file_t *f = s->file;
  assert_string_equal(f->package, "depot.v1");
  assert_int_equal(f->syntax, WY_PB_SYNTAX_PROTO3);
  assert_int_equal(f->nmessages, 2);
  assert_non_null(f->imports[0].file); /* the built-in timestamp.proto */

  const wy_pb_message_t *shelf = &f->messages[0];
  assert_string_equal(shelf->full_name, "depot.v1.Shelf");
  assert_int_equal(shelf->nfields, 9);
  const wy_pb_field_t *bins = &shelf->fields[1];
  assert_int_equal(bins->label, WY_PB_LABEL_REPEATED);
  assert_int_equal(bins->kind, WY_PB_MESSAGE);
  assert_string_equal(bins->message->full_name, "depot.v1.Shelf.Bin");
  assert_ptr_equal(bins->message->parent, shelf);

  const wy_pb_field_t *by_code = &shelf->fields[2];
  assert_true(wy_pb_field_is_map(by_code));
  assert_true(by_code->message->map_entry);
  assert_string_equal(by_code->message->name, "ByCodeEntry");
  assert_int_equal(wy_pb_map_key(by_code)->kind, WY_PB_STRING);
  assert_ptr_equal(wy_pb_map_value(by_code)->message, bins->message);

  assert_int_equal(shelf->fields[3].kind, WY_PB_ENUM);
  assert_string_equal(shelf->fields[3].enumeration->full_name, "depot.v1.Shelf.Kind");
  assert_int_equal(shelf->fields[4].message->wkt, WY_PB_WKT_TIMESTAMP);
  assert_int_equal(shelf->noneofs, 1);
  assert_int_equal(shelf->fields[5].oneof_index, 0);
  assert_int_equal(shelf->fields[6].oneof_index, 0);
  assert_int_equal(shelf->oneofs[0].first_field, 5);
  assert_int_equal(shelf->oneofs[0].nfields, 2);
  assert_int_equal(shelf->fields[7].label, WY_PB_LABEL_OPTIONAL);
  assert_int_equal(shelf->fields[7].oneof_index, -1); /* proto3 optional: no real oneof */
  assert_true(shelf->fields[8].packed);               /* proto3 packs repeated scalars */
  assert_false(bins->packed);

  /* relative, nested and absolute references */
  const wy_pb_message_t *bin = bins->message;
  assert_ptr_equal(bin->fields[1].enumeration, shelf->fields[3].enumeration);
  const wy_pb_message_t *aisle = &f->messages[1];
  assert_ptr_equal(aisle->fields[0].message, shelf);
  assert_ptr_equal(aisle->fields[1].message, bin);

  assert_ptr_equal(wy_pb_field_by_number(shelf, 7), &shelf->fields[6]);
  assert_null(wy_pb_field_by_number(shelf, 99));
  wy_pb_schema_free(s);
}

static void lookup_by_name_and_message_index(void **state) {
  (void)state;
  wy_pb_schema_t *s = parse_ok(WAREHOUSE);
  const wy_pb_message_t *shelf = &s->file->messages[0];
  const wy_pb_message_t *aisle = &s->file->messages[1];
  assert_ptr_equal(wy_pb_find_message(s, "depot.v1.Aisle"), aisle);
  assert_ptr_equal(wy_pb_find_message(s, ".depot.v1.Shelf"), shelf);
  assert_ptr_equal(wy_pb_find_message(s, "Aisle"), aisle); /* simple name, top level */
  assert_null(wy_pb_find_message(s, "Nope"));
  const wy_pb_message_t *bin = wy_pb_find_message(s, "depot.v1.Shelf.Bin");
  assert_non_null(bin);
  assert_string_equal(wy_pb_find_message(s, "google.protobuf.Timestamp")->name, "Timestamp");

  assert_ptr_equal(wy_pb_message_at(s, NULL, 0), shelf); /* the wire's single 0 */
  int32_t one[] = {1};
  assert_ptr_equal(wy_pb_message_at(s, one, 1), aisle);
  /* the map entry ByCodeEntry (declared before Bin by protoc) is not counted */
  int32_t nested[] = {0, 0};
  assert_ptr_equal(wy_pb_message_at(s, nested, 2), bin);
  int32_t out_of_range[] = {0, 1};
  assert_null(wy_pb_message_at(s, out_of_range, 2));
  int32_t negative[] = {-1};
  assert_null(wy_pb_message_at(s, negative, 1));

  int32_t path[4];
  assert_int_equal(wy_pb_message_path(bin, path, 4), 2);
  assert_int_equal(path[0], 0);
  assert_int_equal(path[1], 0);
  assert_int_equal(wy_pb_message_path(aisle, path, 4), 1);
  assert_int_equal(path[0], 1);
  wy_pb_schema_free(s);
}

static void references_and_well_known_files(void **state) {
  (void)state;
  const char *main_text =
      "syntax = \"proto3\";\nimport \"parts/bolt.proto\";\n"
      "import \"google/protobuf/wrappers.proto\";\n"
      "message Crate { hw.Bolt bolt = 1; google.protobuf.UInt32Value count = 2; }";
  wy_pb_source_t deps[] = {
      {"parts/bolt.proto",
       "syntax = \"proto3\"; package hw; import \"parts/thread.proto\";\n"
       "message Bolt { Thread thread = 1; double length_mm = 2; }"},
      {"parts/thread.proto",
       "syntax = \"proto3\"; package hw; message Thread { float pitch = 1; }"},
  };
  wy_pb_schema_t *s = NULL;
  wy_error_clear(&err);
  assert_int_equal(wy_pb_parse(main_text, deps, 2, &s, &err), WY_OK);
  const wy_pb_message_t *crate = &s->file->messages[0];
  assert_string_equal(crate->fields[0].message->full_name, "hw.Bolt");
  assert_string_equal(crate->fields[0].message->fields[0].message->full_name, "hw.Thread");
  assert_string_equal(crate->fields[0].message->file->name, "parts/bolt.proto");
  assert_int_equal(crate->fields[1].message->wkt, WY_PB_WKT_UINT32_VALUE);
  assert_true(wy_pb_wkt_is_wrapper(crate->fields[1].message->wkt));
  assert_false(wy_pb_wkt_is_wrapper(WY_PB_WKT_TIMESTAMP));
  assert_string_equal(wy_pb_wkt_full_name(WY_PB_WKT_DECIMAL), "confluent.type.Decimal");
  wy_pb_schema_free(s);

  /* without the reference the type is unknown, and the error says where */
  assert_int_not_equal(wy_pb_parse(main_text, NULL, 0, &s, &err), WY_OK);
  assert_non_null(strstr(err.msg, "hw.Bolt"));
  assert_non_null(strstr(err.msg, "import \"parts/bolt.proto\" was not supplied"));
  assert_int_equal(err.line, 4);

  /* an error inside a reference names it */
  wy_pb_source_t bad[] = {{"parts/bolt.proto", "message Bolt { int32 x = 1 }"}};
  assert_int_not_equal(wy_pb_parse(main_text, bad, 1, &s, &err), WY_OK);
  assert_non_null(strstr(err.msg, "parts/bolt.proto"));
}

static void kinds_and_wire_types(void **state) {
  (void)state;
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_SINT64), WY_PB_WIRE_VARINT);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_ENUM), WY_PB_WIRE_VARINT);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_FIXED32), WY_PB_WIRE_I32);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_FLOAT), WY_PB_WIRE_I32);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_SFIXED64), WY_PB_WIRE_I64);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_DOUBLE), WY_PB_WIRE_I64);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_BYTES), WY_PB_WIRE_LEN);
  assert_int_equal(wy_pb_kind_wire_type(WY_PB_MESSAGE), WY_PB_WIRE_LEN);
  assert_string_equal(wy_pb_kind_name(WY_PB_SFIXED32), "sfixed32");
  wy_pb_schema_t *s =
      parse_ok("message P { repeated int32 a = 1 [packed = false]; repeated string b = 2; }");
  assert_int_equal(s->file->syntax, WY_PB_SYNTAX_PROTO2); /* no syntax statement */
  assert_false(s->file->messages[0].fields[0].packed);
  assert_false(s->file->messages[0].fields[1].packed);
  wy_pb_schema_free(s);
  /* lookups by number, dense and sparse */
  s = parse_ok(
      "message Sparse { int32 c = 900000; int32 a = 3; int32 b = 70; }"
      "message Dense { int32 z = 2; int32 y = 1; }");
  const wy_pb_message_t *sp = &s->file->messages[0], *de = &s->file->messages[1];
  assert_ptr_equal(wy_pb_field_by_number(sp, 900000), &sp->fields[0]);
  assert_ptr_equal(wy_pb_field_by_number(sp, 3), &sp->fields[1]);
  assert_ptr_equal(wy_pb_field_by_number(sp, 70), &sp->fields[2]);
  assert_null(wy_pb_field_by_number(sp, 4));
  assert_null(wy_pb_field_by_number(sp, 1000000));
  assert_ptr_equal(wy_pb_field_by_number(de, 1), &de->fields[1]);
  assert_ptr_equal(wy_pb_field_by_number(de, 2), &de->fields[0]);
  assert_null(wy_pb_field_by_number(de, 0));
  assert_null(wy_pb_field_by_number(de, 3));
  assert_null(wy_pb_field_by_number(de, -5));
  wy_pb_schema_free(s);
}

/* ---- canonical text ---- */

static void canonical_text_of_a_rich_file(void **state) {
  (void)state;
  assert_renders(
      "syntax = 'proto3'; package zoo;\n"
      "import public \"google/protobuf/wrappers.proto\"; import \"google/type/date.proto\";\n"
      "option java_multiple_files = true; option java_package = \"org.zoo\";\n"
      "enum Diet { DIET_UNKNOWN = 0; HERBIVORE = 1 [deprecated = true]; }\n"
      "message Animal {\n"
      "  reserved 4, 10 to 12, 90 to max; reserved \"legs\";\n"
      "  option deprecated = false;\n"
      "  enum Mood { option allow_alias = true; CALM = 0; ANGRY = 1; GRUMPY = 1; }\n"
      "  message Tag { string text = 1; }\n"
      "  string name = 1 [json_name = \"animalName\", deprecated = true];\n"
      "  oneof home { string zoo_name = 2; int32 pen = 3; }\n"
      "  map<int64, Tag> tags = 5;\n"
      "  google.type.Date born = 6;\n"
      "  repeated Diet diets = 7 [packed = true];\n"
      "  google.protobuf.StringValue nick = 8 [(ext.note) = { text: \"a\\tb\" list: [1, 2] inner { "
      "x: ENUM_X } }];\n"
      "}\n",
      "syntax = \"proto3\";\n"
      "package zoo;\n"
      "\n"
      "import \"google/type/date.proto\";\n"
      "import public \"google/protobuf/wrappers.proto\";\n"
      "\n"
      "option java_multiple_files = true;\n"
      "option java_package = \"org.zoo\";\n"
      "\n"
      "message Animal {\n"
      "  reserved 4, 10 to 12, 90 to 536870911;\n"
      "  reserved \"legs\";\n"
      "\n"
      "  option deprecated = false;\n"
      "\n"
      "  string name = 1 [\n"
      "    deprecated = true,\n"
      "    json_name = \"animalName\"\n"
      "  ];\n"
      "  map<int64, Tag> tags = 5;\n"
      "  google.type.Date born = 6;\n"
      "  repeated Diet diets = 7 [packed = true];\n"
      "  google.protobuf.StringValue nick = 8 [(ext.note) = {\n"
      "    text: \"a\\tb\",\n"
      "    list: [\n"
      "      1,\n"
      "      2\n"
      "    ],\n"
      "    inner: {\n"
      "      x: ENUM_X\n"
      "    }\n"
      "  }];\n"
      "\n"
      "  oneof home {\n"
      "    string zoo_name = 2;\n"
      "    int32 pen = 3;\n"
      "  }\n"
      "\n"
      "  message Tag {\n"
      "    string text = 1;\n"
      "  }\n"
      "  enum Mood {\n"
      "    option allow_alias = true;\n"
      "    CALM = 0;\n"
      "    ANGRY = 1;\n"
      "    GRUMPY = 1;\n"
      "  }\n"
      "}\n"
      "enum Diet {\n"
      "  DIET_UNKNOWN = 0;\n"
      "  HERBIVORE = 1 [deprecated = true];\n"
      "}\n");
}

static void canonical_text_nesting_and_comments(void **state) {
  (void)state;
  /* blank lines inside nested messages are indented too, as Wire's appendIndented does;
   * comments, services and extend blocks leave no trace */
  assert_renders(
      "/* header */ syntax = \"proto3\";\n"
      "message Outer { // trailing\n"
      "  message Mid { message Leaf { bool on = 1; } Leaf leaf = 1; }\n"
      "  Mid mid = 1;\n"
      "  extensions 100 to 200;\n"
      "}\n"
      "message Empty {}\n"
      "service Api { rpc Call (Outer) returns (stream Empty) { option deadline = 5; } }\n",
      "syntax = \"proto3\";\n"
      "\n"
      "message Outer {\n"
      "  Mid mid = 1;\n"
      "\n"
      "  message Mid {\n"
      "    Leaf leaf = 1;\n"
      "  \n"
      "    message Leaf {\n"
      "      bool on = 1;\n"
      "    }\n"
      "  }\n"
      "}\n"
      "message Empty {}\n");
  /* proto2 without a syntax statement keeps none, and its labels */
  assert_renders(
      "package a.b; message R { required int32 id = 1; optional string s = 2 [default = \"x\"]; }",
      "package a.b;\n\nmessage R {\n  required int32 id = 1;\n  optional string s = 2 [default = "
      "\"x\"];\n}\n");
}

/* ---- generation ---- */

static wy_pb_schema_t *generate(const wy_format_column_t *cols, size_t n, const char *full_name,
                                wy_pb_nullable_t nullable) {
  wy_format_schema_t fs = {n, cols};
  wy_pb_gen_options_t opts = {full_name, nullable, false};
  wy_pb_schema_t *s = NULL;
  wy_error_clear(&err);
  if (wy_pb_from_columns(&fs, &opts, &s, &err) != WY_OK) fail_msg("generation failed: %s", err.msg);
  return s;
}

static void assert_generates(const wy_format_column_t *cols, size_t n, const char *full_name,
                             wy_pb_nullable_t nullable, const char *want) {
  wy_pb_schema_t *s = generate(cols, n, full_name, nullable);
  char *r = wy_pb_render(s);
  assert_string_equal(r, want);
  free(r);
  wy_pb_schema_free(s);
}

static void generation_of_primitives_per_nullable_representation(void **state) {
  (void)state;
  wy_format_column_t cols[] = {
      {"FLAG", wy_type_boolean()}, {"QTY", wy_type_int()},     {"TOTAL", wy_type_bigint()},
      {"RATIO", wy_type_double()}, {"CODE", wy_type_string()}, {"BLOB", wy_type_bytes()},
  };
  assert_generates(cols, 6, NULL, WY_PB_NULLABLE_DEFAULT,
                   "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n"
                   "  bool FLAG = 1;\n  int32 QTY = 2;\n  int64 TOTAL = 3;\n"
                   "  double RATIO = 4;\n  string CODE = 5;\n  bytes BLOB = 6;\n}\n");
  assert_generates(
      cols, 6, NULL, WY_PB_NULLABLE_OPTIONAL,
      "syntax = \"proto3\";\n\nmessage ConnectDefault1 {\n"
      "  optional bool FLAG = 1;\n  optional int32 QTY = 2;\n  optional int64 TOTAL = 3;\n"
      "  optional double RATIO = 4;\n  optional string CODE = 5;\n  optional bytes BLOB = 6;\n}\n");
  assert_generates(
      cols, 6, NULL, WY_PB_NULLABLE_WRAPPER,
      "syntax = \"proto3\";\n\nimport \"google/protobuf/wrappers.proto\";\n\n"
      "message ConnectDefault1 {\n"
      "  google.protobuf.BoolValue FLAG = 1;\n  google.protobuf.Int32Value QTY = 2;\n"
      "  google.protobuf.Int64Value TOTAL = 3;\n  google.protobuf.DoubleValue RATIO = 4;\n"
      "  google.protobuf.StringValue CODE = 5;\n  google.protobuf.BytesValue BLOB = 6;\n}\n");
}

static void generation_of_logical_and_nested_types(void **state) {
  (void)state;
  wy_type_t *inner = wy_type_struct_new();
  assert_true(wy_type_struct_add(inner, "DEPTH", wy_type_int()));
  wy_type_t *outer = wy_type_struct_new();
  assert_true(wy_type_struct_add(outer, "INNER", inner));
  assert_true(wy_type_struct_add(outer, "WHEN", wy_type_date()));
  wy_type_t *elem = wy_type_struct_new();
  assert_true(wy_type_struct_add(elem, "N", wy_type_bigint()));
  const wy_type_t *arr = wy_type_array(elem);
  const wy_type_t *smap = wy_type_map(wy_type_int(), wy_type_string());
  const wy_type_t *dec = wy_type_decimal(7, 3);
  wy_format_column_t cols[] = {
      {"PRICE", dec},
      {"AT", wy_type_timestamp()},
      {"OPENS", wy_type_time()},
      {"SPOT", outer},
      {"ITEMS", arr},
      {"LABELS", smap},
      {"NAMES", wy_type_array(wy_type_string())},
  };
  assert_generates(cols, 7, "com.acme.Stock", WY_PB_NULLABLE_DEFAULT,
                   "syntax = \"proto3\";\n"
                   "package com.acme;\n"
                   "\n"
                   "import \"confluent/meta.proto\";\n"
                   "import \"confluent/type/decimal.proto\";\n"
                   "import \"google/protobuf/timestamp.proto\";\n"
                   "import \"google/type/timeofday.proto\";\n"
                   "import \"google/type/date.proto\";\n"
                   "\n"
                   "message Stock {\n"
                   "  confluent.type.Decimal PRICE = 1 [(confluent.field_meta) = {\n"
                   "    params: [\n"
                   "      {\n"
                   "        key: \"precision\",\n"
                   "        value: \"7\"\n"
                   "      },\n"
                   "      {\n"
                   "        key: \"scale\",\n"
                   "        value: \"3\"\n"
                   "      }\n"
                   "    ]\n"
                   "  }];\n"
                   "  google.protobuf.Timestamp AT = 2;\n"
                   "  google.type.TimeOfDay OPENS = 3;\n"
                   "  ConnectDefault1 SPOT = 4;\n"
                   "  repeated ConnectDefault3 ITEMS = 5;\n"
                   "  map<int32, string> LABELS = 6;\n"
                   "  repeated string NAMES = 7;\n"
                   "\n"
                   "  message ConnectDefault1 {\n"
                   "    ConnectDefault2 INNER = 1;\n"
                   "    google.type.Date WHEN = 2;\n"
                   "  \n"
                   "    message ConnectDefault2 {\n"
                   "      int32 DEPTH = 1;\n"
                   "    }\n"
                   "  }\n"
                   "  message ConnectDefault3 {\n"
                   "    int64 N = 1;\n"
                   "  }\n"
                   "}\n");
  /* the generated model is resolved like a parsed one, and infers back to the columns */
  wy_pb_schema_t *s = generate(cols, 7, "com.acme.Stock", WY_PB_NULLABLE_DEFAULT);
  const wy_pb_message_t *m = wy_pb_find_message(s, "com.acme.Stock");
  assert_non_null(m);
  assert_int_equal(m->fields[0].decimal_precision, 7);
  assert_int_equal(m->fields[0].decimal_scale, 3);
  wy_format_column_t *back;
  size_t n;
  assert_int_equal(wy_pb_infer_columns(s, NULL, NULL, &back, &n, &err), WY_OK);
  assert_int_equal(n, 7);
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(back[i].name, cols[i].name);
    if (!wy_type_equal(back[i].type, cols[i].type))
      fail_msg("column %s changed type", cols[i].name);
  }
  wy_pb_format_columns_free(back, n);
  wy_pb_schema_free(s);
  for (size_t i = 0; i < 7; i++) wy_type_unref(cols[i].type);
}

static void generation_nullable_representations_reach_nested_values(void **state) {
  (void)state;
  wy_type_t *point = wy_type_struct_new();
  assert_true(wy_type_struct_add(point, "X", wy_type_double()));
  const wy_type_t *tags = wy_type_array(wy_type_string());
  const wy_type_t *scores = wy_type_map(wy_type_string(), wy_type_int());
  const wy_type_t *where = wy_type_map(wy_type_bigint(), wy_type_ref(point));
  wy_format_column_t cols[] = {{"P", point}, {"TAGS", tags}, {"SCORES", scores}, {"WHERE_", where}};
  /* WRAPPER: primitives everywhere (array elements, map values, struct fields) */
  assert_generates(cols, 4, NULL, WY_PB_NULLABLE_WRAPPER,
                   "syntax = \"proto3\";\n\nimport \"google/protobuf/wrappers.proto\";\n\n"
                   "message ConnectDefault1 {\n"
                   "  ConnectDefault2 P = 1;\n"
                   "  repeated google.protobuf.StringValue TAGS = 2;\n"
                   "  map<string, google.protobuf.Int32Value> SCORES = 3;\n"
                   "  map<int64, ConnectDefault5> WHERE_ = 4;\n"
                   "\n"
                   "  message ConnectDefault2 {\n"
                   "    google.protobuf.DoubleValue X = 1;\n"
                   "  }\n"
                   "  message ConnectDefault5 {\n"
                   "    google.protobuf.DoubleValue X = 1;\n"
                   "  }\n"
                   "}\n");
  /* OPTIONAL: every field that is neither repeated nor a map, messages included */
  assert_generates(cols, 4, NULL, WY_PB_NULLABLE_OPTIONAL,
                   "syntax = \"proto3\";\n\n"
                   "message ConnectDefault1 {\n"
                   "  optional ConnectDefault2 P = 1;\n"
                   "  repeated string TAGS = 2;\n"
                   "  map<string, int32> SCORES = 3;\n"
                   "  map<int64, ConnectDefault5> WHERE_ = 4;\n"
                   "\n"
                   "  message ConnectDefault2 {\n"
                   "    optional double X = 1;\n"
                   "  }\n"
                   "  message ConnectDefault5 {\n"
                   "    optional double X = 1;\n"
                   "  }\n"
                   "}\n");
  for (size_t i = 0; i < 4; i++) wy_type_unref(cols[i].type);
}

static void generation_refusals(void **state) {
  (void)state;
  wy_pb_schema_t *s = NULL;
  wy_format_column_t one[] = {{"V", wy_type_int()}};
  wy_format_schema_t fs = {1, one};
  wy_pb_gen_options_t unwrapped = {NULL, WY_PB_NULLABLE_DEFAULT, true};
  assert_int_equal(wy_pb_from_columns(&fs, &unwrapped, &s, &err), WY_ERR_UNSUPPORTED);
  wy_pb_gen_options_t blank = {"  ", WY_PB_NULLABLE_DEFAULT, false};
  assert_int_equal(wy_pb_from_columns(&fs, &blank, &s, &err), WY_ERR_CONFIG);
  wy_format_column_t odd[] = {{"two words", wy_type_int()}};
  wy_format_schema_t fs2 = {1, odd};
  assert_int_equal(wy_pb_from_columns(&fs2, NULL, &s, &err), WY_ERR_ANALYSIS);
  const wy_type_t *nested = wy_type_array(wy_type_array(wy_type_int()));
  wy_format_column_t arr[] = {{"GRID", nested}};
  wy_format_schema_t fs3 = {1, arr};
  assert_int_equal(wy_pb_from_columns(&fs3, NULL, &s, &err), WY_ERR_UNSUPPORTED);
  assert_null(s);
  wy_type_unref(nested);
  const wy_type_t *maps = wy_type_array(wy_type_map(wy_type_string(), wy_type_int()));
  wy_format_column_t am[] = {{"MAPS", maps}};
  wy_format_schema_t fs4 = {1, am};
  assert_int_equal(wy_pb_from_columns(&fs4, NULL, &s, &err), WY_ERR_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "ARRAYs of MAPs"));
  wy_type_unref(maps);
  const wy_type_t *dkey = wy_type_map(wy_type_double(), wy_type_int());
  wy_format_column_t dk[] = {{"BY_RATE", dkey}};
  wy_format_schema_t fs5 = {1, dk};
  assert_int_equal(wy_pb_from_columns(&fs5, NULL, &s, &err), WY_ERR_UNSUPPORTED);
  wy_type_unref(dkey);
}

/* ---- inference ---- */

static char *columns_text(const wy_pb_schema_t *s, const char *full_name, bool keep_names,
                          bool wrapper_structs) {
  wy_pb_infer_options_t opts = {keep_names, wrapper_structs};
  wy_format_column_t *cols;
  size_t n;
  wy_error_clear(&err);
  if (wy_pb_infer_columns(s, full_name, &opts, &cols, &n, &err) != WY_OK) return NULL;
  static char out[2048];
  size_t at = 0;
  out[0] = 0;
  for (size_t i = 0; i < n; i++) {
    char t[512];
    wy_type_format(cols[i].type, t, sizeof t);
    at += (size_t)snprintf(out + at, sizeof out - at, "%s%s %s", i ? ", " : "", cols[i].name, t);
  }
  wy_pb_format_columns_free(cols, n);
  return out;
}

static void inference_maps_every_kind(void **state) {
  (void)state;
  wy_pb_schema_t *s = parse_ok(
      "syntax = \"proto3\"; import \"google/protobuf/wrappers.proto\"; import "
      "\"confluent/type/decimal.proto\";\n"
      "import \"google/protobuf/timestamp.proto\"; import \"google/type/date.proto\";\n"
      "import \"google/type/timeofday.proto\";\n"
      "message Reading {\n"
      "  int32 a = 1; sint32 b = 2; sfixed32 c = 3; uint32 d = 4; fixed32 e = 5; int64 f = 6;\n"
      "  uint64 g = 7; sint64 h = 8; fixed64 i = 9; sfixed64 j = 10; float k = 11; double l = 12;\n"
      "  bool m = 13; string n = 14; bytes o = 15; Unit p = 16;\n"
      "  google.protobuf.FloatValue q = 17; google.protobuf.UInt32Value r = 18;\n"
      "  confluent.type.Decimal s = 19 [(confluent.field_meta) = { params: [{ key: \"scale\", "
      "value: \"1\" },"
      " { key: \"precision\", value: \"5\" }] }];\n"
      "  google.protobuf.Timestamp t = 20; google.type.Date u = 21; google.type.TimeOfDay v = 22;\n"
      "  repeated Unit w = 23; map<uint32, Probe> x = 24; Probe y = 25;\n"
      "  oneof source { string host = 26; int32 port = 27; }\n"
      "  enum Unit { CELSIUS = 0; KELVIN = 1; }\n"
      "  message Probe { string id = 1; repeated double samples = 2; }\n"
      "}\n"
      "message Other { string Mixed_Case = 1; google.protobuf.BoolValue ok = 2; }\n");
  assert_string_equal(
      columns_text(s, NULL, false, false),
      "SOURCE_0 STRUCT<`HOST` STRING, `PORT` INTEGER>, A INTEGER, B INTEGER, C INTEGER, "
      "D BIGINT, E BIGINT, F BIGINT, G BIGINT, H BIGINT, I BIGINT, J BIGINT, K DOUBLE, "
      "L DOUBLE, M BOOLEAN, N STRING, O BYTES, P STRING, Q DOUBLE, R BIGINT, S DECIMAL(5, 1), "
      "T TIMESTAMP, U DATE, V TIME, W ARRAY<STRING>, "
      "X MAP<BIGINT, STRUCT<`ID` STRING, `SAMPLES` ARRAY<DOUBLE>>>, "
      "Y STRUCT<`ID` STRING, `SAMPLES` ARRAY<DOUBLE>>");
  /* the schema's own names, and wrappers as STRUCT<value> (unwrapPrimitives=false) */
  assert_string_equal(columns_text(s, "Other", true, true),
                      "Mixed_Case STRING, ok STRUCT<`value` BOOLEAN>");
  assert_string_equal(columns_text(s, "Other", false, false), "MIXED_CASE STRING, OK BOOLEAN");
  assert_null(columns_text(s, "Missing", false, false));
  assert_int_equal(err.code, WY_ERR_NOT_FOUND);

  /* the column mapping says which field or oneof feeds each column */
  const wy_pb_message_t *m = wy_pb_find_message(s, "Reading");
  wy_pb_column_t *cols;
  size_t n;
  assert_int_equal(wy_pb_message_columns(m, NULL, &cols, &n, &err), WY_OK);
  assert_int_equal(n, 26);
  assert_ptr_equal(cols[0].oneof, &m->oneofs[0]);
  assert_null(cols[0].field);
  assert_ptr_equal(cols[1].field, &m->fields[0]);
  assert_ptr_equal(cols[25].field, &m->fields[24]);
  wy_pb_columns_free(cols, n);

  const wy_type_t *t;
  assert_int_equal(wy_pb_field_sql_type(&m->fields[22], NULL, &t, &err), WY_OK);
  assert_int_equal(t->kind, WY_T_ARRAY);
  wy_type_unref(t);
  wy_pb_schema_free(s);
}

static void inference_refuses_recursion_and_empty_files(void **state) {
  (void)state;
  wy_pb_schema_t *s =
      parse_ok("syntax = \"proto3\"; message Node { string v = 1; repeated Node kids = 2; }");
  assert_null(columns_text(s, NULL, false, false));
  assert_int_equal(err.code, WY_ERR_UNSUPPORTED);
  assert_non_null(strstr(err.msg, "recursive"));
  wy_pb_schema_free(s);
  s = parse_ok("syntax = \"proto3\"; enum Lonely { X = 0; }");
  assert_null(columns_text(s, NULL, false, false));
  wy_pb_schema_free(s);
}

/* ---- compatibility ---- */

static bool compatible(const char *before, const char *after, char *why, size_t cap) {
  wy_pb_schema_t *o = parse_ok(before), *u = parse_ok(after);
  bool ok = false;
  assert_int_equal(wy_pb_schema_compatible(o, u, &ok, why, cap, &err), WY_OK);
  wy_pb_schema_free(o);
  wy_pb_schema_free(u);
  return ok;
}

static void compatibility_follows_confluents_rules(void **state) {
  (void)state;
  const char *base =
      "syntax = \"proto3\"; package inv;\n"
      "message Item { string sku = 1; int32 qty = 2; Loc loc = 3; oneof src { string a = 4; }\n"
      "  message Loc { sint32 x = 1; } }\n"
      "enum Color { RED = 0; }\n";
  char why[256];
  /* compatible changes */
  assert_true(
      compatible(base,
                 "syntax = \"proto3\"; package inv;\n"
                 "message Item { bytes code = 1; int64 qty = 2; Loc loc = 3; bool extra = 9;\n"
                 "  oneof src { string a = 4; int32 b = 5; }\n"
                 "  message Loc { sint64 x = 1; } }\n"
                 "message Added { int32 z = 1; }\n",
                 why, sizeof why));
  assert_true(compatible(base,
                         "syntax = \"proto3\"; package inv;\n"
                         "message Item { repeated string sku = 1; Loc loc = 3; message Loc {} }\n",
                         why, sizeof why));
  /* incompatible ones, each naming what changed */
  struct {
    const char *after, *reason;
  } bad[] = {
      {"syntax = \"proto3\"; package other; message Item { string sku = 1; }", "package changed"},
      {"syntax = \"proto3\"; package inv; message Renamed { string sku = 1; }",
       "message 'inv.Item' was removed"},
      {"syntax = \"proto3\"; package inv; message Item { double qty = 2; }",
       "field 'qty' (2) of 'inv.Item'"},
      {"syntax = \"proto3\"; package inv; message Item { Loc qty = 2; message Loc {} }",
       "changed kind"},
      {"syntax = \"proto3\"; package inv; message Item { repeated int32 qty = 2; }",
       "repeated and singular"},
      {"syntax = \"proto3\"; package inv; message Item { Other loc = 3; message Other {} }",
       "changed type"},
      {"syntax = \"proto3\"; package inv; message Item { Loc loc = 3; message Loc { double x = 1; "
       "} }",
       "'inv.Item.Loc'"},
      {"syntax = \"proto3\"; package inv; message Item { oneof src { string b = 5; } }",
       "removed from oneof"},
      {"syntax = \"proto3\"; package inv; message Item { oneof both { string sku = 1; int32 qty = "
       "2; } }",
       "several fields"},
      {"syntax = \"proto3\"; package inv; message Item { map<string, int32> qty = 2; }",
       "changed kind"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (compatible(base, bad[i].after, why, sizeof why)) fail_msg("case %zu: judged compatible", i);
    if (!strstr(why, bad[i].reason))
      fail_msg("case %zu: \"%s\" lacks \"%s\"", i, why, bad[i].reason);
  }
  /* proto2 required fields may be neither added nor removed; recursive types terminate */
  assert_false(compatible("message R { optional int32 a = 1; }",
                          "message R { required int32 a = 1; required int32 b = 2; }", why,
                          sizeof why));
  assert_non_null(strstr(why, "required field 'b'"));
  assert_true(compatible("syntax = \"proto3\"; message N { repeated N kids = 1; }",
                         "syntax = \"proto3\"; message N { repeated N kids = 1; string v = 2; }",
                         NULL, 0));
}

/* ---- errors and hostile input ---- */

static void errors_carry_line_and_column(void **state) {
  (void)state;
  parse_fails("syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n  int32 y = 2;\n}\n", 4, 3,
              "syntax error at 'int32': expected ';'");
  parse_fails("message A {\n  double ratio 3;\n}", 2, 16, "syntax error at '3': expected '='");
  parse_fails("syntax = \"proto3\";\nmessage A {\n  Missing m = 1;\n}\n", 3, 11, "'Missing'");
  parse_fails("message A {\n int32 a = 1;\n int32 b = 1;\n}", 3, 8, "used twice");
  parse_fails("message A {\n int32 a = 1;\n string a = 2;\n}", 3, 9, "declared twice");
  parse_fails("message A { int32 a = 0; }", 1, 23, "out of range");
  parse_fails("message A { int32 a = 536870912; }", 1, 23, "out of range");
  parse_fails("message A { int32 a = 19500; }", 1, 23, "reserved");
  parse_fails("message A { map<float, int32> m = 1; }", 1, 17, "map key");
  parse_fails("syntax = \"proto4\";", 1, 10, "unknown syntax");
  parse_fails("syntax = \"proto3\"; message A { required int32 a = 1; }", 1, 47, "required");
  parse_fails("message A {\n  string s = 1 [json_name = \"oops", 2, 29, "unterminated string");
  parse_fails("/* never closed", 1, 1, "unterminated comment");
  parse_fails("message A { int32 a = 1; } @", 1, 28, "unexpected character");
  parse_fails("message A {", 1, 12, "end of input");
  parse_fails("message A { reserved 9 to 3; }", 1, 27, "before its start");
  parse_fails("enum E { A = 2147483648; }", 1, 14, "out of range");
  parse_fails("message A { repeated group G = 1 { } }", 1, 34, "syntax error");
  parse_fails("package a; package b;", 1, 20, "multiple package");
}

static void hostile_input_fails_cleanly(void **state) {
  (void)state;
  wy_pb_schema_t *s = NULL;
  /* deep nesting */
  char deep[4096] = "";
  for (int i = 0; i < 200; i++) strcat(deep, "message M {");
  assert_int_not_equal(wy_pb_parse(deep, NULL, 0, &s, &err), WY_OK);
  /* deep option aggregates */
  char agg[8192] = "message A { int32 a = 1 [(x) = ";
  for (int i = 0; i < 1500; i++) strcat(agg, "{k");
  assert_int_not_equal(wy_pb_parse(agg, NULL, 0, &s, &err), WY_OK);
  /* bytes that are no text, and NULL */
  const char junk[] = {'m', 'e', 's', 's', 'a', 'g', 'e', ' ', (char)0xff, (char)0x80, 0};
  assert_int_not_equal(wy_pb_parse(junk, NULL, 0, &s, &err), WY_OK);
  assert_int_not_equal(wy_pb_parse(NULL, NULL, 0, &s, &err), WY_OK);
  /* an import cycle between references terminates */
  wy_pb_source_t cyc[] = {{"a.proto", "import \"b.proto\"; message A { B b = 1; }"},
                          {"b.proto", "import \"a.proto\"; message B { int32 x = 1; }"}};
  assert_int_equal(wy_pb_parse("import \"a.proto\"; message Top { A a = 1; }", cyc, 2, &s, &err),
                   WY_OK);
  wy_pb_schema_free(s);
  /* empty text is an empty file */
  s = parse_ok("");
  assert_int_equal(s->file->nmessages, 0);
  char *r = wy_pb_render(s);
  assert_string_equal(r, "");
  free(r);
  wy_pb_schema_free(s);
  wy_pb_schema_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(model_resolves_types_scopes_and_maps),
      cmocka_unit_test(lookup_by_name_and_message_index),
      cmocka_unit_test(references_and_well_known_files),
      cmocka_unit_test(kinds_and_wire_types),
      cmocka_unit_test(canonical_text_of_a_rich_file),
      cmocka_unit_test(canonical_text_nesting_and_comments),
      cmocka_unit_test(generation_of_primitives_per_nullable_representation),
      cmocka_unit_test(generation_of_logical_and_nested_types),
      cmocka_unit_test(generation_nullable_representations_reach_nested_values),
      cmocka_unit_test(generation_refusals),
      cmocka_unit_test(inference_maps_every_kind),
      cmocka_unit_test(inference_refuses_recursion_and_empty_files),
      cmocka_unit_test(compatibility_follows_confluents_rules),
      cmocka_unit_test(errors_carry_line_and_column),
      cmocka_unit_test(hostile_input_fails_cleanly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
