#include "engine/config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
  const char *key;
  wy_config_type_t type;
  const char *def;
  const char *choices; /* "a|b|c" for enums */
  const char *aliases; /* "k1|k2" */
  const char *doc;
} key_spec_t;

static const key_spec_t specs[WY_CFG__COUNT] = {
#define WY_X_CFG_SPEC(id, key, type, def, choices, aliases, doc) \
  [WY_CFG_##id] = {key, type, def, choices, aliases, doc},
    WY_CONFIG_KEYS(WY_X_CFG_SPEC)
#undef WY_X_CFG_SPEC
};

typedef struct {
  char *key;
  char *value;
} kv_t;

struct wy_config {
  char *values[WY_CFG__COUNT]; /* NULL: default */
  kv_t *kafka;
  size_t nkafka;
  kv_t *functions; /* ksql.functions.* (full keys): properties for UDF libraries */
  size_t nfunctions;
};

wy_config_t *wy_config_new(void) { return calloc(1, sizeof(wy_config_t)); }

void wy_config_destroy(wy_config_t *c) {
  if (!c) return;
  for (int i = 0; i < WY_CFG__COUNT; i++) free(c->values[i]);
  for (size_t i = 0; i < c->nkafka; i++) {
    free(c->kafka[i].key);
    free(c->kafka[i].value);
  }
  free(c->kafka);
  for (size_t i = 0; i < c->nfunctions; i++) {
    free(c->functions[i].key);
    free(c->functions[i].value);
  }
  free(c->functions);
  free(c);
}

/* Is `word` one of the '|'-separated entries of `list` (case-insensitive)? */
static bool in_list(const char *list, const char *word) {
  if (!list) return false;
  size_t n = strlen(word);
  for (const char *p = list; *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncasecmp(p, word, n) == 0) return true;
    if (!bar) break;
    p = bar + 1;
  }
  return false;
}

int wy_config_lookup(const char *key) {
  for (int i = 0; i < WY_CFG__COUNT; i++)
    if (strcmp(specs[i].key, key) == 0 || in_list(specs[i].aliases, key)) return i;
  /* ksql.streams.<known key> */
  static const char streams[] = "ksql.streams.";
  if (strncmp(key, streams, sizeof streams - 1) == 0) {
    const char *rest = key + sizeof streams - 1;
    for (int i = 0; i < WY_CFG__COUNT; i++)
      if (strcmp(specs[i].key, rest) == 0) return i;
  }
  return -1;
}

const char *wy_config_key_name(wy_config_key_t k) { return specs[k].key; }

static bool parse_int(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end) return false;
  *out = v;
  return true;
}

static bool parse_bool(const char *s, bool *out) {
  if (strcasecmp(s, "true") == 0) return *out = true, true;
  if (strcasecmp(s, "false") == 0) return *out = false, true;
  return false;
}

