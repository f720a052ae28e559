#!/usr/bin/env python3
"""Medians of bench-vs-echo.sh results as the Markdown table in BENCHMARKS.md."""
import json
import statistics
import sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]):
    record = json.loads(line)
    if record["result"]:
        runs[(record["size"], record["n"], record["who"])].append(record["result"])

def median(key, field):
    values = [r[field] for r in runs.get(key, []) if r.get(field) is not None]
    return statistics.median(values) if values else None

print("| obs | streams | echo QPS | seedrl QPS (loadgen) | ratio | echo p99 µs | seedrl p99 µs | p99 ratio | seedrl bench QPS | bench p99 µs | mean batch | runs |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for size, n in sorted({(k[0], k[1]) for k in runs}):
    e, s, b = (size, n, "echo"), (size, n, "seedrl"), (size, n, "seedrl-bench")
    eq, sq, bq = median(e, "qps"), median(s, "qps"), median(b, "qps")
    ep, sp, bp = median(e, "p99_us"), median(s, "p99_us"), median(b, "p99_us")
    fmt = lambda v, d=0: "—" if v is None else f"{v:,.{d}f}"
    ratio = lambda a, c: "—" if a is None or not c else f"{a / c:.2f}"
    print(f"| {size} B | {n} | {fmt(eq)} | {fmt(sq)} | {ratio(sq, eq)} | {fmt(ep)} | {fmt(sp)} | {ratio(sp, ep)} "
          f"| {fmt(bq)} | {fmt(bp)} | {fmt(median(b, 'mean_batch'), 1)} | {len(runs.get(s, []))} |")
