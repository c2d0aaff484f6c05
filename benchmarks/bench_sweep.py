"""Sweep throughput: runs/s on 1 and 2 workers at the baseline horizon, parallel efficiency, and
the time of the Sobol study of issue 6 (8 parameters, N = 1024, 18,432 runs; target < 15 min on
2 cores and >= 1.8x on 2 workers).

    python -m benchmarks.bench_sweep                 # ~3 min: rates, and the study extrapolated
    python -m benchmarks.bench_sweep --full          # also runs the whole 18,432-run study

The workload is ``experiments/specs/sobol8.toml`` itself, sampled as a Latin hypercube of
``--runs`` points, so the measured rate is the study's. Wall times include starting the workers.
Besides wall time the table shows the CPU time the sweep used (driver and worker processes):
``cores`` = CPU / wall tells whether the workers got their cores, and CPU per run compares the
executors' overheads even when other work shares the machine (then wall-clock speed-ups shrink).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import tempfile
import time
from pathlib import Path

from experiments.options import at_least_one
from experiments.sweep import run_sweep

SOBOL8 = Path(__file__).resolve().parents[1] / "experiments" / "specs" / "sobol8.toml"
STUDY_RUNS = 1024 * (2 * 8 + 2)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (pool and LocalCluster workers)."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def timed(spec: Path, out: Path, **kwargs) -> tuple[int, float, float]:
    """Runs, wall seconds and CPU seconds of one sweep."""
    print(f"{kwargs}: load average before {os.getloadavg()[0]:.2f}", flush=True)
    cpu, start = cpu_seconds(), time.perf_counter()
    table = run_sweep(spec, out, progress=False, **kwargs)
    return len(table), time.perf_counter() - start, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=at_least_one, default=400, help="runs per throughput sample")
    parser.add_argument("--full", action="store_true", help="run the full Sobol study too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = re.sub(r"(?m)^design = .*$", 'design = "lhs"', SOBOL8.read_text())
        spec = root / "lhs.toml"
        spec.write_text(re.sub(r"(?m)^samples = .*$", f"samples = {args.runs}", text))

        executors = [
            ("1 worker (in-process)", 1, {"workers": 1}),
            ("2 workers (processes)", 2, {"workers": 2}),
            ("2 workers (Dask LocalCluster)", 2, {"workers": 2, "scheduler": "local"}),
        ]
        rows = [
            (label, w, *timed(spec, root / str(i), **kw))
            for i, (label, w, kw) in enumerate(executors)
        ]
        base = rows[0][2] / rows[0][3]
        print(
            f"\n{'executor':30} {'runs':>5} {'wall s':>7} {'runs/s':>7} {'speed-up':>8} "
            f"{'effic.':>6} {'CPU s/run':>9} {'cores':>5}"
        )
        for label, workers, n, wall, cpu in rows:
            rate = n / wall
            print(
                f"{label:30} {n:5d} {wall:7.1f} {rate:7.2f} {rate / base:7.2f}x "
                f"{rate / base / workers:6.0%} {cpu / n:9.3f} {cpu / wall:5.2f}"
            )

        best = max(n / wall for _, _, n, wall, _ in rows[1:])
        cpu_per_run = min(cpu / n for _, _, n, _, cpu in rows[1:])
        print(
            f"\nSobol 8 parameters, N=1024 ({STUDY_RUNS} runs) on 2 workers, extrapolated: "
            f"{STUDY_RUNS / best / 60:.1f} min at the measured wall rate, "
            f"{STUDY_RUNS * cpu_per_run / 2 / 60:.1f} min on 2 otherwise idle cores"
        )
        if args.full:
            n, wall, cpu = timed(SOBOL8, root / "sobol8", workers=2)
            print(
                f"Sobol 8 parameters, N=1024 ({n} runs) on 2 workers, measured: "
                f"{wall / 60:.1f} min ({n / wall:.2f} runs/s, {cpu / wall:.2f} cores, "
                "incl. analysis)"
            )


if __name__ == "__main__":
    main()
