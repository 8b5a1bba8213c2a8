/* Java regular expressions over PCRE2: the syntax rewrite, matching with a per-thread
 * match block, and Matcher.appendReplacement's replacement strings. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/base/jregex.h"

#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/uchar.h>
#include <unicode/uset.h>
#include <unicode/ustring.h>

struct wy_jregex {
  pcre2_code *code;
  uint32_t groups;
};

/* ---- Java syntax -> PCRE2 syntax ---- */

/* Java's POSIX classes (US-ASCII only, like PCRE2's without UCP). */
static const char *const posix_names[][2] = {
    {"Lower", "lower"}, {"Upper", "upper"}, {"ASCII", "ascii"}, {"Alpha", "alpha"},
    {"Digit", "digit"}, {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"},
    {"Print", "print"}, {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"},
    {"Space", "space"},
};
/* java.lang.Character classes that are one Unicode property (Character.isLowerCase is
 * Ll plus Other_Lowercase: the Lowercase property). */
static const char *const java_names[][2] = {
    {"javaLowerCase", "Lowercase"},
    {"javaUpperCase", "Uppercase"},
    {"javaTitleCase", "Lt"},
    {"javaDigit", "Nd"},
    {"javaLetter", "L"},
    {"javaAlphabetic", "Alphabetic"},
    {"javaSpaceChar", "Z"},
    {"javaIdeographic", "Ideographic"},
    {"javaMirrored", "Bidi_M"},
};
/* java.lang.Character classes that are a set of code points: class contents. */
static const char *const java_sets[][2] = {
    {"javaLetterOrDigit", "\\p{L}\\p{Nd}"},
    {"javaWhitespace", /* Character.isWhitespace: no-break spaces are not */
     "\\t-\\r\\x{1C}-\\x{20}\\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200A}\\x{2028}\\x{2029}"
     "\\x{205F}\\x{3000}"},
    {"javaISOControl", "\\x{0}-\\x{1F}\\x{7F}-\\x{9F}"},
    {"javaIdentifierIgnorable", "\\x{0}-\\x{8}\\x{E}-\\x{1B}\\x{7F}-\\x{9F}\\p{Cf}"},
    {"javaJavaIdentifierStart", "\\p{L}\\p{Nl}\\p{Sc}\\p{Pc}"},
    {"javaJavaIdentifierPart",
     "\\p{L}\\p{Nl}\\p{Sc}\\p{Pc}\\p{Nd}\\p{Mn}\\p{Mc}\\x{0}-\\x{8}\\x{E}-\\x{1B}\\x{7F}-"
     "\\x{9F}\\p{Cf}"},
    {"javaUnicodeIdentifierStart", "\\p{L}\\p{Nl}"},
    {"javaUnicodeIdentifierPart",
     "\\p{L}\\p{Nl}\\p{Pc}\\p{Nd}\\p{Mn}\\p{Mc}\\x{0}-\\x{8}\\x{E}-\\x{1B}\\x{7F}-\\x{9F}"
     "\\p{Cf}"},
    {"javaDefined", "\\P{Cn}"},
};
/* Java's binary properties (\p{IsAlphabetic}, case-insensitive) that PCRE2 names
 * differently, as class contents. */
static const char *const java_binary[][2] = {
    {"ALPHABETIC", "\\p{Alphabetic}"},
    {"LETTER", "\\p{L}"},
    {"IDEOGRAPHIC", "\\p{Ideographic}"},
    {"LOWERCASE", "\\p{Lowercase}"},
    {"UPPERCASE", "\\p{Uppercase}"},
    {"TITLECASE", "\\p{Lt}"},
    {"WHITE_SPACE", "\\p{White_Space}"},
    {"WHITESPACE", "\\p{White_Space}"},
    {"CONTROL", "\\p{Cc}"},
    {"PUNCTUATION", "\\p{P}"},
    {"HEX_DIGIT", "\\p{Hex_Digit}"},
    {"HEXDIGIT", "\\p{Hex_Digit}"},
    {"JOIN_CONTROL", "\\p{Join_Control}"},
    {"JOINCONTROL", "\\p{Join_Control}"},
    {"NONCHARACTER_CODE_POINT", "\\p{Noncharacter_Code_Point}"},
    {"NONCHARACTERCODEPOINT", "\\p{Noncharacter_Code_Point}"},
    {"ASSIGNED", "\\P{Cn}"},
    {"DIGIT", "\\p{Nd}"},
    {"ALNUM", "\\p{Alphabetic}\\p{Nd}"},
    {"BLANK", "\\p{Zs}\\t"},
    {"WORD", "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}"},
    {"EMOJI", "\\p{Emoji}"},
};

static bool name_is(const char *p, size_t n, const char *name) {
  return strlen(name) == n && memcmp(p, name, n) == 0;
}

static bool name_is_nocase(const char *p, size_t n, const char *name) {
  if (strlen(name) != n) return false;
  for (size_t i = 0; i < n; i++)
    if (toupper((unsigned char)p[i]) != (unsigned char)name[i]) return false;
  return true;
}

/* Class contents `set` as a class: [set] / [^set], or bare inside a class. A negated
 * set inside a class has no PCRE2 spelling but through its code points (ICU). */
static void put_set(wy_buf_t *b, bool neg, const char *set, bool in_class) {
  if (!in_class) {
    wy_buf_append(b, neg ? "[^" : "[", neg ? 2 : 1);
    wy_buf_append_str(b, set);
    wy_buf_putc(b, ']');
    return;
  }
  if (!neg) {
    wy_buf_append_str(b, set);
    return;
  }
  /* the complement's ranges, from ICU's reading of the same class */
  UErrorCode st = U_ZERO_ERROR;
  UChar pat[512];
  char tmp[520];
  snprintf(tmp, sizeof tmp, "[^%s]", set);
  u_uastrncpy(pat, tmp, 511);
  pat[511] = 0;
  USet *u = uset_openPattern(pat, -1, &st);
  if (U_FAILURE(st)) {
    uset_close(u);
    wy_buf_append_str(b, set); /* cannot happen with our sets: keep the positive */
    return;
  }
  for (int32_t i = 0; i < uset_getItemCount(u); i++) {
    UChar32 lo, hi;
    UErrorCode e2 = U_ZERO_ERROR;
    if (uset_getItem(u, i, &lo, &hi, NULL, 0, &e2) != 0) continue;
    wy_buf_printf(b, "\\x{%X}-\\x{%X}", (unsigned)lo, (unsigned)hi);
  }
  uset_close(u);
}

/* \p{InGreek}, \p{block=Greek}, \p{blk=Greek}: a Unicode block, which PCRE2 lacks, as its
 * code-point range (ICU matches block names loosely, as Java's UnicodeBlock.forName). */
static bool put_block(wy_buf_t *b, bool neg, const char *p, size_t n, bool in_class) {
  char name[128];
  if (n >= sizeof name) return false;
  memcpy(name, p, n);
  name[n] = 0;
  int32_t v = u_getPropertyValueEnum(UCHAR_BLOCK, name);
  if (v == UCHAR_INVALID_CODE || v == UBLOCK_NO_BLOCK) return false;
  UErrorCode st = U_ZERO_ERROR;
  USet *u = uset_openEmpty();
  uset_applyIntPropertyValue(u, UCHAR_BLOCK, v, &st);
  UChar32 lo = 0, hi = -1;
  if (U_SUCCESS(st) && uset_getItemCount(u) > 0) uset_getItem(u, 0, &lo, &hi, NULL, 0, &st);
  uset_close(u);
  if (U_FAILURE(st) || hi < lo) return false;
  char set[64];
  snprintf(set, sizeof set, "\\x{%X}-\\x{%X}", (unsigned)lo, (unsigned)hi);
  if (neg && in_class) { /* the complement of one range: the two around it */
    if (lo > 0) wy_buf_printf(b, "\\x{0}-\\x{%X}", (unsigned)lo - 1);
    if (hi < 0x10FFFF) wy_buf_printf(b, "\\x{%X}-\\x{10FFFF}", (unsigned)hi + 1);
    return true;
  }
  put_set(b, neg, set, in_class);
  return true;
}

/* Rewrite \p{name} / \P{name} (name = p[0..n)) into b. */
static void put_property(wy_buf_t *b, bool neg, const char *p, size_t n, bool in_class) {
  for (size_t i = 0; i < sizeof posix_names / sizeof posix_names[0]; i++)
    if (name_is(p, n, posix_names[i][0])) {
      wy_buf_append(b, in_class ? "[:" : "[[:", in_class ? 2 : 3);
      if (neg) wy_buf_putc(b, '^');
      wy_buf_append(b, posix_names[i][1], strlen(posix_names[i][1]));
      wy_buf_append(b, in_class ? ":]" : ":]]", in_class ? 2 : 3);
      return;
    }
  for (size_t i = 0; i < sizeof java_sets / sizeof java_sets[0]; i++)
    if (name_is(p, n, java_sets[i][0])) {
      put_set(b, neg, java_sets[i][1], in_class);
      return;
    }
  if (n > 2 && p[0] == 'I' && p[1] == 'n' && put_block(b, neg, p + 2, n - 2, in_class)) return;
  if (n > 6 && !strncasecmp(p, "block=", 6) && put_block(b, neg, p + 6, n - 6, in_class)) return;
  if (n > 4 && !strncasecmp(p, "blk=", 4) && put_block(b, neg, p + 4, n - 4, in_class)) return;
  if (n > 2 && p[0] == 'I' && p[1] == 's')
    for (size_t i = 0; i < sizeof java_binary / sizeof java_binary[0]; i++)
      if (name_is_nocase(p + 2, n - 2, java_binary[i][0])) {
        const char *set = java_binary[i][1];
        if (strchr(set + 1, '\\')) { /* several: a set */
          put_set(b, neg, set, in_class);
        } else { /* one property: flip its sign */
          wy_buf_append(b, (set[1] == 'P') != neg ? "\\P" : "\\p", 2);
          wy_buf_append_str(b, set + 2);
        }
        return;
      }
  const char *name = NULL;
  for (size_t i = 0; i < sizeof java_names / sizeof java_names[0]; i++)
    if (name_is(p, n, java_names[i][0])) name = java_names[i][1];
  wy_buf_append(b, neg ? "\\P{" : "\\p{", 3);
  if (name)
    wy_buf_append(b, name, strlen(name));
  else if (n > 2 && p[0] == 'I' && p[1] == 's') /* IsLatin, IsLu */
    wy_buf_append(b, p + 2, n - 2);
  else if (n > 3 && !strncasecmp(p, "gc=", 3)) /* gc=Lu, general_category=Lu */
    wy_buf_append(b, p + 3, n - 3);
  else if (n > 17 && !strncasecmp(p, "general_category=", 17))
    wy_buf_append(b, p + 17, n - 17);
  else
    wy_buf_append(b, p, n);
  wy_buf_putc(b, '}');
}

/* An inline flag group "(?idmsuxU-idmsuxU)" or "(?flags:" at p (after "(?"): PCRE2 has
 * no d (UNIX_LINES) or u (UNICODE_CASE, on already), and its U means ungreedy; Java's U
 * sets *ucp. Returns the bytes consumed after "(?", 0 when p is not a flag group. */
static size_t put_flags(wy_buf_t *b, const char *p, size_t n, bool *ucp) {
  size_t i = 0;
  while (i < n && strchr("idmsuxU-", p[i]) && p[i]) i++;
  if (i == 0 || i >= n || (p[i] != ')' && p[i] != ':')) return 0;
  /* (?U), UNICODE_CHARACTER_CLASS: PCRE2's UCP, for the whole pattern */
  const char *u = memchr(p, 'U', i), *minus = memchr(p, '-', i);
  if (u && (!minus || u < minus)) *ucp = true;
  char kept[16];
  size_t k = 0;
  for (size_t j = 0; j < i && k < sizeof kept - 1; j++)
    if (!strchr("duU", p[j])) kept[k++] = p[j];
  while (k && kept[k - 1] == '-') k--;
  if (k == 0 && p[i] == ')') return i + 1; /* nothing left to set: drop the group */
  wy_buf_append(b, "(?", 2);
  wy_buf_append(b, kept, k);
  wy_buf_putc(b, p[i]);
  return i + 1;
}

static bool is_octal(char c) { return c >= '0' && c <= '7'; }
static bool all_hex(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i]) return false;
  return true;
}

