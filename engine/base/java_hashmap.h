/*
 * java_hashmap.h — the iteration order of a java.util.HashMap<String, ?>.
 *
 * ksqlDB hands many maps to functions and serializers as a HashMap (its JSON
 * deserializer builds `new HashMap<>(size)`), so what iterates a map there (REDUCE,
 * MAP_KEYS, the JSON writer) sees the keys in bucket order, not in the order they were
 * read. Walleye keeps maps in insertion order and reorders them where ksqlDB's map
 * would be a HashMap. Pure functions; any thread.
 */
#ifndef WY_JAVA_HASHMAP_H
#define WY_JAVA_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/base/value.h"

/* Java's String.hashCode of UTF-8 text (over its UTF-16 code units). */
int32_t wy_java_string_hash(const char *utf8, size_t len);

/* The table size of `new HashMap<>(n)` after n distinct puts. */
uint32_t wy_java_hashmap_capacity(uint32_t n);

/* Reorder n distinct STRING keys (NULL keys hash to 0) and their values, given in
 * insertion order, into the iteration order of `new HashMap<>(n)` filled in that
 * order: by bucket, then by insertion within a bucket. scratch holds 2n values.
 * (A bucket of 8 or more entries, which Java would turn into a tree, keeps insertion
 * order here.) */
void wy_java_hashmap_order(wy_value_t *keys, wy_value_t *vals, uint32_t n, wy_value_t *scratch);

#endif
