#!/usr/bin/env bash
# Data-parallel speed on this machine: the first STEPS steps of a recipe's first stage on 1 rank
# (with 1 thread, and with a thread per core), on 2 ranks as threads of one process (trainer
# run's default) and on 2 and 4 MPI ranks (one thread each; 4 ranks oversubscribe a 2-core
# machine). Prints the mean seconds per step (the first two steps left
# out), the tokens per second and the seconds per step spent in MPI collectives (waits for the
# other ranks included); extra arguments go to every run (e.g. --set stages.0.batch_size=128).
#   tools/bench_ranks.sh recipes/kornli.recipe 12
set -euo pipefail
cd "$(dirname "$0")/.."
recipe=${1:-recipes/kornli.recipe}
steps=${2:-12}
shift $(( $# >= 2 ? 2 : $# ))
out=$(mktemp -d /tmp/trainer-bench-ranks.XXXXXX)
trap 'rm -rf "$out"' EXIT
summary() {
  python3 - "$1/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l][2:]
s = sum(r["seconds"] for r in rows); t = sum(r["tokens"] for r in rows)
c = sum(r.get("communication_seconds", 0) for r in rows)
print(f"{s / len(rows):.3f} s/step  {t / s:.0f} tokens/s  {c / len(rows):.3f} s/step in collectives  ({len(rows)} steps)")
PY
}
echo "1 rank, 1 thread: $(.build/release/trainer run "$recipe" --set output="$out/t1" --max-steps "$steps" --threads 1 "$@" >/dev/null 2>&1; summary "$out/t1")"
echo "1 rank, $(nproc) threads: $(.build/release/trainer run "$recipe" --set output="$out/r1" --max-steps "$steps" --ranks 1 "$@" >/dev/null 2>&1; summary "$out/r1")"
echo "2 ranks as threads, $(( $(nproc) / 2 )) thread(s) each: $(.build/release/trainer run "$recipe" --set output="$out/g2" --max-steps "$steps" --ranks 2 "$@" >/dev/null 2>&1; summary "$out/g2")"
for n in 2 4; do
  mpirun --allow-run-as-root --oversubscribe -np $n .build/release/trainer run "$recipe" --set output="$out/r$n" --max-steps "$steps" --threads 1 "$@" >/dev/null 2>&1
  echo "$n ranks, 1 thread each: $(summary "$out/r$n")"
done
