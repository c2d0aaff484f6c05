"""Monte Carlo experiments: N seeds per scenario, in parallel, summarised as bands and odds.

One seeded run is one path, not an answer. :func:`run_experiment` runs seeds ``seed0 ..
seed0 + N - 1`` of each scenario (the same seeds for every scenario, so contrasts are paired),
in worker processes, and writes

* ``runs.parquet`` / ``runs.csv`` — the tidy long table ``scenario, seed, date, metric, value``
  (every model column of ``model.csv`` plus ``focal_defaulted``, 0/1 by month);
* ``bands.csv`` — median and 5-95 % band of every metric at the last recorded month of each
  calendar year;
* ``risk.csv`` — by year, the probability of world and focal capacity having reached 10 and
  30 GW, and of the focal lab having defaulted;
* ``gates.csv`` — GW-months of pipeline waiting on each gate (permit, power, chips, capital,
  build): which one costs the most;
* ``summary.txt`` and the PNG plots of :mod:`viz.plots`.

A run depends only on its scenario and seed, so the tables are identical whatever ``workers``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from environment.model import MODEL_COLUMNS, BuildoutModel
from environment.parameters import PARAMETERS
from environment.projects import GATES
from environment.scenario import load_scenario
from experiments.options import (
    MAX_SEED,
    at_least_one,
    check_seeds,
    parameter_type,
    scenario_type,
    seed_type,
    whole,
)
from experiments.run import check_out_dir, collect

#: Metrics in the long table: the model columns plus the focal lab's default flag.
METRICS: tuple[str, ...] = (*(c for c in MODEL_COLUMNS if c != "date"), "focal_defaulted")
#: Capacity thresholds (GW) whose probability of being reached is reported.
THRESHOLDS_GW: tuple[float, ...] = (10.0, 30.0)
BAND = (0.05, 0.95)


@dataclass
class ExperimentResult:
    """The tables an experiment produced (also written to ``out_dir``) and how long it took."""

    table: pd.DataFrame  # long: scenario, seed, date, metric, value
    bands: pd.DataFrame
    risk: pd.DataFrame
    gates: pd.DataFrame
    out_dir: Path
    wall_seconds: float
    files: list[Path] = field(default_factory=list)


# --- one run, and a batch of runs in a worker ----------------------------------------------------
def run_one(scenario: str, seed: int, months: int | None = None) -> pd.DataFrame:
    """One seeded run as long rows. Built here, not via ``run_scenario``, to read the focal lab."""
    overrides = {} if months is None else {"horizon_months": months}
    model = BuildoutModel(scenario=scenario, seed=seed, **overrides)
    model.run()
    result = collect(model)
    frame = result.model
    agents = result.agents[result.agents["name"] == model.focal_lab.name]
    focal = agents.set_index("step")["defaulted"].astype(float)
    frame = frame.assign(focal_defaulted=frame["step"].map(focal).fillna(0.0).to_numpy())
    long = frame.melt(id_vars=["date"], value_vars=list(METRICS), var_name="metric")
    long["value"] = long["value"].astype(float)
    long.insert(0, "seed", seed)
    return long


def _run_batch(label: str, scenario: str, seeds: list[int], months: int | None) -> pd.DataFrame:
    """A worker's task: several runs, so process start-up and pickling are amortised."""
    frames = [run_one(scenario, seed, months) for seed in seeds]
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "scenario", label)
    return out


# --- validation ----------------------------------------------------------------------------------
def scenario_label(scenario: str) -> str:
    """How a scenario is named in tables and plots: its name, or a path's file stem."""
    return Path(scenario).stem if str(scenario).endswith(".toml") else str(scenario)


def _labels(scenarios: Sequence[str]) -> dict[str, str]:
    """Scenario label (name, or file stem for a path) -> what to load; loads each to validate."""
    if isinstance(scenarios, str) or not scenarios:
        raise ValueError("scenarios must be a non-empty list of scenario names or .toml paths")
    labels: dict[str, str] = {}
    for scenario in scenarios:
        load_scenario(scenario)  # raises ValueError naming the bad scenario or field
        label = scenario_label(scenario)
        if label in labels:
            raise ValueError(f"scenario {label!r} is given twice")
        labels[label] = str(scenario)
    return labels


