/* Java ZoneId semantics over the system's TZif files (RFC 8536) and their POSIX
 * footer rules. */
#include "udf/tz.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/base/intmath.h"
#include "udf/convert.h"

typedef struct tz_type {
  int32_t off;
  bool dst;
  uint8_t abbr; /* index into abbrs */
} tz_type_t;

/* A POSIX rule date: Mm.w.d, Jn (1..365, no Feb 29) or n (0..365). */
typedef struct tz_rule_date {
  char kind; /* 'M', 'J', 'N' */
  int m, w, d, n;
  int32_t time; /* local seconds after midnight */
} tz_rule_date_t;

struct wy_tz {
  char id[96];
  bool fixed;
  int32_t fixed_off;
  size_t ntrans, ntypes;
  int64_t *trans;
  uint8_t *idx;
  tz_type_t *types;
  char *abbrs;
  size_t nabbrs;
  /* footer rule, for instants after the last transition */
  bool has_rule, has_dst;
  char std_name[16], dst_name[16];
  int32_t std_off, dst_off;
  tz_rule_date_t start, end;
};

/* ---- POSIX TZ strings ---- */

static const char *rule_name(const char *p, char *out, size_t cap) {
  size_t k = 0;
  if (*p == '<') {
    for (p++; *p && *p != '>'; p++)
      if (k + 1 < cap) out[k++] = *p;
    if (*p != '>') return NULL;
    p++;
  } else {
    while (isalpha((unsigned char)*p))
      if (k + 1 < cap)
        out[k++] = *p++;
      else
        p++;
  }
  out[k] = 0;
  return k >= 3 ? p : NULL;
}

/* [+-]h[h][:mm[:ss]] in seconds. */
static const char *rule_time(const char *p, int32_t *secs) {
  int sign = 1;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  if (!isdigit((unsigned char)*p)) return NULL;
  int32_t h = 0, m = 0, s = 0;
  while (isdigit((unsigned char)*p)) h = h * 10 + (*p++ - '0');
  if (*p == ':') {
    p++;
    while (isdigit((unsigned char)*p)) m = m * 10 + (*p++ - '0');
    if (*p == ':') {
      p++;
      while (isdigit((unsigned char)*p)) s = s * 10 + (*p++ - '0');
    }
  }
  *secs = sign * (h * 3600 + m * 60 + s);
  return p;
}

static const char *rule_date(const char *p, tz_rule_date_t *r) {
  memset(r, 0, sizeof *r);
  r->time = 7200;
  if (*p == 'M') {
    r->kind = 'M';
    if (sscanf(p + 1, "%d.%d.%d", &r->m, &r->w, &r->d) != 3) return NULL;
    p++;
    while (*p && *p != ',' && *p != '/') p++;
  } else {
    r->kind = *p == 'J' ? 'J' : 'N';
    if (*p == 'J') p++;
    if (!isdigit((unsigned char)*p)) return NULL;
    while (isdigit((unsigned char)*p)) r->n = r->n * 10 + (*p++ - '0');
  }
  if (*p == '/') p = rule_time(p + 1, &r->time);
  return p;
}