static void translate(const char *p, size_t n, wy_buf_t *b, bool *ucp);

/* Skip an escape inside a class at p[j] == '\\': \Q..\E, \p{..}, or two bytes. */
static size_t skip_escape(const char *p, size_t n, size_t j) {
  if (j + 1 < n && p[j + 1] == 'Q') {
    for (size_t k = j + 2; k + 1 < n; k++)
      if (p[k] == '\\' && p[k + 1] == 'E') return k + 2;
    return n;
  }
  if (j + 2 < n && (p[j + 1] == 'p' || p[j + 1] == 'P') && p[j + 2] == '{') {
    const char *close = memchr(p + j + 3, '}', n - j - 3);
    if (close) return (size_t)(close - p) + 1;
  }
  return j + 2 <= n ? j + 2 : n;
}

/* The end (just past ']') of the class opening at p[i] == '[', 0 if unclosed or nested
 * past 32 levels (left to PCRE2 to refuse, and a bound on the recursion); *nested tells
 * whether it holds a nested class or an intersection (&&) anywhere. */
static size_t class_end_at(const char *p, size_t n, size_t i, bool *nested, int level) {
  if (level > 32) return 0;
  size_t j = i + 1;
  if (j < n && p[j] == '^') j++;
  while (j < n) {
    if (p[j] == '\\') {
      j = skip_escape(p, n, j);
    } else if (p[j] == '[' && !(j + 1 < n && p[j + 1] == ':')) {
      *nested = true;
      j = class_end_at(p, n, j, nested, level + 1);
      if (!j) return 0;
    } else if (p[j] == ']') {
      return j + 1;
    } else {
      if (p[j] == '&' && j + 1 < n && p[j + 1] == '&') *nested = true;
      j++;
    }
  }
  return 0;
}

