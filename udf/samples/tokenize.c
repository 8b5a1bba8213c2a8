/* TOKENIZE(value) / DETOKENIZE(token) — deterministic keyed tokens with a token vault.
 *
 * TOKENIZE gives "tok_" + 22 base64url characters: a keyed BLAKE2b hash (libsodium's
 * crypto_generichash, 128 bits) of the value, so equal values give equal tokens (joins
 * and GROUP BY still work on tokens) and nobody without the key can compute or verify
 * one. The key comes from the configuration key udf.tokenize.key or the environment
 * variable WALLEYE_TOKENIZE_KEY (at least 16 characters); without one, every call
 * fails (NULL, processing log) rather than produce guessable tokens.
 *
 * DETOKENIZE is the way back: every token handed out is remembered in a vault, an
 * in-process hash table, also appended to the file named by udf.tokenize.vault (or
 * WALLEYE_TOKENIZE_VAULT) when set and reloaded from it at start-up, so tokens survive
 * restarts. An unknown token fails the call. The vault grows with the number of
 * distinct values tokenized. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

#define TOKEN_BYTES 16
#define TOKEN_PREFIX "tok_"
#define TOKEN_TEXT (sizeof TOKEN_PREFIX - 1 + 22) /* base64url, no padding */

typedef struct entry {
  unsigned char tok[TOKEN_BYTES];
  uint32_t len;
  char val[];
} entry_t;

static const wy_udf_host_t *H;
static unsigned char g_key[crypto_generichash_KEYBYTES];
static int g_have_key;
static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static entry_t **g_tab;
static size_t g_cap, g_n;
static FILE *g_vault;

static size_t slot_of(const unsigned char *tok) {
  size_t h;
  memcpy(&h, tok, sizeof h); /* the token is a keyed hash: its bytes are uniform */
  return h & (g_cap - 1);
}

static entry_t *find(const unsigned char *tok) {
  if (!g_cap) return NULL;
  for (size_t i = slot_of(tok);; i = (i + 1) & (g_cap - 1)) {
    if (!g_tab[i]) return NULL;
    if (!memcmp(g_tab[i]->tok, tok, TOKEN_BYTES)) return g_tab[i];
  }
}

static int grow(void) {
  size_t cap = g_cap ? g_cap * 2 : 1024;
  entry_t **t = calloc(cap, sizeof *t);
  if (!t) return -1;
  for (size_t i = 0; i < g_cap; i++) {
    if (!g_tab[i]) continue;
    size_t h;
    memcpy(&h, g_tab[i]->tok, sizeof h);
    size_t j = h & (cap - 1);
    while (t[j]) j = (j + 1) & (cap - 1);
    t[j] = g_tab[i];
  }
  free(g_tab);
  g_tab = t;
  g_cap = cap;
  return 0;
}

