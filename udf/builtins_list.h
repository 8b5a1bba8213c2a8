/*
 * builtins_list.h — the single list of built-in functions (X-macros).
 *
 * S(NAME, CATEGORY, "params", "ret" | NULL, ret_fn | NULL, impl, prep | NULL,
 *   overload flags, function flags, "description")   one scalar overload
 * A(NAME, "params", "ret" | NULL, ret_fn | NULL, &ops, "description")   one aggregate
 * T(NAME, "params", "ret" | NULL, ret_fn | NULL, impl, "description")   one table function
 *   overload: "ret" is the type of each value; impl writes them as an ARRAY of it
 *
 * Expanded by udf/builtins.c into registrations and by builtins_int.h into the
 * implementation prototypes. Docs (docs/functions.md) follow this list.
 */
/* Short flag names used below, defined by the expanding file: N = WY_OV_NULL_CALLS,
 * ND = WY_FN_NONDETERMINISTIC, MK = WY_FN_MASKING. */
#define WY_BUILTIN_SCALARS(S)                                                                      \
  /* ---- math ---- */                                                                             \
  S(ABS, "MATHEMATICAL", "INT", "INT", NULL, fn_abs, NULL, 0, 0, "The absolute value of a value.") \
  S(ABS, "MATHEMATICAL", "BIGINT", "BIGINT", NULL, fn_abs, NULL, 0, 0, "")                         \
  S(ABS, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_abs, NULL, 0, 0, "")                         \
  S(ABS, "MATHEMATICAL", "DECIMAL", NULL, wy_ret_arg0, fn_abs, NULL, 0, 0, "")                     \
  S(CEIL, "MATHEMATICAL", "INT", "INT", NULL, fn_ceil, NULL, 0, 0,                                 \
    "The smallest integer value not less than the argument.")                                      \
  S(CEIL, "MATHEMATICAL", "BIGINT", "BIGINT", NULL, fn_ceil, NULL, 0, 0, "")                       \
  S(CEIL, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_ceil, NULL, 0, 0, "")                       \
  S(CEIL, "MATHEMATICAL", "DECIMAL", NULL, wy_ret_arg0, fn_ceil, NULL, 0, 0, "")                   \
  S(FLOOR, "MATHEMATICAL", "INT", "INT", NULL, fn_floor, NULL, 0, 0,                               \
    "The largest integer value not greater than the argument.")                                    \
  S(FLOOR, "MATHEMATICAL", "BIGINT", "BIGINT", NULL, fn_floor, NULL, 0, 0, "")                     \
  S(FLOOR, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_floor, NULL, 0, 0, "")                     \
  S(FLOOR, "MATHEMATICAL", "DECIMAL", NULL, wy_ret_arg0, fn_floor, NULL, 0, 0, "")                 \
  S(ROUND, "MATHEMATICAL", "INT", "INT", NULL, fn_round, NULL, 0, 0,                               \
    "Round a value to the given number of decimal places (half up).")                              \
  S(ROUND, "MATHEMATICAL", "BIGINT", "BIGINT", NULL, fn_round, NULL, 0, 0, "")                     \
  S(ROUND, "MATHEMATICAL", "DOUBLE", "BIGINT", NULL, fn_round, NULL, 0, 0, "")                     \
  S(ROUND, "MATHEMATICAL", "DOUBLE, INT decimalPlaces", "DOUBLE", NULL, fn_round, NULL, 0, 0, "")  \
  S(ROUND, "MATHEMATICAL", "DECIMAL", NULL, wy_ret_decimal_int, fn_round, NULL, 0, 0, "")          \
  S(ROUND, "MATHEMATICAL", "DECIMAL, INT decimalPlaces", NULL, wy_ret_arg0, fn_round, NULL, 0, 0,  \
    "")                                                                                            \
  S(TRUNC, "MATHEMATICAL", "INT", "INT", NULL, fn_trunc, NULL, 0, 0,                               \
    "Truncate a value to the given number of decimal places.")                                     \
  S(TRUNC, "MATHEMATICAL", "BIGINT", "BIGINT", NULL, fn_trunc, NULL, 0, 0, "")                     \
  S(TRUNC, "MATHEMATICAL", "DOUBLE", "BIGINT", NULL, fn_trunc, NULL, 0, 0, "")                     \
  S(TRUNC, "MATHEMATICAL", "DOUBLE, INT decimalPlaces", "DOUBLE", NULL, fn_trunc, NULL, 0, 0, "")  \
  S(TRUNC, "MATHEMATICAL", "DECIMAL", NULL, wy_ret_decimal_int, fn_trunc, NULL, 0, 0, "")          \
  S(TRUNC, "MATHEMATICAL", "DECIMAL, INT decimalPlaces", NULL, wy_ret_arg0, fn_trunc, NULL, 0, 0,  \
    "")                                                                                            \
  S(SIGN, "MATHEMATICAL", "INT", "INT", NULL, fn_sign, NULL, 0, 0,                                 \
    "The sign of a value: -1, 0 or 1.")                                                            \
  S(SIGN, "MATHEMATICAL", "BIGINT", "INT", NULL, fn_sign, NULL, 0, 0, "")                          \
  S(SIGN, "MATHEMATICAL", "DOUBLE", "INT", NULL, fn_sign, NULL, 0, 0, "")                          \
  S(SIGN, "MATHEMATICAL", "DECIMAL", "INT", NULL, fn_sign, NULL, 0, 0, "")                         \
  S(SQRT, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_sqrt, NULL, 0, 0,                           \
    "The square root of a value.")                                                                 \
  S(CBRT, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_cbrt, NULL, 0, 0,                           \
    "The cube root of a value.")                                                                   \
  S(EXP, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_exp, NULL, 0, 0,                             \
    "Euler's number raised to the value.")                                                         \
  S(LN, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_ln, NULL, 0, 0,                               \
    "The natural logarithm of a value.")                                                           \
  S(LOG, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_ln, NULL, 0, 0,                              \
    "The natural logarithm of a value (what ksqlDB computes; its docs say base 10), or the "       \
    "logarithm in the given base.")                                                                \
  S(LOG, "MATHEMATICAL", "DOUBLE base, DOUBLE value", "DOUBLE", NULL, fn_logb, NULL, 0, 0, "")     \
  S(POWER, "MATHEMATICAL", "DOUBLE base, DOUBLE exponent", "DOUBLE", NULL, fn_power, NULL, 0, 0,   \
    "A base raised to an exponent.")                                                               \
  S(DEGREES, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_degrees, NULL, 0, 0,                     \
    "Radians to degrees.")                                                                         \
  S(RADIANS, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_radians, NULL, 0, 0,                     \
    "Degrees to radians.")                                                                         \
  S(SIN, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_sin, NULL, 0, 0,                             \
    "The sine of an angle in radians.")                                                            \
  S(COS, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_cos, NULL, 0, 0,                             \
    "The cosine of an angle in radians.")                                                          \
  S(TAN, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_tan, NULL, 0, 0,                             \
    "The tangent of an angle in radians.")                                                         \
  S(COT, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_cot, NULL, 0, 0,                             \
    "The cotangent of an angle in radians.")                                                       \
  S(ASIN, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_asin, NULL, 0, 0, "The inverse sine.")      \
  S(ACOS, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_acos, NULL, 0, 0, "The inverse cosine.")    \
  S(ATAN, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_atan, NULL, 0, 0, "The inverse tangent.")   \
  S(ATAN2, "MATHEMATICAL", "DOUBLE y, DOUBLE x", "DOUBLE", NULL, fn_atan2, NULL, 0, 0,             \
    "The angle of the point (x, y).")                                                              \
  S(SINH, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_sinh, NULL, 0, 0, "The hyperbolic sine.")   \
  S(COSH, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_cosh, NULL, 0, 0, "The hyperbolic cosine.") \
  S(TANH, "MATHEMATICAL", "DOUBLE", "DOUBLE", NULL, fn_tanh, NULL, 0, 0,                           \
    "The hyperbolic tangent.")                                                                     \
  S(PI, "MATHEMATICAL", "", "DOUBLE", NULL, fn_pi, NULL, 0, 0, "The value of pi.")                 \
  S(RANDOM, "MATHEMATICAL", "", "DOUBLE", NULL, fn_random, NULL, 0, ND,                            \
    "A random DOUBLE in [0, 1).")                                                                  \
  S(GEO_DISTANCE, "MATHEMATICAL", "DOUBLE lat1, DOUBLE lon1, DOUBLE lat2, DOUBLE lon2", "DOUBLE",  \
    NULL, fn_geo_distance, NULL, N, 0,                                                             \
    "The great-circle distance between two points in decimal degrees, in KM or MILES.")            \
  S(GEO_DISTANCE, "MATHEMATICAL",                                                                  \
    "DOUBLE lat1, DOUBLE lon1, DOUBLE lat2, DOUBLE lon2, STRING unit", "DOUBLE", NULL,             \
    fn_geo_distance, NULL, N, 0, "")                                                               \
  S(GREATEST, "MATHEMATICAL", "INT, INT...", "INT", NULL, fn_greatest, NULL, N, 0,                 \
    "The largest non-NULL argument.")                                                              \
  S(GREATEST, "MATHEMATICAL", "BIGINT, BIGINT...", "BIGINT", NULL, fn_greatest, NULL, N, 0, "")    \
  S(GREATEST, "MATHEMATICAL", "DOUBLE, DOUBLE...", "DOUBLE", NULL, fn_greatest, NULL, N, 0, "")    \
  S(GREATEST, "MATHEMATICAL", "DECIMAL, DECIMAL...", NULL, wy_ret_decimal_widest, fn_greatest,     \
    NULL, N, 0, "")                                                                                \
  S(GREATEST, "MATHEMATICAL", "STRING, STRING...", "STRING", NULL, fn_greatest, NULL, N, 0, "")    \
  S(GREATEST, "MATHEMATICAL", "BYTES, BYTES...", "BYTES", NULL, fn_greatest, NULL, N, 0, "")       \
  S(GREATEST, "MATHEMATICAL", "DATE, DATE...", "DATE", NULL, fn_greatest, NULL, N, 0, "")          \
  S(GREATEST, "MATHEMATICAL", "TIME, TIME...", "TIME", NULL, fn_greatest, NULL, N, 0, "")          \
  S(GREATEST, "MATHEMATICAL", "TIMESTAMP, TIMESTAMP...", "TIMESTAMP", NULL, fn_greatest, NULL, N,  \
    0, "")                                                                                         \
  S(LEAST, "MATHEMATICAL", "INT, INT...", "INT", NULL, fn_least, NULL, N, 0,                       \
    "The smallest non-NULL argument.")                                                             \
  S(LEAST, "MATHEMATICAL", "BIGINT, BIGINT...", "BIGINT", NULL, fn_least, NULL, N, 0, "")          \
  S(LEAST, "MATHEMATICAL", "DOUBLE, DOUBLE...", "DOUBLE", NULL, fn_least, NULL, N, 0, "")          \
  S(LEAST, "MATHEMATICAL", "DECIMAL, DECIMAL...", NULL, wy_ret_decimal_widest, fn_least, NULL, N,  \
    0, "")                                                                                         \
  S(LEAST, "MATHEMATICAL", "STRING, STRING...", "STRING", NULL, fn_least, NULL, N, 0, "")          \
  S(LEAST, "MATHEMATICAL", "BYTES, BYTES...", "BYTES", NULL, fn_least, NULL, N, 0, "")             \
  S(LEAST, "MATHEMATICAL", "DATE, DATE...", "DATE", NULL, fn_least, NULL, N, 0, "")                \
  S(LEAST, "MATHEMATICAL", "TIME, TIME...", "TIME", NULL, fn_least, NULL, N, 0, "")                \
  S(LEAST, "MATHEMATICAL", "TIMESTAMP, TIMESTAMP...", "TIMESTAMP", NULL, fn_least, NULL, N, 0, "") \
  /* ---- strings ---- */                                                                          \
  S(CONCAT, "STRING", "STRING...", "STRING", NULL, fn_concat, NULL, N, 0,                          \
    "Concatenate strings or bytes; NULL arguments are skipped.")                                   \
  S(CONCAT, "STRING", "BYTES...", "BYTES", NULL, fn_concat, NULL, N, 0, "")                        \
  S(CONCAT_WS, "STRING", "STRING separator, STRING...", "STRING", NULL, fn_concat_ws, NULL, N, 0,  \
    "Concatenate with a separator; NULL arguments are skipped.")                                   \
  S(CONCAT_WS, "STRING", "BYTES separator, BYTES...", "BYTES", NULL, fn_concat_ws, NULL, N, 0, "") \
  S(LEN, "STRING", "STRING", "INT", NULL, fn_len, NULL, 0, 0,                                      \
    "The length of a string (characters) or bytes.")                                               \
  S(LEN, "STRING", "BYTES", "INT", NULL, fn_len, NULL, 0, 0, "")                                   \
  S(LCASE, "STRING", "STRING", "STRING", NULL, fn_lcase, NULL, 0, 0, "Lower-case a string.")       \
  S(UCASE, "STRING", "STRING", "STRING", NULL, fn_ucase, NULL, 0, 0, "Upper-case a string.")       \
  S(TRIM, "STRING", "STRING", "STRING", NULL, fn_trim, NULL, 0, 0,                                 \
    "Remove leading and trailing whitespace.")                                                     \
  S(INITCAP, "STRING", "STRING", "STRING", NULL, fn_initcap, NULL, 0, 0,                           \
    "Capitalize the first letter of each word.")                                                   \
  S(SUBSTRING, "STRING", "STRING str, INT pos", "STRING", NULL, fn_substring, NULL, 0, 0,          \
    "A substring from a 1-based position (negative counts from the end).")                         \
  S(SUBSTRING, "STRING", "STRING str, INT pos, INT length", "STRING", NULL, fn_substring, NULL, 0, \
    0, "")                                                                                         \
  S(SUBSTRING, "STRING", "BYTES str, INT pos", "BYTES", NULL, fn_substring, NULL, 0, 0, "")        \
  S(SUBSTRING, "STRING", "BYTES str, INT pos, INT length", "BYTES", NULL, fn_substring, NULL, 0,   \
    0, "")                                                                                         \
  S(INSTR, "STRING", "STRING str, STRING substring", "INT", NULL, fn_instr, NULL, 0, 0,            \
    "The 1-based position of a substring, 0 when absent.")                                         \
  S(INSTR, "STRING", "STRING str, STRING substring, INT position", "INT", NULL, fn_instr, NULL, 0, \
    0, "")                                                                                         \
  S(INSTR, "STRING", "STRING str, STRING substring, INT position, INT occurrence", "INT", NULL,    \
    fn_instr, NULL, 0, 0, "")                                                                      \
  S(REPLACE, "STRING", "STRING str, STRING target, STRING replacement", "STRING", NULL,            \
    fn_replace, NULL, 0, 0, "Replace every occurrence of a substring.")                            \
  S(LPAD, "STRING", "STRING input, INT length, STRING padding", "STRING", NULL, fn_lpad, NULL, 0,  \
    0, "Left-pad to a length.")                                                                    \
  S(RPAD, "STRING", "STRING input, INT length, STRING padding", "STRING", NULL, fn_rpad, NULL, 0,  \
    0, "Right-pad to a length.")                                                                   \
  S(LPAD, "STRING", "BYTES input, INT length, BYTES padding", "BYTES", NULL, fn_lpad, NULL, 0, 0,  \
    "")                                                                                            \
  S(RPAD, "STRING", "BYTES input, INT length, BYTES padding", "BYTES", NULL, fn_rpad, NULL, 0, 0,  \
    "")                                                                                            \
  S(CHR, "STRING", "INT", "STRING", NULL, fn_chr, NULL, 0, 0,                                      \
    "The character with the given code point.")                                                    \
  S(CHR, "STRING", "STRING", "STRING", NULL, fn_chr, NULL, 0, 0, "")                               \
  S(SPLIT, "STRING", "STRING, STRING delimiter", "ARRAY<STRING>", NULL, fn_split, NULL, 0, 0,      \
    "Split on a delimiter; an empty delimiter splits into characters.")                            \
  S(SPLIT, "STRING", "BYTES, BYTES delimiter", "ARRAY<BYTES>", NULL, fn_split, NULL, 0, 0, "")     \
  S(SPLIT_TO_MAP, "STRING", "STRING input, STRING entryDelimiter, STRING kvDelimiter",             \
    "MAP<STRING, STRING>", NULL, fn_split_to_map, NULL, 0, 0,                                      \
    "Split into a map of key/value pairs.")                                                        \
  S(TO_BYTES, "STRING", "STRING, STRING encoding", "BYTES", NULL, fn_to_bytes, NULL, 0, 0,         \
    "Encode a string (hex, utf8, ascii, base64) to bytes.")                                        \
  S(FROM_BYTES, "STRING", "BYTES, STRING encoding", "STRING", NULL, fn_from_bytes, NULL, 0, 0,     \
    "Decode bytes to a string (hex, utf8, ascii, base64).")                                        \
  S(ENCODE, "STRING", "STRING, STRING inputEncoding, STRING outputEncoding", "STRING", NULL,       \
    fn_encode, NULL, 0, 0, "Re-encode a string between hex, utf8, ascii and base64.")              \
  S(MD5, "STRING", "STRING", "STRING", NULL, fn_md5, NULL, 0, 0,                                   \
    "The MD5 digest of a string as 32 hex digits.")                                                \
  S(INT_FROM_BYTES, "CONVERSIONS", "BYTES", "INT", NULL, fn_int_from_bytes, NULL, 0, 0,            \
    "An INT from 4 bytes, big-endian or in the given byte order.")                                 \
  S(INT_FROM_BYTES, "CONVERSIONS", "BYTES, STRING byteOrder", "INT", NULL, fn_int_from_bytes,      \
    NULL, 0, 0, "")                                                                                \
  S(BIGINT_FROM_BYTES, "CONVERSIONS", "BYTES", "BIGINT", NULL, fn_bigint_from_bytes, NULL, 0, 0,   \
    "A BIGINT from 8 bytes, big-endian or in the given byte order.")                               \
  S(BIGINT_FROM_BYTES, "CONVERSIONS", "BYTES, STRING byteOrder", "BIGINT", NULL,                   \
    fn_bigint_from_bytes, NULL, 0, 0, "")                                                          \
  S(DOUBLE_FROM_BYTES, "CONVERSIONS", "BYTES", "DOUBLE", NULL, fn_double_from_bytes, NULL, 0, 0,   \
    "A DOUBLE from 8 bytes (IEEE 754), big-endian or in the given byte order.")                    \
  S(DOUBLE_FROM_BYTES, "CONVERSIONS", "BYTES, STRING byteOrder", "DOUBLE", NULL,                   \
    fn_double_from_bytes, NULL, 0, 0, "")                                                          \
  S(UUID, "STRING", "", "STRING", NULL, fn_uuid, NULL, 0, ND, "A random version 4 UUID.")          \
  S(MASK, "STRING", "STRING", "STRING", NULL, fn_mask, NULL, 0, MK,                                \
    "Mask every character: upper X, lower x, digit n, other -.")                                   \
  S(MASK, "STRING", "STRING, STRING upper, STRING lower, STRING digit, STRING other", "STRING",    \
    NULL, fn_mask, NULL, N, MK, "")                                                                \
  S(MASK_KEEP_LEFT, "STRING", "STRING, INT numChars", "STRING", NULL, fn_mask_keep_left, NULL, 0,  \
    MK, "Mask all but the leftmost n characters.")                                                 \
  S(MASK_KEEP_LEFT, "STRING",                                                                      \
    "STRING, INT numChars, STRING upper, STRING lower, STRING digit, STRING other", "STRING",      \
    NULL, fn_mask_keep_left, NULL, N, MK, "")                                                      \
  S(MASK_KEEP_RIGHT, "STRING", "STRING, INT numChars", "STRING", NULL, fn_mask_keep_right, NULL,   \
    0, MK, "Mask all but the rightmost n characters.")                                             \
  S(MASK_KEEP_RIGHT, "STRING",                                                                     \
    "STRING, INT numChars, STRING upper, STRING lower, STRING digit, STRING other", "STRING",      \
    NULL, fn_mask_keep_right, NULL, N, MK, "")                                                     \
  S(MASK_LEFT, "STRING", "STRING, INT numChars", "STRING", NULL, fn_mask_left, NULL, 0, MK,        \
    "Mask the leftmost n characters.")                                                             \
  S(MASK_LEFT, "STRING",                                                                           \
    "STRING, INT numChars, STRING upper, STRING lower, STRING digit, STRING other", "STRING",      \
    NULL, fn_mask_left, NULL, N, MK, "")                                                           \
  S(MASK_RIGHT, "STRING", "STRING, INT numChars", "STRING", NULL, fn_mask_right, NULL, 0, MK,      \
    "Mask the rightmost n characters.")                                                            \
  S(MASK_RIGHT, "STRING",                                                                          \
    "STRING, INT numChars, STRING upper, STRING lower, STRING digit, STRING other", "STRING",      \
    NULL, fn_mask_right, NULL, N, MK, "")                                                          \
  /* ---- regular expressions (Java, PCRE2) ---- */                                                \
  S(REGEXP_REPLACE, "REGULAR EXPRESSION", "STRING input, STRING regex, STRING replacement",        \
    "STRING", NULL, fn_regexp_replace, &wy_prep_regex1, 0, 0,                                      \
    "Replace every match of a regular expression.")                                                \
  S(REGEXP_EXTRACT, "REGULAR EXPRESSION", "STRING regex, STRING input", "STRING", NULL,            \
    fn_regexp_extract, &wy_prep_regex0, 0, 0,                                                      \
    "The first match of a regular expression (or of a group).")                                    \
  S(REGEXP_EXTRACT, "REGULAR EXPRESSION", "STRING regex, STRING input, INT group", "STRING", NULL, \
    fn_regexp_extract, &wy_prep_regex0, 0, 0, "")                                                  \
  S(REGEXP_EXTRACT_ALL, "REGULAR EXPRESSION", "STRING regex, STRING input", "ARRAY<STRING>", NULL, \
    fn_regexp_extract_all, &wy_prep_regex0, 0, 0,                                                  \
    "Every match of a regular expression (or of a group).")                                        \
  S(REGEXP_EXTRACT_ALL, "REGULAR EXPRESSION", "STRING regex, STRING input, INT group",             \
    "ARRAY<STRING>", NULL, fn_regexp_extract_all, &wy_prep_regex0, 0, 0, "")                       \
  S(REGEXP_SPLIT_TO_ARRAY, "REGULAR EXPRESSION", "STRING input, STRING regex", "ARRAY<STRING>",    \
    NULL, fn_regexp_split, &wy_prep_regex1, 0, 0,                                                  \
    "Split a string around matches of a regular expression.")                                      \
  /* ---- URLs ---- */                                                                             \
  S(URL_EXTRACT_HOST, "URL", "STRING url", "STRING", NULL, fn_url_extract_host, NULL, 0, 0,        \
    "The host of a URL; NULL when absent.")                                                        \
  S(URL_EXTRACT_PATH, "URL", "STRING url", "STRING", NULL, fn_url_extract_path, NULL, 0, 0,        \
    "The decoded path of a URL (empty when none).")                                                \
  S(URL_EXTRACT_PORT, "URL", "STRING url", "INT", NULL, fn_url_extract_port, NULL, 0, 0,           \
    "The explicit port of a URL; NULL when absent.")                                               \
  S(URL_EXTRACT_PROTOCOL, "URL", "STRING url", "STRING", NULL, fn_url_extract_protocol, NULL, 0,   \
    0, "The scheme of a URL; NULL when absent.")                                                   \
  S(URL_EXTRACT_QUERY, "URL", "STRING url", "STRING", NULL, fn_url_extract_query, NULL, 0, 0,      \
    "The decoded query string of a URL; NULL when absent.")                                        \
  S(URL_EXTRACT_FRAGMENT, "URL", "STRING url", "STRING", NULL, fn_url_extract_fragment, NULL, 0,   \
    0, "The decoded fragment of a URL; NULL when absent.")                                         \
  S(URL_EXTRACT_PARAMETER, "URL", "STRING url, STRING parameter", "STRING", NULL,                  \
    fn_url_extract_parameter, NULL, 0, 0,                                                          \
    "The decoded value of a query parameter; NULL when absent.")                                   \
  S(URL_ENCODE_PARAM, "URL", "STRING", "STRING", NULL, fn_url_encode_param, NULL, 0, 0,            \
    "Encode as an application/x-www-form-urlencoded parameter.")                                   \
  S(URL_DECODE_PARAM, "URL", "STRING", "STRING", NULL, fn_url_decode_param, NULL, 0, 0,            \
    "Decode an application/x-www-form-urlencoded parameter.")                                      \
  /* ---- nulls ---- */                                                                            \
  S(COALESCE, "CONDITIONAL", "T, T...", "T", NULL, fn_coalesce, NULL, N, 0,                        \
    "The first non-NULL argument.")                                                                \
  S(IFNULL, "CONDITIONAL", "T expression, T altValue", "T", NULL, fn_coalesce, NULL, N, 0,         \
    "The first argument, or the second when the first is NULL.")                                   \
  S(NULLIF, "CONDITIONAL", "T expr1, T expr2", "T", NULL, fn_nullif, NULL, N, 0,                   \
    "NULL when both arguments are equal, else the first.")                                         \
  S(AS_VALUE, "OTHER", "T", "T", NULL, fn_identity, NULL, N, 0,                                    \
    "Copy a key column into the value.")                                                           \
  /* ---- JSON ---- */                                                                             \
  S(EXTRACTJSONFIELD, "JSON", "STRING json, STRING path", "STRING", NULL, fn_extractjsonfield,     \
    NULL, 0, 0, "The value at a JSONPath ($.a.b[0]); strings unquoted, others as JSON.")           \
  S(IS_JSON_STRING, "JSON", "STRING", "BOOLEAN", NULL, fn_is_json_string, NULL, N, 0,              \
    "Whether a string is valid JSON.")                                                             \
  S(JSON_ARRAY_LENGTH, "JSON", "STRING", "INT", NULL, fn_json_array_length, NULL, 0, 0,            \
    "The length of a JSON array, NULL when not an array.")                                         \
  S(JSON_KEYS, "JSON", "STRING", "ARRAY<STRING>", NULL, fn_json_keys, NULL, 0, 0,                  \
    "The keys of a JSON object, NULL when not an object.")                                         \
  S(JSON_CONCAT, "JSON", "STRING, STRING...", "STRING", NULL, fn_json_concat, NULL, N, 0,          \
    "Merge JSON objects, or concatenate JSON arrays.")                                             \
  S(JSON_ITEMS, "JSON", "STRING", "ARRAY<STRING>", NULL, fn_json_items, NULL, 0, 0,                \
    "The objects of a JSON array as JSON strings; NULL unless every item is an object.")           \
  S(JSON_RECORDS, "JSON", "STRING", "MAP<STRING, STRING>", NULL, fn_json_records, NULL, 0, 0,      \
    "The top-level members of a JSON object as a map of key to JSON text.")                        \
  S(JSON_ARRAY_CONTAINS, "JSON", "STRING jsonArray, T", "BOOLEAN", NULL, fn_json_array_contains,   \
    NULL, N, 0, "Whether a JSON array contains a value.")                                          \
  S(TO_JSON_STRING, "JSON", "T", "STRING", NULL, fn_to_json_string, NULL, N, 0,                    \
    "Render any value as JSON text.")                                                              \
  /* ---- collections ---- */                                                                      \
  S(ARRAY_LENGTH, "ARRAY", "ARRAY<T>", "INT", NULL, fn_array_length, NULL, 0, 0,                   \
    "The number of elements of an array.")                                                         \
  S(ARRAY_CONTAINS, "ARRAY", "ARRAY<T>, T", "BOOLEAN", NULL, fn_array_contains, NULL, N, 0,        \
    "Whether an array contains a value.")                                                          \
  S(ARRAY_DISTINCT, "ARRAY", "ARRAY<T>", "ARRAY<T>", NULL, fn_array_distinct, NULL, 0, 0,          \
    "The distinct elements, in order of first occurrence.")                                        \
  S(ARRAY_EXCEPT, "ARRAY", "ARRAY<T>, ARRAY<T>", "ARRAY<T>", NULL, fn_array_except, NULL, 0, 0,    \
    "Distinct elements of the first array not in the second.")                                     \
  S(ARRAY_INTERSECT, "ARRAY", "ARRAY<T>, ARRAY<T>", "ARRAY<T>", NULL, fn_array_intersect, NULL, 0, \
    0, "Distinct elements in both arrays.")                                                        \
  S(ARRAY_UNION, "ARRAY", "ARRAY<T>, ARRAY<T>", "ARRAY<T>", NULL, fn_array_union, NULL, 0, 0,      \
    "Distinct elements of either array.")                                                          \
  S(ARRAY_CONCAT, "ARRAY", "ARRAY<T>, ARRAY<T>", "ARRAY<T>", NULL, fn_array_concat, NULL, N, 0,    \
    "Both arrays, one after the other.")                                                           \
  S(ARRAY_REMOVE, "ARRAY", "ARRAY<T>, T", "ARRAY<T>", NULL, fn_array_remove, NULL, N, 0,           \
    "The array without every element equal to a value.")                                           \
  S(ARRAY_JOIN, "ARRAY", "ARRAY<T>", "STRING", NULL, fn_array_join, NULL, 0, 0,                    \
    "Join elements into a string with a delimiter (default ',').")                                 \
  S(ARRAY_JOIN, "ARRAY", "ARRAY<T>, STRING delimiter", "STRING", NULL, fn_array_join, NULL, N, 0,  \
    "")                                                                                            \
  S(ARRAY_MAX, "ARRAY", "ARRAY<T>", "T", NULL, fn_array_max, NULL, 0, 0,                           \
    "The largest non-NULL element.")                                                               \
  S(ARRAY_MIN, "ARRAY", "ARRAY<T>", "T", NULL, fn_array_min, NULL, 0, 0,                           \
    "The smallest non-NULL element.")                                                              \
  S(ARRAY_SORT, "ARRAY", "ARRAY<T>", "ARRAY<T>", NULL, fn_array_sort, NULL, 0, 0,                  \
    "Sort an array ('ASC' or 'DESC'); NULLs last.")                                                \
  S(ARRAY_SORT, "ARRAY", "ARRAY<T>, STRING direction", "ARRAY<T>", NULL, fn_array_sort, NULL, 0,   \
    0, "")                                                                                         \
  S(SLICE, "ARRAY", "ARRAY<T>, INT from, INT to", "ARRAY<T>", NULL, fn_slice, NULL, N, 0,          \
    "The elements between two 1-based positions, inclusive.")                                      \
  S(ELT, "STRING", "INT n, STRING...", "STRING", NULL, fn_elt, NULL, N, 0,                         \
    "The n-th (1-based) of the remaining arguments.")                                              \
  S(FIELD, "STRING", "STRING str, STRING...", "INT", NULL, fn_field, NULL, N, 0,                   \
    "The 1-based position of a string among the remaining arguments, 0 when absent.")              \
  S(MAP_KEYS, "MAP", "MAP<K, V>", "ARRAY<K>", NULL, fn_map_keys, NULL, 0, 0, "The keys of a map.") \
  S(MAP_VALUES, "MAP", "MAP<K, V>", "ARRAY<V>", NULL, fn_map_values, NULL, 0, 0,                   \
    "The values of a map.")                                                                        \
  S(MAP_UNION, "MAP", "MAP<K, V>, MAP<K, V>", "MAP<K, V>", NULL, fn_map_union, NULL, N, 0,         \
    "Merge two maps; the second wins on equal keys.")                                              \
  S(AS_MAP, "MAP", "ARRAY<STRING> keys, ARRAY<T> values", "MAP<STRING, T>", NULL, fn_as_map, NULL, \
    0, 0, "A map from an array of keys and an array of values.")                                   \
  S(ENTRIES, "MAP", "MAP<STRING, INT>, BOOLEAN sorted", NULL, wy_ret_entries, fn_entries, NULL, 0, \
    0, "An array of {K, V} structs from the entries of a map, optionally sorted by key.")          \
  S(ENTRIES, "MAP", "MAP<STRING, BIGINT>, BOOLEAN sorted", NULL, wy_ret_entries, fn_entries, NULL, \
    0, 0, "")                                                                                      \
  S(ENTRIES, "MAP", "MAP<STRING, DOUBLE>, BOOLEAN sorted", NULL, wy_ret_entries, fn_entries, NULL, \
    0, 0, "")                                                                                      \
  S(ENTRIES, "MAP", "MAP<STRING, BOOLEAN>, BOOLEAN sorted", NULL, wy_ret_entries, fn_entries,      \
    NULL, 0, 0, "")                                                                                \
  S(ENTRIES, "MAP", "MAP<STRING, STRING>, BOOLEAN sorted", NULL, wy_ret_entries, fn_entries, NULL, \
    0, 0, "")                                                                                      \
  S(ENTRIES, "MAP", "MAP<STRING, STRUCT>, BOOLEAN sorted", NULL, wy_ret_entries, fn_entries, NULL, \
    0, 0, "")                                                                                      \
  S(GENERATE_SERIES, "ARRAY", "INT start, INT end", "ARRAY<INT>", NULL, fn_generate_series, NULL,  \
    0, 0, "The values from start to end inclusive, by a step (default 1 or -1).")                  \
  S(GENERATE_SERIES, "ARRAY", "INT start, INT end, INT step", "ARRAY<INT>", NULL,                  \
    fn_generate_series, NULL, 0, 0, "")                                                            \
  S(GENERATE_SERIES, "ARRAY", "BIGINT start, BIGINT end", "ARRAY<BIGINT>", NULL,                   \
    fn_generate_series, NULL, 0, 0, "")                                                            \
  S(GENERATE_SERIES, "ARRAY", "BIGINT start, BIGINT end, INT step", "ARRAY<BIGINT>", NULL,         \
    fn_generate_series, NULL, 0, 0, "")                                                            \
  S(TRANSFORM, "LAMBDA", "ARRAY<T>, FN(T => U)", "ARRAY<U>", NULL, fn_transform_array, NULL, 0, 0, \
    "Apply a lambda to every element of an array, or to every entry of a map.")                    \
  S(TRANSFORM, "LAMBDA", "MAP<K, V>, FN(K, V => A), FN(K, V => B)", "MAP<A, B>", NULL,             \
    fn_transform_map, NULL, 0, 0, "")                                                              \
  S(FILTER, "LAMBDA", "ARRAY<T>, FN(T => BOOLEAN)", "ARRAY<T>", NULL, fn_filter_array, NULL, 0, 0, \
    "Keep the elements (or entries) for which a lambda is true.")                                  \
  S(FILTER, "LAMBDA", "MAP<K, V>, FN(K, V => BOOLEAN)", "MAP<K, V>", NULL, fn_filter_map, NULL, 0, \
    0, "")                                                                                         \
  S(REDUCE, "LAMBDA", "ARRAY<T>, S, FN(S, T => S)", "S", NULL, fn_reduce_array, NULL, N, 0,        \
    "Fold an array or map into a value with a lambda.")                                            \
  S(REDUCE, "LAMBDA", "MAP<K, V>, S, FN(S, K, V => S)", "S", NULL, fn_reduce_map, NULL, N, 0, "")  \
  /* ---- date and time ---- */                                                                    \
  S(UNIX_TIMESTAMP, "DATE / TIME", "", "BIGINT", NULL, fn_unix_timestamp, NULL, 0, ND,             \
    "Milliseconds since the epoch: now, or of a TIMESTAMP.")                                       \
  S(UNIX_TIMESTAMP, "DATE / TIME", "TIMESTAMP", "BIGINT", NULL, fn_unix_timestamp, NULL, 0, 0, "") \
  S(UNIX_DATE, "DATE / TIME", "", "INT", NULL, fn_unix_date, NULL, 0, ND,                          \
    "Days since the epoch: today, or of a DATE.")                                                  \
  S(UNIX_DATE, "DATE / TIME", "DATE", "INT", NULL, fn_unix_date, NULL, 0, 0, "")                   \
  S(FROM_UNIXTIME, "DATE / TIME", "BIGINT", "TIMESTAMP", NULL, fn_from_unixtime, NULL, 0, 0,       \
    "A TIMESTAMP from milliseconds since the epoch.")                                              \
  S(FROM_DAYS, "DATE / TIME", "INT", "DATE", NULL, fn_from_days, NULL, 0, 0,                       \
    "A DATE from days since the epoch.")                                                           \
  S(TIMESTAMPTOSTRING, "DATE / TIME", "BIGINT epochMilli, STRING format", "STRING", NULL,          \
    fn_timestamptostring, &wy_prep_datetime, 0, 0,                                                 \
    "Format epoch milliseconds with a Java pattern (deprecated: use FORMAT_TIMESTAMP).")           \
  S(TIMESTAMPTOSTRING, "DATE / TIME", "BIGINT epochMilli, STRING format, STRING timeZone",         \
    "STRING", NULL, fn_timestamptostring, &wy_prep_datetime, 0, 0, "")                             \
  S(STRINGTOTIMESTAMP, "DATE / TIME", "STRING, STRING format", "BIGINT", NULL,                     \
    fn_stringtotimestamp, &wy_prep_datetime, 0, 0,                                                 \
    "Parse epoch milliseconds with a Java pattern (deprecated: use PARSE_TIMESTAMP).")             \
  S(STRINGTOTIMESTAMP, "DATE / TIME", "STRING, STRING format, STRING timeZone", "BIGINT", NULL,    \
    fn_stringtotimestamp, &wy_prep_datetime, 0, 0, "")                                             \
  S(DATETOSTRING, "DATE / TIME", "INT epochDays, STRING format", "STRING", NULL, fn_datetostring,  \
    &wy_prep_datetime, 0, 0,                                                                       \
    "Format epoch days with a Java pattern (deprecated: use FORMAT_DATE).")                        \
  S(STRINGTODATE, "DATE / TIME", "STRING, STRING format", "INT", NULL, fn_stringtodate,            \
    &wy_prep_datetime, 0, 0, "Parse epoch days with a Java pattern (deprecated: use PARSE_DATE).") \
  S(FORMAT_TIMESTAMP, "DATE / TIME", "TIMESTAMP, STRING format", "STRING", NULL,                   \
    fn_timestamptostring, &wy_prep_datetime, 0, 0,                                                 \
    "Format a TIMESTAMP with a Java pattern, optionally in a time zone.")                          \
  S(FORMAT_TIMESTAMP, "DATE / TIME", "TIMESTAMP, STRING format, STRING timeZone", "STRING", NULL,  \
    fn_timestamptostring, &wy_prep_datetime, 0, 0, "")                                             \
  S(PARSE_TIMESTAMP, "DATE / TIME", "STRING, STRING format", "TIMESTAMP", NULL,                    \
    fn_parse_timestamp, &wy_prep_datetime, 0, 0,                                                   \
    "Parse a TIMESTAMP with a Java pattern, optionally in a time zone.")                           \
  S(PARSE_TIMESTAMP, "DATE / TIME", "STRING, STRING format, STRING timeZone", "TIMESTAMP", NULL,   \
    fn_parse_timestamp, &wy_prep_datetime, 0, 0, "")                                               \
  S(FORMAT_DATE, "DATE / TIME", "DATE, STRING format", "STRING", NULL, fn_datetostring,            \
    &wy_prep_datetime, 0, 0, "Format a DATE with a Java pattern.")                                 \
  S(PARSE_DATE, "DATE / TIME", "STRING, STRING format", "DATE", NULL, fn_parse_date,               \
    &wy_prep_datetime, 0, 0, "Parse a DATE with a Java pattern.")                                  \
  S(FORMAT_TIME, "DATE / TIME", "TIME, STRING format", "STRING", NULL, fn_format_time,             \
    &wy_prep_datetime, 0, 0, "Format a TIME with a Java pattern.")                                 \
  S(PARSE_TIME, "DATE / TIME", "STRING, STRING format", "TIME", NULL, fn_parse_time,               \
    &wy_prep_datetime, 0, 0, "Parse a TIME with a Java pattern.")                                  \
  S(DATEADD, "DATE / TIME", "STRING unit, INT interval, DATE", "DATE", NULL, fn_dateadd, NULL, 0,  \
    0, "Add an interval (DAYS, ...) to a DATE.")                                                   \
  S(DATESUB, "DATE / TIME", "STRING unit, INT interval, DATE", "DATE", NULL, fn_datesub, NULL, 0,  \
    0, "Subtract an interval from a DATE.")                                                        \
  S(TIMESTAMPADD, "DATE / TIME", "STRING unit, BIGINT interval, TIMESTAMP", "TIMESTAMP", NULL,     \
    fn_timestampadd, NULL, 0, 0, "Add an interval (MILLISECONDS .. DAYS) to a TIMESTAMP.")         \
  S(TIMESTAMPSUB, "DATE / TIME", "STRING unit, BIGINT interval, TIMESTAMP", "TIMESTAMP", NULL,     \
    fn_timestampsub, NULL, 0, 0, "Subtract an interval from a TIMESTAMP.")                         \
  S(TIMEADD, "DATE / TIME", "STRING unit, INT interval, TIME", "TIME", NULL, fn_timeadd, NULL, 0,  \
    0, "Add an interval to a TIME (wrapping at midnight).")                                        \
  S(TIMESUB, "DATE / TIME", "STRING unit, INT interval, TIME", "TIME", NULL, fn_timesub, NULL, 0,  \
    0, "Subtract an interval from a TIME (wrapping at midnight).")                                 \
  S(CONVERT_TZ, "DATE / TIME", "TIMESTAMP, STRING fromTz, STRING toTz", "TIMESTAMP", NULL,         \
    fn_convert_tz, NULL, 0, 0,                                                                     \
    "Shift a TIMESTAMP from one time zone to another (any java.time zone ID).")