static size_t class_end(const char *p, size_t n, size_t i, bool *nested) {
  return class_end_at(p, n, i, nested, 0);
}

static void translate_class(const char *c, size_t len, wy_buf_t *b, bool *ucp);

/* One operand of an intersection (a union of ranges and nested classes) as a PCRE2
 * expression: a plain class, or an alternation with the nested classes that cannot be
 * flattened into it (negated ones, intersections). */
static void translate_operand(const char *p, size_t from, size_t to, wy_buf_t *b, bool *ucp) {
  wy_buf_t plain, alts;
  wy_buf_init(&plain);
  wy_buf_init(&alts);
  wy_buf_putc(&plain, '[');
  size_t nalts = 0;
  for (size_t j = from; j < to;) {
    if (p[j] == '\\') {
      size_t e = skip_escape(p, to, j);
      wy_buf_append(&plain, p + j, e - j);
      j = e;
    } else if (p[j] == '[' && !(j + 1 < to && p[j + 1] == ':')) {
      bool deeper = false;
      size_t e = class_end(p, to, j, &deeper);
      if (!e) e = to;
      if (!deeper && !(j + 1 < e && p[j + 1] == '^')) { /* a plain union: flatten */
        wy_buf_append(&plain, p + j + 1, e - j - 2);
      } else {
        if (nalts++) wy_buf_putc(&alts, '|');
        translate_class(p + j, e - j, &alts, ucp);
      }
      j = e;
    } else {
      wy_buf_putc(&plain, p[j++]);
    }
  }
  wy_buf_putc(&plain, ']');
  bool has_plain = plain.len > 2;
  if (!nalts) {
    if (has_plain)
      translate((const char *)plain.data, plain.len, b, ucp);
    else
      wy_buf_append_str(b, "(?!)"); /* an empty operand matches nothing */
  } else {
    wy_buf_append(b, "(?:", 3);
    if (has_plain) {
      translate((const char *)plain.data, plain.len, b, ucp);
      wy_buf_putc(b, '|');
    }
    wy_buf_append(b, alts.data, alts.len);
    wy_buf_putc(b, ')');
  }
  wy_buf_free(&plain);
  wy_buf_free(&alts);
}

