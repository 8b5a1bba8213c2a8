/* The lineage emitter: runs and their lifecycle, the bounded event queue, and the
 * sender thread that delivers events with retries and times RUNNING events.
 *
 * Locks: runs_mu guards the list of runs and each run's state; q_mu guards the queue.
 * Events of a run are queued while runs_mu is held, which is what keeps START, RUNNING
 * and the terminal event of one run in order. Order of locking: runs_mu, then q_mu. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/base/log.h"
#include "engine/lineage/lineage_int.h"

/* No public home yet: a reserved domain rather than someone else's; see options.producer. */
#define DEFAULT_PRODUCER "https://walleye.invalid/walleye/" WALLEYE_VERSION
#define MAX_TICK_MS 250 /* how often the sender checks for due RUNNING events */

typedef struct item {
  char *json;
  size_t len;
  char *key;
  wy_lineage_event_t ev;
} item_t;

struct wy_lineage_run {
  wy_lineage_emitter_t *e; /* NULL once the emitter is gone */
  wy_lineage_run_t *prev, *next;
  wy_lineage_doc_t *doc; /* NULL with transport none */
  char id[WY_LINEAGE_UUID_LEN + 1];
  char *key; /* Kafka message key: run:{namespace}/{name} */
  bool active;
  int64_t next_due_ms;
  size_t nin, nout;
  wy_lineage_counter_t *counters; /* inputs, then outputs */
  wy_lineage_delta_t *seen;       /* counter totals at the previous event */
  wy_lineage_delta_t *window;     /* scratch: this event's deltas */
};

struct wy_lineage_emitter {
  wy_lineage_options_t o; /* strings below are owned copies */
  char *url, *api_key, *producer;
  wy_lineage_transport_t *transport; /* NULL: transport none */

  pthread_mutex_t runs_mu;
  wy_lineage_run_t *runs;

  pthread_mutex_t q_mu;
  pthread_cond_t q_cond;    /* an event was queued, or stop */
  pthread_cond_t idle_cond; /* the queue ran empty */
  item_t *ring;
  size_t head, count;
  bool busy;              /* the sender holds an item it has not finished with */
  bool stopping;          /* destroy was called */
  int64_t drain_deadline; /* monotonic ms; meaningful once stopping */
  pthread_t thread;
  bool has_thread;

  _Atomic uint64_t queued, delivered, dropped, failed, retries;
};

static const char *const transport_names[] = {
#define X_TN(id, name) [id] = name,
    WY_LINEAGE_TRANSPORTS(X_TN)
#undef X_TN
};

int wy_lineage_transport_parse(const char *name) {
  for (int i = 0; i < WY_LINEAGE_TRANSPORT__COUNT; i++)
    if (name && strcmp(name, transport_names[i]) == 0) return i;
  return -1;
}

const char *wy_lineage_transport_name(wy_lineage_transport_kind_t kind) {
  return (unsigned)kind < WY_LINEAGE_TRANSPORT__COUNT ? transport_names[kind] : NULL;
}

static int64_t wall_clock_ms(void *opaque) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec mono_deadline(int64_t at_ms) {
  struct timespec ts = {.tv_sec = at_ms / 1000, .tv_nsec = (at_ms % 1000) * 1000000};
  return ts;
}

static int64_t now_ms(const wy_lineage_emitter_t *e) { return e->o.clock(e->o.clock_opaque); }

/* ---- options ----------------------------------------------------------------------- */

void wy_lineage_options_init(wy_lineage_options_t *o) {
  memset(o, 0, sizeof *o);
  o->transport = WY_LINEAGE_NONE;
  o->running_interval_ms = 60000;
  o->timeout_ms = 5000;
  o->retries = 5;
  o->backoff_ms = 200;
  o->backoff_max_ms = 10000;
  o->queue_capacity = 1024;
  o->shutdown_timeout_ms = 5000;
}