#define WY_BUILTIN_AGGREGATES(A)                                                                  \
  A(COUNT, "", "BIGINT", NULL, &wy_udaf_count_star, "Count rows (COUNT(*)) or non-NULL values.")  \
  A(COUNT, "T", "BIGINT", NULL, &wy_udaf_count, "")                                               \
  A(COUNT_DISTINCT, "T", "BIGINT", NULL, &wy_udaf_count_distinct,                                 \
    "The approximate number of distinct non-NULL values (HyperLogLog).")                          \
  A(SUM, "INT", "INT", NULL, &wy_udaf_sum, "The sum of the non-NULL values.")                     \
  A(SUM, "BIGINT", "BIGINT", NULL, &wy_udaf_sum, "")                                              \
  A(SUM, "DOUBLE", "DOUBLE", NULL, &wy_udaf_sum, "")                                              \
  A(SUM, "DECIMAL", NULL, wy_ret_arg0, &wy_udaf_sum, "")                                          \
  A(SUM_LIST, "ARRAY<INT>", "INT", NULL, &wy_udaf_sum_list,                                       \
    "The sum of the elements of every array.")                                                    \
  A(SUM_LIST, "ARRAY<BIGINT>", "BIGINT", NULL, &wy_udaf_sum_list, "")                             \
  A(SUM_LIST, "ARRAY<DOUBLE>", "DOUBLE", NULL, &wy_udaf_sum_list, "")                             \
  A(AVG, "INT", "DOUBLE", NULL, &wy_udaf_avg, "The average of the non-NULL values.")              \
  A(AVG, "BIGINT", "DOUBLE", NULL, &wy_udaf_avg, "")                                              \
  A(AVG, "DOUBLE", "DOUBLE", NULL, &wy_udaf_avg, "")                                              \
  A(AVG, "DECIMAL", "DOUBLE", NULL, &wy_udaf_avg, "")                                             \
  A(MIN, "INT", "INT", NULL, &wy_udaf_min, "The smallest non-NULL value.")                        \
  A(MIN, "BIGINT", "BIGINT", NULL, &wy_udaf_min, "")                                              \
  A(MIN, "DOUBLE", "DOUBLE", NULL, &wy_udaf_min, "")                                              \
  A(MIN, "DECIMAL", NULL, wy_ret_arg0, &wy_udaf_min, "")                                          \
  A(MIN, "STRING", "STRING", NULL, &wy_udaf_min, "")                                              \
  A(MIN, "BYTES", "BYTES", NULL, &wy_udaf_min, "")                                                \
  A(MIN, "TIMESTAMP", "TIMESTAMP", NULL, &wy_udaf_min, "")                                        \
  A(MIN, "DATE", "DATE", NULL, &wy_udaf_min, "")                                                  \
  A(MIN, "TIME", "TIME", NULL, &wy_udaf_min, "")                                                  \
  A(MAX, "INT", "INT", NULL, &wy_udaf_max, "The largest non-NULL value.")                         \
  A(MAX, "BIGINT", "BIGINT", NULL, &wy_udaf_max, "")                                              \
  A(MAX, "DOUBLE", "DOUBLE", NULL, &wy_udaf_max, "")                                              \
  A(MAX, "DECIMAL", NULL, wy_ret_arg0, &wy_udaf_max, "")                                          \
  A(MAX, "STRING", "STRING", NULL, &wy_udaf_max, "")                                              \
  A(MAX, "BYTES", "BYTES", NULL, &wy_udaf_max, "")                                                \
  A(MAX, "TIMESTAMP", "TIMESTAMP", NULL, &wy_udaf_max, "")                                        \
  A(MAX, "DATE", "DATE", NULL, &wy_udaf_max, "")                                                  \
  A(MAX, "TIME", "TIME", NULL, &wy_udaf_max, "")                                                  \
  A(LATEST_BY_OFFSET, "T", "T", NULL, &wy_udaf_latest,                                            \
    "The latest value by offset (NULLs ignored unless ignoreNulls is false); with n, the latest " \
    "n as an ARRAY.")                                                                             \
  A(LATEST_BY_OFFSET, "T, LITERAL BOOLEAN ignoreNulls", "T", NULL, &wy_udaf_latest, "")           \
  A(LATEST_BY_OFFSET, "T, LITERAL INT n", "ARRAY<T>", NULL, &wy_udaf_latest_n, "")                \
  A(LATEST_BY_OFFSET, "T, LITERAL INT n, LITERAL BOOLEAN ignoreNulls", "ARRAY<T>", NULL,          \
    &wy_udaf_latest_n, "")                                                                        \
  A(EARLIEST_BY_OFFSET, "T", "T", NULL, &wy_udaf_earliest,                                        \
    "The earliest value by offset (NULLs ignored unless ignoreNulls is false); with n, the "      \
    "earliest n as an ARRAY.")                                                                    \
  A(EARLIEST_BY_OFFSET, "T, LITERAL BOOLEAN ignoreNulls", "T", NULL, &wy_udaf_earliest, "")       \
  A(EARLIEST_BY_OFFSET, "T, LITERAL INT n", "ARRAY<T>", NULL, &wy_udaf_earliest_n, "")            \
  A(EARLIEST_BY_OFFSET, "T, LITERAL INT n, LITERAL BOOLEAN ignoreNulls", "ARRAY<T>", NULL,        \
    &wy_udaf_earliest_n, "")                                                                      \
  A(COLLECT_LIST, "T", "ARRAY<T>", NULL, &wy_udaf_collect_list,                                   \
    "Every value (NULLs included), up to ksql.functions.collect_list.limit.")                     \
  A(COLLECT_SET, "T", "ARRAY<T>", NULL, &wy_udaf_collect_set,                                     \
    "The distinct values, up to ksql.functions.collect_set.limit.")                               \
  A(HISTOGRAM, "STRING", "MAP<STRING, BIGINT>", NULL, &wy_udaf_histogram,                         \
    "How often each distinct string occurs (at most 1000 strings).")                              \
  A(TOPK, "T, LITERAL INT k", NULL, wy_ret_topk, &wy_udaf_topk,                                   \
    "The K largest values, largest first; with other columns, STRUCTs of them.")                  \
  A(TOPK, "T, A, LITERAL INT k", NULL, wy_ret_topk, &wy_udaf_topk, "")                            \
  A(TOPK, "T, A, B, LITERAL INT k", NULL, wy_ret_topk, &wy_udaf_topk, "")                         \
  A(TOPK, "T, A, B, C, LITERAL INT k", NULL, wy_ret_topk, &wy_udaf_topk, "")                      \
  A(TOPK, "T, A, B, C, D, LITERAL INT k", NULL, wy_ret_topk, &wy_udaf_topk, "")                   \
  A(TOPK, "T, A, B, C, D, E, LITERAL INT k", NULL, wy_ret_topk, &wy_udaf_topk, "")                \
  A(TOPKDISTINCT, "T, LITERAL INT k", NULL, wy_ret_topkdistinct, &wy_udaf_topkdistinct,           \
    "The K largest distinct values, largest first.")                                              \
  A(ATTR, "T", "T", NULL, &wy_udaf_attr,                                                          \
    "The value when every row of the group has the same one, else NULL.")                         \
  A(STDDEV_SAMP, "INT", "DOUBLE", NULL, &wy_udaf_stddev_samp,                                     \
    "The sample variance (ksqlDB's STDDEV_SAMP: the square of the standard deviation).")          \
  A(STDDEV_SAMP, "BIGINT", "DOUBLE", NULL, &wy_udaf_stddev_samp, "")                              \
  A(STDDEV_SAMP, "DOUBLE", "DOUBLE", NULL, &wy_udaf_stddev_samp, "")                              \
  A(STDDEV_SAMPLE, "INT", "DOUBLE", NULL, &wy_udaf_stddev_sample,                                 \
    "The sample standard deviation.")                                                             \
  A(STDDEV_SAMPLE, "BIGINT", "DOUBLE", NULL, &wy_udaf_stddev_sample, "")                          \
  A(STDDEV_SAMPLE, "DOUBLE", "DOUBLE", NULL, &wy_udaf_stddev_sample, "")                          \
  A(CORRELATION, "INT x, INT y", "DOUBLE", NULL, &wy_udaf_correlation,                            \
    "Pearson's correlation coefficient of x and y over the rows where both are non-NULL.")        \
  A(CORRELATION, "BIGINT x, BIGINT y", "DOUBLE", NULL, &wy_udaf_correlation, "")                  \
  A(CORRELATION, "DOUBLE x, DOUBLE y", "DOUBLE", NULL, &wy_udaf_correlation, "")

/* Table functions (UDTF): ksqlDB's overloads, in the order its messages list them. */
#define WY_BUILTIN_TABLES(T)                                                                \
  T(EXPLODE, "ARRAY<DECIMAL> input", NULL, wy_ret_elem0, fn_explode,                        \
    "Outputs one value for each of the elements in an array; the values have the array's "  \
    "element type.")                                                                        \
  T(EXPLODE, "ARRAY<T> list", "T", NULL, fn_explode, "")                                    \
  T(CUBE_EXPLODE, "ARRAY<T> list", "ARRAY<T>", NULL, fn_cube_explode,                       \
    "Outputs every combination of the array's values (2^n rows for n values; a NULL value " \
    "takes part in no combination twice).")
