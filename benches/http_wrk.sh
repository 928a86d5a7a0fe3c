#!/usr/bin/env bash
# wrk comparison: examples/http_hello.rs (weft streams) vs benches/tokio_http_hello.rs (the
# same server on tokio), same worker count, `wrk -t2 -c64 -d10s` against each, requests/s
# printed side by side.
#
#   bash benches/http_wrk.sh                 # defaults: -t2 -c64 -d10s, workers = nproc
#   DURATION=3s CONNS=64 bash benches/http_wrk.sh
#
# Needs wrk (Debian/Ubuntu: `apt-get install -y wrk`). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. Install it with: sudo apt-get install -y wrk" >&2
  exit 1
fi

THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
DURATION=${DURATION:-10s}
WORKERS=${BENCH_WORKERS:-$(nproc)}
WEFT_PORT=${WEFT_PORT:-18080}
TOKIO_PORT=${TOKIO_PORT:-18081}

echo "==> building (release)"
cargo build --release --example http_hello
tokio_bin=$(cargo bench --bench tokio_http_hello --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "tokio_http_hello" and m.get("executable"):
        print(m["executable"])')
weft_bin=target/release/examples/http_hello

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

run_wrk() { # name port -> prints Requests/sec
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$2/")
  echo "$out" | sed "s/^/  [$1] /" >&2
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

echo "==> weft  (examples/http_hello, $WORKERS workers) on :$WEFT_PORT"
"$weft_bin" --serve "127.0.0.1:$WEFT_PORT" --workers "$WORKERS" >/dev/null &
pids+=($!)
wait_port "$WEFT_PORT"
weft_rps=$(run_wrk weft "$WEFT_PORT")
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

echo "==> tokio (benches/tokio_http_hello, $WORKERS workers) on :$TOKIO_PORT"
BENCH_WORKERS=$WORKERS "$tokio_bin" --serve "127.0.0.1:$TOKIO_PORT" >/dev/null &
pids+=($!)
wait_port "$TOKIO_PORT"
tokio_rps=$(run_wrk tokio "$TOKIO_PORT")

echo
printf '%-8s %14s\n' server 'requests/s'
printf '%-8s %14s\n' weft "$weft_rps"
printf '%-8s %14s\n' tokio "$tokio_rps"
python3 -c "import sys; w, t = float(sys.argv[1]), float(sys.argv[2]); print(f'weft / tokio = {w / t:.2f} (target >= 1.10)')" "$weft_rps" "$tokio_rps"
