#!/usr/bin/env python3
"""targets.py RAW_TSV {hosted|proxy} [LABEL] -> markdown: an issue's targets, pass/fail.

Reads the shared harness's raw.tsv (scenario, label, rep, metric, value) and compares the
medians over repetitions, all from the same run. A ratio target compares LABEL (default:
bodega for "hosted", bodegaproxy for "proxy") with a reference server; an absolute target
compares LABEL's median with a bound.
"""

from __future__ import annotations

import contextlib
import operator
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import NamedTuple


class Target(NamedTuple):
    title: str
    scenario: str
    metric: str
    reference: str | None  # None: ``bound`` is an absolute value
    bound: float
    check: Callable[[float, float], bool]
    suffix: str = ""  # measured under LABEL + suffix (e.g. "-json")


LE, GE, LT, GT = operator.le, operator.ge, operator.lt, operator.gt

TARGETS: dict[str, tuple[str, list[Target]]] = {
    "hosted": (
        "bodega",
        [
            Target("S1 small page rps >= 10x pypiserver", "s1", "rps", "pypiserver", 10, GE),
            Target("S1big 3,000-file page rps >= 0.2x nginx", "s1big", "rps", "nginx", 0.2, GE),
            Target("S3 download MB/s >= 0.85x nginx", "s3", "MBps", "nginx", 0.85, GE),
            Target("S3 download MB/s > pypiserver", "s3", "MBps", "pypiserver", 1, GT),
            Target("S3 CPU/download < pypiserver", "s3", "cpu_us_per_req", "pypiserver", 1, LT),
            Target("S4 uv warm <= 1.05x nginx", "s4uv-warm", "seconds", "nginx", 1.05, LE),
            Target("S4 pip warm <= 1.05x nginx", "s4pip-warm", "seconds", "nginx", 1.05, LE),
        ],
    ),
    "proxy": (
        "bodegaproxy",
        [
            Target("S4 uv warm <= 1.03x nginx", "s4uv-warm", "seconds", "nginx", 1.03, LE),
            Target("S4 uv cold <= 1.15x nginx", "s4uv-cold", "seconds", "nginx", 1.15, LE),
            Target("S4 pip warm <= 1.02x nginx", "s4pip-warm", "seconds", "nginx", 1.02, LE),
            Target("S4 pip cold <= 1.02x nginx", "s4pip-cold", "seconds", "nginx", 1.02, LE),
            Target("S1 small page rps >= 10x proxpi", "s1", "rps", "proxpi", 10, GE),
            Target("S1big 3,000-file page rps >= 0.2x nginx", "s1big", "rps", "nginx", 0.2, GE),
            Target("S2 root page (HTML) <= 3 ms", "s2", "median_s", None, 0.003, LE),
            Target("S2 root page (JSON) <= 3 ms", "s2", "median_s", None, 0.003, LE, "-json"),
            Target("S3 download MB/s >= 0.85x nginx", "s3", "MBps", "nginx", 0.85, GE),
            Target("S3 download MB/s > proxpi", "s3", "MBps", "proxpi", 1, GT),
            Target("S3 CPU/download < proxpi", "s3", "cpu_us_per_req", "proxpi", 1, LT),
            Target("S5 peak RSS <= 100 MiB", "s5", "peak_rss_MiB", None, 100, LE),
        ],
    ),
}


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
    default_label, targets = TARGETS[argv[1]]
    me = argv[2] if len(argv) > 2 else default_label

    def med(scenario: str, label: str, metric: str) -> float | None:
        found = values.get((scenario, label, metric))
        return statistics.median(found) if found else None

    print(f"## targets ({me}, medians of the same run)\n")
    print(f"| target | {me} | reference | ratio | result |")
    print("|---|---|---|---|---|")
    passed = 0
    for target in targets:
        mine = med(target.scenario, me + target.suffix, target.metric)
        theirs = (
            med(target.scenario, target.reference, target.metric)
            if target.reference
            else target.bound
        )
        if mine is None or not theirs:
            print(f"| {target.title} | {mine} | {target.reference}: {theirs} | — | NO DATA |")
            continue
        ratio = mine / theirs if target.reference else mine
        ok = target.check(ratio, target.bound)
        passed += ok
        reference = f"{target.reference}: {theirs:.4g}" if target.reference else f"{theirs:g}"
        shown = f"{ratio:.3f}x" if target.reference else "—"
        print(
            f"| {target.title} | {mine:.4g} {target.metric} | {reference} | {shown} "
            f"| {'PASS' if ok else 'FAIL'} |"
        )
    print(f"\n{passed} of {len(targets)} targets pass")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
