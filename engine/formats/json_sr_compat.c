/* JSON_SR schema compatibility: can a reader JSON Schema read every document a writer
 * JSON Schema allows? The rules are Confluent's JSON Schema diff (the subset of draft 7
 * that ksqlDB and Connect write):
 *   - a type may widen (integer -> number) but not change or narrow;
 *   - a union (oneOf/anyOf) of the writer needs a reader member for each of its members,
 *     so making an optional value required is incompatible and the reverse is fine;
 *   - a property the reader adds is fine only when the writer's object is closed
 *     ("additionalProperties": false) and the property is not required, or when the
 *     writer's additionalProperties schema is one the new property can read (an open
 *     writer may have written anything under that name);
 *   - a property the reader drops is fine when the reader is open (its
 *     additionalProperties, absent or a schema, accepts what the writer wrote there)
 *     and incompatible when the reader is closed;
 *   - a property the reader requires must be required by the writer;
 *   - array items, map values and shared properties compare recursively. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "engine/formats/json_sr.h"

#define COMPAT_MAX_DEPTH 64

typedef struct {
  json_t *rroot, *wroot;
  char *why;
  size_t whycap;
  bool said;
  long budget; /* comparisons left: "$ref"s may make a small text huge */
} compat_t;

static bool no(compat_t *c, const char *path, const char *what, const char *detail) {
  if (!c->said && c->why && c->whycap) {
    snprintf(c->why, c->whycap, "%s at %s%s%s", what, path[0] ? path : "#", detail ? ": " : "",
             detail ? detail : "");
    c->said = true;
  }
  return false;
}

/* Follow local "$ref"s. */
static json_t *deref(json_t *root, json_t *s) {
  for (int i = 0; i < COMPAT_MAX_DEPTH && json_is_object(s); i++) {
    const char *ref = json_string_value(json_object_get(s, "$ref"));
    if (!ref || ref[0] != '#') return s;
    json_t *at = root;
    const char *p = ref + 1;
    while (at && *p == '/') {
      p++;
      size_t n = strcspn(p, "/");
      char seg[256];
      snprintf(seg, sizeof seg, "%.*s", (int)n, p);
      at = json_object_get(at, seg);
      p += n;
    }
    if (!at) return s;
    s = at;
  }
  return s;
}

static json_t *union_of(json_t *s) {
  json_t *u = json_object_get(s, "oneOf");
  if (!u) u = json_object_get(s, "anyOf");
  return json_is_array(u) ? u : NULL;
}

/* The schema's type name, inferring "object"/"array" from keywords; NULL for a schema
 * that accepts anything. */
static const char *type_of(json_t *s) {
  json_t *t = json_object_get(s, "type");
  if (json_is_string(t)) return json_string_value(t);
  if (json_is_array(t) && json_array_size(t) == 1) return json_string_value(json_array_get(t, 0));
  if (json_object_get(s, "properties") || json_object_get(s, "additionalProperties"))
    return "object";
  if (json_object_get(s, "items")) return "array";
  if (json_object_get(s, "enum")) return "string";
  return NULL;
}

static bool is_required(json_t *obj, const char *name) {
  json_t *req = json_object_get(obj, "required"), *m;
  size_t i;
  json_array_foreach(req, i, m) {
    if (json_is_string(m) && strcmp(json_string_value(m), name) == 0) return true;
  }
  return false;
}

static bool readable(compat_t *c, json_t *r, json_t *w, const char *path, int depth);

/* The schema an object gives names it does not list: NULL for "false", else the schema
 * (an empty object for "true" or nothing). */
static json_t *extra_schema(json_t *obj, bool *closed) {
  json_t *a = json_object_get(obj, "additionalProperties");
  *closed = json_is_false(a);
  return json_is_object(a) ? a : NULL;
}

