"""Backtesting: run a scenario over many seeds from its own start and score it against history.

An observed file (CSV or TOML) lists points ``date, metric, value, low, high, source``. A date
``YYYY-MM`` means the *end* of that month: a stock (capacity, cash, annualised revenue) is the
model's state after that month has been simulated, and a flow (revenue over a year, loss over a
quarter) sums the months of its window ending with that month. So with a 2025-01 start, an
end-2025 figure is dated 2025-12 and read from the model row labelled 2026-01 (step 12), which is
exactly the state the baseline scenario starts from.

Metrics are every numeric column of ``model.csv`` (README's table) plus the flows in
:data:`DERIVED`. Every problem with the observed file is reported as a ValueError naming the row
and field before any simulation starts, and outputs are written only once everything has run.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import csv
import json
import math
import multiprocessing
import re
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from environment.model import MODEL_COLUMNS
from environment.parameters import PARAMETERS
from environment.parameters import validate as validate_parameters
from environment.scenario import load_scenario, month_index, month_label
from experiments.options import at_least_one, check_seeds, scenario_type, seed_type
from experiments.run import check_out_dir

#: Stock metrics: the model.csv column at the end of the observed month.
STOCK_METRICS: tuple[str, ...] = tuple(c for c in MODEL_COLUMNS if c != "date")

#: Flow metrics defined here: name -> (window in months, meaning). Each sums the focal lab's
#: monthly figure over the window ending with the observed month; a window must lie inside the
#: run (it cannot reach back before the start).
DERIVED: dict[str, tuple[int, str]] = {
    "lab_revenue_trailing_12m_usd_b": (
        12,
        "focal lab's revenue earned in the 12 months ending at the date (USD bn): the sum of "
        "lab_revenue_annual_usd_b / 12 over those months",
    ),
    "lab_net_loss_quarter_usd_b": (
        3,
        "focal lab's operating loss over the 3 months ending at the date (USD bn, positive = "
        "loss): opex, staff and research, power, leases and interest, plus depreciation of its "
        "chips and buildings, minus revenue (services and leases out); capex and financing "
        "excluded, NaN once the focal lab has defaulted",
    ),
}
METRICS: tuple[str, ...] = (*STOCK_METRICS, *DERIVED)

#: Months simulated after the last observation, so the plot shows where the band is heading.
PLOT_CONTEXT_MONTHS = 12
#: The simulated band is the central 90 %: quantiles 5 % and 95 % (alpha = 0.1).
BAND = (0.05, 0.95)
_MONTH = re.compile(r"(19|20|21)\d\d-(0[1-9]|1[0-2])")
_COLUMNS = ("date", "metric", "value", "low", "high", "source")


# --- observations ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Observation:
    """One observed point; ``step`` is the model row it is compared with."""

    row: int  # 1-based data row in the file, for messages
    date: str
    metric: str
    value: float
    low: float
    high: float
    source: str
    step: int

    @property
    def scale(self) -> float:
        """Tolerance used by calibration distances: half the observed band, else 10 % of |value|."""
        half = (self.high - self.low) / 2.0
        if half > 0:
            return half
        return 0.1 * abs(self.value) if self.value else 1.0


def scenario_window(
    scenario: str | Path, overrides: dict[str, Any] | None = None
) -> tuple[str, int]:
    """(start_date, horizon_months) of a scenario after overrides (validates both)."""
    spec = load_scenario(scenario)
    values = (
        {name: PARAMETERS[name].default for name in ("start_date", "horizon_months")}
        | spec["parameters"]
        | validate_parameters(dict(overrides or {}))
    )
    return str(values["start_date"]), int(values["horizon_months"])


def load_observed(
    path: str | Path, scenario: str | Path, overrides: dict[str, Any] | None = None
) -> list[Observation]:
    """Read and validate an observed-points file against the scenario's run window.

    Raises ValueError naming the file, row and field for: a missing or unreadable file, unknown
    or missing columns, an unknown metric, a malformed date or number, low > value > high, and a
    date (or a flow's window) outside the run.
    """
    path = Path(path)
    start, horizon = scenario_window(scenario, overrides)
    if not path.is_file():
        raise ValueError(f"observed file {path}: not found")
    if path.suffix == ".toml":
        try:
            raw = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"observed file {path}: {err}") from None
        unknown = set(raw) - {"observation"}
        if unknown:
            raise ValueError(
                f"observed file {path}: unknown key(s) {sorted(unknown)}; expected "
                "[[observation]] tables"
            )
        rows = raw.get("observation", [])
    elif path.suffix == ".csv":
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            fields = reader.fieldnames or []
            rows = list(reader)
        missing = {"date", "metric", "value"} - set(fields)
        extra = set(fields) - set(_COLUMNS)
        if missing or extra:
            raise ValueError(
                f"observed file {path}: columns must be {', '.join(_COLUMNS)} (low, high, source "
                f"optional); missing {sorted(missing)}, unknown {sorted(extra)}"
            )
    else:
        raise ValueError(f"observed file {path}: expected a .csv or .toml file")
    if not rows:
        raise ValueError(f"observed file {path}: no observations")
    out = [
        _observation(row, i, start, horizon, f"observed file {path}, row {i}")
        for i, row in enumerate(rows, start=1)
    ]
    return out


def _number(row: dict[str, Any], field: str, where: str, required: bool) -> float | None:
    text = row.get(field)
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise ValueError(f"{where}: field {field!r} is missing")
        return None
    if isinstance(text, bool):
        raise ValueError(f"{where}: field {field!r} = {text!r} is not a number")
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: field {field!r} = {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{where}: field {field!r} = {text!r} is not a finite number")
    return value


def _observation(row: dict[str, Any], i: int, start: str, horizon: int, where: str) -> Observation:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a table of date, metric, value, ...")
    unknown = set(row) - set(_COLUMNS)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; known: {list(_COLUMNS)}")
    date = str(row.get("date") or "").strip()
    if not _MONTH.fullmatch(date):
        raise ValueError(f"{where}: field 'date' = {row.get('date')!r} is not a YYYY-MM month")
    metric = str(row.get("metric") or "").strip()
    if metric not in METRICS:
        raise ValueError(
            f"{where}: field 'metric' = {metric!r} is unknown; known: {', '.join(METRICS)}"
        )
    value = _number(row, "value", where, required=True)
    low = _number(row, "low", where, required=False)
    high = _number(row, "high", where, required=False)
    low = value if low is None else low
    high = value if high is None else high
    if not low <= value <= high:
        raise ValueError(f"{where}: need low <= value <= high, got {low:g}, {value:g}, {high:g}")
    step = month_index(start, date) + 1  # end of the month = the row after it is simulated
    window = DERIVED[metric][0] if metric in DERIVED else 0
    first = step - window + 1 if window else step
    if first < (1 if window else 0) or step > horizon:
        earliest = month_label(start, window - 1 if window else -1)
        raise ValueError(
            f"{where}: field 'date' = {date!r} is outside the run: {metric} can be observed from "
            f"{earliest} to {month_label(start, horizon - 1)} (the run starts {start}, "
            f"{horizon} months; dates are month ends)"
        )
    return Observation(i, date, metric, value, low, high, str(row.get("source") or ""), step)


# --- simulation -----------------------------------------------------------------------------
def metric_series(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """A metric by model step (index = step); NaN where a flow's window is not yet complete."""
    if metric in STOCK_METRICS:
        return frame[metric].to_numpy(dtype=float)
    window = DERIVED[metric][0]
    if metric == "lab_revenue_trailing_12m_usd_b":
        monthly = frame["lab_revenue_annual_usd_b"].to_numpy(dtype=float) / 12.0
    else:
        monthly = frame["lab_net_loss_month_usd_b"].to_numpy(dtype=float)
    monthly = monthly.copy()
    monthly[0] = np.nan  # row 0 is the starting state, not a month of flows
    # NaN-propagating rolling sum: windows reaching row 0 or a defaulted month stay NaN.
    return pd.Series(monthly).rolling(window, min_periods=window).sum().to_numpy()


def simulate_frame(
    scenario: str | Path, seed: int, months: int, overrides: dict[str, Any] | None = None
) -> pd.DataFrame:
    """One seeded run of ``months`` steps: the model table plus the focal lab's monthly loss.

    The loss is read from the focal lab after each step (it is not a model.csv column):
    operating outflows + depreciation - revenue, where depreciation is what its asset book lost
    over the step net of the capex added to it.
    """
    from environment.model import BuildoutModel
    from experiments.outcomes import release

    model = BuildoutModel(scenario=str(scenario), seed=int(seed), **dict(overrides or {}))
    lab = model.focal_lab
    losses = [np.nan]
    try:
        for _ in range(months):
            assets = lab.it_assets_usd_b + lab.facility_assets_usd_b
            model.step()
            if lab.defaulted:
                losses.append(np.nan)
                continue
            depreciation = (
                assets + lab.capex_month_usd_b - (lab.it_assets_usd_b + lab.facility_assets_usd_b)
            )
            losses.append(lab.outflows_month_usd_b + depreciation - lab.revenue_annual_usd_b / 12.0)
        frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    finally:
        release(model)
    frame["lab_net_loss_month_usd_b"] = losses
    return frame


def run_metrics(task: tuple[str, int, int, dict[str, Any], tuple[str, ...]]) -> dict[str, Any]:
    """Worker entry point (picklable): one run -> {metric: series by step}."""
    scenario, seed, months, overrides, metrics = task
    frame = simulate_frame(scenario, seed, months, overrides)
    return {m: metric_series(frame, m) for m in metrics}


Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


@contextmanager
def evaluator(workers: int = 1, scheduler: str | None = None) -> Iterator[Mapper]:
    """A ``map(fn, items) -> list`` (results in input order, so results never depend on the
    number of workers) kept open for many calls: in this process for one worker, a spawn-context
    ProcessPoolExecutor for more, or Dask via ``experiments.sweep_exec.dask_client`` when a
    scheduler ("local" or an address) is given."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if scheduler is not None:
        from experiments.sweep_exec import dask_client

        with dask_client(scheduler, workers) as client:
            yield lambda fn, items: client.gather(client.map(fn, list(items), pure=False))
        return
    if workers == 1:
        yield lambda fn, items: [fn(item) for item in items]
        return
    # spawn: the driver may hold threads that make fork unsafe (as experiments/sweep_exec.py).
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield lambda fn, items: list(
            pool.map(fn, items, chunksize=max(1, len(items) // (4 * workers)))
        )


# --- scoring --------------------------------------------------------------------------------
def crps_ensemble(samples: np.ndarray, y: float) -> float:
    """CRPS of an ensemble forecast: E|X - y| - E|X - X'| / 2 (NaN members dropped)."""
    x = np.sort(samples[np.isfinite(samples)])
    n = x.size
    if n == 0:
        return float("nan")
    spread = 2.0 * np.sum((2.0 * np.arange(1, n + 1) - n - 1) * x) / n**2  # E|X - X'|
    return float(np.mean(np.abs(x - y)) - 0.5 * spread)


def interval_score(lower: float, upper: float, y: float, alpha: float) -> float:
    """Gneiting & Raftery (2007) score of a central (1 - alpha) interval: its width plus 2/alpha
    times how far the observation falls outside it. Lower is better."""
    return (
        (upper - lower) + (2.0 / alpha) * max(0.0, lower - y) + (2.0 / alpha) * max(0.0, y - upper)
    )


def score_points(simulated: np.ndarray, observations: Sequence[Observation]) -> pd.DataFrame:
    """Per observed point: the simulated median and 5-95 % band, whether the observation is
    inside it, and its interval and CRPS scores.

    ``simulated`` has one row per run and one column per observation (NaN = undefined in that
    run, e.g. after the focal lab defaulted; such runs are left out of that point).
    """
    simulated = np.asarray(simulated, dtype=float)
    if simulated.ndim != 2 or simulated.shape[1] != len(observations):
        raise ValueError(
            f"simulated values must be runs x {len(observations)} observations, got "
            f"{simulated.shape}"
        )
    alpha = 1.0 - (BAND[1] - BAND[0])
    rows = []
    for j, ob in enumerate(observations):
        x = simulated[:, j][np.isfinite(simulated[:, j])]
        if x.size:
            lo, med, hi = np.quantile(x, [BAND[0], 0.5, BAND[1]])
            inside = bool(lo <= ob.value <= hi)
            overlap = bool(ob.low <= hi and lo <= ob.high)
            iscore = interval_score(lo, hi, ob.value, alpha)
            crps = crps_ensemble(x, ob.value)
        else:
            lo = med = hi = iscore = crps = float("nan")
            inside = overlap = False
        rows.append(
            {
                "date": ob.date,
                "metric": ob.metric,
                "value": ob.value,
                "low": ob.low,
                "high": ob.high,
                "sim_q05": lo,
                "sim_median": med,
                "sim_q95": hi,
                "inside": inside,
                "band_overlap": overlap,
                "interval_score": iscore,
                "crps": crps,
                "crps_relative": crps / abs(ob.value) if ob.value else crps,
                "n_runs": int(x.size),
                "source": ob.source,
            }
        )
    return pd.DataFrame(rows)


def summarise(points: pd.DataFrame) -> dict[str, float]:
    """Overall score: coverage share (observations inside the 5-95 % band; ~0.9 expected of a
    calibrated model) and the mean CRPS relative to each observed value.

    CRPS is a proper score (it rewards the forecast distribution that matches the truth,
    sharpness and calibration together, and reduces to absolute error for a point forecast);
    dividing each point's CRPS by its observed magnitude puts GW and USD bn on one footing, so
    0.1 reads as "typically 10 % off".
    """
    return {
        "points": int(len(points)),
        "inside": int(points["inside"].sum()),
        "coverage": float(points["inside"].mean()),
        "mean_crps_relative": float(points["crps_relative"].mean()),
    }


# --- the backtest ---------------------------------------------------------------------------
def backtest(
    scenario: str | Path,
    observed_path: str | Path,
    seeds: int | Sequence[int] = 100,
    workers: int = 1,
    out: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Run ``scenario`` once per seed and score it against the observed file.

    Returns the per-point table of :func:`score_points`, with :func:`summarise`'s figures in
    ``.attrs["summary"]``. With ``out``, writes ``backtest.csv``, ``summary.json`` and
    ``backtest.png`` there (only after every run has finished).
    """
    check_out_dir(out, "out")
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if len(seed_list) < 2:
        raise ValueError(f"a backtest needs at least 2 seeds, got {len(seed_list)}")
    overrides = dict(overrides or {})
    observations = load_observed(observed_path, scenario, overrides)
    start, horizon = scenario_window(scenario, overrides)
    months = min(horizon, max(ob.step for ob in observations) + PLOT_CONTEXT_MONTHS)
    metrics = tuple(dict.fromkeys(ob.metric for ob in observations))
    tasks = [(str(scenario), s, months, overrides, metrics) for s in seed_list]
    with evaluator(workers, scheduler) as mapper:
        results = mapper(run_metrics, tasks)
    simulated = np.array([[r[ob.metric][ob.step] for ob in observations] for r in results])
    points = score_points(simulated, observations)
    points.attrs["summary"] = {
        **summarise(points),
        "scenario": str(scenario),
        "seeds": len(seed_list),
        "first_seed": seed_list[0],
        "start_date": start,
        "months": months,
    }
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        points.to_csv(out / "backtest.csv", index=False)
        (out / "summary.json").write_text(json.dumps(points.attrs["summary"], indent=2) + "\n")
        series = {m: np.array([r[m] for r in results]) for m in metrics}
        plot_backtest(series, observations, start, out / "backtest.png", str(scenario))
    return points


def plot_backtest(
    series: dict[str, np.ndarray],
    observations: Sequence[Observation],
    start: str,
    path: Path,
    title: str,
) -> None:
    """One panel per metric: simulated median and 5-95 % band by month end, observations with
    their low-high bars on top (red where outside the band)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(series)
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(8, 2.6 * len(metrics)), sharex=True, squeeze=False
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        runs = series[metric]
        steps = np.arange(runs.shape[1])
        ok = np.isfinite(runs).any(axis=0)
        lo, med, hi = (np.full(runs.shape[1], np.nan) for _ in range(3))
        if ok.any():
            lo[ok], med[ok], hi[ok] = np.nanquantile(runs[:, ok], [BAND[0], 0.5, BAND[1]], axis=0)
        ax.fill_between(steps, lo, hi, alpha=0.3, label="simulated 5-95 %")
        ax.plot(steps, med, lw=1.5, label="simulated median")
        for ob in (o for o in observations if o.metric == metric):
            k = ob.step
            inside = np.isfinite(lo[k]) and lo[k] <= ob.value <= hi[k]
            ax.errorbar(
                k,
                ob.value,
                yerr=[[ob.value - ob.low], [ob.high - ob.value]],
                fmt="o",
                color="black" if inside else "red",
                capsize=4,
                label="observed" if inside else "observed (outside band)",
            )
        ax.set_ylabel(metric, fontsize=8)
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    last = axes[-1, 0]
    ticks = [k for k in range(next(iter(series.values())).shape[1]) if k % 6 == 0]
    last.set_xticks(ticks)
    last.set_xticklabels([month_label(start, k - 1) for k in ticks], rotation=45, fontsize=8)
    last.set_xlabel("month end")
    fig.suptitle(f"backtest: {title}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- command line ---------------------------------------------------------------------------
def cmd_backtest(args: argparse.Namespace) -> int:
    points = backtest(
        args.scenario,
        args.observed,
        seeds=check_seeds(args.first_seed, args.seeds, "--first-seed"),
        workers=args.workers,
        out=args.out,
        scheduler=args.scheduler,
    )
    s = points.attrs["summary"]
    print(
        f"scenario {args.scenario}: {s['seeds']} seeds from {s['start_date']}, "
        f"{s['months']} months\n"
    )
    print(format_points(points))
    print(
        f"\ncoverage: {s['inside']}/{s['points']} observations inside the simulated 5-95 % "
        f"band ({s['coverage']:.0%}); mean relative CRPS {s['mean_crps_relative']:.3f}"
    )
    if args.out:
        out = Path(args.out)
        print(f"wrote {out / 'backtest.csv'}, {out / 'summary.json'}, {out / 'backtest.png'}")
    return 0


def format_points(points: pd.DataFrame) -> str:
    lines = [
        f"{'date':<8} {'metric':<32} {'observed':>9} {'median':>8} {'5 %':>8} {'95 %':>8} "
        f"{'inside':>6} {'CRPS':>7}"
    ]
    for _, r in points.iterrows():
        lines.append(
            f"{r['date']:<8} {r['metric']:<32} {r['value']:>9.2f} {r['sim_median']:>8.2f} "
            f"{r['sim_q05']:>8.2f} {r['sim_q95']:>8.2f} {'yes' if r['inside'] else 'NO':>6} "
            f"{r['crps']:>7.2f}"
        )
    return "\n".join(lines)


def add_backtest_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``gigawatt backtest`` on a subparsers object (``func=`` set)."""
    p = subparsers.add_parser(
        "backtest", help="score a scenario's seeds against observed points (CSV/TOML)"
    )
    p.add_argument(
        "scenario",
        type=scenario_type,
        help="scenario name (see 'gigawatt scenarios') or a .toml path",
    )
    p.add_argument("--observed", required=True, help="observed points: date,metric,value,...")
    p.add_argument("--seeds", type=at_least_one, default=100, help="number of seeds (default 100)")
    p.add_argument("--first-seed", type=seed_type, default=0, help="first seed (default 0)")
    p.add_argument("--workers", type=at_least_one, default=1, help="local processes (default 1)")
    p.add_argument(
        "--scheduler", default=None, help="run on Dask instead: 'local' or a scheduler address"
    )
    p.add_argument("--out", default=None, help="folder for backtest.csv, summary.json, .png")
    p.set_defaults(func=cmd_backtest)
    return p


def add_calibrate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``gigawatt calibrate`` (defined in experiments/calibrate.py)."""
    from experiments.calibrate import add_calibrate_parser as add

    return add(subparsers)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.backtest {backtest,calibrate} ...``: the same commands as
    ``gigawatt backtest`` / ``gigawatt calibrate``, usable before they are wired into the CLI."""
    import sys

    parser = argparse.ArgumentParser(prog="python -m experiments.backtest")
    sub = parser.add_subparsers(dest="command", required=True)
    add_backtest_parser(sub)
    add_calibrate_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
