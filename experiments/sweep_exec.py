"""Executors: run batches of runs in-process, on local processes, or on a Dask cluster.

Each task is a batch of tens of runs (per-task overhead otherwise eats a third of the
throughput, see shared/sweeps-notes.md). Every executor yields finished batches as they
complete and keeps only a few batches in flight, so the driver's memory stays flat. A run that
raises is turned into a row with its error; it never stops the other runs.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from experiments.sweep_spec import Run, SweepSpec

Row = dict[str, Any]
Task = Callable[[list[Run]], list[Row]]
T = TypeVar("T")

# The Dask nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which made allocation-heavy
# numpy code ~6x slower (sweeps-notes). Only the config route takes effect.
DASK_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
#: Seconds to reach an existing scheduler, then to see its first worker, before giving up.
CONNECT_TIMEOUT_S = 20
WORKER_TIMEOUT_S = 60


def run_batch(fn: Callable[..., dict[str, Any]], spec: SweepSpec, runs: list[Run]) -> list[Row]:
    """Evaluate ``fn`` for each run; outcomes become columns, an exception the ``error`` cell."""
    rows = []
    for run in runs:
        row: Row = {
            "run_id": run.run_id,
            "point": run.point,
            "replication": run.replication,
            "seed": run.seed,
            **run.params,
            "error": None,
        }
        try:
            result = fn(
                run.params,
                run.seed,
                horizon_months=spec.horizon_months,
                scenario=spec.scenario,
                series=bool(spec.series),
            )
            row.update({name: float(result[name]) for name in spec.outcomes})
            row.update({name: [float(v) for v in result[name]] for name in spec.series})
        except Exception as exc:  # recorded, not raised: one bad corner must not stop a sweep
            row["error"] = describe(exc)
        rows.append(row)
    return rows


def describe(exc: Exception) -> str:
    """Type, message and the innermost frame (file name only, so that the text is the same on
    every machine whatever the install path)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno})"


def make_task(fn: Callable[..., dict[str, Any]], spec: SweepSpec) -> Task:
    """A picklable batch task (``fn`` must be importable by name on the workers)."""
    return partial(run_batch, fn, spec)


def stream_results(
    submit: Callable[[T], Any],
    wait_first: Callable[[set], tuple[set, set]],
    batches: Iterable[T],
    in_flight: int,
) -> Iterator[Any]:
    """Keep at most ``in_flight`` batches submitted; yield each result as it completes.

    ``submit`` returns a future (concurrent.futures or Dask); ``wait_first`` splits a set of
    futures into (done, not done) as soon as one finishes.
    """
    queue = iter(batches)
    pending = {submit(b) for b in islice(queue, in_flight)}
    while pending:
        done, pending = wait_first(pending)
        pending = set(pending)
        for future in done:
            yield future.result()
            pending.update(submit(b) for b in islice(queue, 1))


def local_results(task: Task, batches: Iterable[list[Run]], workers: int) -> Iterator[list[Row]]:
    """One worker runs in this process (the honest serial baseline); more use a process pool."""
    if workers == 1:
        yield from map(task, batches)
        return
    # spawn: the driver has threads (tqdm, pyarrow) that make fork unsafe.
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield from stream_results(
            partial(pool.submit, task),
            partial(cf.wait, return_when=cf.FIRST_COMPLETED),
            batches,
            2 * workers,
        )


@contextmanager
def dask_client(scheduler: str, workers: int) -> Iterator[Any]:
    """A Dask client for ``scheduler``: "local" starts a loopback LocalCluster of ``workers``
    single-threaded processes (closed on exit); anything else is an existing scheduler's
    address, whose workers must be able to import the model."""
    # Imported on use: distributed is slow to import and local process workers never need it.
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(DASK_CONFIG):
        if scheduler != "local":
            with connect(scheduler) as client:
                yield client
            return
        with (
            LocalCluster(
                host="127.0.0.1",
                dashboard_address=None,
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client


def connect(scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler`` that has at least one worker.

    A malformed or unreachable address, or a scheduler without workers, is a ValueError naming
    ``--scheduler``, raised here so that callers can connect before writing anything.
    """
    from distributed import Client

    allowed = 'allowed "local" or the address (tcp://HOST:PORT) of a running Dask scheduler'
    try:
        client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, ValueError) as err:  # OSError includes TimeoutError
        reason = str(err)
    else:
        reason = None
    if reason is not None:
        # The half-started client closes in its __del__. Left to the garbage collector, that can
        # run inside the next Client's start, which holds the lock its close waits for: a
        # deadlock (seen in CI). Collected here, it closes while nothing else is starting; here
        # and not in the except block, whose exception's traceback still holds the client.
        gc.collect()
        raise ValueError(f"--scheduler {scheduler!r} cannot be used ({reason}): {allowed}")
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT_S)
    except (OSError, ValueError):
        client.close()
        raise ValueError(
            f"--scheduler {scheduler!r} has no worker after {WORKER_TIMEOUT_S} s: start "
            "workers (dask worker ADDRESS) that can import the model"
        ) from None
    return client


def dask_results(task: Task, batches: Iterable[list[Run]], client: Any) -> Iterator[list[Row]]:
    """Run the batches on a connected Dask ``client`` (see :func:`dask_client`), two tasks in
    flight per worker thread."""
    from distributed import wait

    yield from stream_results(
        partial(client.submit, task, pure=False),
        partial(wait, return_when="FIRST_COMPLETED"),
        batches,
        2 * sum(client.nthreads().values()),
    )