wy_status_t wy_lineage_options_from_config(wy_lineage_options_t *o, const wy_config_t *cfg,
                                           wy_error_t *err) {
  wy_lineage_options_init(o);
  const char *t = wy_config_get_string(cfg, WY_CFG_LINEAGE_TRANSPORT);
  int kind = wy_lineage_transport_parse(t);
  if (kind < 0) return wy_error_set(err, WY_ERR_CONFIG, "unknown lineage.transport '%s'", t);
  o->transport = (wy_lineage_transport_kind_t)kind;
  o->url = wy_config_get_string(cfg, WY_CFG_LINEAGE_URL);
  /* As the OpenLineage clients: OPENLINEAGE_URL alone turns on the http transport. */
  const char *env = getenv("OPENLINEAGE_URL");
  if (o->transport == WY_LINEAGE_NONE && env && *env) {
    o->transport = WY_LINEAGE_HTTP;
    if (!*o->url) o->url = env;
  }
  o->endpoint = wy_config_get_string(cfg, WY_CFG_LINEAGE_ENDPOINT);
  o->file_location = wy_config_get_string(cfg, WY_CFG_LINEAGE_FILE_LOCATION);
  o->kafka_topic = wy_config_get_string(cfg, WY_CFG_LINEAGE_KAFKA_TOPIC);
  const char *list = wy_config_get_string(cfg, WY_CFG_LINEAGE_COMPOSITE);
  for (const char *p = list; p && *p;) {
    size_t n = strcspn(p, ", ");
    char name[32];
    if (n && n < sizeof name) {
      memcpy(name, p, n);
      name[n] = 0;
      int k = wy_lineage_transport_parse(name);
      if (k <= WY_LINEAGE_NONE || k == WY_LINEAGE_COMPOSITE)
        return wy_error_set(
            err, WY_ERR_CONFIG,
            "lineage.composite.transports: '%s' is not one of console, file, http, kafka", name);
      o->composite |= 1u << k;
    } else if (n) {
      return wy_error_set(err, WY_ERR_CONFIG,
                          "lineage.composite.transports: unknown transport '%.*s'", (int)n, p);
    }
    p += n;
    p += strspn(p, ", ");
  }
  if (o->transport == WY_LINEAGE_COMPOSITE && !o->composite)
    return wy_error_set(err, WY_ERR_CONFIG,
                        "lineage.transport=composite needs lineage.composite.transports "
                        "(openlineage.transport.transports), e.g. file,http");
  o->api_key = wy_config_get_string(cfg, WY_CFG_LINEAGE_API_KEY);
  o->running_interval_ms = wy_config_get_int(cfg, WY_CFG_LINEAGE_INTERVAL_MS);
  o->timeout_ms = wy_config_get_int(cfg, WY_CFG_LINEAGE_TIMEOUT_MS);
  o->retries = (int)wy_config_get_int(cfg, WY_CFG_LINEAGE_RETRIES);
  o->queue_capacity = (size_t)wy_config_get_int(cfg, WY_CFG_LINEAGE_QUEUE_MAX);
  return WY_OK;
}

static wy_status_t check_options(const wy_lineage_options_t *o, wy_error_t *err) {
  if ((unsigned)o->transport >= WY_LINEAGE_TRANSPORT__COUNT)
    return wy_error_set(err, WY_ERR_CONFIG, "unknown lineage transport %d", (int)o->transport);
  if (o->running_interval_ms <= 0)
    return wy_error_set(err, WY_ERR_CONFIG, "lineage.running.interval.ms must be positive");
  if (o->timeout_ms <= 0 || o->timeout_ms > INT32_MAX)
    return wy_error_set(err, WY_ERR_CONFIG, "lineage.timeout.ms must be positive");
  if (o->retries < 0 || o->backoff_ms < 0 || o->backoff_max_ms < o->backoff_ms)
    return wy_error_set(err, WY_ERR_CONFIG, "lineage retries and back-off must be non-negative");
  if (o->queue_capacity == 0)
    return wy_error_set(err, WY_ERR_CONFIG, "lineage.queue.max.events must be positive");
  return WY_OK;
}

/* ---- the queue ----------------------------------------------------------------------- */

static void item_free(item_t *it) {
  free(it->json);
  free(it->key);
}

/* Called with q_mu held on a full queue: make room for a START or terminal event by
 * giving up the oldest RUNNING one, which only repeats what later events also say. */
