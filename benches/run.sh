#!/usr/bin/env bash
# Runs every side-by-side benchmark suite (weft vs tokio vs smol, same worker count), then
# writes BENCHMARKS.md and benches/ratios.svg from criterion's results.
#
#   bash benches/run.sh            # all suites
#   bash benches/run.sh rt time    # only some
#
# Keep the machine otherwise idle while it runs: the ratios are only as good as the quiet.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=()
  # Criterion suites only (a bench target may be a helper server, e.g. for wrk).
  for f in benches/*.rs; do
    grep -q 'Criterion' "$f" && suites+=("$(basename "$f" .rs)")
  done
  # Not criterion, but part of the report: heap bytes per pending task (target/mem.json)
  # and server CPU per request at light load (target/light_load.json).
  suites+=(mem http_hyper)
fi
workers=${BENCH_WORKERS:-$(nproc)}
for suite in "${suites[@]}"; do
  echo "==> cargo bench -p weft-benches --bench $suite ($workers workers each)"
  BENCH_WORKERS=$workers cargo bench -p weft-benches --bench "$suite"
done
python3 benches/report.py --command "bash benches/run.sh${*:+ $*}" \
  --machine "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr), ${workers} workers per runtime"
echo "wrote BENCHMARKS.md and benches/ratios.svg"
