/* connectors/datagen: the generators (clickstream and Debezium CDC for users/products). */
#include "connectors/datagen/datagen.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/datagen/datagen_int.h"
#include "engine/base/intmath.h"

/* ---- names ---- */

static const char *const kind_names[] = {
#define WY_X_KIND(code, name, desc) name,
    WY_DATAGEN_KINDS(WY_X_KIND)
#undef WY_X_KIND
};
static const char *const key_mode_names[] = {
#define WY_X_KEY(code, name, desc) name,
    WY_DATAGEN_KEY_MODES(WY_X_KEY)
#undef WY_X_KEY
};

static int find_name(const char *const *names, int n, const char *name) {
  for (int i = 0; name && i < n; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

const char *wy_datagen_kind_name(wy_datagen_kind_t kind) {
  return (unsigned)kind < WY_DATAGEN_KIND__COUNT ? kind_names[kind] : "?";
}
int wy_datagen_kind_parse(const char *name) {
  return find_name(kind_names, WY_DATAGEN_KIND__COUNT, name);
}
const char *wy_datagen_key_mode_name(wy_datagen_key_mode_t mode) {
  return (unsigned)mode < WY_DATAGEN_KEY__COUNT ? key_mode_names[mode] : "?";
}
int wy_datagen_key_mode_parse(const char *name) {
  return find_name(key_mode_names, WY_DATAGEN_KEY__COUNT, name);
}

/* ---- random numbers: splitmix64 seeds xoshiro256** (small, fast, well studied) ---- */

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* ---- pools ---- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const first_names[] = {
    "Ada",    "Alan",  "Amara", "Ben",    "Carmen", "Chen",   "Dara",  "Diego", "Elena", "Erik",
    "Fatima", "Felix", "Grace", "Hana",   "Ivan",   "Jamal",  "Julia", "Kenji", "Lena",  "Liam",
    "Maya",   "Mateo", "Nadia", "Noah",   "Olga",   "Omar",   "Priya", "Quinn", "Rosa",  "Sam",
    "Sofia",  "Tariq", "Uma",   "Victor", "Wen",    "Xavier", "Yara",  "Yusuf", "Zoe",   "Zane"};
static const char *const last_names[] = {
    "Abbott", "Baker",  "Castro",   "Dubois", "Evans",  "Fischer",  "Garcia", "Hughes",
    "Ito",    "Jensen", "Kowalski", "Lopez",  "Moreau", "Nakamura", "Okafor", "Patel",
    "Quist",  "Rossi",  "Schmidt",  "Tanaka", "Ueda",   "Varga",    "Walsh",  "Xu",
    "Young",  "Zhang",  "Novak",    "Silva",  "Berg",   "Khan"};
static const char *const cities[] = {
    "San Francisco", "New York", "Austin",  "Seattle", "Chicago", "Boston",   "Denver",
    "Atlanta",       "Portland", "Toronto", "London",  "Berlin",  "Paris",    "Amsterdam",
    "Madrid",        "Lisbon",   "Tokyo",   "Sydney",  "Nairobi", "Sao Paulo"};
static const char *const levels[] = {"Platinum", "Gold", "Silver"};
static const char *const email_domains[] = {"example.com", "mail.example.org", "corp.example.net",
                                            "example.io"};
/* Formats a phone-number standardization UDF has to cope with. */
static const char *const phone_formats[] = {
    "+1 (%03d) %03d-%04d", "(%03d) %03d-%04d", "%03d-%03d-%04d", "%03d.%03d.%04d",
    "+1-%03d-%03d-%04d",   "%03d%03d%04d",     "+1%03d%03d%04d", "1 %03d %03d %04d",
    "%03d %03d %04d",      "+1.%03d.%03d.%04d"};

static const char *const adjectives[] = {
    "Classic", "Compact", "Deluxe", "Eco",     "Ergonomic", "Handmade", "Lightweight", "Portable",
    "Premium", "Rugged",  "Smart",  "Vintage", "Wireless",  "Organic",  "Pro"};
typedef struct {
  const char *noun;
  const char *category;
} noun_t;
static const noun_t nouns[] = {
    {"Headphones", "Electronics"}, {"Speaker", "Electronics"}, {"Keyboard", "Electronics"},
    {"Camera", "Electronics"},     {"Backpack", "Outdoors"},   {"Tent", "Outdoors"},
    {"Water Bottle", "Outdoors"},  {"Jacket", "Apparel"},      {"Sneakers", "Apparel"},
    {"T-Shirt", "Apparel"},        {"Coffee Mug", "Kitchen"},  {"Chef Knife", "Kitchen"},
    {"Blender", "Kitchen"},        {"Desk Lamp", "Home"},      {"Armchair", "Home"},
    {"Notebook", "Office"},        {"Pen Set", "Office"},      {"Yoga Mat", "Sports"},
    {"Football", "Sports"},        {"Board Game", "Toys"}};

static const char *const paths[] = {"/index.html",
                                    "/site/login.html",
                                    "/site/user_status.html",
                                    "/site/products.html",
                                    "/site/cart.html",
                                    "/site/checkout.html",
                                    "/images/logo-small.png",
                                    "/images/track.png",
                                    "/images/footer-basement.png",
                                    "/api/v1/recommendations",
                                    "/search?q=shoes",
                                    "/site/article.html"};
static const char *const referrers[] = {"https://www.google.com/", "https://www.bing.com/",
                                        "https://news.example.com/", "https://www.example.com/",
                                        "https://social.example.net/share"};
static const char *const agents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"};
/* HTTP statuses as the quickstart writes them (strings), with weights out of 100. */
static const struct {
  const char *code;
  int weight;
} statuses[] = {{"200", 72}, {"302", 8}, {"404", 8}, {"405", 4}, {"406", 4}, {"407", 4}};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* ---- rows ---- */

/* JSON is written straight into the record's buffer. */
typedef struct jw {
  char *buf;
  size_t len, cap;
  bool overflow; /* something did not fit; the text is truncated */
} jw_t;

typedef struct user_row {
  uint8_t first, last, city, level, email_style, email_domain, phone_format;
  uint16_t area, exchange, line;
  int64_t registered_at;
} user_row_t;

typedef struct product_row {
  uint8_t adjective, noun;
  int64_t price_cents;
  int32_t stock;
} product_row_t;

typedef union row {
  user_row_t user;
  product_row_t product;
} row_t;

/* What differs between the CDC tables; clickstream has no table. */
typedef struct cdc_table {
  const char *name;
  void (*fresh)(wy_datagen_t *g, row_t *row);
  void (*mutate)(wy_datagen_t *g, row_t *row);
  void (*render)(jw_t *w, int32_t id, const row_t *row);
} cdc_table_t;

#define NIPS 64
#define EPOCH_2026_S 1767225600LL /* 2026-01-01T00:00:00Z */

struct wy_datagen {
  wy_datagen_options_t opts;
  uint64_t rng[4];
  int64_t now_ms; /* synthetic time */
  uint64_t generated;
  char ips[NIPS][16];
  /* CDC state */
  const cdc_table_t *table;
  int32_t nrows;
  int32_t created; /* ids 1..created exist or existed */
  row_t *rows;     /* index id-1 */
  bool *alive;
  int32_t tombstone_id; /* > 0: the next record is this id's tombstone */
  int64_t txid, lsn;
  /* delivery reports of wy_datagen_produce (they may arrive after it returns) */
  wy_datagen_reports_t reports;
};

static uint64_t below(wy_datagen_t *g, uint64_t n) {
  return (uint64_t)(((unsigned __int128)rng_next(g->rng) * n) >> 64);
}
#define PICK(g, pool) (below((g), COUNT(pool)))

wy_datagen_reports_t *wy_datagen_reports(wy_datagen_t *g) { return &g->reports; }

/* ---- JSON writer into a fixed buffer ---- */

static void jw_raw(jw_t *w, const char *s, size_t n) {
  if (w->len + n > w->cap) {
    w->overflow = true;
    return;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
}
static void jw_lit(jw_t *w, const char *s) { jw_raw(w, s, strlen(s)); }
static void jw_int(jw_t *w, int64_t v) {
  char tmp[24];
  size_t i = sizeof tmp;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--i] = '-';
  jw_raw(w, tmp + i, sizeof tmp - i);
}
/* A JSON string; the pools are plain ASCII, but escape anyway so no pool edit can ever
 * produce invalid JSON. */
static void jw_str(jw_t *w, const char *s) {
  static const char hex[] = "0123456789abcdef";
  jw_raw(w, "\"", 1);
  for (const char *run = s;; s++) {
    unsigned char c = (unsigned char)*s;
    if (c && c >= 0x20 && c != '"' && c != '\\') continue;
    jw_raw(w, run, (size_t)(s - run));
    if (!c) break;
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    if (c == '"' || c == '\\') {
      esc[1] = (char)c;
      jw_raw(w, esc, 2);
    } else {
      jw_raw(w, esc, 6);
    }
    run = s + 1;
  }
  jw_raw(w, "\"", 1);
}
/* "name": — field names are literals from this file. */
static void jw_field(jw_t *w, const char *name) {
  bool first = w->len && w->buf[w->len - 1] == '{';
  jw_raw(w, first ? "\"" : ",\"", first ? 1 : 2);
  jw_lit(w, name);
  jw_raw(w, "\":", 2);
}

/* ---- users ---- */

static void user_new_phone(wy_datagen_t *g, user_row_t *u) {
  u->phone_format = (uint8_t)PICK(g, phone_formats);
  u->area = (uint16_t)(201 + below(g, 789));
  u->exchange = (uint16_t)(200 + below(g, 800));
  u->line = (uint16_t)below(g, 10000);
}

static void user_fresh(wy_datagen_t *g, row_t *row) {
  user_row_t *u = &row->user;
  u->first = (uint8_t)PICK(g, first_names);
  u->last = (uint8_t)PICK(g, last_names);
  u->city = (uint8_t)PICK(g, cities);
  u->level = (uint8_t)PICK(g, levels);
  u->email_style = (uint8_t)below(g, 4);
  u->email_domain = (uint8_t)PICK(g, email_domains);
  user_new_phone(g, u);
  /* Registered some time in the three years before now (to the second). */
  u->registered_at = (g->now_ms - (int64_t)below(g, 3ULL * 365 * 86400) * 1000) / 1000 * 1000;
}

static void user_mutate(wy_datagen_t *g, row_t *row) {
  user_row_t *u = &row->user;
  switch (below(g, 4)) {
    case 0: /* a level change is what the demo's tier queries react to */
      u->level = (uint8_t)((u->level + 1 + below(g, COUNT(levels) - 1)) % COUNT(levels));
      break;
    case 1:
      u->city = (uint8_t)((u->city + 1 + below(g, COUNT(cities) - 1)) % COUNT(cities));
      break;
    case 2:
      user_new_phone(g, u);
      break;
    default:
      u->email_domain = (uint8_t)((u->email_domain + 1 + below(g, COUNT(email_domains) - 1)) %
                                  COUNT(email_domains));
      u->email_style = (uint8_t)below(g, 4);
      break;
  }
}

static void lower_into(char *dst, const char *src, size_t cap) {
  size_t i = 0;
  for (; src[i] && i + 1 < cap; i++)
    dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
  dst[i] = '\0';
}

static void user_render(jw_t *w, int32_t id, const row_t *row) {
  const user_row_t *u = &row->user;
  char first[16], last[16], email[96], phone[32];
  lower_into(first, first_names[u->first], sizeof first);
  lower_into(last, last_names[u->last], sizeof last);
  const char *dom = email_domains[u->email_domain];
  switch (u->email_style) {
    case 0:
      snprintf(email, sizeof email, "%s.%s@%s", first, last, dom);
      break;
    case 1:
      snprintf(email, sizeof email, "%c%s%d@%s", first[0], last, id, dom);
      break;
    case 2:
      snprintf(email, sizeof email, "%s_%s%d@%s", first, last, id, dom);
      break;
    default:
      snprintf(email, sizeof email, "%s.%s@%s", last, first, dom);
      break;
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  snprintf(phone, sizeof phone, phone_formats[u->phone_format], u->area, u->exchange, u->line);
#pragma GCC diagnostic pop
  jw_raw(w, "{", 1);
  jw_field(w, "userid");
  jw_int(w, id);
  jw_field(w, "first_name");
  jw_str(w, first_names[u->first]);
  jw_field(w, "last_name");
  jw_str(w, last_names[u->last]);
  jw_field(w, "email");
  jw_str(w, email);
  jw_field(w, "phone");
  jw_str(w, phone);
  jw_field(w, "city");
  jw_str(w, cities[u->city]);
  jw_field(w, "level");
  jw_str(w, levels[u->level]);
  jw_field(w, "registered_at");
  jw_int(w, u->registered_at);
  jw_raw(w, "}", 1);
}

/* ---- products ---- */

static void product_fresh(wy_datagen_t *g, row_t *row) {
  product_row_t *p = &row->product;
  p->adjective = (uint8_t)PICK(g, adjectives);
  p->noun = (uint8_t)PICK(g, nouns);
  p->price_cents = 199 + (int64_t)below(g, 49800);
  p->stock = (int32_t)below(g, 501);
}

static void product_mutate(wy_datagen_t *g, row_t *row) {
  product_row_t *p = &row->product;
  switch (below(g, 3)) {
    case 0: { /* reprice by -15%..+15%, never below 0.99 */
      int64_t pct = (int64_t)below(g, 31) - 15;
      p->price_cents += p->price_cents * pct / 100;
      if (p->price_cents < 99) p->price_cents = 99;
      break;
    }
    case 1: /* sales */
      p->stock -= (int32_t)(1 + below(g, 5));
      if (p->stock < 0) p->stock = 0;
      break;
    default: /* restock */
      p->stock += (int32_t)(50 + below(g, 151));
      break;
  }
}

static void product_render(jw_t *w, int32_t id, const row_t *row) {
  const product_row_t *p = &row->product;
  char name[64];
  snprintf(name, sizeof name, "%s %s", adjectives[p->adjective], nouns[p->noun].noun);
  jw_raw(w, "{", 1);
  jw_field(w, "product_id");
  jw_int(w, id);
  jw_field(w, "name");
  jw_str(w, name);
  jw_field(w, "category");
  jw_str(w, nouns[p->noun].category);
  jw_field(w, "price");
  jw_int(w, p->price_cents / 100);
  char cents[3] = {'.', (char)('0' + p->price_cents % 100 / 10), (char)('0' + p->price_cents % 10)};
  jw_raw(w, cents, 3);
  jw_field(w, "stock");
  jw_int(w, p->stock);
  jw_raw(w, "}", 1);
}

static const cdc_table_t users_table = {"users", user_fresh, user_mutate, user_render};
static const cdc_table_t products_table = {"products", product_fresh, product_mutate,
                                           product_render};

/* ---- generator ---- */

void wy_datagen_options_init(wy_datagen_options_t *o, wy_datagen_kind_t kind) {
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->seed = 1;
  o->nusers = 100;
  o->nproducts = 50;
  o->key_mode = WY_DATAGEN_KEY_JSON;
}

int64_t wy_datagen_wall_clock_ms(void *opaque) {
  (void)opaque;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define MAX_ENTITIES 10000000

wy_status_t wy_datagen_new(const wy_datagen_options_t *opts, wy_datagen_t **out, wy_error_t *err) {
  *out = NULL;
  if ((unsigned)opts->kind >= WY_DATAGEN_KIND__COUNT)
    return wy_error_set(err, WY_ERR_INVALID, "datagen: unknown kind %d", (int)opts->kind);
  if ((unsigned)opts->key_mode >= WY_DATAGEN_KEY__COUNT)
    return wy_error_set(err, WY_ERR_INVALID, "datagen: unknown key mode %d", (int)opts->key_mode);
  if (opts->nusers < 1 || opts->nusers > MAX_ENTITIES)
    return wy_error_set(err, WY_ERR_INVALID, "datagen: users must be 1..%d, not %d", MAX_ENTITIES,
                        (int)opts->nusers);
  if (opts->nproducts < 1 || opts->nproducts > MAX_ENTITIES)
    return wy_error_set(err, WY_ERR_INVALID, "datagen: products must be 1..%d, not %d",
                        MAX_ENTITIES, (int)opts->nproducts);
  wy_datagen_t *g = calloc(1, sizeof *g);
  if (!g) return wy_error_set(err, WY_ERR_NOMEM, "datagen: out of memory");
  g->opts = *opts;
  uint64_t x = opts->seed;
  for (int i = 0; i < 4; i++) g->rng[i] = splitmix64(&x);
  /* The default epoch is a function of the seed alone: a fixed second in 2026. */
  uint64_t t = opts->seed ^ 0x5eed7133ULL;
  g->now_ms = opts->epoch_ms ? opts->epoch_ms
                             : (EPOCH_2026_S + (int64_t)(splitmix64(&t) % (365 * 86400))) * 1000;
  for (int i = 0; i < NIPS; i++)
    snprintf(g->ips[i], sizeof g->ips[i], "%d.%d.%d.%d", (int)(11 + below(g, 212)),
             (int)below(g, 256), (int)below(g, 256), (int)(1 + below(g, 254)));
  if (opts->kind != WY_DATAGEN_CLICKSTREAM) {
    g->table = opts->kind == WY_DATAGEN_USERS ? &users_table : &products_table;
    g->nrows = opts->kind == WY_DATAGEN_USERS ? opts->nusers : opts->nproducts;
    g->rows = calloc((size_t)g->nrows, sizeof *g->rows);
    g->alive = calloc((size_t)g->nrows, sizeof *g->alive);
    if (!g->rows || !g->alive) {
      int32_t n = g->nrows;
      wy_datagen_destroy(g);
      return wy_error_set(err, WY_ERR_NOMEM, "datagen: out of memory for %d rows", (int)n);
    }
    g->txid = 500 + (int64_t)below(g, 1000);
    g->lsn = 20000000 + (int64_t)below(g, 10000000);
  }
  *out = g;
  return WY_OK;
}

void wy_datagen_destroy(wy_datagen_t *g) {
  if (!g) return;
  free(g->rows);
  free(g->alive);
  free(g);
}

uint64_t wy_datagen_generated(const wy_datagen_t *g) { return g->generated; }

static void write_key(wy_datagen_t *g, wy_datagen_record_t *rec, int32_t id) {
  jw_t w = {rec->key, 0, sizeof rec->key, false};
  rec->key_null = false;
  switch (g->opts.key_mode) {
    case WY_DATAGEN_KEY_JSON:
      jw_int(&w, id);
      break;
    case WY_DATAGEN_KEY_STRING:
      jw_raw(&w, "\"", 1);
      jw_int(&w, id);
      jw_raw(&w, "\"", 1);
      break;
    case WY_DATAGEN_KEY_KAFKA_INT: {
      uint32_t u = (uint32_t)id;
      char be[4] = {(char)(u >> 24), (char)(u >> 16), (char)(u >> 8), (char)u};
      jw_raw(&w, be, 4);
      break;
    }
    default:
      rec->key_null = true;
      break;
  }
  rec->key_len = w.len;
}

/* Move synthetic time forward and stamp the record. */
static int64_t tick(wy_datagen_t *g, uint64_t max_step_ms) {
  g->now_ms += 1 + (int64_t)below(g, max_step_ms);
  return g->opts.clock ? g->opts.clock(g->opts.clock_opaque) : g->now_ms;
}

static void write_clf_time(jw_t *w, int64_t seconds) {
  time_t t = (time_t)seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  int n = snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                   months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  jw_field(w, "time");
  jw_raw(w, "\"", 1);
  jw_raw(w, buf, (size_t)n);
  jw_raw(w, "\"", 1);
}

static void next_click(wy_datagen_t *g, wy_datagen_record_t *rec, jw_t *w) {
  int64_t ts = tick(g, 1000);
  int32_t userid = (int32_t)(1 + below(g, (uint64_t)g->opts.nusers));
  int64_t seconds = wy_floor_div(ts, 1000);
  rec->timestamp = ts;
  rec->id = userid;
  write_key(g, rec, userid);

  jw_raw(w, "{", 1);
  jw_field(w, "ip");
  jw_str(w, g->ips[PICK(g, g->ips)]);
  jw_field(w, "userid");
  jw_int(w, userid);
  jw_field(w, "remote_user");
  jw_str(w, "-");
  write_clf_time(w, seconds);
  jw_field(w, "_time");
  jw_int(w, seconds);
  jw_field(w, "request");
  char req[96];
  snprintf(req, sizeof req, "%s %s HTTP/1.1", below(g, 10) ? "GET" : "POST", paths[PICK(g, paths)]);
  jw_str(w, req);
  jw_field(w, "status");
  int roll = (int)below(g, 100), i = 0;
  while (roll >= statuses[i].weight && i + 1 < (int)COUNT(statuses)) roll -= statuses[i++].weight;
  jw_str(w, statuses[i].code);
  jw_field(w, "bytes");
  char bytes[12];
  snprintf(bytes, sizeof bytes, "%d", (int)(64 + below(g, 20000)));
  jw_str(w, bytes);
  jw_field(w, "referrer");
  jw_str(w, below(g, 5) < 3 ? "-" : referrers[PICK(g, referrers)]);
  jw_field(w, "agent");
  jw_str(w, agents[PICK(g, agents)]);
  jw_raw(w, "}", 1);
}

static void write_source(wy_datagen_t *g, jw_t *w, int64_t ts_ms, bool snapshot) {
  jw_field(w, "source");
  jw_lit(w, "{\"version\":\"2.5.0.Final\",\"connector\":\"postgresql\",\"name\":\"dbserver1\"");
  jw_field(w, "ts_ms");
  jw_int(w, ts_ms);
  jw_field(w, "snapshot");
  jw_str(w, snapshot ? "true" : "false");
  jw_lit(w, ",\"db\":\"inventory\",\"schema\":\"public\"");
  jw_field(w, "table");
  jw_str(w, g->table->name);
  jw_field(w, "txId");
  jw_int(w, g->txid);
  jw_field(w, "lsn");
  jw_int(w, g->lsn);
  jw_lit(w, ",\"xmin\":null}");
}

static void next_change(wy_datagen_t *g, wy_datagen_record_t *rec, jw_t *w) {
  if (g->tombstone_id > 0) {
    rec->id = g->tombstone_id;
    rec->timestamp = g->opts.clock ? g->opts.clock(g->opts.clock_opaque) : g->now_ms;
    write_key(g, rec, g->tombstone_id);
    rec->value_null = true;
    g->tombstone_id = 0;
    return;
  }
  int64_t ts = tick(g, 2000);
  int32_t id;
  row_t before;
  bool has_before = false, has_after = true, snapshot = false;
  char op;
  if (g->created < g->nrows) { /* first every entity is created, in id order */
    id = ++g->created;
    g->table->fresh(g, &g->rows[id - 1]);
    g->alive[id - 1] = true;
    snapshot = g->opts.snapshot;
    op = snapshot ? 'r' : 'c';
  } else {
    id = (int32_t)(1 + below(g, (uint64_t)g->nrows));
    row_t *row = &g->rows[id - 1];
    if (!g->alive[id - 1]) { /* reinsert a deleted row */
      g->table->fresh(g, row);
      g->alive[id - 1] = true;
      op = 'c';
    } else if (below(g, 100) < 4) {
      before = *row;
      has_before = true;
      has_after = false;
      g->alive[id - 1] = false;
      op = 'd';
      if (g->opts.tombstones) g->tombstone_id = id;
    } else {
      before = *row;
      has_before = true;
      /* An update that changes nothing (a 0% reprice, a sale at zero stock) would make
       * a useless event: draw again. */
      for (int tries = 0; tries < 8 && memcmp(&before, row, sizeof before) == 0; tries++)
        g->table->mutate(g, row);
      op = 'u';
    }
  }
  g->txid += 1 + (int64_t)below(g, 3);
  g->lsn += 64 + (int64_t)below(g, 4096);
  rec->timestamp = ts;
  rec->id = id;
  write_key(g, rec, id);

  jw_raw(w, "{", 1);
  jw_field(w, "before");
  if (has_before)
    g->table->render(w, id, &before);
  else
    jw_lit(w, "null");
  jw_field(w, "after");
  if (has_after)
    g->table->render(w, id, &g->rows[id - 1]);
  else
    jw_lit(w, "null");
  /* Debezium stamps the source event first, then the envelope when it processes it. */
  write_source(g, w, ts - (int64_t)below(g, 50), snapshot);
  jw_field(w, "op");
  char opstr[3] = {'"', op, '"'};
  jw_raw(w, opstr, 3);
  jw_field(w, "ts_ms");
  jw_int(w, ts);
  jw_raw(w, "}", 1);
}

wy_status_t wy_datagen_next(wy_datagen_t *g, wy_datagen_record_t *rec, wy_error_t *err) {
  jw_t w = {rec->value, 0, sizeof rec->value, false};
  rec->value_null = false;
  if (g->table)
    next_change(g, rec, &w);
  else
    next_click(g, rec, &w);
  rec->value_len = w.len;
  g->generated++;
  if (w.overflow)
    return wy_error_set(err, WY_ERR_INTERNAL, "datagen: record %llu exceeds %d bytes",
                        (unsigned long long)g->generated, WY_DATAGEN_VALUE_MAX);
  return WY_OK;
}
