#!/usr/bin/env bash
# The operators' layering (docs/architecture.md): every step kind of WY_STEP_KINDS
# (engine/plan/plan.h) is one file of engine/operators/, named after its table of
# functions (wy_op_<file>), which it defines; an operator file includes no other
# operator's file, uses no other operator's table, and reaches neither the engine nor
# the runtime (what it may use is in its task's context).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
ops=$(sed -n 's/.*X(WY_STEP_[A-Z_]*, *"[^"]*", *wy_op_\([a-z_]*\)).*/\1/p' "$root/engine/plan/plan.h")
[ -n "$ops" ] || { echo "FAIL: no step kinds found in engine/plan/plan.h"; exit 1; }
n=0
for op in $ops; do
  n=$((n + 1))
  f="$root/engine/operators/$op.c"
  if [ ! -f "$f" ]; then echo "FAIL: step kind wy_op_$op has no file engine/operators/$op.c"; fail=1; continue; fi
  grep -q "^const wy_op_ops_t wy_op_$op = " "$f" || { echo "FAIL: $op.c does not define wy_op_$op"; fail=1; }
  if grep -Eq '#include "engine/(engine\.h|runtime/|streams/|server/|cli/|testing/)' "$f"; then
    echo "FAIL: $op.c reaches above the operators: $(grep -E '#include "engine/(engine\.h|runtime/|streams/|server/|cli/|testing/)' "$f")"
    fail=1
  fi
  for other in $ops; do
    [ "$other" = "$op" ] && continue
    if grep -Eq "#include \"(engine/operators/)?$other\.(c|h)\"" "$f"; then
      echo "FAIL: $op.c includes the operator $other"; fail=1
    fi
    if grep -q "\bwy_op_$other\b" "$f"; then echo "FAIL: $op.c uses the operator table wy_op_$other"; fail=1; fi
  done
done
[ "$fail" = 0 ] || exit 1
echo "ok: $n operators, each one file, none including another"
