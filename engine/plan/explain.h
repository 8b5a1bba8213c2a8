/*
 * explain.h — render a plan for `walleye explain` and EXPLAIN: each sub-topology with
 * its inputs (topics, formats, schemas), its steps in order, and the internal topics.
 */
#ifndef WY_EXPLAIN_H
#define WY_EXPLAIN_H

#include <stdio.h>

#include "engine/plan/plan.h"

void wy_plan_explain(const wy_plan_t *p, FILE *out);

#endif