static bool evict_running(wy_lineage_emitter_t *e) {
  size_t cap = e->o.queue_capacity;
  for (size_t i = 0; i < e->count; i++) {
    item_t *victim = &e->ring[(e->head + i) % cap];
    if (victim->ev != WY_LINEAGE_EV_RUNNING) continue;
    item_free(victim);
    for (size_t j = i; j + 1 < e->count; j++)
      e->ring[(e->head + j) % cap] = e->ring[(e->head + j + 1) % cap];
    e->count--;
    return true;
  }
  return false;
}

/* Never waits: a full queue loses an event (a RUNNING one when it can), and the
 * counter says so. */
static void enqueue(wy_lineage_emitter_t *e, wy_lineage_event_t ev, char *json, size_t len,
                    const char *key) {
  item_t it = {json, len, json ? strdup(key) : NULL, ev};
  atomic_fetch_add(&e->queued, 1);
  if (!it.json || !it.key) {
    item_free(&it);
    atomic_fetch_add(&e->dropped, 1);
    wy_log(WY_LOG_WARN, "lineage", "event dropped: out of memory");
    return;
  }
  pthread_mutex_lock(&e->q_mu);
  bool dropped = false, accepted = false;
  if (!e->stopping) {
    if (e->count == e->o.queue_capacity && ev != WY_LINEAGE_EV_RUNNING) dropped = evict_running(e);
    if (e->count < e->o.queue_capacity) {
      e->ring[(e->head + e->count) % e->o.queue_capacity] = it;
      e->count++;
      accepted = true;
      pthread_cond_signal(&e->q_cond);
    }
  }
  pthread_mutex_unlock(&e->q_mu);
  if (!accepted) {
    item_free(&it);
    dropped = true;
  }
  if (dropped) {
    atomic_fetch_add(&e->dropped, 1);
    wy_log(WY_LOG_WARN, "lineage", "event dropped: queue full capacity=%zu", e->o.queue_capacity);
  }
}

/* ---- runs ------------------------------------------------------------------------- */

/* Called with runs_mu held. Statistics are the window since the run's previous event. */
static void run_emit(wy_lineage_run_t *r, wy_lineage_event_t ev, const char *message) {
  wy_lineage_emitter_t *e = r->e;
  if (!e->transport) return;
  int64_t now = now_ms(e);
  bool stats = ev != WY_LINEAGE_EV_START;
  for (size_t i = 0; stats && i < r->nin + r->nout; i++) {
    uint64_t recs = atomic_load_explicit(&r->counters[i].records, memory_order_relaxed);
    uint64_t bytes = atomic_load_explicit(&r->counters[i].bytes, memory_order_relaxed);
    r->window[i].records = recs - r->seen[i].records;
    r->window[i].bytes = bytes - r->seen[i].bytes;
    r->seen[i].records = recs;
    r->seen[i].bytes = bytes;
  }
  size_t len = 0;
  char *json = wy_lineage_event_dump(r->doc, ev, r->id, now, stats ? r->window : NULL,
                                     stats ? r->window + r->nin : NULL, message, &len);
  enqueue(e, ev, json, len, r->key);
}

static void run_free(wy_lineage_run_t *r) {
  wy_lineage_doc_destroy(r->doc);
  free(r->key);
  free(r->counters);
  free(r->seen);
  free(r->window);
  free(r);
}

wy_status_t wy_lineage_run_start(wy_lineage_emitter_t *e, const wy_lineage_query_t *q,
                                 wy_lineage_run_t **out, wy_error_t *err) {
  *out = NULL;
  if (!e) return wy_error_set(err, WY_ERR_INVALID, "no lineage emitter");
  if (wy_lineage_query_check(q, err) != WY_OK) return err->code;
  wy_lineage_run_t *r = calloc(1, sizeof *r);
  if (!r) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  r->nin = q->ninputs;
  r->nout = q->noutputs;
  size_t n = r->nin + r->nout ? r->nin + r->nout : 1;
  r->counters = aligned_alloc(_Alignof(wy_lineage_counter_t), n * sizeof *r->counters);
  r->seen = calloc(n, sizeof *r->seen);
  r->window = calloc(n, sizeof *r->window);
  if (!r->counters || !r->seen || !r->window ||
      asprintf(&r->key, "run:%s/%s", q->service_id, q->query_id) < 0) {
    r->key = NULL;
    run_free(r);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    atomic_init(&r->counters[i].records, 0);
    atomic_init(&r->counters[i].bytes, 0);
  }
  int64_t now = now_ms(e);
  if (wy_lineage_uuid7(now, r->id, err) != WY_OK ||
      (e->transport &&
       wy_lineage_doc_new(q, e->producer, e->o.running_interval_ms, &r->doc, err) != WY_OK)) {
    run_free(r);
    return err->code;
  }
  pthread_mutex_lock(&e->runs_mu);
  r->e = e;
  r->active = true;
  r->next_due_ms = now + e->o.running_interval_ms;
  r->next = e->runs;
  if (e->runs) e->runs->prev = r;
  e->runs = r;
  run_emit(r, WY_LINEAGE_EV_START, NULL);
  pthread_mutex_unlock(&e->runs_mu);
  *out = r;
  return WY_OK;
}

