/*
 * declared_names.h — how ksqlDB declares a built-in's name where that is not upper case
 * (@UdfDescription(name = "greatest")). ksqlDB's resolution errors quote the declared
 * name ("Function 'greatest' does not accept parameters (STRING, INTEGER)."), so
 * walleye's do too. Only names checked against ksqlDB's sources or its conformance
 * cases are listed; any other function is quoted in upper case.
 */
#ifndef WY_UDF_DECLARED_NAMES_H
#define WY_UDF_DECLARED_NAMES_H

#define WY_KSQL_DECLARED_NAMES(X)                   \
  X(GREATEST, "greatest")                           \
  X(LEAST, "least")                                 \
  X(GEO_DISTANCE, "geo_distance")                   \
  X(INT_FROM_BYTES, "int_from_bytes")               \
  X(URL_ENCODE_PARAM, "url_encode_param")           \
  X(URL_DECODE_PARAM, "url_decode_param")           \
  X(URL_EXTRACT_PARAMETER, "url_extract_parameter") \
  X(DATEADD, "dateadd")                             \
  X(DATESUB, "datesub")                             \
  X(TIMEADD, "timeadd")                             \
  X(TIMESUB, "timesub")                             \
  X(TIMESTAMPADD, "timestampadd")                   \
  X(TIMESTAMPSUB, "timestampsub")                   \
  X(EXPLODE, "explode")

#endif
