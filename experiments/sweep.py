"""``gigawatt sweep SPEC --out DIR``: run a parameter sweep, resumably, on processes or Dask.

The spec (see :mod:`experiments.sweep_spec`) is validated and expanded before anything is
written. Finished batches stream to ``DIR/runs/*.parquet``; re-running the same command skips
the run ids already there. Sobol and Morris designs end with ``DIR/sensitivity.csv`` and
``DIR/sensitivity.png``. The returned table is sorted by run id, so it is identical whichever
executor and worker count produced it.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from experiments.outcomes import simulate
from experiments.run import check_out_dir
from experiments.sweep_analysis import write_sensitivity
from experiments.sweep_exec import dask_client, dask_results, local_results, make_task
from experiments.sweep_spec import build_design, load_spec, plan_runs
from experiments.sweep_store import ResultStore

MAX_BATCH = 50


def default_batch_size(n_runs: int, workers: int) -> int:
    """Tens of runs per task, but at least ~8 tasks per worker so the load stays balanced."""
    return max(1, min(MAX_BATCH, math.ceil(n_runs / (8 * workers))))


def run_sweep(
    spec_path: str | Path,
    out_dir: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    fn: Callable[..., dict[str, Any]] = simulate,
) -> pd.DataFrame:
    """Run (or resume) the sweep of ``spec_path`` into ``out_dir``; return all runs.

    ``scheduler``: None for local processes, "local" for an in-process Dask LocalCluster of
    ``workers`` processes, or a Dask scheduler address (tcp://HOST:PORT). ``fn`` has the
    signature of :func:`experiments.outcomes.simulate` and must be importable by the workers.

    Everything that can be refused (the spec, every design point, ``out_dir``, the scheduler)
    is checked before ``out_dir`` is created, so bad input leaves nothing behind.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers = {workers!r} is invalid: allowed a positive integer")
    spec = load_spec(spec_path)
    design = build_design(spec)
    runs = plan_runs(spec, design)
    check_out_dir(out_dir, "out_dir")
    task = make_task(fn, spec)
    with dask_client(scheduler, workers) if scheduler else nullcontext() as client:
        store = ResultStore(out_dir, spec)
        finished, failed = store.finished()
        pending = [run for run in runs if run.run_id not in finished]
        size = spec.batch_size or default_batch_size(len(pending), workers)
        batches = (pending[i : i + size] for i in range(0, len(pending), size))
        results = (
            dask_results(task, batches, client) if client else local_results(task, batches, workers)
        )
        with tqdm(
            total=len(runs),
            initial=len(runs) - len(pending),
            unit="run",
            desc="sweep",
            postfix={"failed": failed},
            disable=not progress,
        ) as bar:
            for rows in results:
                store.write(rows)
                failed += sum(row["error"] is not None for row in rows)
                bar.update(len(rows))
                bar.set_postfix(failed=failed)
    table = store.read()
    if spec.design in ("sobol", "morris"):
        skipped = write_sensitivity(spec, design, table, store.root)
        if skipped:
            warnings.warn(
                f"no sensitivity indices for {skipped}: failed runs, NaN or constant outcome",
                stacklevel=2,
            )
    return table


def _configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("spec", type=Path, help="sweep spec (TOML), see experiments/specs/")
    parser.add_argument("--out", required=True, help="output directory (resumable)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="local worker processes (with --scheduler local: LocalCluster workers)",
    )
    parser.add_argument(
        "--scheduler",
        help='Dask scheduler address tcp://HOST:PORT, or "local" for an in-process cluster',
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=_cmd_sweep)
    return parser


def add_sweep_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``sweep`` sub-command on the main CLI."""
    return _configure(
        subparsers.add_parser("sweep", help="parameter sweep / sensitivity study (resumable)")
    )


def _cmd_sweep(args: argparse.Namespace) -> int:
    out = Path(args.out)
    table = run_sweep(
        args.spec,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
    )
    failed = int(table["error"].notna().sum())
    print(f"{len(table)} runs ({failed} failed) in {out / 'runs'}")
    if (out / "sensitivity.csv").exists():
        print(f"sensitivity indices: {out / 'sensitivity.csv'} and sensitivity.png")
    return 0


if __name__ == "__main__":  # the same as `gigawatt sweep`, bad input reported the same way
    from experiments.cli import main

    raise SystemExit(main(["sweep", *sys.argv[1:]]))
