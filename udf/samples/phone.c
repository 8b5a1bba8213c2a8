/* STANDARDIZE_PHONE(value) — a North American phone number in any usual spelling
 * ("(234) 567-8900", "+1 234.567.8900", "2345678900 ext. 12") to the form
 * 1-234-567-8900. An extension (x, ext, #) is dropped. Anything that is not 10 digits,
 * or 11 digits starting with the country code 1, fails the call: NULL, and the
 * processing log says why. */
#include <ctype.h>
#include <string.h>

#include <walleye/udf.h>

WALLEYE_UDF_LIBRARY;

static const wy_udf_host_t *H;

static int standardize(wy_udf_ctx_t *ctx, const wy_udf_value_t *a, size_t n, wy_udf_value_t *out) {
  char d[16];
  size_t nd = 0;
  const char *s = a[0].u.str;
  for (uint32_t i = 0; i < a[0].len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 'x' || c == 'X' || c == '#' || ((c == 'e' || c == 'E') && nd)) break; /* extension */
    if (isdigit(c)) {
      if (nd == sizeof d) return H->fail(ctx, "not a phone number: too many digits");
      d[nd++] = (char)c;
    } else if (!strchr(" \t+-.()/", c)) {
      return H->fail(ctx, "not a phone number: unexpected character '%c'", isprint(c) ? c : '?');
    }
  }
  const char *p = d;
  if (nd == 11 && d[0] == '1') p++, nd--;
  if (nd != 10) return H->fail(ctx, "not a North American phone number: %zu digits", nd);
  char *o = H->alloc(ctx, 14);
  if (!o) return H->fail(ctx, "out of memory");
  o[0] = '1';
  o[1] = o[5] = o[9] = '-';
  memcpy(o + 2, p, 3);
  memcpy(o + 6, p + 3, 3);
  memcpy(o + 10, p + 6, 4);
  *out = wy_udf_string(o, 14);
  return WY_UDF_OK;
}

WALLEYE_UDF_INIT(host, lib) {
  H = host;
  wy_udf_scalar_t f = {
      .size = sizeof f,
      .name = "STANDARDIZE_PHONE",
      .params = "STRING value",
      .returns = "STRING",
      .fn = standardize,
      .description = "A North American phone number in the form 1-234-567-8900.",
      .category = "STRING",
      .author = "walleye",
      .version = "1.0.0",
  };
  return host->add_scalar(lib, &f);
}
