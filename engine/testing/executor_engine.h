/*
 * executor_engine.h — the QTT executor that runs cases on walleye's engine with an
 * in-memory broker (see executor.h for the contract).
 */
#ifndef WY_QTT_EXECUTOR_ENGINE_H
#define WY_QTT_EXECUTOR_ENGINE_H

#include "engine/testing/executor.h"

#include "udf/registry.h"

/* Runs cases with the built-in functions. */
const wy_qtt_executor_t *wy_qtt_executor_engine(void);
/* Runs cases with the functions of reg (built-ins plus loaded UDF libraries) and, when
 * lineage is set, reports every query's OpenLineage run through it; both must outlive
 * every use of the executor. Either may be NULL. */
struct wy_lineage_emitter;
const wy_qtt_executor_t *wy_qtt_executor_engine_with(const wy_registry_t *reg,
                                                     struct wy_lineage_emitter *lineage);

#endif