static wy_status_t run_end(wy_lineage_run_t *r, wy_lineage_event_t ev, const char *message,
                           wy_error_t *err) {
  if (!r) return wy_error_set(err, WY_ERR_INVALID, "no lineage run");
  wy_lineage_emitter_t *e = r->e;
  if (!e) return WY_OK; /* detached: the emitter is gone, there is nowhere to report */
  pthread_mutex_lock(&e->runs_mu);
  bool was_active = r->active;
  if (was_active) {
    r->active = false;
    run_emit(r, ev, message);
  }
  pthread_mutex_unlock(&e->runs_mu);
  if (!was_active)
    return wy_error_set(err, WY_ERR_INVALID, "lineage run %s has already ended", r->id);
  return WY_OK;
}

wy_status_t wy_lineage_run_complete(wy_lineage_run_t *r, wy_error_t *err) {
  return run_end(r, WY_LINEAGE_EV_COMPLETE, NULL, err);
}

wy_status_t wy_lineage_run_abort(wy_lineage_run_t *r, wy_error_t *err) {
  return run_end(r, WY_LINEAGE_EV_ABORT, NULL, err);
}

wy_status_t wy_lineage_run_fail(wy_lineage_run_t *r, const char *message, wy_error_t *err) {
  return run_end(r, WY_LINEAGE_EV_FAIL, message, err);
}

void wy_lineage_run_destroy(wy_lineage_run_t *r) {
  if (!r) return;
  wy_lineage_emitter_t *e = r->e;
  if (e) {
    pthread_mutex_lock(&e->runs_mu);
    if (r->prev)
      r->prev->next = r->next;
    else
      e->runs = r->next;
    if (r->next) r->next->prev = r->prev;
    pthread_mutex_unlock(&e->runs_mu);
  }
  run_free(r);
}

wy_lineage_counter_t *wy_lineage_run_input_counter(wy_lineage_run_t *r, size_t i) {
  return r && i < r->nin ? &r->counters[i] : NULL;
}

wy_lineage_counter_t *wy_lineage_run_output_counter(wy_lineage_run_t *r, size_t i) {
  return r && i < r->nout ? &r->counters[r->nin + i] : NULL;
}

const char *wy_lineage_run_id(const wy_lineage_run_t *r) { return r ? r->id : NULL; }

size_t wy_lineage_emitter_tick(wy_lineage_emitter_t *e) {
  size_t n = 0;
  if (!e || !e->transport) return 0;
  pthread_mutex_lock(&e->runs_mu);
  int64_t now = now_ms(e);
  for (wy_lineage_run_t *r = e->runs; r; r = r->next) {
    if (!r->active || now < r->next_due_ms) continue;
    run_emit(r, WY_LINEAGE_EV_RUNNING, NULL);
    /* From now, not from the missed due time: a stalled clock or sender must not
     * produce a burst of back-to-back RUNNING events. */
    r->next_due_ms = now + e->o.running_interval_ms;
    n++;
  }
  pthread_mutex_unlock(&e->runs_mu);
  return n;
}

size_t wy_lineage_emitter_abort_all(wy_lineage_emitter_t *e) {
  size_t n = 0;
  if (!e) return 0;
  pthread_mutex_lock(&e->runs_mu);
  for (wy_lineage_run_t *r = e->runs; r; r = r->next) {
    if (!r->active) continue;
    r->active = false;
    run_emit(r, WY_LINEAGE_EV_ABORT, NULL);
    n++;
  }
  pthread_mutex_unlock(&e->runs_mu);
  return n;
}

