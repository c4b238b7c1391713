#!/usr/bin/env python3
"""hosted_targets.py RAW_TSV [LABEL=bodega] -> markdown: the hosted-index targets, pass/fail.

Reads the shared harness's raw.tsv (scenario, label, rep, metric, value) and compares the
medians over repetitions, all from the same run:

  S1     small project page      rps   >= 10 x pypiserver
  S1big  3,000-file page         rps   >= 0.2 x nginx
  S3     wheel download          MB/s  >= 0.85 x nginx, > pypiserver;
                                 server cpu_us_per_req < pypiserver
  S4     uv / pip install, warm  s     <= 1.05 x nginx
"""

from __future__ import annotations

import contextlib
import statistics
import sys
from collections import defaultdict


def load(path: str) -> dict[tuple[str, str, str], list[float]]:
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    with open(path) as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                continue
            scenario, label, _rep, metric, value = parts
            with contextlib.suppress(ValueError):  # "error" rows and text metrics
                values[(scenario, label, metric)].append(float(value))
    return values


def main(argv: list[str]) -> int:
    values = load(argv[0])
    me = argv[1] if len(argv) > 1 else "bodega"

    def med(scenario: str, label: str, metric: str) -> float | None:
        v = values.get((scenario, label, metric))
        return statistics.median(v) if v else None

    # (target, scenario, metric, reference label, factor, comparison)
    targets = [
        ("S1 small page rps >= 10x pypiserver", "s1", "rps", "pypiserver", 10.0, ">="),
        ("S1big 3,000-file page rps >= 0.2x nginx", "s1big", "rps", "nginx", 0.2, ">="),
        ("S3 download MB/s >= 0.85x nginx", "s3", "MBps", "nginx", 0.85, ">="),
        ("S3 download MB/s > pypiserver", "s3", "MBps", "pypiserver", 1.0, ">"),
        ("S3 server CPU/download < pypiserver", "s3", "cpu_us_per_req", "pypiserver", 1.0, "<"),
        ("S4 uv install (warm) <= 1.05x nginx", "s4uv-warm", "seconds", "nginx", 1.05, "<="),
        ("S4 pip install (warm) <= 1.05x nginx", "s4pip-warm", "seconds", "nginx", 1.05, "<="),
    ]
    print(f"## targets ({me}, medians of the same run)\n")
    print(f"| target | {me} | reference | ratio | result |")
    print("|---|---|---|---|---|")
    failed = 0
    for title, scenario, metric, ref, factor, op in targets:
        mine, theirs = med(scenario, me, metric), med(scenario, ref, metric)
        if mine is None or theirs is None or theirs == 0:
            print(f"| {title} | {mine} | {ref}: {theirs} | — | NO DATA |")
            failed += 1
            continue
        ratio = mine / theirs
        ok = {
            ">=": ratio >= factor,
            ">": ratio > factor,
            "<": ratio < factor,
            "<=": ratio <= factor,
        }[op]
        failed += not ok
        print(
            f"| {title} | {mine:.4g} {metric} | {ref}: {theirs:.4g} | {ratio:.3f}x "
            f"| {'PASS' if ok else 'FAIL'} |"
        )
    print(f"\n{len(targets) - failed} of {len(targets)} targets pass")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