# --- the experiment ------------------------------------------------------------------------------
def run_experiment(
    scenarios: Sequence[str],
    replications: int,
    workers: int,
    out_dir: str | Path,
    seed0: int = 0,
    progress: bool = True,
    months: int | None = None,
) -> ExperimentResult:
    """Run ``replications`` seeds per scenario on ``workers`` processes; write, return tables.

    Every input is checked before any run, and nothing is written unless all runs finish.
    ``months`` shortens the horizon (tests, quick looks).
    """
    labels = _labels(scenarios)
    replications = whole("replications", replications, low=1)
    workers = whole("workers", workers, low=1)
    seeds = list(check_seeds(whole("seed0", seed0, high=MAX_SEED), replications, "seed0"))
    if months is not None:
        horizon = PARAMETERS["horizon_months"]
        months = whole("months", months, low=int(horizon.low), high=int(horizon.high))
    out = check_out_dir(out_dir, "out_dir")

    started = time.perf_counter()
    per_task = max(1, math.ceil(len(labels) * replications / (workers * 4)))
    tasks = [
        (label, path, seeds[i : i + per_task], months)
        for label, path in labels.items()
        for i in range(0, replications, per_task)
    ]
    frames: list[pd.DataFrame] = []
    with tqdm(
        total=len(labels) * replications, desc="runs", unit="run", disable=not progress
    ) as bar:
        if workers == 1:
            for task in tasks:
                frames.append(_run_batch(*task))
                bar.update(len(task[2]))
        else:
            # spawn (as mesa sets it): fork is unsafe with the driver's threads (tqdm, pyarrow).
            # Callers' scripts therefore need an ``if __name__ == "__main__":`` guard.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = {pool.submit(_run_batch, *task): len(task[2]) for task in tasks}
                for future in as_completed(futures):
                    frames.append(future.result())
                    bar.update(futures[future])
    table = _sorted(pd.concat(frames, ignore_index=True), list(labels))
    bands, risk, gates = summarise(table)
    wall = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    files = [out / "runs.parquet", out / "runs.csv", out / "bands.csv", out / "risk.csv"]
    table.to_parquet(files[0], index=False)
    table.to_csv(files[1], index=False)
    bands.to_csv(files[2], index=False)
    risk.to_csv(files[3], index=False)
    files.append(out / "gates.csv")
    gates.to_csv(files[-1], index=False)
    result = ExperimentResult(table, bands, risk, gates, out, wall, files)
    files.append(out / "summary.txt")
    files[-1].write_text(summary_text(result, seeds) + "\n")

    from viz.plots import plot_all  # matplotlib only when writing

    files += plot_all(table, risk, gates, out)
    return result


