/*
 * protobuf_int.h — internals shared by the .proto parser (protobuf_parse.c, its lemon
 * grammar protobuf_grammar.y), the model helpers and renderer (protobuf_schema.c) and
 * generation/inference (protobuf_gen.c). Not for other modules.
 */
#ifndef WY_PROTOBUF_INT_H
#define WY_PROTOBUF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/formats/protobuf_schema.h"

#define PB_MAX_DEPTH 64 /* nesting of messages and option aggregates */

/* Owner of a schema's memory: every string, array and file lives in the arena. */
struct wy_pb_schema_impl {
  wy_arena_t arena;
  wy_pb_file_t **files; /* files[0] is the main file; then references and built-ins */
  size_t nfiles, capfiles;
};

/* A token: its kind (PB_* from the grammar), its source text and position. */
typedef struct pb_tok {
  int kind;
  const char *s;
  int len;
  int line, col;
} pb_tok_t;

/* A dotted name under construction. */
typedef struct pb_name {
  char *s;
  int line, col;
} pb_name_t;

typedef enum {
  PB_SCOPE_FILE,
  PB_SCOPE_MESSAGE,
  PB_SCOPE_ENUM,
  PB_SCOPE_ONEOF,
  PB_SCOPE_IGNORE
} pb_scope_kind_t;

typedef struct pb_scope {
  pb_scope_kind_t kind;
  wy_pb_message_t *msg; /* MESSAGE, ONEOF (the enclosing message) */
  wy_pb_enum_t *en;     /* ENUM */
  int oneof;            /* ONEOF: index in msg->oneofs */
} pb_scope_t;

/* The parser's state: the file being built, its scope stack, the options waiting for
 * the declaration they belong to, and the first error. */
typedef struct pb_build {
  wy_pb_schema_t *schema;
  wy_arena_t *arena;
  wy_pb_file_t *file;
  const char *file_label; /* "" for the main text, else "in event.proto: " */
  pb_scope_t stack[PB_MAX_DEPTH + 2];
  int depth;
  wy_pb_option_t *pending; /* [ ... ] options of the declaration being parsed */
  size_t npending, cappending;
  int reserved_stmt;
  bool failed;
  wy_error_t *err;
} pb_build_t;

/* Grammar actions (protobuf_parse.c). Every one is a no-op once the build failed. */
void pb_fail(pb_build_t *b, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
char *pb_tok_str(pb_build_t *b, const pb_tok_t *t);
char *pb_name_join(pb_build_t *b, const char *a, const char *sep, const char *c);
void pb_syntax(pb_build_t *b, const pb_tok_t *str);
void pb_package(pb_build_t *b, const pb_name_t *name);
void pb_import(pb_build_t *b, const pb_tok_t *str, wy_pb_import_kind_t kind);
void pb_open_message(pb_build_t *b, const pb_tok_t *name);
void pb_open_enum(pb_build_t *b, const pb_tok_t *name);
void pb_open_oneof(pb_build_t *b, const pb_tok_t *name);
void pb_open_ignored(pb_build_t *b);
void pb_close(pb_build_t *b);
void pb_field(pb_build_t *b, wy_pb_label_t label, const pb_name_t *type, const pb_tok_t *name,
              const pb_tok_t *number);
void pb_map_field(pb_build_t *b, const pb_tok_t *key, const pb_name_t *value, const pb_tok_t *name,
                  const pb_tok_t *number);
void pb_enum_value(pb_build_t *b, const pb_tok_t *name, const pb_tok_t *number, bool negative);
void pb_reserved_begin(pb_build_t *b);
void pb_reserved_range(pb_build_t *b, const pb_tok_t *lo, bool lo_neg, const pb_tok_t *hi,
                       bool hi_neg, bool to_max);
void pb_reserved_name(pb_build_t *b, const pb_tok_t *str);
/* Options: pb_option_decl adds `option x = v;` to the current scope; pb_option_pending
 * queues a [x = v] of the declaration being parsed. */
wy_pb_option_t *pb_opt_scalar(pb_build_t *b, wy_pb_opt_kind_t kind, const char *text);
wy_pb_option_t *pb_opt_string(pb_build_t *b, const pb_tok_t *str);
wy_pb_option_t *pb_opt_string_cat(pb_build_t *b, wy_pb_option_t *prev, const pb_tok_t *str);
wy_pb_option_t *pb_opt_aggregate(pb_build_t *b, wy_pb_opt_kind_t kind);
void pb_opt_append(pb_build_t *b, wy_pb_option_t *agg, wy_pb_option_t *item, const char *name);
void pb_option_decl(pb_build_t *b, const pb_name_t *name, wy_pb_option_t *value);
void pb_option_pending(pb_build_t *b, const pb_name_t *name, wy_pb_option_t *value);
/* Forget queued options (those of a declaration that is dropped). */
void pb_drop_pending(pb_build_t *b);

/* Model helpers (protobuf_parse.c) shared with generation. */
void *pb_grow(wy_arena_t *a, void *arr, size_t *cap, size_t n, size_t size);
wy_pb_schema_t *pb_schema_new(void);
wy_pb_file_t *pb_file_add(wy_pb_schema_t *s, const char *name);
/* Full names, parents, well-known tags, type resolution and checks of every file. */
wy_status_t pb_link(wy_pb_schema_t *s, wy_error_t *err);
/* Load a built-in well-known file (by import path) into s, or find it loaded; *out is
 * NULL when the path is not a built-in. */
wy_status_t pb_builtin_file(wy_pb_schema_t *s, const char *path, wy_pb_file_t **out,
                            wy_error_t *err);
bool pb_scalar_kind(const char *name, wy_pb_kind_t *out);

/* The lemon parser (protobuf_grammar.y). */
void *wy_pb_lemonAlloc(void *(*malloc_fn)(size_t));
void wy_pb_lemonFree(void *p, void (*free_fn)(void *));
void wy_pb_lemon(void *p, int kind, pb_tok_t tok, pb_build_t *b);

#endif
