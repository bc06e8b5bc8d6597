#!/usr/bin/python3
"""Measuring and reporting for bench/run.sh (standard library only; run as /usr/bin/python3).

bench.py measure --results FILE --id ID --side mageio|baseline --label TEXT --command SHELL
                 --rows N --rep R [--vs ID] [--target REF:OP:LIMIT]... [--stdout FILE]
                 [--log FILE] [--server-pid PID]...
    Runs SHELL once with `/usr/bin/time bash -c` (in the current directory) and appends one JSON line to
    FILE: wall time, the client's user/system CPU and peak RSS (/usr/bin/time's figures: the largest
    process of the command), the servers' CPU seconds spent meanwhile and the 1-minute load average
    at the start. A command that fails makes this exit 1 after printing its stderr.

bench.py report --results FILE --json OUT [--fact KEY=VALUE]...
    Reads every line `measure` wrote, writes OUT (every figure, every run) and prints the Markdown
    report on stdout. The facts the harness knows (started_at, repeat, only, loadavg_start,
    versions.postgresql, ...) come as --fact; a dotted key nests. The targets are reported, never
    enforced: the exit status is 0 whatever the figures are (1 only when there are no results).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

RSS_LIMIT_KIB = 64 * 1024
# Peak RSS "does not grow with the row count" when the larger size stays within this of the smaller one:
# allocator and page-cache effects move a streaming client's peak by a MiB or two between runs, whereas a
# client that buffers its input grows by tens of MiB per 10x rows.
GROWTH_SLACK_KIB = 4 * 1024
GROWTH_SLACK_RATIO = 1.10
# The rows of one Arrow batch (sdk::kDefaultBatchRows): below it a client's buffers still grow with the row
# count, so a scaling comparison means something only when the smaller size has at least this many rows.
BATCH_ROWS = 65536


# --- measure ------------------------------------------------------------------------------------------


def proc_cpu_ticks(pid):
    """utime + stime + cutime + cstime of a process (clock ticks): its own threads plus its reaped children."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime..cstime are fields 14..17.
    return sum(int(x) for x in fields[11:15])


def proc_children(pid):
    children = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children.update(f.read().split())
    except OSError:
        pass
    return children


def server_snapshot(pids):
    snap = {}
    for pid in pids:
        try:
            snap[pid] = (proc_cpu_ticks(pid), proc_children(pid))
        except OSError:
            pass
    return snap


def server_cpu_seconds(pids, before):
    """CPU seconds the servers spent since `before`. A PostgreSQL backend's time reaches the postmaster's
    cutime only once the backend has exited and been reaped, which can be a moment after the client has
    gone: wait (up to 3 s) for the children that appeared during the run to go away."""
    if not before:
        return None
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        if all(not (proc_children(pid) - before[pid][1]) for pid in before):
            break
        time.sleep(0.01)
    total = 0
    for pid, (ticks, _) in before.items():
        try:
            total += proc_cpu_ticks(pid) - ticks
        except OSError:
            return None
    return round(total / os.sysconf("SC_CLK_TCK"), 2)


