/* bench_udf — workload "udf-call": the cost of calling a function from a shared-object
 * UDF library versus doing the same work as a built-in, through compiled expression
 * programs, in the same process run. Two modes:
 *
 *   formula  FORMULA(A, B) (sample library, INT overload)  vs  CAST(A * B AS BIGINT)
 *   mask     MASK_CARD(C) (sample library)                 vs  MASK_KEEP_RIGHT(C, 4)
 *
 * Rows cycle through a pool of generated values; the arena is reset every 1024 rows, as
 * per batch. Each side runs ROUNDS times, interleaved, and the best round counts (the
 * machine is shared). One JSON line per mode; ratio = UDF time / built-in time.
 *
 *   bench_udf [records] [mode] [udf-dir]   (default 2000000, both modes, build's samples)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/expr/expr.h"
#include "udf/loader.h"

#define POOL 1024
#define ROUNDS 5

static double clock_s(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static wy_expr_t *col(const char *name, int slot, const wy_type_t *t) {
  return wy_expr_column(name, slot, t, 1, 1);
}
static wy_expr_t *lit_int(int32_t v) {
  wy_value_t x = wy_int(v);
  return wy_expr_literal(&x, wy_type_int(), 1, 1);
}
static wy_expr_t *call(const char *name, wy_expr_t *a, wy_expr_t *b) {
  wy_expr_t *args[2] = {a, b};
  return wy_expr_call(name, args, b ? 2 : 1, 1, 1);
}

static wy_expr_program_t *compile(const wy_registry_t *r, wy_expr_t *e) {
  wy_error_t err;
  wy_expr_program_t *p = NULL;
  if (wy_expr_bind(e, r, false, &err) || wy_expr_compile(e, &p, &err)) {
    fprintf(stderr, "bench_udf: %s\n", err.msg);
    exit(1);
  }
  wy_expr_destroy(e);
  return p;
}

typedef struct {
  double wall, cpu;
  uint64_t check;
} run_t;

static run_t run(const wy_expr_program_t *p, wy_value_t (*rows)[2], long n, wy_arena_t *a) {
  wy_error_t err;
  run_t r = {0};
  double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
  for (long i = 0; i < n; i++) {
    wy_value_t out;
    if (wy_expr_eval(p, rows[i % POOL], a, &out, &err) != WY_OK || out.null) {
      fprintf(stderr, "bench_udf: evaluation failed: %s\n", err.msg);
      exit(1);
    }
    r.check += out.kind == WY_T_STRING ? (uint64_t)(unsigned char)out.u.str[out.len - 1] + out.len
                                       : (uint64_t)out.u.i64;
    if (i % POOL == POOL - 1) wy_arena_reset(a);
  }
  r.wall = clock_s(CLOCK_MONOTONIC) - w0;
  r.cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  return r;
}

static void bench(const wy_registry_t *reg, const char *mode, long n) {
  static wy_value_t rows[POOL][2];
  static char cards[POOL][32];
  wy_expr_t *udf, *builtin;
  srand(11);
  if (!strcmp(mode, "formula")) {
    for (int i = 0; i < POOL; i++)
      rows[i][0] = wy_int(rand() % 100000 - 50000), rows[i][1] = wy_int(rand() % 1000);
    udf = call("FORMULA", col("A", 0, wy_type_int()), col("B", 1, wy_type_int()));
    builtin = wy_expr_cast(
        wy_expr_binary(WY_OP_MUL, col("A", 0, wy_type_int()), col("B", 1, wy_type_int()), 1, 1),
        wy_type_bigint(), 1, 1);
  } else {
    for (int i = 0; i < POOL; i++) {
      snprintf(cards[i], sizeof cards[i], "4%03u-%04u-%04u-%04u", (unsigned)rand() % 1000,
               (unsigned)rand() % 10000, (unsigned)rand() % 10000, (unsigned)rand() % 10000);
      rows[i][0] = wy_string(cards[i], 19);
    }
    udf = call("MASK_CARD", col("C", 0, wy_type_string()), NULL);
    builtin = call("MASK_KEEP_RIGHT", col("C", 0, wy_type_string()), lit_int(4));
  }
  wy_expr_program_t *pu = compile(reg, udf), *pb = compile(reg, builtin);
  wy_arena_t arena;
  wy_arena_init(&arena, 0);
  run_t best_u = {1e30, 1e30, 0}, best_b = {1e30, 1e30, 0};
  for (int k = 0; k < ROUNDS; k++) {
    run_t u = run(pu, rows, n, &arena), b = run(pb, rows, n, &arena);
    if (u.cpu < best_u.cpu) best_u = u;
    if (b.cpu < best_b.cpu) best_b = b;
  }
  /* Same work: FORMULA equals the product; both masks keep the same last four. */
  if (!strcmp(mode, "formula") && best_u.check != best_b.check)
    fprintf(stderr, "bench_udf: results differ\n");
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf(
      "{\"workload\":\"udf-call\",\"mode\":\"%s\",\"records\":%ld,\"engine_rps\":%.0f,\"baseline\":"
      "\"builtin\","
      "\"baseline_rps\":%.0f,\"ratio\":%.3f,\"cpu_us_per_record\":%.4f,\"p50_ms\":null,\"p99_ms\":"
      "null,"
      "\"peak_rss_mb\":%.1f}\n",
      mode, n, n / best_u.cpu, n / best_b.cpu, best_u.cpu / best_b.cpu, best_u.cpu * 1e6 / n,
      ru.ru_maxrss / 1024.0);
  fflush(stdout);
  wy_expr_program_destroy(pu);
  wy_expr_program_destroy(pb);
  wy_arena_release(&arena);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000000;
  const char *mode = argc > 2 ? argv[2] : "all";
  const char *dir = argc > 3 ? argv[3] : WY_UDF_LIB_DIR;
  wy_error_t err;
  wy_registry_t *reg = wy_udf_registry_new(dir, NULL, &err);
  if (!reg || n <= 0) {
    fprintf(stderr, "bench_udf: %s\n", reg ? "records must be > 0" : err.msg);
    return 1;
  }
  if (!strcmp(mode, "all") || !strcmp(mode, "formula")) bench(reg, "formula", n);
  if (!strcmp(mode, "all") || !strcmp(mode, "mask")) bench(reg, "mask", n);
  wy_registry_destroy(reg);
  return 0;
}