/* A Java class c[0..len) with nested classes or intersections. PCRE2 has neither
 * [a[^b]] nor [a-z&&[^aeiou]]: an intersection becomes look-aheads, one per operand but
 * the last, which consumes the character: (?:(?=[a-z])[^aeiou]); a negated class (the
 * whole of it, as Java 9+ reads [^..&&..]) is any character the rest does not match. */
static void translate_class(const char *c, size_t len, wy_buf_t *b, bool *ucp) {
  size_t s = 1, end = len - 1;
  bool neg = len > 2 && c[1] == '^';
  if (neg) s = 2;
  size_t cuts[64], ncuts = 0; /* operand boundaries: the '&&' at this level */
  for (size_t j = s; j < end;) {
    if (c[j] == '\\') {
      j = skip_escape(c, end, j);
    } else if (c[j] == '[' && !(j + 1 < end && c[j + 1] == ':')) {
      bool d = false;
      size_t e = class_end(c, end, j, &d);
      j = e ? e : end;
    } else if (c[j] == '&' && j + 1 < end && c[j + 1] == '&' && ncuts < 64) {
      cuts[ncuts++] = j;
      j += 2;
    } else {
      j++;
    }
  }
  wy_buf_append(b, neg ? "(?:(?!" : "(?:", neg ? 6 : 3);
  size_t from = s;
  for (size_t k = 0; k <= ncuts; k++) {
    size_t to = k < ncuts ? cuts[k] : end;
    if (to > from || ncuts == 0) { /* Java ignores an empty operand: [a-z&&] is [a-z] */
      bool last = true;
      for (size_t m = k + 1; m <= ncuts; m++)
        if ((m < ncuts ? cuts[m] : end) > cuts[m - 1] + 2) last = false;
      if (!last) wy_buf_append(b, "(?=", 3);
      translate_operand(c, from, to, b, ucp);
      if (!last) wy_buf_putc(b, ')');
    }
    if (k < ncuts) from = cuts[k] + 2;
  }
  wy_buf_append(b, neg ? ")(?s:.))" : ")", neg ? 8 : 1);
}