def measure(args):
    load1 = float(open("/proc/loadavg").read().split()[0])
    before = server_snapshot(args.server_pid)
    # The client's peak RSS and CPU come from /usr/bin/time, not from our own wait4: a child forked by
    # Python starts as a copy of this interpreter, and Linux carries that copy's high-water mark (~13 MiB)
    # over the exec into the child's figure, which would put a floor under every client's peak RSS.
    with (
        tempfile.NamedTemporaryFile("r", prefix="bench-time.") as usage,
        open(args.stdout, "wb") as stdout,
        open(args.log, "wb") as log,
    ):
        start = time.perf_counter()
        status = subprocess.call(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", usage.name, "bash", "-c", args.command],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=log,
        )
        wall = time.perf_counter() - start
        # A failed command has "Command exited with non-zero status N" before the figures.
        figures = usage.read().split("\n")
    if status != 0:
        sys.stderr.write(open(args.log, errors="replace").read()[-4000:])
        sys.stderr.write(f"bench: '{args.id}' failed with exit status {status}: {args.command}\n")
        return 1
    rss_kib, user_s, sys_s = [line for line in figures if line.strip()][-1].split()
    record = {
        "id": args.id,
        "side": args.side,
        "label": args.label,
        "command": args.command,
        "vs": args.vs,
        "targets": args.target,
        "rows": args.rows,
        "rep": args.rep,
        "wall_s": round(wall, 4),
        "user_s": float(user_s),
        "sys_s": float(sys_s),
        "peak_rss_kib": int(rss_kib),
        "server_cpu_s": server_cpu_seconds(args.server_pid, before),
        "loadavg_1m": load1,
    }
    with open(args.results, "a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"  {args.id:<24} {wall:8.2f} s {int(rss_kib) / 1024:7.1f} MiB", file=sys.stderr)
    return 0


# --- report -------------------------------------------------------------------------------------------


def parse_target(text):
    ref, op, limit = text.split(":")
    if op not in ("<=", "<"):
        raise ValueError(f"target {text!r}: the operator must be <= or <")
    return ref, op, float(limit)


def summarize(runs):
    """One measurement at one size: the runs, and the figures taken from them."""
    first = runs[0]
    walls = [r["wall_s"] for r in runs]
    median_wall = statistics.median(walls)
    servers = [r["server_cpu_s"] for r in runs if r["server_cpu_s"] is not None]
    return {
        "id": first["id"],
        "side": first["side"],
        "label": first["label"],
        "tool": first["command"],
        "rows": first["rows"],
        "runs": [
            {k: r[k] for k in ("wall_s", "user_s", "sys_s", "peak_rss_kib", "server_cpu_s", "loadavg_1m")} for r in runs
        ],
        "median_wall_s": round(median_wall, 4),
        "rows_per_s": round(first["rows"] / median_wall) if median_wall > 0 else None,
        # The peak over all runs: the figure the memory target is about.
        "peak_rss_kib": max(r["peak_rss_kib"] for r in runs),
        "median_client_cpu_s": round(statistics.median(r["user_s"] + r["sys_s"] for r in runs), 3),
        "median_server_cpu_s": round(statistics.median(servers), 2) if servers else None,
        "baseline": first["vs"],
        "ratio": None,
        "targets": [],
    }


def evaluate(by_key):
    """Ratios to the baselines and the targets, for every mageio measurement (in place)."""
    for (mid, rows), m in by_key.items():
        if m["side"] != "mageio":
            continue
        if m["baseline"]:
            base = by_key.get((m["baseline"], rows))
            if base:
                m["ratio"] = round(m["median_wall_s"] / base["median_wall_s"], 3)
        for text in by_key[(mid, rows)]["_targets"]:
            ref, op, limit = parse_target(text)
            base = by_key.get((ref, rows))
            ratio = round(m["median_wall_s"] / base["median_wall_s"], 3) if base else None
            # Judged on the ratio as shown (two decimals), so that "1.20×" never reads as a miss of "≤ 1.20".
            shown = None if ratio is None else round(ratio, 2)
            met = None if ratio is None else (shown <= limit if op == "<=" else shown < limit)
            m["targets"].append(
                {
                    "kind": "wall_ratio",
                    "vs": ref,
                    "vs_label": base["label"] if base else None,
                    "op": op,
                    "limit": limit,
                    "ratio": ratio,
                    "met": met,
                }
            )
        m["targets"].append(
            {
                "kind": "peak_rss_kib",
                "op": "<",
                "limit": RSS_LIMIT_KIB,
                "value": m["peak_rss_kib"],
                "met": m["peak_rss_kib"] < RSS_LIMIT_KIB,
            }
        )


def memory_scaling(measurements, sizes):
    """Peak RSS of every mageio measurement at the smallest and the largest size."""
    if len(sizes) < 2:
        return []
    small, large = sizes[0], sizes[-1]
    table = []
    for m in measurements:
        if m["side"] != "mageio" or m["rows"] != large:
            continue
        other = next((o for o in measurements if o["id"] == m["id"] and o["rows"] == small), None)
        if not other:
            continue
        a, b = other["peak_rss_kib"], m["peak_rss_kib"]
        no_growth = b <= max(a * GROWTH_SLACK_RATIO, a + GROWTH_SLACK_KIB) if small >= BATCH_ROWS else None
        table.append(
            {
                "id": m["id"],
                "label": m["label"],
                "peak_rss_kib": {str(small): a, str(large): b},
                "growth": round(b / a, 3),
                "no_growth": no_growth,
                "under_64_mib": max(a, b) < RSS_LIMIT_KIB,
            }
        )
    return table


YES_NO = {True: "yes", False: "**NO**", None: "–"}


def mib(kib):
    return f"{kib / 1024:.1f}"


def rate(rows_per_s):
    return "–" if rows_per_s is None else f"{rows_per_s / 1e6:.2f} M"


def cpu_text(m):
    """Median client CPU / server CPU seconds ("–" for the server when no server was involved)."""
    server = m["median_server_cpu_s"]
    return f"{m['median_client_cpu_s']:.2f} / " + ("–" if server is None else f"{server:.2f}")


def target_text(m):
    parts = []
    for t in m["targets"]:
        if t["kind"] != "wall_ratio":
            continue
        sign = "≤" if t["op"] == "<=" else "<"
        ref = "" if t["vs"] == m["baseline"] else f" of {t['vs_label']}"
        verdict = "n/a" if t["met"] is None else ("met" if t["met"] else "**MISSED**")
        shown = "" if t["vs"] == m["baseline"] else f" ({t['ratio']:.2f}×)" if t["ratio"] is not None else ""
        parts.append(f"{sign} {t['limit']:.2f}×{ref}{shown}: {verdict}")
    rss = next(t for t in m["targets"] if t["kind"] == "peak_rss_kib")
    if not rss["met"]:
        parts.append("RSS < 64 MiB: **MISSED**")
    return "; ".join(parts)


def markdown(doc, measurements, scaling):
    f = doc["machine"]
    v = doc["versions"]
    size = doc["settings"]["sizes"][-1]
    out = []
    load = (
        f"load average {f['loadavg_start'][0]:.2f} at the start, {f['loadavg_end'][0]:.2f} at the end, "
        f"{f['loadavg_max_1m']:.2f} at most (1 min; the benchmark itself keeps about 2 processes busy)"
    )
    out.append(
        f"**mageio bench** — {size:,} rows, median of {doc['settings']['repeat']} run"
        f"{'s' if doc['settings']['repeat'] != 1 else ''}; "
        f"{f['nproc']} CPUs ({f['cpu_model']}), {load}; "
        + ", ".join(
            f"{name} {v[k].split(' ')[0].split('-')[0]}"
            for k, name in (("postgresql", "PostgreSQL"), ("mariadb", "MariaDB"), ("sqlite", "SQLite"))
            if v.get(k)
        )
        + f"; mageio {v['git_commit']}{' + uncommitted changes' if v.get('git_dirty') else ''}"
        f" ({v.get('build_type') or 'unknown build type'}, {v['build_dir']})"
    )
    out.append("")
    # CPU seconds (client / server) next to each wall time: where the server's CPU is about the wall time,
    # the server is the bottleneck and both sides wait on the same work, so the ratio is bounded by it.
    out.append(
        "| operation | mageio s | CPU s client / server | rows/s | peak RSS MiB | baseline | baseline s | "
        "CPU s client / server | baseline RSS MiB | ratio | target |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    by_key = {(m["id"], m["rows"]): m for m in measurements}
    for m in measurements:
        if m["side"] != "mageio" or m["rows"] != size:
            continue
        base = by_key.get((m["baseline"], size)) if m["baseline"] else None
        ratio = f"{m['ratio']:.2f}×" if m["ratio"] is not None else "–"
        rss = mib(m["peak_rss_kib"]) + ("" if m["peak_rss_kib"] < RSS_LIMIT_KIB else " **≥ 64**")
        out.append(
            "| "
            + " | ".join(
                [
                    m["label"],
                    f"{m['median_wall_s']:.2f}",
                    cpu_text(m),
                    rate(m["rows_per_s"]),
                    rss,
                    base["label"] if base else "—",
                    f"{base['median_wall_s']:.2f}" if base else "–",
                    cpu_text(base) if base else "–",
                    mib(base["peak_rss_kib"]) if base else "–",
                    ratio,
                    target_text(m) or "–",
                ]
            )
            + " |"
        )
    if scaling:
        small, large = doc["settings"]["sizes"][0], doc["settings"]["sizes"][-1]
        out.append("")
        note = (
            ""
            if small >= BATCH_ROWS
            else f" With fewer than {BATCH_ROWS:,} rows (one Arrow batch) the buffers still grow with the rows: "
            f"compare at --rows {BATCH_ROWS * 10:,} or more."
        )
        out.append(f"Memory scaling: client peak RSS at {small:,} and {large:,} rows (the same operations).{note}")
        out.append("")
        out.append(f"| operation | MiB at {small:,} | MiB at {large:,} | growth | does not grow | < 64 MiB |")
        out.append("|---|---|---|---|---|---|")
        for s in scaling:
            out.append(
                f"| {s['label']} | {mib(s['peak_rss_kib'][str(small)])} | {mib(s['peak_rss_kib'][str(large)])} | "
                f"{s['growth']:.2f}× | {YES_NO[s['no_growth']]} | "
                f"{'yes' if s['under_64_mib'] else '**NO**'} |"
            )
    t = doc["targets"]
    out.append("")
    out.append(
        f"Targets (reported, not enforced): {t['met']} met, {len(t['missed'])} missed{':' if t['missed'] else '.'}"
    )
    out.extend(f"- {what}" for what in t["missed"])
    return "\n".join(out)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def report(args):
    records = [json.loads(line) for line in open(args.results) if line.strip()]
    if not records:
        print("bench: no measurements were recorded", file=sys.stderr)
        return 1
    facts = {}
    for text in args.fact:
        key, _, value = text.partition("=")
        *path, leaf = key.split(".")
        node = facts
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = value
    # Group the runs by (measurement, size), keeping the order in which they were first run.
    groups = {}
    for r in records:
        groups.setdefault((r["id"], r["rows"]), []).append(r)
    by_key = {}
    for key, runs in groups.items():
        by_key[key] = summarize(runs)
        by_key[key]["_targets"] = runs[0]["targets"]
    evaluate(by_key)
    for m in by_key.values():
        del m["_targets"]
    measurements = list(by_key.values())
    sizes = sorted({m["rows"] for m in measurements})
    scaling = memory_scaling(measurements, sizes)

    # The summary: the time targets at the full size (the figures; the smaller size's ratios are
    # in each measurement's targets all the same), the memory ones at every size.
    missed, met = [], 0
    for m in measurements:
        for t in m["targets"]:
            if t["met"] is None or (t["kind"] == "wall_ratio" and m["rows"] != sizes[-1]):
                continue
            if t["met"]:
                met += 1
                continue
            what = f"{m['label']} at {m['rows']:,} rows: "
            if t["kind"] == "peak_rss_kib":
                what += f"peak RSS {mib(t['value'])} MiB (< 64)"
            else:
                sign = "≤" if t["op"] == "<=" else "<"
                what += f"{t['ratio']:.2f}× of {t['vs_label']} ({sign} {t['limit']:.2f})"
            missed.append(what)
    for s in scaling:
        if s["no_growth"]:
            met += 1
        elif s["no_growth"] is False:
            missed.append(f"{s['label']}: peak RSS grows {s['growth']:.2f}× from {sizes[0]:,} to {sizes[-1]:,} rows")

    load_end = [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    doc = {
        "format": "mageio-bench/1",
        "started_at": facts["started_at"],
        "finished_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": {
            "rows": sizes[-1],
            "sizes": sizes,
            "repeat": int(facts["repeat"]),
            "only": facts["only"].split(","),
        },
        "machine": {
            "nproc": os.cpu_count(),
            "cpu_model": cpu_model(),
            "kernel": platform.release(),
            "mem_total_kib": next(
                (int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:")), None
            ),
            "loadavg_start": [float(x) for x in facts["loadavg_start"].split()[:3]],
            "loadavg_end": load_end,
            "loadavg_max_1m": max([r["loadavg_1m"] for r in records] + [load_end[0]]),
        },
        "versions": dict(facts.get("versions", {}), git_dirty=facts.get("versions", {}).get("git_dirty") == "1"),
        "measurements": measurements,
        "memory_scaling": {
            "batch_rows": BATCH_ROWS,
            "meaningful": bool(scaling) and sizes[0] >= BATCH_ROWS,
            "operations": scaling,
        },
        "targets": {"met": met, "missed": missed},
    }
    with open(args.json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(markdown(doc, measurements, scaling))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--results", required=True)
    m.add_argument("--id", required=True)
    m.add_argument("--side", required=True, choices=["mageio", "baseline"])
    m.add_argument("--label", required=True)
    m.add_argument("--command", required=True)
    m.add_argument("--rows", required=True, type=int)
    m.add_argument("--rep", required=True, type=int)
    m.add_argument("--vs")
    m.add_argument("--target", action="append", default=[])
    m.add_argument("--stdout", default=os.devnull)
    m.add_argument("--log", default=os.devnull)
    m.add_argument("--server-pid", action="append", default=[])
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("--fact", action="append", default=[])
    r.add_argument("--json", required=True)
    args = parser.parse_args()
    for text in getattr(args, "target", []):
        try:
            parse_target(text)  # a malformed target is the harness's bug: fail before measuring
        except ValueError as error:
            parser.error(str(error))
    return measure(args) if args.action == "measure" else report(args)


if __name__ == "__main__":
    sys.exit(main())
