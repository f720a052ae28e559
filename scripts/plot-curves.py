#!/usr/bin/env python3
"""Learning curves of several runs as one SVG (no plotting library): the last-100 mean
return against env steps, one line per run, and an optional dashed reference line.

Usage: plot-curves.py OUT.svg TITLE [--reference LABEL=VALUE] METRICS.jsonl...
"""
import json
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def load(path):
    points = []
    for line in open(path):
        record = json.loads(line)
        if record.get("episode/return") is not None:
            points.append((record["env_steps"], record["episode/return"]))
    return points


def main():
    out, title, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    reference = None
    if rest and rest[0] == "--reference":
        label, value = rest[1].split("=")
        reference = (label, float(value))
        rest = rest[2:]
    runs = [(path.rsplit("/", 1)[-1].removesuffix(".jsonl"), load(path)) for path in rest]
    width, height, left, right, top, bottom = 640, 400, 60, 20, 40, 50
    max_x = max(x for _, pts in runs for x, _ in pts)
    values = [y for _, pts in runs for _, y in pts] + ([reference[1]] if reference else [])
    min_y, max_y = min(0.0, min(values)), max(values) * 1.05 or 1.0

    def sx(x):
        return left + (width - left - right) * x / max_x

    def sy(y):
        return top + (height - top - bottom) * (1 - (y - min_y) / (max_y - min_y))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{left}" y1="{sy(min_y)}" x2="{width - right}" y2="{sy(min_y)}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{sy(min_y)}" stroke="black"/>']
    for i in range(6):
        x = max_x * i / 5
        svg.append(f'<text x="{sx(x)}" y="{height - bottom + 18}" text-anchor="middle">{x / 1e6:.1f}M</text>')
        y = min_y + (max_y - min_y) * i / 5
        svg.append(f'<text x="{left - 6}" y="{sy(y) + 4}" text-anchor="end">{y:.1f}</text>')
    svg.append(f'<text x="{width / 2}" y="{height - 10}" text-anchor="middle">env steps</text>')
    svg.append(f'<text x="15" y="{height / 2}" text-anchor="middle" transform="rotate(-90 15 {height / 2})">last-100 mean return</text>')
    if reference:
        label, value = reference
        svg.append(f'<line x1="{left}" y1="{sy(value)}" x2="{width - right}" y2="{sy(value)}" stroke="gray" stroke-dasharray="6 4"/>')
        svg.append(f'<text x="{width - right - 4}" y="{sy(value) - 4}" text-anchor="end" fill="gray">{label} {value:g}</text>')
    for index, (name, points) in enumerate(runs):
        colour = COLOURS[index % len(COLOURS)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        svg.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>')
        svg.append(f'<text x="{left + 10}" y="{top + 14 * (index + 1)}" fill="{colour}">{name}</text>')
    svg.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
