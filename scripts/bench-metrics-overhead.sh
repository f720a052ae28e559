#!/usr/bin/env bash
# What /metrics costs: serving throughput (seedrl server --no-train, CartPole spec, the
# reference loadgen, 64 ActBatch streams x 64 lanes) with Prometheus-style scraping once a
# second and without, alternating, REPS times each. One JSON line per run; the summary
# prints the medians and their ratio.
# Usage: scripts/bench-metrics-overhead.sh [OUT.jsonl]   env: REPS (5), SECONDS_PER_RUN (5), SHARED
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED:-$root/../shared}"
out="${1:-$root/bench-metrics-overhead.jsonl}"
reps="${REPS:-5}"
seconds="${SECONDS_PER_RUN:-5}"
seedrl="${SEEDRL:-$root/.build/release/seedrl}"  # SEEDRL: another build to measure
make -s -C "$shared/tools/grpc-echo" OUT=/tmp/grpc-echo >/dev/null
"$seedrl" server --env cartpole --no-train --port 18721 --max-streams 8192 --max-streams-per-peer 0 \
  --metrics-address 127.0.0.1:18722 --log-level error --status-seconds 100000 >/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
: > "$out"
for rep in $(seq "$reps"); do
  for scraping in no yes; do
    scraper=""
    if [ "$scraping" = yes ]; then
      (while true; do curl -sf http://127.0.0.1:18722/metrics >/dev/null; sleep 1; done) & scraper=$!
    fi
    line=$(/tmp/grpc-echo/bin/loadgen --target 127.0.0.1:18721 --streams 64 --lanes 64 --obs-bytes 16 --seconds "$seconds" --json)
    [ -n "$scraper" ] && kill "$scraper"
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["scraping"]=sys.argv[2]=="yes"; print(json.dumps(r))' "$line" "$scraping" | tee -a "$out"
  done
done
# The cost of one scrape, directly: the server's CPU time over 500 back-to-back scrapes
# (no load), per scrape. Throughput on this shared VM swings by +-20 % run to run, far more
# than 1 %; this figure does not.
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }
bytes=$(curl -sf http://127.0.0.1:18722/metrics | wc -c)
before=$(cpu)
for _ in $(seq 500); do curl -sf http://127.0.0.1:18722/metrics >/dev/null; done
after=$(cpu)
python3 -c 'import json,sys; b,a,t,n=map(float,sys.argv[1:5]); print(json.dumps({"scrapes": 500, "server_cpu_us_per_scrape": round(1e6*(a-b)/t/500, 1), "metrics_bytes": int(n)}))' \
  "$before" "$after" "$ticks" "$bytes" | tee -a "$out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
runs = [r for r in rows if "scraping" in r]
on = statistics.median(r["env_steps_per_s"] for r in runs if r["scraping"])
off = statistics.median(r["env_steps_per_s"] for r in runs if not r["scraping"])
pairs = [b["env_steps_per_s"] / a["env_steps_per_s"] for a, b in zip(runs[0::2], runs[1::2])]
scrape = next(r for r in rows if "server_cpu_us_per_scrape" in r)
print(f"metrics overhead: env steps/s scraped once a second {on:,.0f}, not scraped {off:,.0f}, ratio of medians {on / off:.3f}, "
      f"median of paired ratios {statistics.median(pairs):.3f}; one scrape ({scrape['metrics_bytes']:,} bytes) costs "
      f"{scrape['server_cpu_us_per_scrape']} µs of server CPU = {scrape['server_cpu_us_per_scrape'] / 1e4:.4f} % of one core at one scrape a second")
PY