/* ---- the sender thread -------------------------------------------------------------- */

static int64_t tick_ms(const wy_lineage_emitter_t *e) {
  return e->o.running_interval_ms < MAX_TICK_MS ? e->o.running_interval_ms : MAX_TICK_MS;
}

/* Called with q_mu held. */
static bool past_drain_deadline(const wy_lineage_emitter_t *e) {
  return e->stopping && mono_ms() >= e->drain_deadline;
}

/* Back-off between attempts, still timing RUNNING events meanwhile. False when the
 * emitter is shutting down and its time to drain is over. */
static bool sender_sleep(wy_lineage_emitter_t *e, int64_t ms) {
  int64_t until = mono_ms() + ms;
  pthread_mutex_lock(&e->q_mu);
  for (;;) {
    if (past_drain_deadline(e)) {
      pthread_mutex_unlock(&e->q_mu);
      return false;
    }
    int64_t now = mono_ms();
    if (now >= until) break;
    int64_t wake = now + tick_ms(e) < until ? now + tick_ms(e) : until;
    if (e->stopping && e->drain_deadline < wake) wake = e->drain_deadline;
    struct timespec ts = mono_deadline(wake);
    pthread_cond_timedwait(&e->q_cond, &e->q_mu, &ts);
    pthread_mutex_unlock(&e->q_mu);
    wy_lineage_emitter_tick(e);
    pthread_mutex_lock(&e->q_mu);
  }
  pthread_mutex_unlock(&e->q_mu);
  return true;
}

static void deliver(wy_lineage_emitter_t *e, const item_t *it) {
  int64_t backoff = e->o.backoff_ms;
  for (int attempt = 0;; attempt++) {
    wy_error_t err;
    bool retryable = false;
    wy_error_clear(&err);
    if (e->transport->ops->deliver(e->transport, it->json, it->len, it->key, now_ms(e), &retryable,
                                   &err) == WY_OK) {
      atomic_fetch_add(&e->delivered, 1);
      return;
    }
    if (!retryable || attempt >= e->o.retries) {
      atomic_fetch_add(&e->failed, 1);
      wy_log(WY_LOG_WARN, "lineage", "event not delivered: %s attempts=%d", err.msg, attempt + 1);
      return;
    }
    wy_log(WY_LOG_DEBUG, "lineage", "delivery failed, retrying: %s backoff_ms=%lld", err.msg,
           (long long)backoff);
    if (!sender_sleep(e, backoff)) {
      atomic_fetch_add(&e->failed, 1);
      wy_log(WY_LOG_WARN, "lineage", "event not delivered before shutdown: %s", err.msg);
      return;
    }
    atomic_fetch_add(&e->retries, 1);
    backoff = backoff * 2 < e->o.backoff_max_ms ? backoff * 2 : e->o.backoff_max_ms;
  }
}

static void *sender_main(void *arg) {
  wy_lineage_emitter_t *e = arg;
  pthread_mutex_lock(&e->q_mu);
  for (;;) {
    if (e->count && past_drain_deadline(e)) {
      atomic_fetch_add(&e->dropped, e->count);
      wy_log(WY_LOG_WARN, "lineage", "events dropped at shutdown count=%zu", e->count);
      while (e->count) {
        item_free(&e->ring[e->head]);
        e->head = (e->head + 1) % e->o.queue_capacity;
        e->count--;
      }
    }
    if (e->count == 0) {
      pthread_cond_broadcast(&e->idle_cond);
      if (e->stopping) break;
      struct timespec ts = mono_deadline(mono_ms() + tick_ms(e));
      pthread_cond_timedwait(&e->q_cond, &e->q_mu, &ts);
      pthread_mutex_unlock(&e->q_mu);
      wy_lineage_emitter_tick(e);
      pthread_mutex_lock(&e->q_mu);
      continue;
    }
    item_t it = e->ring[e->head];
    e->head = (e->head + 1) % e->o.queue_capacity;
    e->count--;
    e->busy = true;
    pthread_mutex_unlock(&e->q_mu);
    deliver(e, &it);
    item_free(&it);
    pthread_mutex_lock(&e->q_mu);
    e->busy = false;
  }
  pthread_mutex_unlock(&e->q_mu);
  return NULL;
}

/* ---- the emitter ------------------------------------------------------------------- */