static bool objects(compat_t *c, json_t *r, json_t *w, const char *path, int depth) {
  json_t *rp = json_object_get(r, "properties"), *wp = json_object_get(w, "properties");
  bool rclosed, wclosed;
  json_t *rextra = extra_schema(r, &rclosed), *wextra = extra_schema(w, &wclosed);
  char sub[512];
  const char *k;
  json_t *v;
  json_object_foreach(rp, k, v) {
    snprintf(sub, sizeof sub, "%s/properties/%s", path, k);
    json_t *wv = json_object_get(wp, k);
    if (wv) {
      if (!readable(c, v, wv, sub, depth + 1)) return false;
      if (is_required(r, k) && !is_required(w, k))
        return no(c, sub, "REQUIRED_ATTRIBUTE_ADDED", NULL);
      continue;
    }
    if (is_required(r, k) && !json_object_get(deref(c->rroot, v), "default"))
      return no(c, sub, "REQUIRED_PROPERTY_ADDED", "the writer's documents lack it");
    if (wclosed) continue; /* the writer never wrote that name */
    if (wextra) {          /* what the writer may have written under that name */
      if (!readable(c, v, wextra, sub, depth + 1)) return false;
      continue;
    }
    return no(c, sub, "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
              "the writer's open object may hold anything under that name");
  }
  json_object_foreach(wp, k, v) {
    if (json_object_get(rp, k)) continue;
    snprintf(sub, sizeof sub, "%s/properties/%s", path, k);
    if (rclosed) return no(c, sub, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", NULL);
    if (rextra && !readable(c, rextra, v, sub, depth + 1)) return false;
  }
  if (rextra && wextra) {
    snprintf(sub, sizeof sub, "%s/additionalProperties", path);
    return readable(c, rextra, wextra, sub, depth + 1);
  }
  if (rextra && !wclosed) /* the writer may have written anything anywhere */
    return no(c, path, "ADDITIONAL_PROPERTIES_NARROWED", NULL);
  if (rclosed && !wclosed) return no(c, path, "ADDITIONAL_PROPERTIES_REMOVED", NULL);
  return true;
}

static bool readable(compat_t *c, json_t *r, json_t *w, const char *path, int depth) {
  if (depth > COMPAT_MAX_DEPTH) return no(c, path, "SCHEMA_TOO_DEEP", NULL);
  if (--c->budget < 0) return no(c, path, "SCHEMA_TOO_LARGE", NULL);
  r = deref(c->rroot, r);
  w = deref(c->wroot, w);
  if (json_is_true(r) || (json_is_object(r) && json_object_size(r) == 0)) return true;
  if (json_is_false(w)) return true;
  if (!json_is_object(r) || !json_is_object(w)) return no(c, path, "TYPE_CHANGED", NULL);
  json_t *wu = union_of(w), *ru = union_of(r), *m;
  size_t i;
  if (wu) { /* every writer member must be readable */
    json_array_foreach(wu, i, m) {
      char sub[512];
      snprintf(sub, sizeof sub, "%s/oneOf/%zu", path, i);
      if (!readable(c, r, m, sub, depth + 1)) return false;
    }
    return true;
  }
  if (ru) { /* some reader member reads the writer */
    bool said = c->said;
    json_array_foreach(ru, i, m) {
      if (readable(c, m, w, path, depth + 1)) {
        c->said = said;
        return true;
      }
    }
    const char *wt = type_of(w);
    char detail[96];
    snprintf(detail, sizeof detail, "no member of the reader's union reads the writer's %s",
             wt ? wt : "schema");
    c->said = said;
    return no(c, path, !strcmp(wt ? wt : "", "null") ? "SUM_TYPE_NARROWED" : "TYPE_CHANGED",
              detail);
  }
  const char *rt = type_of(r), *wt = type_of(w);
  if (!rt) return true;
  if (!wt) return no(c, path, "TYPE_NARROWED", "the writer's schema accepts any value");
  if (strcmp(rt, wt) != 0) {
    if (!strcmp(rt, "number") && !strcmp(wt, "integer")) return true; /* TYPE_EXTENDED */
    char detail[96];
    snprintf(detail, sizeof detail, "%s read as %s", wt, rt);
    return no(c, path,
              !strcmp(rt, "integer") && !strcmp(wt, "number") ? "TYPE_NARROWED" : "TYPE_CHANGED",
              detail);
  }
  if (!strcmp(rt, "object")) return objects(c, r, w, path, depth);
  if (!strcmp(rt, "array")) {
    json_t *ri = json_object_get(r, "items"), *wi = json_object_get(w, "items");
    if (!ri) return true;
    if (!wi) return no(c, path, "ITEMS_NARROWED", NULL);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/items", path);
    return readable(c, ri, wi, sub, depth + 1);
  }
  json_t *re = json_object_get(r, "enum"), *we = json_object_get(w, "enum");
  if (json_is_array(re)) { /* every writer symbol must be a reader symbol */
    if (!json_is_array(we)) return no(c, path, "ENUM_ARRAY_NARROWED", NULL);
    json_array_foreach(we, i, m) {
      bool found = false;
      size_t j;
      json_t *x;
      json_array_foreach(re, j, x) found = found || json_equal(m, x);
      if (!found) return no(c, path, "ENUM_ARRAY_NARROWED", NULL);
    }
  }
  return true;
}

wy_status_t wy_json_sr_schema_compatible(const char *reader_json, const char *writer_json, bool *ok,
                                         char *why, size_t whycap, wy_error_t *err) {
  *ok = false;
  if (why && whycap) why[0] = '\0';
  json_error_t je;
  json_t *r = json_loads(reader_json ? reader_json : "", JSON_DECODE_ANY, &je);
  if (!r) return wy_error_set(err, WY_ERR_INVALID, "Invalid JSON schema: %s", je.text);
  json_t *w = json_loads(writer_json ? writer_json : "", JSON_DECODE_ANY, &je);
  if (!w) {
    json_decref(r);
    return wy_error_set(err, WY_ERR_INVALID, "Invalid JSON schema: %s", je.text);
  }
  wy_status_t st = WY_OK;
  if ((!json_is_object(r) && !json_is_boolean(r)) || (!json_is_object(w) && !json_is_boolean(w))) {
    st = wy_error_set(err, WY_ERR_INVALID, "Invalid JSON schema: not an object or a boolean");
  } else {
    compat_t c = {r, w, why, whycap, false, 100000};
    *ok = readable(&c, r, w, "", 0);
  }
  json_decref(r);
  json_decref(w);
  return st;
}
