#!/usr/bin/env python3
"""Means of `findcolor eval` per-photo columns, per source of the photos.

    python3 bench/eval_by_source.py A/eval.csv [B/eval.csv ...] [--columns psnr@0,cf_auto,invented,timid]

A photo's source is the part of its file name before the first `__` (the development photos are
named `<source>__<name>`; a name without `__` counts as source "-"). Prints one table row per file
and source (and "all"), so two models evaluated on the same photos can be compared where each source
differs (docs/quality.md, "Invented and timid colour"). Columns that a file lacks are left blank;
empty or nan cells (a photo without such pixels, e.g. reach) are left out of that column's mean.
"""
import argparse
import csv
import math
import sys
from collections import defaultdict


def source_of(name):
    return name.split("__", 1)[0] if "__" in name else "-"


def summarise(path, columns):
    """{source: {column: (mean, count)}} for one eval.csv, with "all" over every photo."""
    sums = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            for src in (source_of(row["file"]), "all"):
                for c in columns:
                    try:
                        v = float(row.get(c) or "nan")
                    except ValueError:
                        continue
                    if math.isfinite(v):
                        sums[src][c].append(v)
    return {s: {c: (sum(v) / len(v), len(v)) for c, v in cols.items() if v} for s, cols in sums.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="+", help="eval.csv files written by `findcolor eval`")
    ap.add_argument("--columns", default="psnr@0,cf_auto,invented,timid,psnr@10,reach,leak_share")
    a = ap.parse_args(argv)
    columns = [c for c in a.columns.split(",") if c]
    print("| eval.csv | source | photos | " + " | ".join(columns) + " |")
    print("|---" * (3 + len(columns)) + "|")
    for path in a.csv:
        try:
            table = summarise(path, columns)
        except OSError as e:
            print(f"eval_by_source: cannot read {path}: {e.strerror}", file=sys.stderr)
            return 2
        except KeyError:
            print(f"eval_by_source: {path} has no 'file' column (not an eval.csv of `findcolor eval`)", file=sys.stderr)
            return 2
        for src in sorted(table, key=lambda s: (s == "all", s)):
            n = max((cnt for _, cnt in table[src].values()), default=0)
            cells = [f"{table[src][c][0]:.3f}" if c in table[src] else "" for c in columns]
            print(f"| {path} | {src} | {n} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
