/* Format-preserving masks that keep the last four characters:
 *   MASK_CARD(value [, mask])   "4111 1111-1111 1234" -> "XXXX XXXX-XXXX 1234"
 *   MASK_SSN(value [, mask])    "123-45-6789"         -> "XXX-XX-6789"
 * Letters and digits before the last four are replaced by the mask character ('X' by
 * default); separators stay where they are, so the result has the input's shape. They
 * fail closed: a value that is not a card number (12 to 19 digits) or an SSN (9 digits)
 * yields NULL and a processing-log entry, never a partly masked value. Both declare
 * WY_UDF_MASKING, so lineage reports the column as masked. */
#include <ctype.h>
#include <string.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

typedef struct {
  const char *what;
  unsigned min_digits, max_digits;
} kind_t;

static const kind_t CARD = {"card number", 12, 19}, SSN = {"social security number", 9, 9};

static int mask_keep4(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  const kind_t *k = H->user(ctx);
  char m = 'X';
  if (n > 1) {
    if (a[1].len != 1 || (unsigned char)a[1].u.str[0] >= 0x80)
      return H->fail(ctx, "the mask must be one ASCII character");
    m = a[1].u.str[0];
  }
  const char *s = a[0].u.str;
  uint32_t len = a[0].len;
  unsigned digits = 0, alnum = 0;
  for (uint32_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    digits += isdigit(c) != 0;
    alnum += isalnum(c) != 0;
    if (!isalnum(c) && c != ' ' && c != '-' && c != '.')
      return H->fail(ctx, "not a %s: unexpected character", k->what);
  }
  if (digits != alnum || digits < k->min_digits || digits > k->max_digits)
    return H->fail(ctx, "not a %s: %u digits", k->what, digits);
  char *o = H->alloc(ctx, len);
  if (!o) return H->fail(ctx, "out of memory");
  unsigned left = alnum; /* alphanumerics at and after position i */
  for (uint32_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (isalnum(c)) {
      o[i] = left > 4 ? m : (char)c;
      left--;
    } else {
      o[i] = (char)c;
    }
  }
  *out = wy_udf_string(o, len);
  return WY_UDF_OK;
}

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  static const struct {
    const char *name, *description;
    const kind_t *kind;
  } fns[] = {{"MASK_CARD",
              "Mask a payment card number but its last four digits, keeping its format.", &CARD},
             {"MASK_SSN",
              "Mask a social security number but its last four digits, keeping its format.", &SSN}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    wy_udf_scalar_t f = {
        .size = sizeof f,
        .name = fns[i].name,
        .params = "STRING value",
        .returns = "STRING",
        .fn = mask_keep4,
        .flags = WY_UDF_MASKING,
        .description = fns[i].description,
        .category = "STRING",
        .author = "walleye",
        .version = "1.0.0",
        .user = (void *)fns[i].kind,
    };
    if (host->add_scalar(lib, &f)) return WY_UDF_ERROR;
    f.params = "STRING value, STRING mask";
    f.description = "With the given mask character.";
    if (host->add_scalar(lib, &f)) return WY_UDF_ERROR;
  }
  return WY_UDF_OK;
}
