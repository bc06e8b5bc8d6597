"""mageio.mage against Mage's own IO classes (mage-ai from PyPI): the same block code, only the import line
differs. One PostgreSQL table of N rows; each measurement runs in a fresh child process (its own venv for
mage-ai, whose pandas<3 pin would otherwise change the other peers), timing only the load / export call:
wall time, CPU (user+sys) of the call, and the child's peak RSS. A benchmark, not a test.

    bench/python/run-mage.sh [--rows N] [--repeat R] [--json FILE]
"""

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import os, resource, sys, time, warnings
warnings.filterwarnings("ignore")
impl, op, config_path, table = sys.argv[1:5]
if impl == "mage":
    from mage_ai.io.config import ConfigFileLoader
    from mage_ai.io.postgres import Postgres
else:
    from mageio.mage import ConfigFileLoader, Postgres
import numpy as np
import pandas as pd

def frame(n):
    rng = np.random.default_rng(7)
    i = pd.array(rng.integers(-2**31, 2**31, n), dtype="Int64")
    i[::10] = pd.NA
    return pd.DataFrame({"id": np.arange(n, dtype="int64"), "i": i, "f": rng.standard_normal(n),
                         "s": pd.Series([f"row {k} text" for k in range(n)], dtype=object),
                         "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="s")})

rows = int(sys.argv[5])
df = frame(rows) if op == "export" else None
before = resource.getrusage(resource.RUSAGE_SELF)
start = time.perf_counter()
with Postgres.with_config(ConfigFileLoader(config_path, "default")) as loader:
    if op == "load":
        out = loader.load(f"select * from {table}", verbose=False)
        assert len(out) == rows, len(out)
    else:
        loader.export(df, "public", table + "_out_" + impl, if_exists="replace", verbose=False)
wall = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
print({"wall": wall, "cpu": cpu, "rss_mib": after.ru_maxrss / 1024,
       "added_mib": (after.ru_maxrss - before.ru_maxrss) / 1024})
"""


def run_child(python, impl, op, config, table, rows):
    env = dict(os.environ, MAGE_REPO_PATH=os.path.dirname(config), PYTHONWARNINGS="ignore")
    done = subprocess.run(
        [python, "-c", CHILD, impl, op, config, table, str(rows)], env=env, capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise SystemExit(f"{impl} {op} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own child's dict literal


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--mage-python", required=True, help="python of the venv with mage-ai")
    parser.add_argument("--json")
    args = parser.parse_args()
    config = os.environ["MAGEIO_TEST_IO_CONFIG"]
    table = "bench_mage"

    import mageio

    with mageio.connect("postgres", config) as db:
        db.execute(f"drop table if exists {table}")
        db.execute(f"""create table {table} as select g::bigint as id,
                       case when g % 10 = 0 then null else ((g::bigint * 7919) % 2147483647)::integer end as i,
                       (g * 0.001)::double precision as f, 'row ' || g || ' text' as s,
                       timestamp '2024-01-01' + g * interval '1 second' as ts
                       from generate_series(0, {args.rows - 1}) g""")

    results = {}
    for op in ("load", "export"):
        for impl, python in (("mageio.mage", sys.executable), ("mage", args.mage_python)):
            runs = [
                run_child(python, "mage" if impl == "mage" else "mageio", op, config, table, args.rows)
                for _ in range(args.repeat)
            ]
            best = min(runs, key=lambda r: r["wall"])
            results[(op, impl)] = best
            print(
                f"{op:6} {impl:12} wall {best['wall']:8.2f} s  cpu {best['cpu']:8.2f} s  "
                f"peak RSS {best['rss_mib']:8.0f} MiB (+{best['added_mib']:.0f} by the call)",
                file=sys.stderr,
                flush=True,
            )

    print(
        f"\n{args.rows:,} rows, PostgreSQL, best of {args.repeat}; each call in a fresh process "
        f"({time.strftime('%Y-%m-%d')})\n"
    )
    print(
        'Peak RSS is the child\'s (imports, and for export the DataFrame, included); "+" is what the call '
        "added to it.\n"
    )
    print("| operation | mage-ai | mageio.mage | time ratio | CPU ratio | memory added, mage-ai / mageio.mage |")
    print("|---|---|---|---|---|---|")
    for op in ("load", "export"):
        m, g = results[(op, "mage")], results[(op, "mageio.mage")]
        cell = "{0[wall]:.2f} s, CPU {0[cpu]:.2f} s, peak {0[rss_mib]:.0f} MiB (+{0[added_mib]:.0f})"
        print(
            f"| `{op}` | {cell.format(m)} | {cell.format(g)} | {m['wall'] / g['wall']:.1f}x | "
            f"{m['cpu'] / max(g['cpu'], 1e-9):.1f}x | {m['added_mib'] / max(g['added_mib'], 1):.1f}x |"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump({f"{op}/{impl}": r for (op, impl), r in results.items()}, out, indent=1)


if __name__ == "__main__":
    main()