/* Add (tok, value) unless present. Caller holds the write lock. */
static int insert(const unsigned char *tok, const char *v, uint32_t len, int persist) {
  if (find(tok)) return 0;
  if ((g_n + 1) * 10 > g_cap * 7 && grow()) return -1;
  entry_t *e = malloc(sizeof *e + len + 1);
  if (!e) return -1;
  memcpy(e->tok, tok, TOKEN_BYTES);
  e->len = len;
  memcpy(e->val, v, len);
  e->val[len] = '\0';
  size_t i = slot_of(tok);
  while (g_tab[i]) i = (i + 1) & (g_cap - 1);
  g_tab[i] = e;
  g_n++;
  if (persist && g_vault) {
    char t[sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b = malloc(cap);
    if (!b) return -1;
    sodium_bin2base64(t, sizeof t, tok, TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(b, cap, (const unsigned char *)v, len, sodium_base64_VARIANT_ORIGINAL);
    fprintf(g_vault, "%s\t%s\n", t, b);
    fflush(g_vault);
    free(b);
  }
  return 0;
}

static int tokenize(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  if (!g_have_key)
    return H->fail(ctx, "no tokenization key: set udf.tokenize.key or WALLEYE_TOKENIZE_KEY");
  unsigned char tok[TOKEN_BYTES];
  crypto_generichash(tok, sizeof tok, (const unsigned char *)a[0].u.str, a[0].len, g_key,
                     sizeof g_key);
  pthread_rwlock_rdlock(&g_lock);
  int known = find(tok) != NULL;
  pthread_rwlock_unlock(&g_lock);
  if (!known) {
    pthread_rwlock_wrlock(&g_lock);
    int rc = insert(tok, a[0].u.str, a[0].len, 1);
    pthread_rwlock_unlock(&g_lock);
    if (rc) return H->fail(ctx, "out of memory");
  }
  char *o = H->alloc(ctx, TOKEN_TEXT + 1);
  if (!o) return H->fail(ctx, "out of memory");
  memcpy(o, TOKEN_PREFIX, sizeof TOKEN_PREFIX - 1);
  sodium_bin2base64(o + sizeof TOKEN_PREFIX - 1, TOKEN_TEXT + 2 - sizeof TOKEN_PREFIX, tok,
                    sizeof tok, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  *out = wy_udf_string(o, TOKEN_TEXT);
  return WY_UDF_OK;
}

static int decode_token(const char *s, size_t len, unsigned char *tok) {
  size_t got = 0;
  return sodium_base642bin(tok, TOKEN_BYTES, s, len, NULL, &got, NULL,
                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
                 got == TOKEN_BYTES
             ? 0
             : -1;
}

static int detokenize(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  const size_t pre = sizeof TOKEN_PREFIX - 1;
  unsigned char tok[TOKEN_BYTES];
  if (a[0].len != TOKEN_TEXT || memcmp(a[0].u.str, TOKEN_PREFIX, pre) ||
      decode_token(a[0].u.str + pre, a[0].len - pre, tok))
    return H->fail(ctx, "not a token");
  pthread_rwlock_rdlock(&g_lock);
  const entry_t *e = find(tok);
  pthread_rwlock_unlock(&g_lock);
  if (!e) return H->fail(ctx, "unknown token (not in this node's token vault)");
  /* Copied: the result must not depend on this image staying loaded. */
  char *o = H->alloc(ctx, e->len);
  if (!o) return H->fail(ctx, "out of memory");
  memcpy(o, e->val, e->len);
  *out = wy_udf_string(o, e->len);
  return WY_UDF_OK;
}

static int load_vault(wy_udf_library_t *lib, const char *path) {
  FILE *f = fopen(path, "r");
  if (f) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
      lineno++;
      char *tab = strchr(line, '\t');
      unsigned char tok[TOKEN_BYTES];
      size_t vlen = 0;
      unsigned char *v = malloc((size_t)len);
      if (!tab || !v || decode_token(line, (size_t)(tab - line), tok) ||
          sodium_base642bin(v, (size_t)len, tab + 1, strcspn(tab + 1, "\n"), NULL, &vlen, NULL,
                            sodium_base64_VARIANT_ORIGINAL) ||
          insert(tok, (const char *)v, (uint32_t)vlen, 0)) {
        free(v);
        free(line);
        fclose(f);
        return H->init_error(lib, "token vault %s: line %ld is malformed", path, lineno);
      }
      free(v);
    }
    free(line);
    fclose(f);
  }
  g_vault = fopen(path, "a");
  if (!g_vault) return H->init_error(lib, "cannot open token vault %s for appending", path);
  return WY_UDF_OK;
}

__attribute__((destructor)) static void release_vault(void) {
  for (size_t i = 0; i < g_cap; i++) free(g_tab[i]);
  free(g_tab);
  g_tab = NULL;
  g_cap = g_n = 0;
  if (g_vault) fclose(g_vault);
  g_vault = NULL;
  sodium_memzero(g_key, sizeof g_key);
}

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  if (sodium_init() < 0) return host->init_error(lib, "libsodium failed to initialise");
  const char *key = host->config(lib, "udf.tokenize.key");
  if (key && *key) {
    if (strlen(key) < 16)
      return host->init_error(lib, "udf.tokenize.key must have at least 16 characters");
    crypto_generichash(g_key, sizeof g_key, (const unsigned char *)key, strlen(key), NULL, 0);
    g_have_key = 1;
  } else {
    host->log(
        1, "TOKENIZE has no key (udf.tokenize.key or WALLEYE_TOKENIZE_KEY): its calls will fail");
  }
  const char *vault = host->config(lib, "udf.tokenize.vault");
  if (vault && *vault && load_vault(lib, vault)) return WY_UDF_ERROR;
  wy_udf_scalar_t f = {
      .size = sizeof f,
      .name = "TOKENIZE",
      .params = "STRING value",
      .returns = "STRING",
      .fn = tokenize,
      .flags = WY_UDF_MASKING,
      .description = "A deterministic keyed token for a value; DETOKENIZE gives the value back.",
      .category = "STRING",
      .author = "walleye",
      .version = "1.0.0",
  };
  if (host->add_scalar(lib, &f)) return WY_UDF_ERROR;
  f.name = "DETOKENIZE";
  f.params = "STRING token";
  f.fn = detokenize;
  f.flags = 0;
  f.description = "The value a token of TOKENIZE stands for, from the token vault.";
  return host->add_scalar(lib, &f);
}
