/* REGEXP_REPLACE, REGEXP_EXTRACT(_ALL), REGEXP_SPLIT_TO_ARRAY: Java's regular
 * expressions (engine/base/jregex.h) with ksqlDB's results.
 *
 * A constant pattern (and REGEXP_REPLACE's constant replacement) is compiled once per
 * call site by the prepare hook, JIT included. A pattern from a column is compiled when
 * first seen and kept in a small per-thread cache, so a column holding a few patterns
 * costs one compilation each. A bad pattern fails each call (NULL and the processing
 * log), as ksqlDB's Pattern.compile throws per record. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/jregex.h"
#include "udf/builtins_int.h"

typedef struct re_site {
  wy_jregex_t *re; /* NULL: the constant pattern is invalid (err says why) */
  char err[200];
  bool has_repl;
  wy_jregex_repl_t repl;
} re_site_t;

static void site_error(char *dst, size_t cap, const char *pat, size_t n, const char *why) {
  snprintf(dst, cap, "Invalid regular expression pattern: %.*s (%s)", (int)(n > 100 ? 100 : n), pat,
           why);
}

static wy_status_t regex_prepare_at(size_t arg, const wy_value_t *const *consts, size_t n,
                                    void **site, wy_error_t *err) {
  *site = NULL;
  if (arg >= n || !consts[arg] || consts[arg]->null) return WY_OK;
  re_site_t *s = calloc(1, sizeof *s);
  if (!s) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  char why[160];
  const wy_value_t *p = consts[arg];
  if (!(s->re = wy_jregex_compile(p->u.str, p->len, true, why, sizeof why)))
    site_error(s->err, sizeof s->err, p->u.str, p->len, why);
  /* REGEXP_REPLACE(input, regex, replacement): parse a constant replacement too. */
  if (s->re && arg == 1 && n > 2 && consts[2] && !consts[2]->null) {
    if (!wy_jregex_repl_compile(&s->repl, s->re, consts[2]->u.str, consts[2]->len)) {
      wy_jregex_repl_free(&s->repl);
      wy_jregex_free(s->re);
      free(s);
      return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
    }
    s->has_repl = true;
  }
  *site = s;
  return WY_OK;
}
static wy_status_t regex_prepare0(const wy_type_t *const *args, const wy_value_t *const *consts,
                                  size_t n, void **site, wy_error_t *err) {
  return regex_prepare_at(0, consts, n, site, err);
}
static wy_status_t regex_prepare1(const wy_type_t *const *args, const wy_value_t *const *consts,
                                  size_t n, void **site, wy_error_t *err) {
  return regex_prepare_at(1, consts, n, site, err);
}
static void regex_release(void *site) {
  re_site_t *s = site;
  if (!s) return;
  wy_jregex_free(s->re);
  if (s->has_repl) wy_jregex_repl_free(&s->repl);
  free(s);
}
const wy_prep_t wy_prep_regex0 = {regex_prepare0, regex_release};
const wy_prep_t wy_prep_regex1 = {regex_prepare1, regex_release};

/* ---- patterns from columns: a per-thread cache, replaced round robin ---- */

#define RE_CACHE 8
typedef struct re_cache {
  struct {
    char *pat;
    size_t len;
    wy_jregex_t *re;
  } slot[RE_CACHE];
  unsigned next;
} re_cache_t;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static void cache_free(void *p) {
  re_cache_t *c = p;
  for (int i = 0; i < RE_CACHE; i++) {
    wy_jregex_free(c->slot[i].re);
    free(c->slot[i].pat);
  }
  free(c);
}
static void cache_init(void) { pthread_key_create(&cache_key, cache_free); }

static const wy_jregex_t *cached_re(wy_fn_ctx_t *ctx, const wy_value_t *pat, wy_status_t *st) {
  *st = WY_OK;
  pthread_once(&cache_once, cache_init);
  re_cache_t *c = pthread_getspecific(cache_key);
  if (!c) {
    if (!(c = calloc(1, sizeof *c)) || pthread_setspecific(cache_key, c)) {
      free(c);
      *st = wy_fn_nomem(ctx);
      return NULL;
    }
  }
  for (int i = 0; i < RE_CACHE; i++)
    if (c->slot[i].re && c->slot[i].len == pat->len &&
        memcmp(c->slot[i].pat, pat->u.str, pat->len) == 0)
      return c->slot[i].re;
  char why[160], msg[200];
  wy_jregex_t *re = wy_jregex_compile(pat->u.str, pat->len, false, why, sizeof why);
  if (!re) {
    site_error(msg, sizeof msg, pat->u.str, pat->len, why);
    *st = wy_fn_fail(ctx, "%s", msg);
    return NULL;
  }
  char *copy = malloc(pat->len + 1);
  if (!copy) {
    wy_jregex_free(re);
    *st = wy_fn_nomem(ctx);
    return NULL;
  }
  memcpy(copy, pat->u.str, pat->len);
  unsigned i = c->next++ % RE_CACHE;
  wy_jregex_free(c->slot[i].re);
  free(c->slot[i].pat);
  c->slot[i].pat = copy;
  c->slot[i].len = pat->len;
  c->slot[i].re = re;
  return re;
}