static bool parse_rule(wy_tz_t *z, const char *p) {
  int32_t v;
  if (!(p = rule_name(p, z->std_name, sizeof z->std_name)) || !(p = rule_time(p, &v))) return false;
  z->std_off = -v; /* POSIX offsets count west */
  z->has_rule = true;
  if (!*p) return true;
  if (!(p = rule_name(p, z->dst_name, sizeof z->dst_name))) return false;
  z->dst_off = z->std_off + 3600;
  if (*p && *p != ',') {
    if (!(p = rule_time(p, &v))) return false;
    z->dst_off = -v;
  }
  if (*p++ != ',' || !(p = rule_date(p, &z->start)) || *p++ != ',' || !(p = rule_date(p, &z->end)))
    return false;
  z->has_dst = true;
  return true;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Local seconds since the epoch at which rule date r happens in year y. */
static int64_t rule_local(const tz_rule_date_t *r, int64_t y) {
  int64_t day;
  if (r->kind == 'M') {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = wy_days_from_civil(y, (unsigned)r->m, 1);
    int dow = (int)wy_floor_mod(first + 4, 7); /* 1970-01-01 was a Thursday; Sunday = 0 */
    int dom = 1 + (r->d - dow + 7) % 7 + (r->w - 1) * 7;
    int len = mdays[(r->m - 1) % 12] + (r->m == 2 && is_leap(y));
    while (dom > len) dom -= 7;
    day = first + dom - 1;
  } else if (r->kind == 'J') {
    day = wy_days_from_civil(y, 1, 1) + r->n - 1 + (is_leap(y) && r->n >= 60);
  } else {
    day = wy_days_from_civil(y, 1, 1) + r->n;
  }
  return day * 86400 + r->time;
}

static int32_t rule_offset(const wy_tz_t *z, int64_t t, bool *dst, const char **abbr) {
  bool in_dst = false;
  if (z->has_dst) {
    int64_t y;
    unsigned mo, d;
    wy_civil_from_days(wy_floor_div(t, 86400), &y, &mo, &d);
    int64_t s = rule_local(&z->start, y) - z->std_off, e = rule_local(&z->end, y) - z->dst_off;
    in_dst = s < e ? (t >= s && t < e) : !(t >= e && t < s);
  }
  if (dst) *dst = in_dst;
  if (abbr) *abbr = in_dst ? z->dst_name : z->std_name;
  return in_dst ? z->dst_off : z->std_off;
}

/* ---- TZif ---- */

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int64_t be64(const uint8_t *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

static bool load_tzif(wy_tz_t *z, const uint8_t *d, size_t n) {
  if (n < 44 || memcmp(d, "TZif", 4)) return false;
  bool v2 = d[4] >= '2';
  const uint8_t *h = d;
  size_t tsize = 4;
  if (v2) { /* skip the 32-bit block to the 64-bit one */
    size_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28), tc = be32(h + 32),
           ty = be32(h + 36), ch = be32(h + 40);
    size_t skip = 44 + tc * 5 + ty * 6 + ch + leap * 8 + isstd + isut;
    if (skip + 44 > n) return false;
    h = d + skip;
    if (memcmp(h, "TZif", 4)) return false;
    tsize = 8;
  }
  size_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28), tc = be32(h + 32),
         ty = be32(h + 36), ch = be32(h + 40);
  const uint8_t *p = h + 44, *end = d + n;
  size_t need = tc * tsize + tc + ty * 6 + ch + leap * (tsize + 4) + isstd + isut;
  if (ty == 0 || (size_t)(end - p) < need) return false;
  z->trans = malloc((tc ? tc : 1) * sizeof *z->trans);
  z->idx = malloc(tc ? tc : 1);
  z->types = malloc(ty * sizeof *z->types);
  z->abbrs = calloc(ch + 1, 1);
  if (!z->trans || !z->idx || !z->types || !z->abbrs) return false;
  for (size_t i = 0; i < tc; i++)
    z->trans[i] = tsize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
  p += tc * tsize;
  for (size_t i = 0; i < tc; i++)
    if ((z->idx[i] = p[i]) >= ty) return false;
  p += tc;
  for (size_t i = 0; i < ty; i++, p += 6) {
    z->types[i].off = (int32_t)be32(p);
    z->types[i].dst = p[4] != 0;
    z->types[i].abbr = p[5] < ch ? p[5] : 0;
  }
  memcpy(z->abbrs, p, ch);
  p += ch + leap * (tsize + 4) + isstd + isut;
  z->ntrans = tc;
  z->ntypes = ty;
  z->nabbrs = ch;
  if (v2 && p < end && *p == '\n') { /* footer: a POSIX TZ string */
    const uint8_t *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
    if (nl && nl > p + 1) {
      char rule[128];
      size_t l = (size_t)(nl - p - 1) < sizeof rule - 1 ? (size_t)(nl - p - 1) : sizeof rule - 1;
      memcpy(rule, p + 1, l);
      rule[l] = 0;
      if (!parse_rule(z, rule)) z->has_rule = z->has_dst = false;
    }
  }
  return true;
}

static bool load_region(wy_tz_t *z, const char *id) {
  /* ZoneId's region syntax; no "..", so the ID stays inside the zoneinfo directory. */
  if (!isalpha((unsigned char)id[0]) || strstr(id, "..") || strlen(id) < 2) return false;
  for (const char *c = id; *c; c++)
    if (!isalnum((unsigned char)*c) && !strchr("~/._+-", *c)) return false;
  const char *dir = getenv("TZDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", id);
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  uint8_t *buf = malloc(1 << 18);
  size_t n = buf ? fread(buf, 1, 1 << 18, f) : 0;
  fclose(f);
  bool ok = buf && load_tzif(z, buf, n);
  free(buf);
  return ok;
}

/* ZoneOffset.of: ±h, ±hh, ±hh:mm, ±hhmm, ±hh:mm:ss, ±hhmmss, within ±18:00. */
static bool parse_offset(const char *s, size_t n, int32_t *off) {
  if (n < 2 || (s[0] != '+' && s[0] != '-')) return false;
  int v[3] = {0, 0, 0};
  size_t i = 1;
  for (int f = 0; f < 3 && i < n; f++) {
    if (f > 0 && s[i] == ':') {
      if (n == 3) return false;
      i++;
    }
    size_t st = i;
    while (i < n && i - st < 2 && isdigit((unsigned char)s[i])) v[f] = v[f] * 10 + (s[i++] - '0');
    if (i == st || (f > 0 && i - st != 2)) return false;
  }
  if (i != n || v[0] > 18 || v[1] > 59 || v[2] > 59) return false;
  if (n > 3 && !isdigit((unsigned char)s[2])) return false; /* +h only alone */
  int32_t t = v[0] * 3600 + v[1] * 60 + v[2];
  if (t > 18 * 3600) return false;
  *off = s[0] == '-' ? -t : t;
  return true;
}

