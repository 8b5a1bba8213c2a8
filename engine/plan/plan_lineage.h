/*
 * plan_lineage.h — start a query's OpenLineage run from its plan: the input and output
 * topics with their schemas, and the column lineage the analyzer derived (IDENTITY,
 * TRANSFORMATION, AGGREGATION per output column, masking where a masking function
 * touched the value; FILTER, JOIN and GROUP_BY for the whole output).
 */
#ifndef WY_PLAN_LINEAGE_H
#define WY_PLAN_LINEAGE_H

#include "engine/catalog/catalog.h"
#include "engine/lineage/lineage.h"
#include "engine/plan/plan.h"

/* Queues the run's START event. The description is copied by the emitter. */
wy_status_t wy_plan_lineage_start(const wy_plan_t *p, const wy_catalog_t *cat,
                                  const char *service_id, const char *bootstrap,
                                  wy_lineage_emitter_t *em, wy_lineage_run_t **out,
                                  wy_error_t *err);

#endif
