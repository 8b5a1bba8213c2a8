/* md5.h — MD5 (RFC 1321) for the MD5 built-in. Not for security: ksqlDB's MD5 is a
 * fingerprint function. */
#ifndef WY_UDF_MD5_H
#define WY_UDF_MD5_H

#include <stddef.h>
#include <stdint.h>

/* The 16-byte digest of n bytes at p. */
void wy_md5(const void *p, size_t n, uint8_t out[16]);

#endif
