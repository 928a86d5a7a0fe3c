#!/usr/bin/env python3
"""Turns criterion's results into BENCHMARKS.md (a table with ratios) and benches/ratios.svg.

Usage: python3 benches/report.py [--machine "text"] [--command "text"]
Reads target/criterion/<group>/<runtime>/new/{estimates,benchmark}.json for every group that
has a `weft` entry. Ratio = weft time / the faster of tokio and smol (below 1.0: weft wins).
A group may also have a `flume` entry (flume's channel on smol's executor, benches/channels.rs):
when any does, the table gains a "flume (on smol)" column and its ratio, "—" in the other rows,
and "best" counts flume too.
"""
import datetime, json, os, pathlib, platform, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRIT = ROOT / "target" / "criterion"
PEERS = ["tokio", "smol"]
# Peers only some groups have: a column each, shown only when some group has that entry.
EXTRA_PEERS = {"flume": "flume (on smol)"}


def load(group, rt):
    base = CRIT / group / rt / "new"
    try:
        est = json.loads((base / "estimates.json").read_text())
        meta = json.loads((base / "benchmark.json").read_text())
    except FileNotFoundError:
        return None
    elements = (meta.get("throughput") or {}).get("Elements") or 1
    # The median of the samples, not the mean: on this VM one sample in ten of a disk-bound
    # row (fs_copy) can take 5-8 times the others (host I/O stalls), and the mean then
    # reports the stall, not the runtime.
    return est["median"]["point_estimate"] / elements  # ns per element


def machine():
    cpu = "unknown cpu"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"


def svg(rows):
    w, bar_h, gap, left = 640, 18, 8, 190
    h = 40 + len(rows) * (bar_h + gap)
    scale = (w - left - 60) / max(2.0, max(r[1] for r in rows) * 1.1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<text x="10" y="18" font-weight="bold">weft time / fastest peer (lower is better; line = 1.0)</text>']
    for i, (name, ratio) in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        color = "#2a9d8f" if ratio <= 0.9 else ("#e9c46a" if ratio <= 1.0 else "#e76f51")
        out.append(f'<text x="10" y="{y + 13}">{name}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{ratio * scale:.1f}" height="{bar_h}" fill="{color}"/>')
        out.append(f'<text x="{left + ratio * scale + 4:.1f}" y="{y + 13}">{ratio:.2f}</text>')
    x1 = left + scale
    out.append(f'<line x1="{x1:.1f}" y1="26" x2="{x1:.1f}" y2="{h - 4}" stroke="#333" stroke-dasharray="4 3"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    opts = dict(zip(args[::2], args[1::2]))
    groups = sorted(p.name for p in CRIT.iterdir() if (p / "weft").is_dir()) if CRIT.is_dir() else []
    extras = [p for p in EXTRA_PEERS if any(load(g, p) for g in groups)]
    columns = PEERS + extras
    rows, chart = [], []
    for g in groups:
        weft = load(g, "weft")
        peers = {p: load(g, p) for p in columns}
        if weft is None or not any(peers.values()):
            continue
        best = min(v for v in peers.values() if v)
        ratio = weft / best
        fmt = lambda v: f"{v:,.1f}" if v else "—"
        rows.append(f"| {g} | {fmt(weft)} | "
                    + " | ".join(fmt(v) for v in peers.values()) + " | "
                    + " | ".join(f"{weft / v:.2f}" if v else "—" for v in peers.values())
                    + f" | **{ratio:.2f}** |")
        chart.append((g, ratio))
    if not rows:
        sys.exit("no criterion results with a weft entry under target/criterion: run the benches first")
    (ROOT / "benches" / "ratios.svg").write_text(svg(chart))
    notes = (ROOT / "benches" / "NOTES.md")
    md = [
        "# Benchmarks",
        "",
        "weft beside tokio (multi-thread scheduler) and smol (async-executor driven by the same",
        "number of threads), same worker count, same workload code, same run.",
        "",
        f"- Machine: {opts.get('--machine', machine())}",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Command: `{opts.get('--command', 'bash benches/run.sh')}`",
        "",
        "Times are nanoseconds per operation (the median of criterion's samples). Ratio columns:",
        "weft ÷ peer; the last column is weft ÷ the faster peer (the target is ≤ 0.90).",
        *(["\"flume (on smol)\" is flume's channel on smol's executor, measured in the `chan_mpsc_*`",
           "rows only (\"—\" elsewhere); \"best\" counts it where it ran."] if "flume" in extras else []),
        "",
        "![ratios](benches/ratios.svg)",
        "",
        "| workload | weft ns/op | "
        + " | ".join(f"{EXTRA_PEERS.get(p, p)} ns/op" for p in columns)
        + " | " + " | ".join(f"weft/{p}" for p in columns) + " | weft/best |",
        "|---|---:|" + "---:|" * (2 * len(columns) + 1),
        *rows,
        "",
    ]
    mem = ROOT / "target" / "mem.json"
    if mem.exists():
        m = json.loads(mem.read_text())
        md += [
            "## Memory per pending task",
            "",
            f"Heap bytes each runtime adds per task parked on a never-ready future ({m['tasks']:,} tasks,",
            f"{m['workers']} workers, handles detached; `cargo bench -p weft-benches --bench mem`). Deterministic: load does",
            "not move it. \"Asked\" counts the bytes requested from the allocator; \"handed out\" what",
            "glibc reserved for them (`malloc_usable_size`). The `recv` rows are the realistic measure:",
            "the same number of tasks parked on one shared `async_channel::bounded(1)` receive, handles",
            "kept, each runtime in a process of its own, resident bytes from `/proc/self/statm`.",
            "",
            "| measure | weft | tokio | smol |",
            "|---|---:|---:|---:|",
        ]
        for key, label in (("asked", "bytes asked for"), ("handed_out", "bytes handed out")):
            v = m[key]
            md.append(f"| {label} | {v['weft']:.1f} | {v['tokio']:.1f} | {v['smol']:.1f} |")
        # The realistic measure: tasks parked on one shared async_channel's recv, handles kept,
        # each runtime in a process of its own (see benches/mem.rs).
        for key, label in (("recv_rss", "parked on `recv`, handles kept: resident bytes"),
                           ("recv_asked", "parked on `recv`, handles kept: bytes asked for")):
            if key in m:
                v = m[key]
                md.append(f"| {label} | {v['weft']:.1f} | {v['tokio']:.1f} | {v['smol']:.1f} |")
        md.append("")
    light = ROOT / "target" / "light_load.json"
    if light.exists():
        m = json.loads(light.read_text())
        md += [
            "## CPU per request at light load",
            "",
            f"hyper hello, one keep-alive client sending {m['requests']:,} requests with a fixed gap,",
            f"{m['workers']} workers; the server's CPU time from `/proc/self/task/*/schedstat`",
            "(`cargo bench -p weft-benches --bench http_hyper`). Throughput rows hide a runtime that",
            "spins while idle; most servers run like this.",
            "",
            "| gap between requests | weft µs/request | tokio µs/request | weft/tokio |",
            "|---|---:|---:|---:|",
        ]
        for r in m["rows"]:
            md.append(f"| {r['gap_us'] / 1000:g} ms | {r['weft']:.1f} | {r['tokio']:.1f} | {r['weft'] / r['tokio']:.2f} |")
        md.append("")
    if notes.exists():
        md += [notes.read_text().rstrip(), ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(md))
    print("\n".join(rows))


if __name__ == "__main__":
    main()
