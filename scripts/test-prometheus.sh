#!/usr/bin/env bash
# Prometheus metrics end to end: a training `seedrl server --metrics-address` with an actor,
# scraped once a second by a real Prometheus (Debian's), whose HTTP API must then return
# the series; /metrics is also parsed by the official client's parser (PyPI
# prometheus-client), and must hold every family the README lists.
# Usage: scripts/test-prometheus.sh [SEEDRL_BINARY]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seedrl="${1:-$root/.build/debug/seedrl}"
[ -x "$seedrl" ] || { echo "build first (swift build)" >&2; exit 1; }
. "$root/scripts/python-venv.sh"
pinned "$venv" prometheus_client
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work="$(mktemp -d /tmp/seedrl-prometheus-XXXXXX)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

port=$(free_port); metrics=$(free_port); prom=$(free_port)
"$seedrl" server --env cartpole --port "$port" --metrics-address "127.0.0.1:$metrics" --log-level error --status-seconds 1000 >/dev/null &
pids+=($!)
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$metrics) 2>/dev/null && break; sleep 0.1; done
"$seedrl" actor --server "127.0.0.1:$port" --envs 8 --quiet --log-level error & pids+=($!)
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: seedrl
    static_configs:
      - targets: ["127.0.0.1:$metrics"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom" >"$work/prometheus.log" 2>&1 & pids+=($!)

query() { curl -sf "http://127.0.0.1:$prom/api/v1/query" --data-urlencode "query=$1"; }
found=""
for _ in $(seq 60); do
  sleep 1
  out=$(query 'seedrl_env_steps_total' || true)
  if python3 -c 'import json,sys; r=json.loads(sys.argv[1]); v=r["data"]["result"]; sys.exit(0 if v and float(v[0]["value"][1]) > 0 else 1)' "$out" 2>/dev/null; then
    found=yes; break
  fi
done
[ -n "$found" ] || { echo "prometheus: no seedrl_env_steps_total after 60 s"; tail -5 "$work/prometheus.log"; exit 1; }
# A rate needs two samples in its window: the first one found above is not enough yet.
nonempty() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["data"]["result"] else 1)' "$1" 2>/dev/null; }
for _ in $(seq 30); do
  rate=$(query 'rate(seedrl_env_steps_total[10s])' || echo '{}')
  p99=$(query 'histogram_quantile(0.99, rate(seedrl_step_round_trip_seconds_bucket[10s]))' || echo '{}')
  cpu=$(query 'seedrl_cpu_microseconds_per_env_step' || echo '{}')
  nonempty "$rate" && nonempty "$p99" && nonempty "$cpu" && break
  sleep 1
done
python3 - "$rate" "$p99" "$cpu" <<'PY'
import json, sys
for text, name in zip(sys.argv[1:], ["rate", "p99", "cpu"]):
    r = json.loads(text)
    assert r["status"] == "success" and r["data"]["result"], f"{name}: {text}"
print("prometheus: queried env steps/s %.0f, p99 round trip %.2f ms, %.1f µs CPU per env step" % (
    float(json.loads(sys.argv[1])["data"]["result"][0]["value"][1]),
    1000 * float(json.loads(sys.argv[2])["data"]["result"][0]["value"][1]),
    float(json.loads(sys.argv[3])["data"]["result"][0]["value"][1])))
PY
curl -sf "http://127.0.0.1:$metrics/metrics" > "$work/metrics.txt"
"$venv/bin/python3" - "$work/metrics.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
wanted = {
    "seedrl_steps_served": "counter", "seedrl_env_steps": "counter", "seedrl_episodes": "counter",
    "seedrl_frames_trained": "counter", "seedrl_skipped_updates": "counter", "seedrl_auth_failures": "counter",
    "seedrl_invalid_steps": "counter", "seedrl_streams_opened": "counter", "seedrl_checkpoints_written": "counter",
    "seedrl_checkpoints_failed": "counter", "seedrl_process_cpu_seconds": "counter",
    "seedrl_active_streams": "gauge", "seedrl_model_version": "gauge", "seedrl_mean_episode_return": "gauge",
    "seedrl_unroll_queue_depth": "gauge", "seedrl_cpu_microseconds_per_env_step": "gauge",
    "seedrl_process_resident_memory_bytes": "gauge",
    "seedrl_step_round_trip_seconds": "histogram", "seedrl_queue_wait_seconds": "histogram",
    "seedrl_inference_batch_rows": "histogram", "seedrl_learner_step_seconds": "histogram",
    "seedrl_policy_lag_versions": "histogram",
}
for name, kind in wanted.items():
    assert name in families, f"{name} missing from /metrics"
    assert families[name].type == kind, f"{name} is a {families[name].type}, expected {kind}"
print(f"prometheus: /metrics parsed by prometheus-client, {len(families)} families, every listed one present")
PY
# Anything but /metrics is 404, and the responder survives a client that sends nothing.
(exec 3<>/dev/tcp/127.0.0.1/$metrics; sleep 3) &
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics/")" = 404 ]
curl -sf "http://127.0.0.1:$metrics/metrics" >/dev/null

# A client trickling its request a byte a second (for two minutes) holds up neither a
# scrape nor a stop: the scrape is answered while it trickles, and SIGTERM ends the server
# while the trickler is still connected (the old responder waited on it, so a supervisor's
# stop waited too).
python3 - "$metrics" "$work/trickling" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
for byte in b"GET /metrics HTTP/1.1\r\nHost: x" * 10:
    try:
        s.send(bytes([byte]))
    except OSError:
        break
    time.sleep(1)
PY
trickler=$!; pids+=($trickler)
for _ in $(seq 100); do [ -e "$work/trickling" ] && break; sleep 0.1; done
curl -sf -m 30 "http://127.0.0.1:$metrics/metrics" >/dev/null || { echo "prometheus: no scrape answered beside a trickling client"; exit 1; }
server=${pids[0]}
kill -TERM "$server"
for _ in $(seq 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server" 2>/dev/null; then echo "prometheus: the server still runs 30 s after SIGTERM beside a trickling metrics client"; exit 1; fi
kill -0 "$trickler" 2>/dev/null || { echo "prometheus: the trickler ended before the stop was tested"; exit 1; }
wait "$server" || { echo "prometheus: the server exited $? after SIGTERM"; exit 1; }
echo "prometheus: a trickling client held up neither a scrape nor SIGTERM"
echo "prometheus: passed"
