/*
 * qtt_compare.h — ksqlDB's rules for judging a QTT case against what an executor did.
 *
 * Values follow ksqlDB's ExpectedRecordComparator: objects match maps with the same
 * number of fields (looked up by exact, then upper-cased name), arrays element-wise,
 * numbers by the kind of the actual value (INT: the expected value truncated to int;
 * BIGINT: truncated to long; DOUBLE: within 1e-6; DECIMAL: an integer literal needs
 * scale 0, a real literal needs the same scale and digits), strings equal to a string,
 * to a decimal of that text, or to bytes whose base64 is that text. Records are matched
 * per topic, in order, with the count first; then key, window, value, headers and
 * timestamp (absent: not checked; a mismatch against 0 is ignored when the case has no
 * inputs). Expected exceptions are matched through the class mapping below, messages
 * with "contains". `post` checks sources (a hasItems check), the topic blacklist and
 * the listed topics.
 *
 * Every check writes the first difference into a caller buffer (WY_QTT_DIFF_MAX is
 * enough) and returns whether everything matched. Pure functions; any thread.
 */
#ifndef WY_QTT_COMPARE_H
#define WY_QTT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/arena.h"
#include "engine/base/status.h"
#include "engine/base/value.h"
#include "engine/testing/executor.h"
#include "engine/testing/qtt.h"

#define WY_QTT_DIFF_MAX 1024

#define WY_QTT_PHASE_BIT(p) (1u << (p))
#define WY_QTT_CODE_BIT(c) (UINT64_C(1) << (c))

/* ksqlDB exception classes and what they mean for walleye.
 * X(java class, phases in which it is raised (mask), status codes that qualify (mask,
 *   0 = any), message the Java exception always carries (NULL = none))
 * A subclass is listed before its parents; a class matches when the actual exception's
 * phase and code qualify, as Java's instanceof would for the engine's equivalent. */
#define WY_QTT_EXCEPTION_CLASSES(X)                                                                \
  X("io.confluent.ksql.parser.exception.ParseFailedException",                                     \
    WY_QTT_PHASE_BIT(WY_QTT_PHASE_STATEMENT), WY_QTT_CODE_BIT(WY_ERR_PARSE), NULL)                 \
  X("io.confluent.ksql.util.KsqlStatementException", WY_QTT_PHASE_BIT(WY_QTT_PHASE_STATEMENT), 0,  \
    NULL)                                                                                          \
  X("io.confluent.ksql.util.KsqlException",                                                        \
    WY_QTT_PHASE_BIT(WY_QTT_PHASE_STATEMENT) | WY_QTT_PHASE_BIT(WY_QTT_PHASE_SETUP), 0, NULL)      \
  X("io.confluent.ksql.function.KsqlFunctionException", WY_QTT_PHASE_BIT(WY_QTT_PHASE_PROCESSING), \
    WY_QTT_CODE_BIT(WY_ERR_EVAL) | WY_QTT_CODE_BIT(WY_ERR_OVERFLOW), NULL)                         \
  X("org.apache.kafka.streams.errors.StreamsException", WY_QTT_PHASE_BIT(WY_QTT_PHASE_PROCESSING), \
    0, "Exception caught in process")

/* Does the actual exception count as an instance of the Java class? The class may be
 * given fully qualified or by its simple name. *known is set to false for a class the
 * mapping does not list (which then never matches). */
bool wy_qtt_exception_class_matches(const char *java_class, const wy_qtt_exception_t *actual,
                                    bool *known);

/* ExpectedRecordComparator. `actual` NULL counts as null. */
bool wy_qtt_value_matches(const wy_value_t *expected, const wy_value_t *actual, char *diff,
                          size_t cap);

/* The outputs of a case against the records of a result. `scratch` holds values read
 * back from raw payloads. */
bool wy_qtt_outputs_match(const wy_qtt_case_t *tc, const wy_qtt_result_t *res, wy_arena_t *scratch,
                          char *diff, size_t cap);

bool wy_qtt_exception_matches(const wy_qtt_expected_exception_t *ee,
                              const wy_qtt_exception_t *actual, char *diff, size_t cap);

bool wy_qtt_post_matches(const wy_qtt_post_t *post, const wy_qtt_result_t *res, char *diff,
                         size_t cap);

/* Canonical text of a ksql logical schema ("ID BIGINT KEY, `NAME` VARCHAR"), so that
 * two renderings of the same schema compare equal: unquoted words upper-cased, quotes
 * dropped, VARCHAR/INT/PRIMARY KEY folded, key columns first. Returns the length it
 * needed, like snprintf. */
size_t wy_qtt_schema_normalize(const char *schema, char *out, size_t cap);

/* The whole verdict for one case: run_status/run_err are what the executor returned.
 * True when the case passed; otherwise diff says why. */
bool wy_qtt_case_passes(const wy_qtt_case_t *tc, wy_status_t run_status, const wy_error_t *run_err,
                        const wy_qtt_result_t *res, char *diff, size_t cap);

#endif
