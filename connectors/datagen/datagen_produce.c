/* connectors/datagen: the token bucket and the loop that feeds a generator to a sink. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "connectors/datagen/datagen.h"
#include "connectors/datagen/datagen_int.h"

static double seconds_between(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void wy_datagen_rate_init(wy_datagen_rate_t *r, double per_second) {
  r->rate = per_second;
  /* 20 ms worth of tokens: short bursts, yet few sleeps at high rates. */
  r->burst = per_second * 0.02 < 1 ? 1 : per_second * 0.02;
  r->tokens = r->burst;
  clock_gettime(CLOCK_MONOTONIC, &r->last);
}

/* Take one token; false when *stop was set while waiting. Sleeps in slices of at most
 * 100 ms so that a stop request is honoured promptly even at very low rates. */
static bool rate_take(wy_datagen_rate_t *r, const volatile sig_atomic_t *stop) {
  if (r->rate <= 0) return true;
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    r->tokens += seconds_between(&r->last, &now) * r->rate;
    if (r->tokens > r->burst) r->tokens = r->burst;
    r->last = now;
    if (r->tokens >= 1) {
      r->tokens -= 1;
      return true;
    }
    if (stop && *stop) return false;
    double wait = (1 - r->tokens) / r->rate;
    if (wait > 0.1) wait = 0.1;
    struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) + 1};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !(stop && *stop)) {
    }
  }
}

void wy_datagen_rate_acquire(wy_datagen_rate_t *r) { rate_take(r, NULL); }

static void on_report(void *opaque, wy_status_t status, const char *topic, int32_t partition,
                      int64_t offset, const char *reason) {
  wy_datagen_reports_t *rep = opaque;
  if (status == WY_OK) {
    rep->delivered++;
    return;
  }
  if (rep->failed++ == 0) {
    rep->first_failure_code = status;
    snprintf(rep->first_failure, sizeof rep->first_failure, "%s", reason ? reason : "");
  }
}

static void fail_first(wy_datagen_reports_t *rep, wy_status_t code, const char *reason) {
  if (rep->first_failure_code != WY_OK) return;
  rep->first_failure_code = code;
  snprintf(rep->first_failure, sizeof rep->first_failure, "%s", reason);
}

wy_status_t wy_datagen_produce(wy_datagen_t *g, wy_sink_t *sink, const char *topic,
                               const wy_datagen_run_t *run, wy_datagen_stats_t *stats,
                               wy_error_t *err) {
  wy_datagen_reports_t *rep = wy_datagen_reports(g);
  memset(stats, 0, sizeof *stats);
  memset(rep, 0, sizeof *rep);
  rep->target.fn = on_report;
  rep->target.opaque = rep;
  sink->on_delivery = wy_delivery_dispatch;

  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  wy_datagen_rate_t rate;
  wy_datagen_rate_init(&rate, run->rate);
  wy_datagen_record_t rec;
  wy_error_t e;
  wy_status_t st = WY_OK;
  uint64_t refused = 0; /* records that never reached the sink */
  for (uint64_t n = 0; !run->count || n < run->count; n++) {
    if (run->stop && *run->stop) break;
    if (!rate_take(&rate, run->stop)) break;
    if ((st = wy_datagen_next(g, &rec, &e)) != WY_OK) {
      refused++;
      fail_first(rep, st, e.msg);
      break;
    }
    st = wy_sink_send(sink, topic, -1, rec.key_null ? NULL : rec.key, rec.key_len,
                      rec.value_null ? NULL : rec.value, rec.value_len, NULL, 0, rec.timestamp,
                      &rep->target, &e);
    if (st != WY_OK) { /* the sink gave up (e.g. its queue stayed full): stop here */
      refused++;
      fail_first(rep, st, e.msg);
      break;
    }
    stats->sent++;
    if ((n & 63) == 63) wy_sink_poll(sink);
  }
  int timeout = run->flush_timeout_ms > 0 ? run->flush_timeout_ms : 30000;
  wy_status_t fst = wy_sink_flush(sink, timeout, &e);
  if (fst != WY_OK) fail_first(rep, fst, e.msg);
  clock_gettime(CLOCK_MONOTONIC, &end);

  stats->elapsed_s = seconds_between(&start, &end);
  stats->delivered = rep->delivered;
  stats->failed = rep->failed + refused;
  stats->first_failure_code = rep->first_failure_code;
  snprintf(stats->first_failure, sizeof stats->first_failure, "%s", rep->first_failure);
  if (rep->first_failure_code == WY_OK && stats->delivered == stats->sent) return WY_OK;
  if (rep->first_failure_code == WY_OK)
    return wy_error_set(err, WY_ERR_TIMEOUT, "%llu of %llu records not acknowledged",
                        (unsigned long long)(stats->sent - stats->delivered),
                        (unsigned long long)stats->sent);
  return wy_error_set(err, rep->first_failure_code, "%llu of %llu records failed: %s",
                      (unsigned long long)stats->failed,
                      (unsigned long long)(stats->sent + refused), rep->first_failure);
}