def _sorted(table: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """A deterministic row order: scenarios as given, then seed, metric, date."""
    table["scenario"] = pd.Categorical(table["scenario"], categories=order, ordered=True)
    table = table.sort_values(["scenario", "seed", "metric", "date"], kind="stable")
    table["scenario"] = table["scenario"].astype(str)
    return table.reset_index(drop=True)[["scenario", "seed", "date", "metric", "value"]]


# --- summaries -----------------------------------------------------------------------------------
def wide(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric as a frame indexed by (scenario, seed) with one column per date."""
    rows = table[table["metric"] == metric]
    return rows.pivot_table(
        index=["scenario", "seed"], columns="date", values="value", sort=True
    ).sort_index(axis=1)


def _year_ends(dates: Sequence[str]) -> dict[int, str]:
    """Calendar year -> its last recorded month."""
    ends: dict[int, str] = {}
    for date in sorted(dates):
        ends[int(date[:4])] = date
    return ends


def summarise(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Bands by metric and year, risk probabilities by year, GW-months lost per gate."""
    order = list(dict.fromkeys(table["scenario"]))
    ends = _year_ends(table["date"].unique())
    snap = table[table["date"].isin(set(ends.values()))]
    grouped = snap.groupby(["scenario", "metric", "date"], sort=False)["value"]
    bands = grouped.agg(
        n="count",
        median="median",
        p05=lambda v: v.quantile(BAND[0]),
        p95=lambda v: v.quantile(BAND[1]),
        mean="mean",
    ).reset_index()
    bands.insert(2, "year", bands["date"].str[:4].astype(int))

    risk_rows = []
    reached = {
        (m, t): wide(table, m).cummax(axis=1) >= t
        for m in ("capacity_online_gw", "focal_capacity_online_gw")
        for t in THRESHOLDS_GW
    }
    defaulted = wide(table, "focal_defaulted").cummax(axis=1) > 0.5
    for scenario in order:
        for year, date in ends.items():
            row: dict[str, object] = {"scenario": scenario, "year": year, "date": date}
            for (metric, threshold), hit in reached.items():
                who = "world" if metric == "capacity_online_gw" else "focal"
                row[f"p_{who}_{threshold:g}gw"] = float(hit.loc[scenario, date].mean())
            row["p_focal_default"] = float(defaulted.loc[scenario, date].mean())
            row["runs"] = int(defaulted.loc[scenario].shape[0])
            risk_rows.append(row)
    risk = pd.DataFrame(risk_rows)

    gate_rows = []
    months = {g: wide(table, f"bottleneck_{g}_gw").iloc[:, 1:].sum(axis=1) for g in GATES}
    per_run = pd.DataFrame(months)  # GW-months per (scenario, seed) and gate; month 0 excluded
    binding = per_run.idxmax(axis=1).where(per_run.max(axis=1) > 0, "none")
    for scenario in order:
        runs = per_run.loc[scenario]
        ranked = runs.median().sort_values(ascending=False)
        for rank, gate in enumerate(ranked.index, start=1):
            gate_rows.append(
                {
                    "scenario": scenario,
                    "gate": gate,
                    "rank": rank,
                    "gw_months_median": float(runs[gate].median()),
                    "gw_months_p05": float(runs[gate].quantile(BAND[0])),
                    "gw_months_p95": float(runs[gate].quantile(BAND[1])),
                    "share_of_runs_binding_most": float((binding.loc[scenario] == gate).mean()),
                }
            )
    gates = pd.DataFrame(gate_rows)
    return bands, risk, gates


def first_year(risk: pd.DataFrame, scenario: str, column: str, level: float = 0.5) -> int | None:
    """First calendar year in which a risk probability reaches ``level`` (None if never)."""
    rows = risk[(risk["scenario"] == scenario) & (risk[column] >= level)]
    return int(rows["year"].min()) if len(rows) else None


def summary_text(result: ExperimentResult, seeds: Sequence[int]) -> str:
    """Per scenario: capacity bands at year 5 and the end, the odds, and the costliest gate."""
    bands, risk, gates = result.bands, result.risk, result.gates
    years = sorted(bands["year"].unique())
    mid, last = years[min(5, len(years) - 1)], years[-1]
    shown = list(dict.fromkeys((mid, last)))  # one year when the run ends within its first
    dates = dict(zip(bands["year"], bands["date"], strict=True))  # the last month recorded
    lines = [
        f"{len(seeds)} seeds ({seeds[0]}-{seeds[-1]}) per scenario; median [5 %, 95 %] at "
        + " and ".join(dates[y] for y in shown),
        "",
    ]
    gaps = wide(result.table, "funding_gap_usd_b").max(axis=1)

    def peak_gap(scenario: str) -> str:
        runs = gaps.loc[scenario]
        return f"{runs.median():.0f} [{runs.quantile(BAND[0]):.0f}, {runs.quantile(BAND[1]):.0f}]"

    for scenario in dict.fromkeys(bands["scenario"]):

        def band(metric: str, year: int, scenario: str = scenario) -> str:
            row = bands[
                (bands["scenario"] == scenario)
                & (bands["metric"] == metric)
                & (bands["year"] == year)
            ].iloc[0]
            return f"{row['median']:.1f} [{row['p05']:.1f}, {row['p95']:.1f}]"

        end = risk[(risk["scenario"] == scenario) & (risk["year"] == last)].iloc[0]
        top = gates[(gates["scenario"] == scenario) & (gates["rank"] == 1)].iloc[0]
        reach = {
            c: first_year(risk, scenario, c)
            for c in ("p_world_10gw", "p_world_30gw", "p_focal_10gw", "p_focal_30gw")
        }
        lines += [
            f"{scenario}",
            "  world GW   " + "   ".join(f"{y}: {band('capacity_online_gw', y)}" for y in shown),
            "  focal GW   "
            + "   ".join(f"{y}: {band('focal_capacity_online_gw', y)}" for y in shown),
            f"  peak funding gap $bn (worst month of a run): {peak_gap(scenario)}",
            f"  P(reached by {last}): world 10 GW {end['p_world_10gw']:.2f}, "
            f"30 GW {end['p_world_30gw']:.2f}; focal 10 GW {end['p_focal_10gw']:.2f}, "
            f"30 GW {end['p_focal_30gw']:.2f}",
            "  first year with P >= 0.5: "
            + ", ".join(f"{c[2:]} {y or 'never'}" for c, y in reach.items()),
            f"  P(focal lab defaults by {last}): {end['p_focal_default']:.2f}",
            f"  gate costing most GW-months: {top['gate']} "
            f"(median {top['gw_months_median']:.0f} GW-months; binds most in "
            f"{top['share_of_runs_binding_most']:.0%} of runs)",
            "",
        ]
    return "\n".join(lines).rstrip()


# --- command line --------------------------------------------------------------------------------
def add_experiment_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``gigawatt experiment SCENARIO... --replications N --workers W --out DIR``."""
    parser = subparsers.add_parser(
        "experiment",
        help="run N seeds of each scenario in parallel; write tables, summary and plots",
    )
    parser.add_argument(
        "scenarios", nargs="+", type=scenario_type, metavar="SCENARIO", help="names or .toml paths"
    )
    parser.add_argument("--replications", type=at_least_one, default=20, help="seeds per scenario")
    parser.add_argument(
        "--workers", type=at_least_one, default=min(4, os.cpu_count() or 1), help="worker processes"
    )
    parser.add_argument("--out", required=True, help="folder for tables, summary and plots")
    parser.add_argument(
        "--seed0", type=seed_type, default=0, help="first seed (seeds seed0..seed0+N-1)"
    )
    parser.add_argument(
        "--months",
        type=parameter_type("horizon_months"),
        default=None,
        help="horizon (default: scenario's)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=cmd_experiment)
    return parser


def cmd_experiment(args: argparse.Namespace) -> int:
    seeds = check_seeds(args.seed0, args.replications, "--seed0")  # before any run
    result = run_experiment(
        args.scenarios,
        replications=args.replications,
        workers=args.workers,
        out_dir=args.out,
        seed0=args.seed0,
        progress=not args.no_progress,
        months=args.months,
    )
    print(summary_text(result, list(seeds)))
    print(f"\n{len(result.table)} rows in {result.wall_seconds:.1f} s; wrote to {result.out_dir}:")
    print("  " + ", ".join(f.name for f in result.files))
    return 0