/* The regex of this call: the call site's, or one for the pattern argument. */
static const wy_jregex_t *get_re(wy_fn_ctx_t *ctx, const wy_value_t *pat, wy_status_t *st) {
  const re_site_t *s = ctx->site;
  if (!s) return cached_re(ctx, pat, st);
  *st = s->re ? WY_OK : wy_fn_fail(ctx, "%s", s->err);
  return s->re;
}

/* Make room for one more item in an arena array that doubles; NULL on ENOMEM. */
static wy_value_t *push_item(wy_fn_ctx_t *ctx, wy_value_t *items, size_t *cnt, size_t *cap) {
  if (*cnt == *cap) {
    wy_value_t *ni = wy_arena_alloc(ctx->arena, *cap * 2 * sizeof *ni);
    if (!ni) return NULL;
    memcpy(ni, items, *cap * sizeof *ni);
    items = ni;
    *cap *= 2;
  }
  (*cnt)++;
  return items;
}

static wy_status_t list_out(wy_fn_ctx_t *ctx, wy_value_t *items, size_t cnt, wy_value_t *out) {
  wy_list_t *l = wy_list_new(ctx->arena, 0);
  if (!l) return wy_fn_nomem(ctx);
  l->n = (uint32_t)cnt;
  l->items = items;
  *out = wy_array(l);
  return WY_OK;
}

/* Offsets of one match: room for the groups of any pattern wy_jregex accepts here. */
static size_t *ovector(wy_fn_ctx_t *ctx, const wy_jregex_t *re) {
  return (size_t *)wy_fn_alloc(ctx, 2 * (wy_jregex_groups(re) + 1) * sizeof(size_t));
}

/* String.replaceAll(regex, replacement). */
wy_status_t fn_regexp_replace(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  wy_status_t st;
  const wy_jregex_t *re = get_re(ctx, &a[1], &st);
  if (!re) return st;
  const re_site_t *site = ctx->site;
  wy_jregex_repl_t own;
  const wy_jregex_repl_t *repl = site && site->has_repl ? &site->repl : &own;
  if (repl == &own && !wy_jregex_repl_compile(&own, re, a[2].u.str, a[2].len)) {
    wy_jregex_repl_free(&own);
    return wy_fn_nomem(ctx);
  }
  const char *s = a[0].u.str;
  size_t len = a[0].len, from = 0, copied = 0;
  size_t *ov = ovector(ctx, re);
  wy_buf_t b;
  wy_buf_init_arena(&b, ctx->arena);
  st = WY_OK;
  while (ov && from <= len && wy_jregex_find(re, s, len, from, ov)) {
    if (repl->error[0]) { /* Java checks the replacement at the first match */
      st = wy_fn_fail(ctx, "%s", repl->error);
      break;
    }
    wy_buf_append(&b, s + copied, ov[0] - copied);
    wy_jregex_repl_apply(repl, s, ov, &b);
    copied = ov[1];
    from = wy_jregex_next(s, len, ov[0], ov[1]);
  }
  if (repl == &own) wy_jregex_repl_free(&own);
  if (st) return st;
  if (!ov) return wy_fn_nomem(ctx);
  wy_buf_append(&b, s + copied, len - copied);
  return wy_fn_buf_result(ctx, &b, false, out);
}