static void offset_id(char *out, size_t cap, int32_t off) {
  if (!off) {
    snprintf(out, cap, "Z");
    return;
  }
  int32_t a = off < 0 ? -off : off;
  if (a % 60)
    snprintf(out, cap, "%c%02d:%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60, a % 60);
  else
    snprintf(out, cap, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static bool resolve(wy_tz_t *z, const char *id, size_t n) {
  if (n == 1 && id[0] == 'Z') {
    z->fixed = true;
    snprintf(z->id, sizeof z->id, "Z");
    return true;
  }
  if (n && (id[0] == '+' || id[0] == '-')) {
    if (!parse_offset(id, n, &z->fixed_off)) return false;
    z->fixed = true;
    offset_id(z->id, sizeof z->id, z->fixed_off);
    return true;
  }
  static const char *const prefixes[] = {"UTC", "GMT", "UT"};
  for (int i = 0; i < 3; i++) {
    size_t pl = strlen(prefixes[i]);
    if (n < pl || memcmp(id, prefixes[i], pl)) continue;
    if (n == pl) {
      z->fixed = true;
      snprintf(z->id, sizeof z->id, "%s", prefixes[i]);
      return true;
    }
    if (id[pl] != '+' && id[pl] != '-') break;
    if (!parse_offset(id + pl, n - pl, &z->fixed_off)) return false;
    z->fixed = true;
    char o[16];
    offset_id(o, sizeof o, z->fixed_off);
    snprintf(z->id, sizeof z->id, "%s%s", prefixes[i], z->fixed_off ? o : "");
    return true;
  }
  if (n >= sizeof z->id) return false;
  memcpy(z->id, id, n);
  z->id[n] = 0;
  return load_region(z, z->id);
}

static void tz_free(wy_tz_t *z) {
  if (!z) return;
  free(z->trans);
  free(z->idx);
  free(z->types);
  free(z->abbrs);
  free(z);
}

/* Loaded zones: a list that only grows (a few hundred at most), behind a mutex. */
static pthread_mutex_t zones_mu = PTHREAD_MUTEX_INITIALIZER;
static wy_tz_t **zones;
static size_t nzones, capzones;

static void zones_free(void) {
  for (size_t i = 0; i < nzones; i++) tz_free(zones[i]);
  free(zones);
}

const wy_tz_t *wy_tz_get(const char *id, size_t n) {
  if (!id || n == 0 || n >= 96) return NULL;
  wy_tz_t *found = NULL;
  pthread_mutex_lock(&zones_mu);
  for (size_t i = 0; i < nzones && !found; i++)
    if (strlen(zones[i]->id) == n && !memcmp(zones[i]->id, id, n)) found = zones[i];
  if (!found) {
    wy_tz_t *z = calloc(1, sizeof *z);
    if (z && resolve(z, id, n)) {
      if (nzones == capzones) {
        size_t nc = capzones ? capzones * 2 : 16;
        wy_tz_t **nz = realloc(zones, nc * sizeof *nz);
        if (nz) zones = nz, capzones = nc;
        if (nz && !nzones) atexit(zones_free);
      }
      if (nzones < capzones) {
        zones[nzones++] = z;
        found = z;
        z = NULL;
      }
    }
    tz_free(z);
  }
  pthread_mutex_unlock(&zones_mu);
  return found;
}

const char *wy_tz_id(const wy_tz_t *z) { return z->id; }
bool wy_tz_fixed(const wy_tz_t *z) { return z->fixed; }

int32_t wy_tz_offset(const wy_tz_t *z, int64_t t, bool *dst, const char **abbr) {
  if (dst) *dst = false;
  if (abbr) *abbr = z->id;
  if (z->fixed) return z->fixed_off;
  if (z->has_rule && (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]))
    return rule_offset(z, t, dst, abbr);
  size_t type = 0;
  if (z->ntrans && t >= z->trans[0]) {
    size_t lo = 0, hi = z->ntrans; /* last transition <= t */
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      if (z->trans[mid] <= t)
        lo = mid;
      else
        hi = mid;
    }
    type = z->idx[lo];
  }
  if (dst) *dst = z->types[type].dst;
  if (abbr) *abbr = z->abbrs + z->types[type].abbr;
  return z->types[type].off;
}

int32_t wy_tz_local_offset(const wy_tz_t *z, int64_t local) {
  if (z->fixed) return z->fixed_off;
  /* Transitions are far more than a day apart: the offsets a day either side are the
   * only candidates. */
  int32_t before = wy_tz_offset(z, local - 86400, NULL, NULL);
  int32_t after = wy_tz_offset(z, local + 86400, NULL, NULL);
  if (before == after) return wy_tz_offset(z, local - before, NULL, NULL);
  if (wy_tz_offset(z, local - before, NULL, NULL) == before) return before; /* overlap: earlier */
  if (wy_tz_offset(z, local - after, NULL, NULL) == after) return after;
  return before; /* gap */
}
