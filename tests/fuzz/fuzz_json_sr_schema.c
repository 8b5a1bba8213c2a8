/* libFuzzer target: JSON_SR schema inference and compatibility on arbitrary schema text
 * (what a registry hands back is not trusted). Columns inferred from a schema must
 * generate a schema that infers back to the same columns, and a schema checked against
 * itself or against that generated schema must not crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/formats/json_sr.h"

static void round_trip(const char *text, bool is_key, bool unwrapped) {
  wy_error_t err;
  wy_format_column_t *cols = NULL;
  size_t n = 0;
  if (wy_json_sr_infer_columns(text, is_key, unwrapped, &cols, &n, &err) != WY_OK) return;
  wy_format_schema_t fs = {n, cols};
  char *gen = NULL;
  bool anon = n == 1 && (unwrapped || !strcmp(cols[0].name, is_key ? "ROWKEY" : "ROWVAL"));
  if (wy_json_sr_schema_from_columns(&fs, anon, NULL, &gen, &err) == WY_OK) {
    wy_format_column_t *back = NULL;
    size_t m = 0;
    if (wy_json_sr_infer_columns(gen, is_key, anon, &back, &m, &err) != WY_OK || m != n) abort();
    for (size_t i = 0; i < n; i++)
      if (strcmp(back[i].name, cols[i].name) != 0 || !wy_type_equal(back[i].type, cols[i].type))
        abort();
    wy_json_sr_columns_free(back, m);
    bool ok;
    char why[128];
    wy_json_sr_schema_compatible(gen, text, &ok, why, sizeof why, &err);
    wy_json_sr_schema_compatible(text, gen, &ok, why, sizeof why, &err);
    free(gen);
  }
  wy_json_sr_columns_free(cols, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  round_trip(text, false, false);
  round_trip(text, true, true);
  bool ok;
  char why[128];
  wy_error_t err;
  wy_json_sr_schema_compatible(text, text, &ok, why, sizeof why, &err);
  free(text);
  return 0;
}
