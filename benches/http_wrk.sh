#!/usr/bin/env bash
# HTTP under wrk, weft beside tokio, same worker count, interleaved, loopback only.
#
# Two pairs of servers:
#   hyper  hyper 1.x "hello" on each runtime (benches/http_hyper.rs): the issue's target pair
#   hand   the hand-written keep-alive server: examples/http_hello.rs on weft's streams, and
#          benches/tokio_http_hello.rs, the same server on tokio
# Each round runs weft then tokio for every pair, `wrk -t$THREADS -c$CONNS -d$DURATION`
# against each; requests/s per run, the weft/tokio ratio per round and the median ratio are
# printed at the end, with each server's CPU time per request (from /proc/PID/stat), which a
# busy machine disturbs less than requests/s.
#
#   bash benches/http_wrk.sh                         # -t1 -c64 -d5s, 3 rounds, both pairs
#   PAIRS=hyper ROUNDS=5 DURATION=3s bash benches/http_wrk.sh
#
# Needs wrk (Debian/Ubuntu: `apt-get install -y wrk`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. Install it with: sudo apt-get install -y wrk" >&2
  exit 1
fi

THREADS=${THREADS:-1}
CONNS=${CONNS:-64}
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-3}
PAIRS=${PAIRS:-hyper hand}
WORKERS=${BENCH_WORKERS:-$(nproc)}
PORT=${PORT:-18080}

echo "==> building (release)"
cargo build --release --example http_hello
bench_bin() { # bench target name -> path of its executable
  cargo bench -p weft-benches --bench "$1" --no-run --message-format=json 2>/dev/null | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == sys.argv[1] and m.get("executable"):
        print(m["executable"])' "$1"
}
hyper_bin=$(bench_bin http_hyper)
tokio_hand_bin=$(bench_bin tokio_http_hello)
weft_hand_bin=target/release/examples/http_hello

pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

start_server() { # pair runtime port
  local addr="127.0.0.1:$3"
  case "$1/$2" in
    hyper/weft) BENCH_WORKERS=$WORKERS "$hyper_bin" --serve weft "$addr" >/dev/null & ;;
    hyper/tokio) BENCH_WORKERS=$WORKERS "$hyper_bin" --serve tokio "$addr" >/dev/null & ;;
    hand/weft) "$weft_hand_bin" --serve "$addr" --workers "$WORKERS" >/dev/null & ;;
    hand/tokio) BENCH_WORKERS=$WORKERS "$tokio_hand_bin" --serve "$addr" >/dev/null & ;;
  esac
  pid=$!
  wait_port "$3"
}

cpu_ticks() { # pid -> user + system clock ticks of that process so far
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

run_wrk() { # label port -> prints "requests/s requests server-CPU-ticks"
  local out before after
  before=$(cpu_ticks "$pid")
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$2/")
  after=$(cpu_ticks "$pid")
  echo "$out" | sed "s/^/  [$1] /" >&2
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '/requests in/ {print $1}') $((after - before))"
}

results=()
for round in $(seq 1 "$ROUNDS"); do
  for pair in $PAIRS; do
    for rt in weft tokio; do
      PORT=$((PORT + 1))
      echo "==> round $round: $pair on $rt ($WORKERS workers), wrk -t$THREADS -c$CONNS -d$DURATION" >&2
      start_server "$pair" "$rt" "$PORT"
      measured=$(run_wrk "$pair/$rt" "$PORT")
      kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
      results+=("$round $pair $rt $measured")
    done
  done
done

echo
RESULTS=$(printf '%s\n' "${results[@]}") HZ=$(getconf CLK_TCK) python3 - <<'EOF'
import os, statistics
hz = int(os.environ["HZ"])
rows = [l.split() for l in os.environ["RESULTS"].splitlines() if l.strip()]
runs = {}
for rnd, pair, rt, rps, requests, ticks in rows:
    cpu_us = int(ticks) / hz * 1e6 / max(1, int(requests))
    runs.setdefault(pair, {}).setdefault(rnd, {})[rt] = (float(rps), cpu_us)
print("requests/s, and the server's CPU time (user + system) per request")
print(f"{'pair':<6} {'round':>6} {'weft req/s':>12} {'tokio req/s':>12} {'weft/tokio':>11}"
      f" {'weft CPU µs':>12} {'tokio CPU µs':>13}")
for pair, rounds in runs.items():
    ratios, cpu = [], []
    for rnd, r in rounds.items():
        ratio = r["weft"][0] / r["tokio"][0]
        ratios.append(ratio)
        cpu.append(r["weft"][1] / r["tokio"][1])
        print(f"{pair:<6} {rnd:>6} {r['weft'][0]:>12,.0f} {r['tokio'][0]:>12,.0f} {ratio:>11.2f}"
              f" {r['weft'][1]:>12.2f} {r['tokio'][1]:>13.2f}")
    print(f"{pair:<6} {'median':>6} {'':>12} {'':>12} {statistics.median(ratios):>11.2f}"
          f"   (target >= 1.10); CPU per request weft/tokio {statistics.median(cpu):.2f}")
EOF
