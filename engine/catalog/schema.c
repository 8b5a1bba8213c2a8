#include "engine/catalog/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wy_schema_init(wy_schema_t *s) {
  s->n = 0;
  s->cols = NULL;
}

void wy_schema_clear(wy_schema_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    free(s->cols[i].name);
    free(s->cols[i].header_key);
    wy_type_unref(s->cols[i].type);
  }
  free(s->cols);
  s->n = 0;
  s->cols = NULL;
}

wy_status_t wy_schema_add(wy_schema_t *s, const char *name, const wy_type_t *type, wy_col_ns_t ns,
                          const char *header_key, wy_error_t *err) {
  wy_column_t *cols = realloc(s->cols, (s->n + 1) * sizeof *cols);
  if (!cols) {
    wy_type_unref(type);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  s->cols = cols;
  wy_column_t *c = &s->cols[s->n];
  c->name = strdup(name);
  c->header_key = header_key ? strdup(header_key) : NULL;
  c->type = type;
  c->ns = ns;
  if (!c->name || (header_key && !c->header_key)) {
    free(c->name);
    free(c->header_key);
    wy_type_unref(type);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  s->n++;
  return WY_OK;
}

wy_status_t wy_schema_copy(wy_schema_t *dst, const wy_schema_t *src, wy_error_t *err) {
  wy_schema_init(dst);
  for (size_t i = 0; i < src->n; i++) {
    const wy_column_t *c = &src->cols[i];
    wy_status_t st = wy_schema_add(dst, c->name, wy_type_ref(c->type), c->ns, c->header_key, err);
    if (st != WY_OK) {
      wy_schema_clear(dst);
      return st;
    }
  }
  return WY_OK;
}

int wy_schema_find(const wy_schema_t *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->cols[i].name, name) == 0) return (int)i;
  return -1;
}

size_t wy_schema_count_ns(const wy_schema_t *s, wy_col_ns_t ns) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) n += s->cols[i].ns == ns;
  return n;
}

size_t wy_schema_format(const wy_schema_t *s, bool is_table, char *buf, size_t cap) {
  size_t len = 0;
  char type[512];
  for (size_t i = 0; i < s->n; i++) {
    const wy_column_t *c = &s->cols[i];
    wy_type_format(c->type, type, sizeof type);
    char suffix[300] = "";
    if (c->ns == WY_NS_KEY)
      snprintf(suffix, sizeof suffix, " %s", is_table ? "PRIMARY KEY" : "KEY");
    else if (c->ns == WY_NS_HEADERS)
      snprintf(suffix, sizeof suffix, " HEADERS");
    else if (c->ns == WY_NS_HEADER)
      snprintf(suffix, sizeof suffix, " HEADER('%s')", c->header_key);
    int n = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0, "%s`%s` %s%s",
                     i ? ", " : "", c->name, type, suffix);
    if (n > 0) len += (size_t)n;
  }
  if (cap && len >= cap) buf[cap - 1] = '\0';
  if (cap && s->n == 0) buf[0] = '\0';
  return len;
}

bool wy_schema_equal(const wy_schema_t *a, const wy_schema_t *b) {
  if (a->n != b->n) return false;
  for (size_t i = 0; i < a->n; i++) {
    const wy_column_t *x = &a->cols[i], *y = &b->cols[i];
    if (strcmp(x->name, y->name) != 0 || x->ns != y->ns || !wy_type_equal(x->type, y->type))
      return false;
    if ((x->header_key || y->header_key) &&
        (!x->header_key || !y->header_key || strcmp(x->header_key, y->header_key) != 0))
      return false;
  }
  return true;
}
