/* cli_lineage.c — OpenLineage for the commands that run queries (run, server). */
#include "connectors/kafka/kafka_sink.h"
#include "engine/cli/cli.h"
#include "engine/config/config.h"
#include "engine/lineage/lineage.h"

wy_status_t wy_cli_lineage_open(const wy_config_t *cfg, wy_lineage_emitter_t **em,
                                wy_kafka_sink_t **sink, wy_error_t *err) {
  *em = NULL;
  *sink = NULL;
  wy_lineage_options_t lo;
  if (wy_lineage_options_from_config(&lo, cfg, err) != WY_OK) return err->code;
  if (lo.transport == WY_LINEAGE_NONE) return WY_OK;
  bool wants_kafka =
      lo.transport == WY_LINEAGE_KAFKA ||
      (lo.transport == WY_LINEAGE_COMPOSITE && (lo.composite & (1u << WY_LINEAGE_KAFKA)));
  if (wants_kafka) {
    wy_kafka_prop_t props[] = {
        {"bootstrap.servers", wy_config_get_string(cfg, WY_CFG_BOOTSTRAP_SERVERS)}};
    wy_kafka_sink_config_t sc = {props, 1, NULL, 0};
    if (wy_kafka_sink_new(&sc, sink, err) != WY_OK) return err->code;
    lo.kafka_sink = wy_kafka_sink_base(*sink);
  }
  if (wy_lineage_emitter_new(&lo, em, err) != WY_OK) {
    wy_kafka_sink_destroy(*sink);
    *sink = NULL;
    return err->code;
  }
  return WY_OK;
}

void wy_cli_lineage_close(wy_lineage_emitter_t *em, wy_kafka_sink_t *sink) {
  if (em) {
    wy_lineage_emitter_abort_all(em);
    wy_lineage_emitter_destroy(em);
  }
  wy_kafka_sink_destroy(sink);
}
