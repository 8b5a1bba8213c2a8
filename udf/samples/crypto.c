/* Public-key encryption of single values with libsodium sealed boxes (X25519 +
 * XSalsa20-Poly1305, crypto_box_seal): whoever holds the public key can encrypt, only
 * the holder of the private key can decrypt, and the sender needs no key of its own.
 *   ENCRYPT(value, public_key)   -> base64 text of the sealed box (48 bytes longer
 *                                   than the value); a new ephemeral key per call, so
 *                                   equal values encrypt differently
 *   DECRYPT(value, private_key)  -> the value, or NULL + processing log when the text
 *                                   is not a box sealed for this key
 *   SEALED_BOX_PUBLIC_KEY(private_key) -> the public key of a private key
 * Keys are 32 bytes in standard base64 (44 characters), as `openssl rand -base64 32`
 * prints a private key. */
#include <string.h>

#include <sodium.h>
#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

static int key32(const wy_udf_value_t *v, unsigned char *k) {
  size_t got = 0;
  return sodium_base642bin(k, 32, v->u.str, v->len, " \n", &got, NULL,
                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
                 got == 32
             ? 0
             : -1;
}

static int b64_result(wy_udf_ctx_t *ctx, const unsigned char *bin, size_t n, wy_udf_value_t *out) {
  size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
  char *o = H->alloc(ctx, cap);
  if (!o) return H->fail(ctx, "out of memory");
  sodium_bin2base64(o, cap, bin, n, sodium_base64_VARIANT_ORIGINAL);
  *out = wy_udf_string(o, cap - 1);
  return WY_UDF_OK;
}

static int encrypt(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  unsigned char pk[crypto_box_PUBLICKEYBYTES];
  if (key32(&a[1], pk)) return H->fail(ctx, "the public key must be 32 bytes in base64");
  size_t clen = crypto_box_SEALBYTES + a[0].len;
  unsigned char *c = H->alloc(ctx, clen);
  if (!c) return H->fail(ctx, "out of memory");
  if (crypto_box_seal(c, (const unsigned char *)a[0].u.str, a[0].len, pk))
    return H->fail(ctx, "encryption failed");
  return b64_result(ctx, c, clen, out);
}

static int decrypt(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  unsigned char sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
  if (key32(&a[1], sk)) return H->fail(ctx, "the private key must be 32 bytes in base64");
  crypto_scalarmult_base(pk, sk);
  size_t clen = 0;
  unsigned char *c = H->alloc(ctx, a[0].len);
  int bad = !c ||
            sodium_base642bin(c, a[0].len, a[0].u.str, a[0].len, NULL, &clen, NULL,
                              sodium_base64_VARIANT_ORIGINAL) ||
            clen < crypto_box_SEALBYTES;
  char *m = bad ? NULL : H->alloc(ctx, clen - crypto_box_SEALBYTES + 1);
  if (!bad && m && crypto_box_seal_open((unsigned char *)m, c, clen, pk, sk)) bad = 1;
  sodium_memzero(sk, sizeof sk);
  if (bad) return H->fail(ctx, "not a value sealed for this key");
  if (!m) return H->fail(ctx, "out of memory");
  *out = wy_udf_string(m, clen - crypto_box_SEALBYTES);
  return WY_UDF_OK;
}

static int public_key(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  unsigned char sk[crypto_box_SECRETKEYBYTES], pk[crypto_box_PUBLICKEYBYTES];
  if (key32(&a[0], sk)) return H->fail(ctx, "the private key must be 32 bytes in base64");
  crypto_scalarmult_base(pk, sk);
  sodium_memzero(sk, sizeof sk);
  return b64_result(ctx, pk, sizeof pk, out);
}

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  if (sodium_init() < 0) return host->init_error(lib, "libsodium failed to initialise");
  static const struct {
    const char *name, *params;
    wy_udf_scalar_fn fn;
    unsigned flags;
    const char *description;
  } fns[] = {
      {"ENCRYPT", "STRING value, STRING public_key", encrypt,
       WY_UDF_MASKING | WY_UDF_NONDETERMINISTIC,
       "Encrypt a value for the holder of a private key (libsodium sealed box, base64)."},
      {"DECRYPT", "STRING value, STRING private_key", decrypt, 0,
       "Decrypt a value encrypted by ENCRYPT for this private key."},
      {"SEALED_BOX_PUBLIC_KEY", "STRING private_key", public_key, 0,
       "The public key (base64) of a private key, for ENCRYPT."},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    wy_udf_scalar_t f = {.size = sizeof f,
                         .name = fns[i].name,
                         .params = fns[i].params,
                         .returns = "STRING",
                         .fn = fns[i].fn,
                         .flags = fns[i].flags,
                         .description = fns[i].description,
                         .category = "STRING",
                         .author = "walleye",
                         .version = "1.0.0"};
    if (host->add_scalar(lib, &f)) return WY_UDF_ERROR;
  }
  return WY_UDF_OK;
}