static void translate(const char *p, size_t n, wy_buf_t *b, bool *ucp) {
  int depth = 0;        /* Java character-class nesting */
  unsigned dropped = 0; /* bitmask of nesting levels whose '[' was dropped (union) */
  for (size_t i = 0; i < n;) {
    char c = p[i];
    if (c == '\\' && i + 1 < n) {
      char d = p[i + 1];
      if (d == 'Q') { /* quoted run: copy through \E untouched */
        const char *e = NULL;
        for (size_t j = i + 2; j + 1 < n; j++)
          if (p[j] == '\\' && p[j + 1] == 'E') {
            e = p + j;
            break;
          }
        size_t end = e ? (size_t)(e - p) + 2 : n;
        wy_buf_append(b, p + i, end - i);
        i = end;
        continue;
      }
      if ((d == 'p' || d == 'P') && i + 2 < n && p[i + 2] == '{') {
        const char *close = memchr(p + i + 3, '}', n - i - 3);
        if (close) {
          put_property(b, d == 'P', p + i + 3, (size_t)(close - p) - i - 3, depth > 0);
          i = (size_t)(close - p) + 1;
          continue;
        }
      }
      if (d == 'u' && i + 6 <= n && all_hex(p + i + 2, 4)) { /* \uhhhh, surrogates joined */
        unsigned cp =
            (unsigned)strtoul((char[5]){p[i + 2], p[i + 3], p[i + 4], p[i + 5], 0}, 0, 16);
        i += 6;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n && p[i] == '\\' && p[i + 1] == 'u' &&
            all_hex(p + i + 2, 4)) {
          unsigned lo =
              (unsigned)strtoul((char[5]){p[i + 2], p[i + 3], p[i + 4], p[i + 5], 0}, 0, 16);
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          }
        }
        char hex[16];
        wy_buf_append(b, hex, (size_t)snprintf(hex, sizeof hex, "\\x{%x}", cp));
        continue;
      }
      if (d == '0' && i + 2 < n && is_octal(p[i + 2])) { /* Java: \0n, \0nn, \0mnn */
        size_t j = i + 2, max = p[j] <= '3' ? 3 : 2;
        while (j < n && j - (i + 2) < max && is_octal(p[j])) j++;
        wy_buf_append(b, "\\o{", 3);
        wy_buf_append(b, p + i + 2, j - (i + 2));
        wy_buf_putc(b, '}');
        i = j;
        continue;
      }
      wy_buf_append(b, p + i, 2);
      i += 2;
      continue;
    }
    if (c == '[' && depth == 0) {
      bool nested = false;
      size_t end = class_end(p, n, i, &nested);
      if (end && nested) {
        translate_class(p + i, end - i, b, ucp);
        i = end;
        continue;
      }
    }
    if (c == '[') {
      if (depth > 0 && i + 1 < n && p[i + 1] == ':') { /* PCRE2 would read [:x:] */
        wy_buf_append(b, "\\[", 2);
        i++;
        continue;
      }
      depth++;
      /* Java's union [a-z[0-9]]: flatten a nested, non-negated class. */
      if (depth > 1 && depth < 32 && !(i + 1 < n && p[i + 1] == '^')) {
        dropped |= 1u << depth;
        i++;
        continue;
      }
      wy_buf_putc(b, c);
      i++;
      if (i < n && p[i] == '^') wy_buf_putc(b, p[i++]);
      continue;
    }
    if (c == ']' && depth > 0) {
      bool drop = depth < 32 && (dropped & (1u << depth));
      dropped &= ~(1u << (depth < 32 ? depth : 0));
      depth--;
      if (!drop) wy_buf_putc(b, c);
      i++;
      continue;
    }
    if (c == '(' && depth == 0 && i + 1 < n && p[i + 1] == '?') {
      size_t used = put_flags(b, p + i + 2, n - i - 2, ucp);
      if (used) {
        i += 2 + used;
        continue;
      }
    }
    wy_buf_putc(b, c);
    i++;
  }
}

