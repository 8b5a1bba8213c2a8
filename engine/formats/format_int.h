/*
 * format_int.h — what the format implementations share: the codec object, the table of
 * per-format operations, and the text helpers that reproduce Java's number parsing and
 * printing (Integer.parseInt, Double.parseDouble, BigDecimal). Private to
 * engine/formats/.
 */
#ifndef WY_FORMAT_INT_H
#define WY_FORMAT_INT_H

#include "engine/formats/format.h"

/* What a format with a physical schema provides (AVRO, PROTOBUF, JSON_SR; PROTOBUF_NOSR
 * has a schema but no registry). Reached through format.h's wy_format_schema_* calls. */
typedef struct wy_format_schema_ops {
  bool uses_registry;   /* records carry a schema id of a Schema Registry */
  wy_sr_type_t sr_type; /* the registry's schemaType of the texts below */
  /* The schema a sink writes for these columns (see wy_format_schema_from_columns). */
  wy_status_t (*from_columns)(const wy_format_schema_t *schema, const wy_format_options_t *opts,
                              bool unwrapped, char **text_out, wy_error_t *err);
  /* The columns a schema text stands for (see wy_format_infer_columns); NULL when the
   * format cannot infer. */
  wy_status_t (*infer_columns)(const char *text, const wy_format_options_t *opts, bool unwrapped,
                               wy_format_column_t **cols_out, size_t *ncols_out, wy_error_t *err);
  /* Can data written with writer be read with reader? NULL: anything goes. */
  wy_status_t (*compatible)(const char *reader, const char *writer, bool *ok, char *why,
                            size_t whycap, wy_error_t *err);
} wy_format_schema_ops_t;

typedef struct wy_format_ops {
  /* Check the schema and options already copied into c, set c->unwrapped, and build
   * c->impl. Fails with WY_ERR_UNSUPPORTED / WY_ERR_CONFIG. */
  wy_status_t (*open)(wy_format_codec_t *c, wy_error_t *err);
  void (*close)(wy_format_codec_t *c); /* may be NULL */
  wy_status_t (*decode)(wy_format_codec_t *c, const uint8_t *p, size_t len, wy_arena_t *arena,
                        wy_value_t *cols, bool *null_row, wy_error_t *err);
  wy_status_t (*encode)(wy_format_codec_t *c, const wy_value_t *cols, wy_buf_t *out,
                        bool *null_record, wy_error_t *err);
  const wy_format_schema_ops_t *schema; /* NULL for a format without a physical schema */
} wy_format_ops_t;

#define WY_X_FMT(id, name, declarable) extern const wy_format_ops_t wy_format_ops_##id;
WY_FORMAT_LIST(WY_X_FMT)
#undef WY_X_FMT

struct wy_format_codec {
  const wy_format_ops_t *ops;
  wy_format_t format;
  bool is_key;
  bool unwrapped;
  wy_wrap_t wrap;
  char delimiter;
  size_t ncols;
  char **names;
  size_t *name_lens;
  const wy_type_t **types;
  uint8_t *used; /* projection, one flag per column (all 1 when none was given) */
  /* Schema Registry formats: copies of the options (strings owned, registry borrowed) */
  struct wy_sr *registry;
  char *subject;
  int32_t schema_id;
  char *full_schema_name;
  bool register_schema;
  int pb_nullable; /* PROTOBUF formats: wy_pb_nullable_t */
  void *impl;      /* format-specific state */
};

/* "key" or "value", for messages. */
static inline const char *wy_fmt_target(const wy_format_codec_t *c) {
  return c->is_key ? "key" : "value";
}

/* ksqlDB's rendering of a column list for messages: [`A` INTEGER, `B` STRING KEY]. */
void wy_fmt_columns_text(const wy_format_codec_t *c, char *buf, size_t cap);
/* Check that every column type is one of the allowed kinds (bit mask of 1u << kind),
 * failing like ksqlDB: "The 'KAFKA' format does not support type 'BOOLEAN'". */
wy_status_t wy_fmt_check_types(const wy_format_codec_t *c, unsigned allowed, wy_error_t *err);
/* Reject WRAP_SINGLE_VALUE=true for formats that cannot wrap. */
wy_status_t wy_fmt_reject_wrap(const wy_format_codec_t *c, wy_error_t *err);

/* ---- Java-compatible text <-> number helpers (numtext.c) ---- */

/* Integer.parseInt / Long.parseLong: optional sign, ASCII digits, range-checked. */
bool wy_fmt_parse_i32(const char *s, size_t n, int32_t *out);
bool wy_fmt_parse_i64(const char *s, size_t n, int64_t *out);
/* Double.parseDouble: surrounding whitespace, NaN, [+-]Infinity, an optional f/F/d/D
 * suffix; hexadecimal floats are not supported. */
bool wy_fmt_parse_double(const char *s, size_t n, double *out);

/* A decimal number split the way BigDecimal sees it: sign, significant digits
 * (leading zeros removed), and the power of ten of the last digit. */
typedef struct wy_fmt_decnum {
  bool neg;
  const char *digits; /* points into the text; may include one '.' to skip */
  size_t ndigits;     /* count of digit characters in [digits, digits_end) */
  const char *digits_end;
  int64_t exp10; /* value = digits * 10^exp10 */
} wy_fmt_decnum_t;

/* new BigDecimal(String) grammar: [+-] digits [. digits] [(e|E) [+-] digits]. */
bool wy_fmt_decnum_parse(const char *s, size_t n, wy_fmt_decnum_t *out);
/* ksqlDB's DecimalUtil.ensureFit: exact conversion to DECIMAL(p, s) or an error message
 * in msg ("Cannot fit decimal '1.234' into DECIMAL(4, 2) without rounding."). */
bool wy_fmt_decnum_fit(const wy_fmt_decnum_t *d, const char *text, size_t textlen, int precision,
                       int scale, wy_int128_t *out, char *msg, size_t msgcap);
/* BigDecimal.toString() of the number (scientific notation when the exponent is small);
 * appends to out. */
bool wy_fmt_decnum_to_string(const wy_fmt_decnum_t *d, wy_buf_t *out);
/* BigDecimal.toString() of an unscaled 128-bit value with a scale. */
size_t wy_fmt_decimal_to_string(wy_int128_t unscaled, int scale, char *buf, size_t cap);
/* Truncating conversion to a 64-bit integer modulo 2^64, as Jackson's asLong()/intValue()
 * do for a number with a fraction or exponent. */
uint64_t wy_fmt_decnum_wrap_u64(const wy_fmt_decnum_t *d);

/* Decimal text of an integer; returns the length (buf needs 21 bytes). */
size_t wy_fmt_i64_to_text(int64_t v, char *buf);

#endif
