/*
 * sink_schemas.h — a statement's sink schemas checked against the Schema Registry
 * before anything of the statement is created.
 *
 * A query registers the schemas its sinks write (formats with a registry, such as AVRO)
 * as its codecs open. When the registry refuses one (the subject's compatibility level),
 * the statement must fail with the subject, the level and the reason, and leave nothing
 * behind: no source in the catalog, no query, and no schema registered for the sink's
 * other side (its key when the value is refused). So every sink schema is generated and
 * checked first (wy_sr_check_compatible_why), and only then does the query start and
 * register them.
 */
#ifndef WY_SINK_SCHEMAS_H
#define WY_SINK_SCHEMAS_H

#include "engine/catalog/catalog.h"
#include "engine/plan/plan.h"
#include "engine/registry/registry.h"

/* WY_ERR_CONFIG when a sink schema of p would be refused by sr (a no-op without sr).
 * Codecs that cannot be built are not checked here: the query reports them. */
wy_status_t wy_plan_check_sink_schemas(const wy_plan_t *p, wy_sr_t *sr, wy_error_t *err);

/* The same check for the schemas a CREATE STREAM/TABLE with declared columns stands
 * for (a writer registers them later: INSERT VALUES, a producing query), so that a
 * declaration the topic's subjects refuse fails as a statement. */
wy_status_t wy_source_check_schemas(const wy_source_def_t *d, wy_sr_t *sr, wy_error_t *err);

#endif
