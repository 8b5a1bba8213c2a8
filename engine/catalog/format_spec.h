/*
 * format_spec.h — a codec for a source's key or value, from its format spec.
 *
 * One place turns a wy_format_spec_t (what CREATE ... WITH declared) into format
 * options: delimiter, single-value wrapping, and for Schema Registry formats the
 * registry, the subject `<topic>-key|value`, the schema id and the record name. Used by
 * the analyzer (validation), the runtime (decode and encode), INSERT VALUES and the
 * test executor. Pure function of its arguments; any thread.
 */
#ifndef WY_FORMAT_SPEC_H
#define WY_FORMAT_SPEC_H

#include "engine/catalog/catalog.h"
#include "engine/formats/format.h"

typedef struct wy_codec_request {
  bool is_key;
  const char *topic;             /* names the Schema Registry subject */
  struct wy_sr *registry;        /* SR formats; may be NULL when nothing is read or written */
  bool write;                    /* a writer registers its schema (unless a schema id is set) */
  const char *default_full_name; /* record name when the spec names none, or NULL */
  const uint8_t *projection;     /* columns read (decoding), or NULL for all */
  int32_t schema_id;             /* overrides the spec's when > 0 (the test executor) */
} wy_codec_request_t;

/* The format and options spec stands for with req (KAFKA when the spec names none);
 * a Schema Registry format's subject is written into subject[0..subject_cap), which
 * opts_out->subject then points to. */
wy_status_t wy_format_spec_options(const wy_format_spec_t *spec, const wy_codec_request_t *req,
                                   wy_format_t *format_out, wy_format_options_t *opts_out,
                                   char *subject, size_t subject_cap, wy_error_t *err);

/* A codec for the columns cols[0..n) with spec's format (KAFKA when the spec names none). */
wy_format_codec_t *wy_format_spec_codec(const wy_format_spec_t *spec,
                                        const wy_format_column_t *cols, size_t n,
                                        const wy_codec_request_t *req, wy_error_t *err);

#endif
