/*
 * protobuf_codec_int.h — what the PROTOBUF codec's files share: the compiled plan of a
 * message (protobuf.c builds it), and the two walks over it, decoding (protobuf_read.c)
 * and encoding (protobuf_write.c). Private to engine/formats/.
 */
#ifndef WY_PROTOBUF_CODEC_INT_H
#define WY_PROTOBUF_CODEC_INT_H

#include "engine/formats/format_int.h"
#include "engine/formats/protobuf_schema.h"

#define MAX_DEPTH 64
#define DENSE_MAX 1024 /* field numbers up to this are looked up in a table */

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

/* Is a field of kind k a number (packed when repeated)? */
static inline bool is_scalar_kind(wy_pb_kind_t k) {
  return k != WY_PB_MESSAGE && k != WY_PB_STRING && k != WY_PB_BYTES;
}
/* Can a wire value of kind k (well-known type w) be read as t? NULL when yes, else why. */
const char *wy_pb_readable(wy_pb_kind_t k, wy_pb_wkt_t w, const wy_type_t *t);

/* ---- decoding (protobuf_read.c) ---- */

typedef struct {
  const uint8_t *p, *end;
  wy_arena_t *arena;
  wy_error_t *err;
  int depth;
} dctx_t;

bool wy_pb_read_varint(dctx_t *d, uint64_t *out);
/* The fields of message bytes [s, s + n) into slots (p->nslots values, defaults first). */
bool wy_pb_decode_msg(dctx_t *d, const pmsg_t *p, const uint8_t *s, size_t n, wy_value_t *slots);

/* ---- encoding (protobuf_write.c) ---- */

typedef struct {
  wy_buf_t *out;
  wy_error_t *err;
  bool oom;
  int depth;
} ectx_t;

size_t wy_pb_varint_to(uint8_t *b, uint64_t v);
bool wy_pb_put(ectx_t *e, const void *p, size_t n);
/* The message of plan p from slots[0..nslots), fields in number order. */
bool wy_pb_encode_msg(ectx_t *e, const pmsg_t *p, const wy_value_t *slots, size_t nslots);

#endif
