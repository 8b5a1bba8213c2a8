/*
 * numtext.h — numbers as Java writes them.
 *
 * ksqlDB renders a DOUBLE with Java's Double.toString wherever it becomes text: JSON and
 * DELIMITED values, CAST(... AS STRING), string functions, BigDecimal.valueOf(double)
 * (which reads that text back) and the test tool's expected outputs. One function does
 * it for all of them, so they can never disagree. Pure functions; any thread.
 */
#ifndef WY_NUMTEXT_H
#define WY_NUMTEXT_H

#include <stddef.h>

/* Java's Double.toString(d), JDK 19+ rules (the shortest digits that read back as d; two
 * digits when one would do): "2.0", "0.001", "1.0E10", "-1.5E-7", "4.9E-324", "NaN",
 * "-Infinity"; except for magnitudes in [2^53, 2^63), printed as the JDK <= 18 that
 * made ksqlDB's expected outputs did (the long's digits less those surely
 * insignificant: 2^62 is "4.6116860184273879E18"). buf needs 32 bytes; it is
 * NUL-terminated. Returns the length. */
size_t wy_double_java(double d, char *buf);

#endif