wy_jregex_t *wy_jregex_compile(const char *pat, size_t n, bool jit, char *err, size_t errcap) {
  wy_buf_t b;
  wy_buf_init(&b);
  bool ucp = false;
  translate(pat, n, &b, &ucp);
  if (b.oom) {
    wy_buf_free(&b);
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
  wy_jregex_t *re = malloc(sizeof *re);
  if (!cc || !re) {
    pcre2_compile_context_free(cc);
    free(re);
    wy_buf_free(&b);
    snprintf(err, errcap, "out of memory");
    return NULL;
  }
  /* Java's line terminators are \n, \r\n, \r, U+0085, U+2028, U+2029: NEWLINE_ANY. */
  pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
  int ec;
  PCRE2_SIZE eoff;
  re->code =
      pcre2_compile(b.len ? b.data : (const uint8_t *)"", b.len,
                    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (ucp ? PCRE2_UCP : 0), &ec, &eoff, cc);
  pcre2_compile_context_free(cc);
  wy_buf_free(&b);
  if (!re->code) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(ec, msg, sizeof msg);
    snprintf(err, errcap, "%s", (const char *)msg);
    free(re);
    return NULL;
  }
  pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &re->groups);
  if (jit) pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE); /* failure: interpreted */
  return re;
}

void wy_jregex_free(wy_jregex_t *re) {
  if (!re) return;
  pcre2_code_free(re->code);
  free(re);
}

uint32_t wy_jregex_groups(const wy_jregex_t *re) { return re->groups; }

int wy_jregex_group_named(const wy_jregex_t *re, const char *name, size_t n) {
  char tmp[128];
  if (n >= sizeof tmp) return -1;
  memcpy(tmp, name, n);
  tmp[n] = 0;
  int g = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)tmp);
  return g > 0 ? g : -1;
}

/* ---- matching ---- */

/* One match block per thread, grown to the largest group count seen, so that a match
 * never allocates. */
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static void md_free(void *md) { pcre2_match_data_free(md); }
static void md_init(void) { pthread_key_create(&md_key, md_free); }

static pcre2_match_data *thread_md(uint32_t groups) {
  pthread_once(&md_once, md_init);
  pcre2_match_data *md = pthread_getspecific(md_key);
  if (md && pcre2_get_ovector_count(md) > groups) return md;
  pcre2_match_data_free(md);
  md = pcre2_match_data_create(groups + 1 > 32 ? groups + 1 : 32, NULL);
  pthread_setspecific(md_key, md);
  return md;
}

static bool match_at(const wy_jregex_t *re, const char *s, size_t n, size_t start, uint32_t opts,
                     size_t *ov) {
  if (start > n) return false;
  pcre2_match_data *md = thread_md(re->groups);
  if (!md) return false;
  int rc = pcre2_match(re->code, (PCRE2_SPTR)(n ? s : ""), n, start, opts, md, NULL);
  if (rc < 0) return false;
  if (ov) {
    const PCRE2_SIZE *v = pcre2_get_ovector_pointer(md);
    for (uint32_t i = 0; i < 2 * (re->groups + 1); i++)
      ov[i] = v[i] == PCRE2_UNSET ? SIZE_MAX : (size_t)v[i];
  }
  return true;
}

bool wy_jregex_find(const wy_jregex_t *re, const char *s, size_t n, size_t start, size_t *ov) {
  return match_at(re, s, n, start, 0, ov);
}

bool wy_jregex_matches(const wy_jregex_t *re, const char *s, size_t n) {
  return match_at(re, s, n, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, NULL);
}

