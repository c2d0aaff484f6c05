"""Sweep throughput: runs/s on 1 and 2 workers at the baseline horizon, parallel efficiency, and
the time of the Sobol study of issue 6 (8 parameters, N = 1024, 18,432 runs; target < 15 min on
2 cores and >= 1.8x on 2 workers).

    python -m benchmarks.bench_sweep                 # ~1-2 min: rates, and the study extrapolated
    python -m benchmarks.bench_sweep --full          # also runs the whole 18,432-run study

The workload is ``experiments/specs/sobol8.toml`` itself, sampled as a Latin hypercube of
``--runs`` points, so the measured rate is the study's. Wall times include starting the workers.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from experiments.sweep import run_sweep

SOBOL8 = Path(__file__).resolve().parents[1] / "experiments" / "specs" / "sobol8.toml"


def timed(spec: Path, out: Path, **kwargs) -> tuple[float, int]:
    start = time.perf_counter()
    table = run_sweep(spec, out, progress=False, **kwargs)
    return time.perf_counter() - start, len(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="runs per throughput sample")
    parser.add_argument("--full", action="store_true", help="run the full Sobol study too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        text = re.sub(r'(?m)^design = .*$', 'design = "lhs"', SOBOL8.read_text())
        spec = root / "lhs.toml"
        spec.write_text(re.sub(r"(?m)^samples = .*$", f"samples = {args.runs}", text))

        rows = []
        for label, kwargs in [
            ("1 worker (in-process)", {"workers": 1}),
            ("2 workers (processes)", {"workers": 2}),
            ("2 workers (Dask LocalCluster)", {"workers": 2, "scheduler": "local"}),
        ]:
            seconds, n = timed(spec, root / label.replace(" ", "_"), **kwargs)
            rows.append((label, n, seconds, n / seconds))
        base = rows[0][3]
        print(f"\n{'executor':32} {'runs':>6} {'wall s':>8} {'runs/s':>8} {'speed-up':>9} "
              f"{'efficiency':>10}")
        for label, n, seconds, rate in rows:
            workers = 1 if label.startswith("1") else 2
            print(f"{label:32} {n:6d} {seconds:8.1f} {rate:8.1f} {rate / base:8.2f}x "
                  f"{rate / base / workers:9.0%}")

        study_runs = 1024 * (2 * 8 + 2)
        best = max(rate for *_, rate in rows[1:])
        print(f"\nSobol 8 parameters, N=1024 ({study_runs} runs) on 2 workers, extrapolated: "
              f"{study_runs / best / 60:.1f} min")
        if args.full:
            seconds, n = timed(SOBOL8, root / "sobol8", workers=2)
            print(f"Sobol 8 parameters, N=1024 ({n} runs) on 2 workers, measured: "
                  f"{seconds / 60:.1f} min ({n / seconds:.1f} runs/s, incl. analysis)")


if __name__ == "__main__":
    main()
