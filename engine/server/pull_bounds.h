/*
 * pull_bounds.h — WINDOWSTART and WINDOWEND in a pull query's WHERE, with ksqlDB's rules.
 *
 * A pull query on a windowed table may bound its rows' windows: each bound compares
 * WINDOWSTART or WINDOWEND (either side) with =, <, <=, >, >= (BETWEEN is a >= and a <=)
 * to an INT or BIGINT literal (epoch milliseconds) or to a STRING holding a datetime,
 * complete or partial ('2021', '2021-03-04T05'), read as UTC. Within a conjunction a
 * window column has at most one lower bound, one upper bound, or one equality. What
 * ksqlDB refuses is refused with its message; a datetime is replaced by its epoch
 * milliseconds so that the query compares BIGINTs. Pure; any thread.
 */
#ifndef WY_SERVER_PULL_BOUNDS_H
#define WY_SERVER_PULL_BOUNDS_H

#include <stdbool.h>

#include "engine/base/status.h"
#include "parser/ast.h"

/* Check (and rewrite) the window bounds of q's WHERE; windowed: is its source windowed. */
wy_status_t wy_pull_window_bounds(wy_ast_query_t *q, bool windowed, wy_error_t *err);

#endif