/* Set key in a passthrough list (kafka.*, ksql.functions.*). */
static wy_status_t set_kv(kv_t **list, size_t *n, const char *key, const char *value,
                          wy_error_t *err) {
  for (size_t i = 0; i < *n; i++) {
    if (strcmp((*list)[i].key, key) == 0) {
      char *v = strdup(value);
      if (!v) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
      free((*list)[i].value);
      (*list)[i].value = v;
      return WY_OK;
    }
  }
  kv_t *grown = realloc(*list, (*n + 1) * sizeof *grown);
  if (!grown) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  *list = grown;
  char *k = strdup(key), *v = strdup(value);
  if (!k || !v) {
    free(k);
    free(v);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  (*list)[(*n)++] = (kv_t){k, v};
  return WY_OK;
}

wy_status_t wy_config_set(wy_config_t *c, const char *key, const char *value, wy_error_t *err) {
  if (strncmp(key, "kafka.", 6) == 0 && wy_config_lookup(key) < 0) {
    if (!key[6]) return wy_error_set(err, WY_ERR_CONFIG, "config key 'kafka.' names no property");
    return set_kv(&c->kafka, &c->nkafka, key + 6, value, err);
  }
  if (strncmp(key, "ksql.functions.", 15) == 0 && wy_config_lookup(key) < 0) {
    if (!strchr(key + 15, '.'))
      return wy_error_set(
          err, WY_ERR_CONFIG,
          "config key '%s' names no function property (ksql.functions.<name>.<key>)", key);
    return set_kv(&c->functions, &c->nfunctions, key, value, err);
  }
  int id = wy_config_lookup(key);
  if (id < 0) return wy_error_set(err, WY_ERR_CONFIG, "unknown config key '%s'", key);
  const key_spec_t *s = &specs[id];
  int64_t iv;
  bool bv;
  switch (s->type) {
    case WY_CFG_INT:
      if (!parse_int(value, &iv) || iv < 0)
        return wy_error_set(err, WY_ERR_CONFIG,
                            "config key '%s' wants a non-negative integer, not '%s'", s->key,
                            value);
      break;
    case WY_CFG_BOOL:
      if (!parse_bool(value, &bv))
        return wy_error_set(err, WY_ERR_CONFIG, "config key '%s' wants true or false, not '%s'",
                            s->key, value);
      break;
    case WY_CFG_ENUM:
      if (!in_list(s->choices, value))
        return wy_error_set(err, WY_ERR_CONFIG, "config key '%s' wants one of %s, not '%s'", s->key,
                            s->choices, value);
      break;
    case WY_CFG_STRING:
      break;
  }
  char *copy = strdup(value);
  if (!copy) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  free(c->values[id]);
  c->values[id] = copy;
  return WY_OK;
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = '\0';
  return s;
}

wy_status_t wy_config_load_file(wy_config_t *c, const char *path, wy_error_t *err) {
  FILE *f = fopen(path, "r");
  if (!f)
    return wy_error_set(err, WY_ERR_CONFIG, "cannot read config file %s: %s", path,
                        strerror(errno));
  char line[4096];
  int lineno = 0;
  wy_status_t st = WY_OK;
  while (st == WY_OK && fgets(line, sizeof line, f)) {
    lineno++;
    char *s = trim(line);
    if (!*s || *s == '#') continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      st = wy_error_set(err, WY_ERR_CONFIG, "%s:%d: expected key=value, got '%s'", path, lineno, s);
      break;
    }
    *eq = '\0';
    st = wy_config_set(c, trim(s), trim(eq + 1), err);
    if (st != WY_OK) wy_error_prefix(err, "%s:%d", path, lineno);
  }
  fclose(f);
  return st;
}

const char *wy_config_get_string(const wy_config_t *c, wy_config_key_t k) {
  return c && c->values[k] ? c->values[k] : specs[k].def;
}

int64_t wy_config_get_int(const wy_config_t *c, wy_config_key_t k) {
  int64_t v = 0;
  parse_int(wy_config_get_string(c, k), &v);
  return v;
}

bool wy_config_get_bool(const wy_config_t *c, wy_config_key_t k) {
  bool v = false;
  parse_bool(wy_config_get_string(c, k), &v);
  return v;
}

bool wy_config_is_set(const wy_config_t *c, wy_config_key_t k) { return c && c->values[k]; }

size_t wy_config_kafka_count(const wy_config_t *c) { return c->nkafka; }

void wy_config_kafka_entry(const wy_config_t *c, size_t i, const char **key, const char **value) {
  *key = c->kafka[i].key;
  *value = c->kafka[i].value;
}

const char *wy_config_udf_lookup(void *cfg, const char *key) {
  const wy_config_t *c = cfg;
  int id = wy_config_lookup(key);
  if (id >= 0) return wy_config_is_set(c, (wy_config_key_t)id) ? c->values[id] : NULL;
  for (size_t i = 0; i < c->nfunctions; i++)
    if (!strcmp(c->functions[i].key, key)) return c->functions[i].value;
  return NULL;
}

void wy_config_write_markdown(FILE *out) {
  static const char *const type_names[] = {"string", "integer", "boolean", "enum"};
  fprintf(out,
          "# Configuration\n\n"
          "Generated by `walleye config --markdown` from `engine/config/config.h`.\n\n"
          "Keys starting with `kafka.` pass through to librdkafka without the prefix; "
          "`ksql.functions.<name>.<key>` and `ksql.functions._global_.<key>` are properties "
          "for UDF libraries (`host->config`, docs/udf.md); "
          "`ksql.streams.<key>` is accepted for every key below. An unknown key or a bad "
          "value stops the node with a message naming the key.\n\n"
          "| key | type | default | also accepted as | description |\n"
          "|---|---|---|---|---|\n");
  for (int i = 0; i < WY_CFG__COUNT; i++) {
    const key_spec_t *s = &specs[i];
    fprintf(out, "| `%s` | %s", s->key, type_names[s->type]);
    if (s->choices) fprintf(out, " (%s)", s->choices);
    fprintf(out, " | `%s` | ", s->def);
    if (s->aliases) {
      const char *p = s->aliases;
      while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        fprintf(out, "`%.*s`%s", (int)len, p, bar ? ", " : "");
        if (!bar) break;
        p = bar + 1;
      }
    }
    fprintf(out, " | %s |\n", s->doc);
  }
}
