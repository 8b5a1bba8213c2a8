/* The Schema Registry client of a command, from its configuration (see cli.h). */
#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "engine/registry/registry.h"

wy_status_t wy_cli_schema_registry(const struct wy_config *cfg, struct wy_sr **sr,
                                   wy_error_t *err) {
  *sr = NULL;
  const char *url = wy_config_get_string(cfg, WY_CFG_SCHEMA_REGISTRY_URL);
  if (!url || !*url) return WY_OK;
  wy_sr_http_config_t sc = {0};
  sc.url = url;
  const char *auth = wy_config_get_string(cfg, WY_CFG_SCHEMA_REGISTRY_AUTH);
  if (auth && *auth) sc.user_info = auth;
  if (!(*sr = wy_sr_http_new(&sc, err))) return wy_error_prefix(err, "ksql.schema.registry.url");
  return WY_OK;
}
