/*
 * base64.h — Base64 (RFC 4648, standard alphabet), as java.util.Base64 writes it.
 *
 * ksqlDB shows BYTES as base64 wherever they become text: JSON and DELIMITED values,
 * CAST(... AS STRING), TO_BYTES/FROM_BYTES, QTT test files; the Schema Registry's basic
 * auth header is base64 too. Encoding always pads with '='. Decoding takes the standard
 * alphabet only (no whitespace, no URL-safe characters); what it does with '=' is the
 * one thing callers differ on, so they say it with a flag. Pure functions; any thread.
 */
#ifndef WY_BASE64_H
#define WY_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/buf.h"

/* Characters in the padded encoding of n bytes. */
static inline size_t wy_base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }

/* Write the padded encoding of p[0..n) to out: wy_base64_encoded_len(n) characters,
 * no NUL. */
void wy_base64_encode_into(const void *p, size_t n, char *out);
/* Append the padded encoding of p[0..n) to b. False on ENOMEM. */
bool wy_base64_encode(const void *p, size_t n, wy_buf_t *b);

/* Room enough for the bytes that n characters decode to. */
static inline size_t wy_base64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

/* How decoding treats '='. With no flag (java.util.Base64's decoder, the formats' rule):
 * padding is optional, but when the text is a multiple of 4 long its last one or two
 * characters may be '=' and nothing else may be. */
enum {
  /* Any run of '=' at the end is padding (the QTT loader's header values). */
  WY_BASE64_PAD_ANY = 1 << 0,
  /* The text ends at its first '=', whatever follows, and a last character that makes
   * no whole byte is dropped rather than refused (TO_BYTES and ENCODE). */
  WY_BASE64_UNTIL_PAD = 1 << 1,
};

/* Decode s[0..n) into out and set *outlen; out needs wy_base64_decoded_max(n) bytes
 * (at most 3n/4 are written). False when the text is not base64 under the flags: a
 * character outside the alphabet, or a length that leaves a lone 6 bits (4k + 1
 * characters). */
bool wy_base64_decode(const char *s, size_t n, unsigned flags, uint8_t *out, size_t *outlen);

#endif
