#!/usr/bin/env bash
# HTTP under wrk, weft beside tokio, same worker count, interleaved, loopback only.
#
# Two pairs of servers:
#   hyper  hyper 1.x "hello" on each runtime (benches/http_hyper.rs): the issue's target pair
#   serve  the same handlers served as a new user serves an axum app: `weft::hyper::serve`, and
#          on tokio what `axum::serve` does (hyper-util's auto builder); Nagle on, as there
#   hand   the hand-written keep-alive server: examples/http_hello.rs on weft's streams, and
#          benches/tokio_http_hello.rs, the same server on tokio
# and two routes (ROUTES, default both):
#   plain   GET /        the answer at once
#   thread  GET /thread  the answer after a small CPU job on the blocking pool (weft::to_thread,
#                        tokio's spawn_blocking); the hyper pair only (the hand servers answer
#                        every path the same, so they run `plain` alone)
# Each round runs weft then tokio for every pair and route, `wrk --latency -t$THREADS -c$CONNS
# -d$DURATION` against each; requests/s and latency p50/p99/max per run, the weft/tokio ratio
# per round and the medians are printed at the end, with each server's CPU time per request
# (from /proc/PID/stat), which a busy machine disturbs less than requests/s. The load average
# is printed with the table: on a shared machine, compare ratios of one round, not runs.
#
#   bash benches/http_wrk.sh                         # -t1 -c64 -d5s, 3 rounds, both pairs
#   PAIRS=hyper ROUTES=thread ROUNDS=5 DURATION=3s bash benches/http_wrk.sh
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
ROUTES=${ROUTES:-plain thread}
WORKERS=${BENCH_WORKERS:-$(nproc)}
PORT=${PORT:-18080}

echo "==> building (release)"
bench_bin() { # bench target name -> path of its executable
  cargo bench -p weft-benches --bench "$1" --no-run --message-format=json 2>/dev/null | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == sys.argv[1] and m.get("executable"):
        print(m["executable"])' "$1"
}
# Only what PAIRS runs is built. HYPER_BIN runs a given http_hyper build instead (an A/B of
# two builds of weft: copy each aside, then run the script once per copy, or alternate them).
case " $PAIRS " in
  *" hyper "* | *" serve "*) hyper_bin=${HYPER_BIN:-$(bench_bin http_hyper)} ;;
esac
case " $PAIRS " in
  *" hand "*)
    cargo build --release --example http_hello
    tokio_hand_bin=$(bench_bin tokio_http_hello)
    weft_hand_bin=${CARGO_TARGET_DIR:-target}/release/examples/http_hello
    ;;
esac

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
    serve/weft) BENCH_WORKERS=$WORKERS "$hyper_bin" --serve weft-serve "$addr" >/dev/null & ;;
    serve/tokio) BENCH_WORKERS=$WORKERS "$hyper_bin" --serve tokio-serve "$addr" >/dev/null & ;;
    hand/weft) "$weft_hand_bin" --serve "$addr" --workers "$WORKERS" >/dev/null & ;;
    hand/tokio) BENCH_WORKERS=$WORKERS "$tokio_hand_bin" --serve "$addr" >/dev/null & ;;
  esac
  pid=$!
  wait_port "$3"
}

cpu_ticks() { # pid -> user + system clock ticks of that process so far
  awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

route_path() { # route -> URL path
  case "$1" in
    plain) echo / ;;
    thread) echo /thread ;;
    *) echo "unknown route $1 (ROUTES takes plain and thread)" >&2; exit 1 ;;
  esac
}

run_wrk() { # label port path -> prints "requests/s requests server-CPU-ticks p50 p99 max"
  local out before after
  before=$(cpu_ticks "$pid")
  out=$(wrk --latency -t"$THREADS" -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$2$3")
  after=$(cpu_ticks "$pid")
  echo "$out" | sed "s/^/  [$1] /" >&2
  # Latencies as wrk prints them (12.34us, 1.20ms, 1.01s): the summary converts them.
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '/requests in/ {print $1}') $((after - before))" \
    "$(echo "$out" | awk '$1 == "50%" {print $2}') $(echo "$out" | awk '$1 == "99%" {print $2}')" \
    "$(echo "$out" | awk '$1 == "Latency" && $2 != "Distribution" {print $4}')"
}

results=()
for round in $(seq 1 "$ROUNDS"); do
  for pair in $PAIRS; do
    for route in $ROUTES; do
      if [ "$pair" = hand ] && [ "$route" != plain ]; then continue; fi
      for rt in weft tokio; do
        PORT=$((PORT + 1))
        echo "==> round $round: $pair $route on $rt ($WORKERS workers), wrk --latency -t$THREADS -c$CONNS -d$DURATION (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
        start_server "$pair" "$rt" "$PORT"
        measured=$(run_wrk "$pair/$route/$rt" "$PORT" "$(route_path "$route")")
        kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
        results+=("$round $pair/$route $rt $measured")
      done
    done
  done
done

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
RESULTS=$(printf '%s\n' "${results[@]}") HZ=$(getconf CLK_TCK) python3 - <<'EOF'
import os, statistics
hz = int(os.environ["HZ"])

def ms(text):
    """wrk's latency ("812.00us", "1.20ms", "1.01s", "2.00m") in milliseconds."""
    for unit, scale in (("us", 1e-3), ("ms", 1.0), ("s", 1e3), ("m", 6e4)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float("nan")

rows = [l.split() for l in os.environ["RESULTS"].splitlines() if l.strip()]
runs = {}
for rnd, pair, rt, rps, requests, ticks, p50, p99, top in rows:
    cpu_us = int(ticks) / hz * 1e6 / max(1, int(requests))
    runs.setdefault(pair, {}).setdefault(rnd, {})[rt] = (
        float(rps), cpu_us, ms(p50), ms(p99), ms(top))
print("requests/s, latency p50/p99/max (ms), and the server's CPU time (user + system) per request")
print(f"{'pair/route':<13} {'round':>6} {'weft req/s':>11} {'tokio req/s':>12} {'weft/tokio':>11}"
      f" {'weft p50/p99/max':>20} {'tokio p50/p99/max':>20} {'weft CPU µs':>12} {'tokio CPU µs':>13}")
lat = lambda r: f"{r[2]:.2f}/{r[3]:.2f}/{r[4]:.1f}"
for pair, rounds in runs.items():
    ratios, cpu, p99s, maxes = [], [], [], []
    for rnd, r in rounds.items():
        w, t = r["weft"], r["tokio"]
        ratio = w[0] / t[0]
        ratios.append(ratio)
        cpu.append(w[1] / t[1])
        p99s.append((w[3], t[3]))
        maxes.append((w[4], t[4]))
        print(f"{pair:<13} {rnd:>6} {w[0]:>11,.0f} {t[0]:>12,.0f} {ratio:>11.2f}"
              f" {lat(w):>20} {lat(t):>20} {w[1]:>12.2f} {t[1]:>13.2f}")
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    print(f"{pair:<13} {'median':>6} {'':>11} {'':>12} {statistics.median(ratios):>11.2f}"
          f"   (target >= 1.10); p99 weft {med(p99s, 0):.2f} ms, tokio {med(p99s, 1):.2f} ms;"
          f" max weft {med(maxes, 0):.1f} ms, tokio {med(maxes, 1):.1f} ms;"
          f" CPU per request weft/tokio {statistics.median(cpu):.2f}")
EOF