wy_status_t wy_lineage_emitter_flush(wy_lineage_emitter_t *e, int timeout_ms, wy_error_t *err) {
  if (!e || !e->has_thread) return WY_OK;
  struct timespec ts = mono_deadline(mono_ms() + timeout_ms);
  wy_status_t st = WY_OK;
  pthread_mutex_lock(&e->q_mu);
  while (e->count || e->busy) {
    if (pthread_cond_timedwait(&e->idle_cond, &e->q_mu, &ts) != 0 && (e->count || e->busy)) {
      st = wy_error_set(err, WY_ERR_TIMEOUT, "lineage: %zu events still queued after %d ms",
                        e->count + (e->busy ? 1 : 0), timeout_ms);
      break;
    }
  }
  pthread_mutex_unlock(&e->q_mu);
  return st;
}

void wy_lineage_emitter_stats(const wy_lineage_emitter_t *e, wy_lineage_emitter_stats_t *out) {
  memset(out, 0, sizeof *out);
  if (!e) return;
  out->queued = atomic_load(&e->queued);
  out->delivered = atomic_load(&e->delivered);
  out->dropped = atomic_load(&e->dropped);
  out->failed = atomic_load(&e->failed);
  out->retries = atomic_load(&e->retries);
}

static char *dup_or_null(const char *s, bool *failed) {
  if (!s) return NULL;
  char *d = strdup(s);
  if (!d) *failed = true;
  return d;
}

void wy_lineage_emitter_destroy(wy_lineage_emitter_t *e) {
  if (!e) return;
  if (e->has_thread) {
    pthread_mutex_lock(&e->q_mu);
    e->stopping = true;
    e->drain_deadline = mono_ms() + e->o.shutdown_timeout_ms;
    pthread_cond_broadcast(&e->q_cond);
    pthread_mutex_unlock(&e->q_mu);
    pthread_join(e->thread, NULL);
  }
  for (wy_lineage_run_t *r = e->runs; r; r = r->next) r->e = NULL;
  wy_lineage_transport_close(e->transport);
  pthread_mutex_destroy(&e->runs_mu);
  pthread_mutex_destroy(&e->q_mu);
  pthread_cond_destroy(&e->q_cond);
  pthread_cond_destroy(&e->idle_cond);
  free(e->ring);
  free(e->url);
  free(e->api_key);
  free(e->producer);
  free(e);
}

wy_status_t wy_lineage_emitter_new(const wy_lineage_options_t *o, wy_lineage_emitter_t **out,
                                   wy_error_t *err) {
  *out = NULL;
  if (check_options(o, err) != WY_OK) return err->code;
  wy_lineage_emitter_t *e = calloc(1, sizeof *e);
  if (!e) return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  e->o = *o;
  bool failed = false;
  e->url = dup_or_null(o->url, &failed);
  e->api_key = dup_or_null(o->api_key, &failed);
  e->producer = dup_or_null(o->producer ? o->producer : DEFAULT_PRODUCER, &failed);
  e->o.url = e->url;
  e->o.api_key = e->api_key;
  e->o.producer = e->producer;
  if (!e->o.clock) e->o.clock = wall_clock_ms;
  e->ring = calloc(o->queue_capacity, sizeof *e->ring);

  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&e->runs_mu, NULL);
  pthread_mutex_init(&e->q_mu, NULL);
  pthread_cond_init(&e->q_cond, &ca);
  pthread_cond_init(&e->idle_cond, &ca);
  pthread_condattr_destroy(&ca);

  if (failed || !e->ring) {
    wy_lineage_emitter_destroy(e);
    return wy_error_set(err, WY_ERR_NOMEM, "out of memory");
  }
  if (o->transport != WY_LINEAGE_NONE) {
    if (wy_lineage_transport_open(&e->o, &e->transport, err) != WY_OK) {
      wy_lineage_emitter_destroy(e);
      return err->code;
    }
    int rc = pthread_create(&e->thread, NULL, sender_main, e);
    if (rc != 0) {
      wy_lineage_emitter_destroy(e);
      return wy_error_set(err, WY_ERR_INTERNAL, "cannot start the lineage sender: %s",
                          strerror(rc));
    }
    e->has_thread = true;
  }
  *out = e;
  return WY_OK;
}
