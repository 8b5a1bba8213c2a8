/*
 * datagen_int.h — what the generator shares with the produce loop in the same module:
 * the delivery-report counters, which live in the generator because reports of a run
 * whose flush timed out may still arrive after wy_datagen_produce returned (until the
 * sink is destroyed), and must land somewhere valid.
 */
#ifndef WY_DATAGEN_INT_H
#define WY_DATAGEN_INT_H

#include "connectors/datagen/datagen.h"

typedef struct wy_datagen_reports {
  wy_delivery_target_t target; /* the opaque every send of a run carries */
  uint64_t delivered, failed;
  wy_status_t first_failure_code;
  char first_failure[WY_ERROR_MSG_MAX];
} wy_datagen_reports_t;

wy_datagen_reports_t *wy_datagen_reports(wy_datagen_t *g);

#endif
