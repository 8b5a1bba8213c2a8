/*
 * jregex.h — Java's regular expressions (java.util.regex) over PCRE2.
 *
 * ksqlDB takes Java patterns wherever SQL names a regex (REGEXP_* functions, Avro's
 * validated strings, QTT's topic blacklists). PCRE2 understands almost all of Java's
 * syntax; wy_jregex_compile rewrites the rest (Java's \p{Lower}-style POSIX and java*
 * classes, \p{IsX} binary properties, scripts and categories, \p{InBlock} blocks as
 * code-point ranges (ICU), gc=/block= forms, \0ooo octal, class intersections
 * [a-z&&[^aeiou]] as look-aheads and nested negated classes as alternatives, the inline
 * flags d/u that PCRE2 lacks, and U as PCRE2's UCP for the whole pattern) and compiles
 * with Java's defaults: UTF-8, ASCII \d \w \s, every Unicode line terminator.
 *
 * Offsets are byte offsets into UTF-8 text. A compiled pattern is immutable and may be
 * shared by threads; matching uses a per-thread match block, so it never allocates.
 *
 * Replacements follow java.util.regex.Matcher.appendReplacement: $n (as many digits as
 * still name a group), ${name}, and \x for a literal x. wy_jregex_repl_compile parses
 * one against a pattern; Java reports a bad replacement only when a match needs it,
 * so the parse result carries the error instead of failing the caller.
 */
#ifndef WY_JREGEX_H
#define WY_JREGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/base/buf.h"

typedef struct wy_jregex wy_jregex_t;

/* Compile a Java pattern; NULL with Java-like words in err on a syntax error or ENOMEM.
 * `jit`: also JIT-compile it (worth it for a pattern used for many records). */
wy_jregex_t *wy_jregex_compile(const char *pat, size_t n, bool jit, char *err, size_t errcap);
void wy_jregex_free(wy_jregex_t *re);

/* Number of capturing groups (Java's Matcher.groupCount()). */
uint32_t wy_jregex_groups(const wy_jregex_t *re);
/* The group called `name`, or -1. */
int wy_jregex_group_named(const wy_jregex_t *re, const char *name, size_t n);

/* Search s[0..n) from byte `start` (look-behind sees what precedes it). On a match
 * returns true and fills ov[0..2*(groups+1)) with start/end byte offsets, SIZE_MAX for
 * a group that did not take part. `ov` needs 2 * (wy_jregex_groups(re) + 1) entries.
 * false on no match (or a matching error such as a too-deep backtrack). */
bool wy_jregex_find(const wy_jregex_t *re, const char *s, size_t n, size_t start, size_t *ov);
/* Whether the whole of s[0..n) matches (Java's Matcher.matches()). */
bool wy_jregex_matches(const wy_jregex_t *re, const char *s, size_t n);

/* Java's find() loop: where to search after a match [ms, me): at me, or one character
 * further when the match was empty. > n when the subject is exhausted. */
size_t wy_jregex_next(const char *s, size_t n, size_t ms, size_t me);

/* A parsed replacement: literal runs and group references. */
typedef struct wy_jregex_repl_part {
  int32_t group; /* -1: literal text[off..off+len) */
  uint32_t off, len;
} wy_jregex_repl_part_t;
typedef struct wy_jregex_repl {
  char *text; /* literal bytes, escapes resolved */
  wy_jregex_repl_part_t *parts;
  size_t nparts;
  char error[128]; /* non-empty: Java throws this at the first match */
} wy_jregex_repl_t;

/* Parse a replacement for `re`. false only on ENOMEM; a bad replacement sets r->error. */
bool wy_jregex_repl_compile(wy_jregex_repl_t *r, const wy_jregex_t *re, const char *s, size_t n);
void wy_jregex_repl_free(wy_jregex_repl_t *r);
/* Append the replacement for one match (ov as filled by wy_jregex_find) to b. */
void wy_jregex_repl_apply(const wy_jregex_repl_t *r, const char *subject, const size_t *ov,
                          wy_buf_t *b);

#endif