size_t wy_jregex_next(const char *s, size_t n, size_t ms, size_t me) {
  if (me > ms) return me;
  if (me >= n) return n + 1;
  size_t i = me + 1; /* one character: skip UTF-8 continuation bytes */
  while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80) i++;
  return i;
}

/* ---- replacements ---- */

static bool add_part(wy_jregex_repl_t *r, size_t *cap, int32_t group, size_t off, size_t len) {
  if (group < 0 && len == 0) return true;
  if (group < 0 && r->nparts && r->parts[r->nparts - 1].group < 0 &&
      r->parts[r->nparts - 1].off + r->parts[r->nparts - 1].len == off) {
    r->parts[r->nparts - 1].len += (uint32_t)len;
    return true;
  }
  if (r->nparts == *cap) {
    size_t nc = *cap ? *cap * 2 : 4;
    wy_jregex_repl_part_t *np = realloc(r->parts, nc * sizeof *np);
    if (!np) return false;
    r->parts = np;
    *cap = nc;
  }
  r->parts[r->nparts++] = (wy_jregex_repl_part_t){group, (uint32_t)off, (uint32_t)len};
  return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_name_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool wy_jregex_repl_compile(wy_jregex_repl_t *r, const wy_jregex_t *re, const char *s, size_t n) {
  memset(r, 0, sizeof *r);
  size_t cap = 0, tl = 0;
  if (!(r->text = malloc(n + 1))) return false;
  for (size_t i = 0; i < n;) {
    char c = s[i];
    int32_t g = -1;
    if (c == '\\') {
      if (++i == n) {
        snprintf(r->error, sizeof r->error, "character to be escaped is missing");
        return true;
      }
      r->text[tl] = s[i++];
      if (!add_part(r, &cap, -1, tl++, 1)) return false;
      continue;
    }
    if (c != '$') {
      r->text[tl] = s[i++];
      if (!add_part(r, &cap, -1, tl++, 1)) return false;
      continue;
    }
    if (++i == n) {
      snprintf(r->error, sizeof r->error, "Illegal group reference: group index is missing");
      return true;
    }
    if (s[i] == '{') {
      size_t b = ++i;
      while (i < n && is_name_char(s[i])) i++;
      if (i == b) {
        snprintf(r->error, sizeof r->error, "named capturing group has 0 length name");
        return true;
      }
      if (i == n || s[i] != '}') {
        snprintf(r->error, sizeof r->error, "named capturing group is missing trailing '}'");
        return true;
      }
      if (is_digit(s[b])) {
        snprintf(r->error, sizeof r->error,
                 "capturing group name {%.*s} starts with digit character", (int)(i - b), s + b);
        return true;
      }
      if ((g = wy_jregex_group_named(re, s + b, i - b)) < 0) {
        snprintf(r->error, sizeof r->error, "No group with name {%.*s}", (int)(i - b), s + b);
        return true;
      }
      i++;
    } else {
      if (!is_digit(s[i])) {
        snprintf(r->error, sizeof r->error, "Illegal group reference");
        return true;
      }
      g = s[i++] - '0';
      /* Java takes further digits while the number still names a group. */
      while (i < n && is_digit(s[i])) {
        int64_t ng = (int64_t)g * 10 + (s[i] - '0');
        if (ng > (int64_t)wy_jregex_groups(re)) break;
        g = (int32_t)ng;
        i++;
      }
      if ((uint32_t)g > wy_jregex_groups(re)) {
        snprintf(r->error, sizeof r->error, "No group %d", g);
        return true;
      }
    }
    if (!add_part(r, &cap, g, 0, 0)) return false;
  }
  return true;
}

void wy_jregex_repl_free(wy_jregex_repl_t *r) {
  if (!r) return;
  free(r->text);
  free(r->parts);
  memset(r, 0, sizeof *r);
}

void wy_jregex_repl_apply(const wy_jregex_repl_t *r, const char *subject, const size_t *ov,
                          wy_buf_t *b) {
  for (size_t i = 0; i < r->nparts; i++) {
    const wy_jregex_repl_part_t *p = &r->parts[i];
    if (p->group < 0) {
      wy_buf_append(b, r->text + p->off, p->len);
    } else if (ov[2 * p->group] != SIZE_MAX) { /* a group that did not match adds nothing */
      wy_buf_append(b, subject + ov[2 * p->group], ov[2 * p->group + 1] - ov[2 * p->group]);
    }
  }
}
