#include "connectors/kafka/kafka_config.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <string.h>

#include "engine/base/log.h"

typedef struct alias {
  const char *ksql;
  const char *rdkafka;
  unsigned roles;
  const char *doc;
} alias_t;

static const alias_t aliases[] = {
#define WY_X_ALIAS(ksql, rdk, roles, doc) {ksql, rdk, roles, doc},
    WY_KAFKA_ALIASES(WY_X_ALIAS)
#undef WY_X_ALIAS
};
#define NALIASES (sizeof aliases / sizeof aliases[0])

typedef struct role_prefix {
  const char *prefix;
  wy_kafka_role_t role;
} role_prefix_t;

static const role_prefix_t role_prefixes[] = {
#define WY_X_PREFIX(prefix, role) {prefix, role},
    WY_KAFKA_ROLE_PREFIXES(WY_X_PREFIX)
#undef WY_X_PREFIX
};
#define NPREFIXES (sizeof role_prefixes / sizeof role_prefixes[0])

static bool starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The precedence tiers, lowest first. Each maps a walleye key to the librdkafka key it
 * sets for a role, or NULL when it does not apply at that tier. */
typedef enum { TIER_ALIAS, TIER_KAFKA, TIER_ROLE, TIER__COUNT } tier_t;

static const char *map_key(const char *key, wy_kafka_role_t role, tier_t tier) {
  switch (tier) {
    case TIER_ALIAS:
      for (size_t i = 0; i < NALIASES; i++)
        if (strcmp(key, aliases[i].ksql) == 0 && (aliases[i].roles & WY_KAFKA_ROLE_BIT(role)))
          return aliases[i].rdkafka;
      return NULL;
    case TIER_KAFKA:
      if (!starts_with(key, "kafka.")) return NULL;
      for (size_t i = 0; i < NPREFIXES; i++)
        if (starts_with(key, role_prefixes[i].prefix)) return NULL; /* a role key, next tier */
      return key + strlen("kafka.");
    case TIER_ROLE:
      for (size_t i = 0; i < NPREFIXES; i++)
        if (starts_with(key, role_prefixes[i].prefix))
          return role_prefixes[i].role == role ? key + strlen(role_prefixes[i].prefix) : NULL;
      return NULL;
    default:
      return NULL;
  }
}

const char *wy_kafka_config_lookup(const wy_kafka_prop_t *props, size_t nprops,
                                   wy_kafka_role_t role, const char *librdkafka_key) {
  const char *found = NULL;
  for (int tier = 0; tier < TIER__COUNT; tier++)
    for (size_t i = 0; i < nprops; i++) {
      const char *k = map_key(props[i].key, role, (tier_t)tier);
      if (k && strcmp(k, librdkafka_key) == 0) found = props[i].value;
    }
  return found;
}

static void log_bridge(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  /* librdkafka uses syslog levels: 0..3 are errors, 4 warnings, 5..6 notices. */
  wy_log_level_t lvl = level <= 3   ? WY_LOG_ERROR
                       : level == 4 ? WY_LOG_WARN
                       : level <= 6 ? WY_LOG_INFO
                                    : WY_LOG_DEBUG;
  wy_log(lvl, "kafka", "%s client=%s facility=%s", buf, rd_kafka_name(rk), fac);
}

static void error_bridge(rd_kafka_t *rk, int code, const char *reason, void *opaque) {
  (void)opaque;
  /* Most client errors are transient (a broker went away), already logged by librdkafka,
   * and recovered from on its own; the fatal ones are also reported to whoever calls
   * the client next. */
  wy_log_level_t lvl = code == RD_KAFKA_RESP_ERR__FATAL              ? WY_LOG_ERROR
                       : code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ? WY_LOG_WARN
                                                                     : WY_LOG_DEBUG;
  wy_log(lvl, "kafka", "%s client=%s code=%s", reason, rd_kafka_name(rk),
         rd_kafka_err2name((rd_kafka_resp_err_t)code));
}

static wy_status_t conf_set(rd_kafka_conf_t *conf, const char *from, const char *key,
                            const char *value, wy_error_t *err) {
  char errstr[512];
  if (!value) return wy_error_set(err, WY_ERR_CONFIG, "property %s has no value", from);
  if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    return wy_error_set(err, WY_ERR_CONFIG, "property %s: %s", from, errstr);
  return WY_OK;
}

wy_status_t wy_kafka_config_build(const wy_kafka_prop_t *defaults, size_t ndefaults,
                                  const wy_kafka_prop_t *props, size_t nprops, wy_kafka_role_t role,
                                  void **conf_out, wy_error_t *err) {
  *conf_out = NULL;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (!conf) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  rd_kafka_conf_set_log_cb(conf, log_bridge);
  rd_kafka_conf_set_error_cb(conf, error_bridge);
  wy_status_t st = WY_OK;
  for (size_t i = 0; i < ndefaults && st == WY_OK; i++)
    st = conf_set(conf, defaults[i].key, defaults[i].key, defaults[i].value, err);
  for (int tier = 0; tier < TIER__COUNT && st == WY_OK; tier++)
    for (size_t i = 0; i < nprops && st == WY_OK; i++) {
      if (!props[i].key) continue;
      const char *k = map_key(props[i].key, role, (tier_t)tier);
      if (k) st = conf_set(conf, props[i].key, k, props[i].value, err);
    }
  if (st != WY_OK) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  *conf_out = conf;
  return WY_OK;
}

void wy_kafka_config_doc(FILE *out) {
  fprintf(out, "| property | librdkafka key | clients | meaning |\n|---|---|---|---|\n");
  for (size_t i = 0; i < NALIASES; i++) {
    const char *who = aliases[i].roles == WY_KAFKA_ALL_ROLES       ? "all"
                      : aliases[i].roles == WY_KAFKA_CONSUMER_ONLY ? "consumer"
                                                                   : "producer";
    fprintf(out, "| `%s` | `%s` | %s | %s |\n", aliases[i].ksql, aliases[i].rdkafka, who,
            aliases[i].doc);
  }
}