/* Matcher.find() then group(g): NULL without a match, "No group g" past the groups. */
static wy_status_t extract(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out,
                           bool all) {
  int64_t group = n > 2 ? a[2].u.i32 : 0;
  wy_status_t st;
  const wy_jregex_t *re = get_re(ctx, &a[0], &st);
  if (!re) return st;
  const char *s = a[1].u.str;
  size_t len = a[1].len, from = 0, cnt = 0, cap = 8;
  size_t *ov = ovector(ctx, re);
  wy_value_t *items = wy_arena_alloc(ctx->arena, cap * sizeof *items);
  *out = wy_null(all ? WY_T_ARRAY : WY_T_STRING);
  if (!ov || !items) return wy_fn_nomem(ctx);
  while (from <= len && wy_jregex_find(re, s, len, from, ov)) {
    if (group < 0 || group > (int64_t)wy_jregex_groups(re))
      return wy_fn_fail(ctx, "No group %lld", (long long)group);
    size_t gs = ov[2 * group], ge = ov[2 * group + 1];
    wy_value_t v = gs == SIZE_MAX ? wy_null(WY_T_STRING) : wy_string(s + gs, ge - gs);
    if (!all) {
      *out = v;
      return WY_OK;
    }
    if (!(items = push_item(ctx, items, &cnt, &cap))) return wy_fn_nomem(ctx);
    items[cnt - 1] = v;
    from = wy_jregex_next(s, len, ov[0], ov[1]);
  }
  return all ? list_out(ctx, items, cnt, out) : WY_OK;
}
wy_status_t fn_regexp_extract(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  return extract(ctx, a, n, out, false);
}
wy_status_t fn_regexp_extract_all(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n,
                                  wy_value_t *out) {
  return extract(ctx, a, n, out, true);
}

/* ksqlDB splits with Pattern.split when the pattern is empty or matches "", else with
 * Guava's Splitter.on(pattern), which keeps every empty piece. */
static bool add_piece(wy_fn_ctx_t *ctx, wy_value_t **items, size_t *cnt, size_t *cap, const char *p,
                      size_t n) {
  if (!(*items = push_item(ctx, *items, cnt, cap))) return false;
  (*items)[*cnt - 1] = wy_string(p, n);
  return true;
}

/* Pattern.split(input) with limit 0: no leading empty piece for a zero-width match at
 * the start, trailing empty pieces dropped, the input itself when nothing matched. */
static bool java_split(wy_fn_ctx_t *ctx, const wy_jregex_t *re, const char *s, size_t len,
                       size_t *ov, wy_value_t **items, size_t *cnt, size_t *cap) {
  size_t index = 0, from = 0;
  bool matched = false;
  while (from <= len && wy_jregex_find(re, s, len, from, ov)) {
    from = wy_jregex_next(s, len, ov[0], ov[1]);
    if (index == 0 && ov[0] == 0 && ov[1] == 0) continue;
    if (!add_piece(ctx, items, cnt, cap, s + index, ov[0] - index)) return false;
    index = ov[1];
    matched = true;
  }
  if (!matched) return add_piece(ctx, items, cnt, cap, s, len);
  if (!add_piece(ctx, items, cnt, cap, s + index, len - index)) return false;
  while (*cnt > 0 && (*items)[*cnt - 1].len == 0) (*cnt)--;
  return true;
}

/* Guava's SplittingIterator over a pattern that cannot match "" as a whole (it may
 * still match empty somewhere, e.g. \b: such a separator is skipped). */
static bool guava_split(wy_fn_ctx_t *ctx, const wy_jregex_t *re, const char *s, size_t len,
                        size_t *ov, wy_value_t **items, size_t *cnt, size_t *cap) {
  size_t offset = 0;
  bool done = false;
  while (!done) {
    size_t next_start = offset, start = next_start, end;
    for (;;) {
      if (wy_jregex_find(re, s, len, offset, ov)) {
        end = ov[0];
        offset = ov[1];
      } else {
        end = len;
        done = true;
      }
      if (!done && offset == next_start) { /* empty separator here: look further */
        offset = wy_jregex_next(s, len, offset, offset);
        if (offset > len) return true;
        continue;
      }
      break;
    }
    if (!add_piece(ctx, items, cnt, cap, s + start, end - start)) return false;
  }
  return true;
}

wy_status_t fn_regexp_split(wy_fn_ctx_t *ctx, const wy_value_t *a, size_t n, wy_value_t *out) {
  wy_status_t st;
  const wy_jregex_t *re = get_re(ctx, &a[1], &st);
  if (!re) return st;
  size_t cnt = 0, cap = 8;
  size_t *ov = ovector(ctx, re);
  wy_value_t *items = wy_arena_alloc(ctx->arena, cap * sizeof *items);
  if (!ov || !items) return wy_fn_nomem(ctx);
  bool java = a[1].len == 0 || wy_jregex_matches(re, "", 0);
  bool ok = java ? java_split(ctx, re, a[0].u.str, a[0].len, ov, &items, &cnt, &cap)
                 : guava_split(ctx, re, a[0].u.str, a[0].len, ov, &items, &cnt, &cap);
  if (!ok) return wy_fn_nomem(ctx);
  return list_out(ctx, items, cnt, out);
}
