/*
 * memory.h — in-process topics: the connector behind tests, the QTT runner and changelogs
 * until Kafka is wired in.
 *
 * A wy_memory_broker_t holds topics; each topic has a fixed number of partitions, and
 * each partition is an append-only log of records (key, value or NULL for a tombstone,
 * headers, timestamp). The broker owns every record's bytes until it is destroyed, so a
 * record read from it stays valid for the broker's life (stronger than connector.h asks).
 * Records without an explicit partition are placed with Kafka's default partitioner
 * (murmur2 of the key bytes, positive, modulo the partition count), so a key lands in the
 * same partition number as it would on Kafka; NULL keys go round-robin.
 *
 * On top of the broker sit the two connector.h implementations: a source (assign
 * topic-partitions, poll in offset order, seek, commit per group id) and a sink (send
 * appends at once and queues the delivery report; reports fire from wy_sink_poll and
 * wy_sink_flush; failures can be injected). Committed offsets are kept in the broker,
 * per group id, and survive the source.
 *
 * Threads: the broker is guarded by one mutex, so a producer thread and a consumer
 * thread may share a topic; a source or a sink is used by one thread at a time.
 */
#ifndef WY_MEMORY_H
#define WY_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "engine/base/status.h"

typedef struct wy_memory_broker wy_memory_broker_t;

/* Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), as a signed int. */
int32_t wy_murmur2(const void *data, size_t len);
/* Kafka's default partition for a non-NULL key: (murmur2(key) & 0x7fffffff) % n. */
int32_t wy_memory_partition_for_key(const void *key, size_t key_len, int32_t npartitions);

wy_status_t wy_memory_broker_new(wy_memory_broker_t **out, wy_error_t *err);
void wy_memory_broker_destroy(wy_memory_broker_t *b);

/* Partition count for topics created implicitly by a send or produce to an unknown
 * topic (default 1). 0 disables implicit creation: sending then fails with NOT_FOUND. */
void wy_memory_broker_set_auto_create(wy_memory_broker_t *b, int32_t partitions);

/* Create a topic. Creating an existing topic with the same partition count is a no-op;
 * with another count it fails with EXISTS. */
wy_status_t wy_memory_broker_create_topic(wy_memory_broker_t *b, const char *topic,
                                          int32_t partitions, wy_error_t *err);
/* Remove a topic and its records (records read from it become invalid). */
wy_status_t wy_memory_broker_delete_topic(wy_memory_broker_t *b, const char *topic,
                                          wy_error_t *err);
/* Partition count, or -1 when the topic does not exist. */
int32_t wy_memory_broker_partitions(wy_memory_broker_t *b, const char *topic);

/* Append one record directly (the test driver's "pipe an input"). partition < 0 picks
 * one as described above. *partition_out and *offset_out may be NULL. */
wy_status_t wy_memory_broker_produce(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                     const void *key, size_t key_len, const void *value,
                                     size_t value_len, const wy_header_t *headers, size_t nheaders,
                                     int64_t timestamp, int32_t *partition_out, int64_t *offset_out,
                                     wy_error_t *err);

/* The offset the next record of the partition will get (its high watermark); 0 for an
 * empty partition. NOT_FOUND for an unknown topic or partition. */
wy_status_t wy_memory_broker_end_offset(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                        int64_t *out, wy_error_t *err);
/* Read the record at an offset (the test driver's "read outputs in order"). The record
 * stays valid until the topic is deleted or the broker destroyed. NOT_FOUND past the end. */
wy_status_t wy_memory_broker_read(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                  int64_t offset, wy_record_t *out, wy_error_t *err);
/* The same, with the record's place in the order the broker appended records to any
 * of its topics (*seq): a test driver lists a topic's records in the order they were
 * produced, across partitions, as Kafka Streams' TopologyTestDriver does. */
wy_status_t wy_memory_broker_read_seq(wy_memory_broker_t *b, const char *topic, int32_t partition,
                                      int64_t offset, wy_record_t *out, uint64_t *seq,
                                      wy_error_t *err);

/* Committed offset of a group for a partition, or -1 when the group never committed. */
int64_t wy_memory_broker_committed(wy_memory_broker_t *b, const char *group, const char *topic,
                                   int32_t partition);

/* Write every topic (name, partitions, records) to a file, and read such a file into an
 * empty-or-not broker (topics in the file must not already exist). Lets a test keep a
 * "Kafka" that outlives a killed process. */
wy_status_t wy_memory_broker_save(wy_memory_broker_t *b, const char *path, wy_error_t *err);
wy_status_t wy_memory_broker_load(wy_memory_broker_t *b, const char *path, wy_error_t *err);

/* ---- source ---- */

/* A source reading for consumer group `group` (copied; may be NULL for no commits).
 * Destroy it with wy_source_destroy. */
wy_status_t wy_memory_source_new(wy_memory_broker_t *b, const char *group, wy_source_t **out,
                                 wy_error_t *err);
/* Start reading a partition at the group's committed offset, or at the beginning when
 * there is none (auto.offset.reset=earliest). Assigning twice is a no-op. A seek on an
 * unassigned partition assigns it too, which is what restore relies on. */
wy_status_t wy_memory_source_assign(wy_source_t *src, const char *topic, int32_t partition,
                                    wy_error_t *err);
/* Assign every partition of a topic. */
wy_status_t wy_memory_source_assign_topic(wy_source_t *src, const char *topic, wy_error_t *err);
/* Stop reading a partition (no-op when not assigned). */
void wy_memory_source_unassign(wy_source_t *src, const char *topic, int32_t partition);
/* Next offset the source will read from a partition, or -1 when it is not assigned. */
int64_t wy_memory_source_position(wy_source_t *src, const char *topic, int32_t partition);

/* A source that hands out the records at the given positions (topic, partition,
 * offset), in that order, once each: a test's inputs piped in file order across topics.
 * The positions are copied; seeks and commits do nothing. */
wy_status_t wy_memory_source_sequence(wy_memory_broker_t *b, const wy_position_t *positions,
                                      size_t n, wy_source_t **out, wy_error_t *err);

/* ---- sink ---- */

/* Destroy it with wy_sink_destroy; set sink->on_delivery to receive reports. */
wy_status_t wy_memory_sink_new(wy_memory_broker_t *b, wy_sink_t **out, wy_error_t *err);
/* Make the next `count` sends fail: nothing is appended and the delivery report carries
 * `status` and `reason` (the send call itself succeeds, as with Kafka). */
void wy_memory_sink_fail_next(wy_sink_t *sink, int count, wy_status_t status, const char *reason);
/* Sends whose delivery report has not fired yet. */
size_t wy_memory_sink_pending(wy_sink_t *sink);

#endif
