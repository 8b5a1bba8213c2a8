/* libFuzzer target: the .proto parser on arbitrary text (split at the first NUL into
 * the main file and a referenced "dep.proto"). Whatever parses must render, the
 * rendering must parse again to the same text (a fixed point), and inference of every
 * top-level message must succeed or fail cleanly, and the schema must be compatible
 * with itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/protobuf_schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = 0;
  size_t main_len = strlen(text);
  wy_pb_source_t dep = {"dep.proto", main_len < size ? text + main_len + 1 : ""};
  wy_error_t err;
  wy_error_clear(&err);
  wy_pb_schema_t *s = NULL;
  if (wy_pb_parse(text, &dep, 1, &s, &err) == WY_OK) {
    char *r1 = wy_pb_render(s);
    if (r1) {
      wy_pb_schema_t *s2 = NULL;
      /* The canonical text of a file that imports dep.proto still needs it. */
      if (wy_pb_parse(r1, &dep, 1, &s2, &err) != WY_OK) abort();
      char *r2 = wy_pb_render(s2);
      if (!r2 || strcmp(r1, r2) != 0) abort();
      free(r2);
      wy_pb_schema_free(s2);
      free(r1);
    }
    wy_pb_infer_options_t opts = {false, false};
    for (size_t i = 0; i < s->file->nmessages; i++) {
      wy_pb_column_t *cols;
      size_t n;
      if (wy_pb_message_columns(&s->file->messages[i], &opts, &cols, &n, &err) == WY_OK)
        wy_pb_columns_free(cols, n);
    }
    /* every schema is compatible with itself */
    bool ok = false;
    char why[128];
    if (wy_pb_schema_compatible(s, s, &ok, why, sizeof why, &err) != WY_OK || !ok) abort();
    int32_t idx[4] = {0, 0, 0, 0};
    (void)wy_pb_message_at(s, idx, 4);
    wy_pb_schema_free(s);
  }
  free(text);
  return 0;
}
