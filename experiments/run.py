"""One seeded run of a scenario: its tables, its summary, and writing them to a folder."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from environment.model import BuildoutModel
from environment.projects import GATES


@dataclass
class RunResult:
    model: pd.DataFrame  # one row per step
    agents: pd.DataFrame  # one row per agent per step
    contracts: pd.DataFrame  # every contract ever signed
    events: pd.DataFrame  # scheduled events and default cascades, dated
    model_object: BuildoutModel | None = None  # the finished model (for the network files)


def check_out_dir(path: str | os.PathLike[str] | None, name: str = "--out") -> Path | None:
    """Refuse an output folder that could not be written, before any work: otherwise a run
    finds out only when writing its results, after the whole simulation.

    Allowed: an existing folder, or a new path whose nearest existing ancestor is a writable
    folder (tried by making and removing a hidden probe folder there, which is reliable even
    for root on read-only or virtual file systems). ``None`` (no output asked) passes. Nothing
    is left on disk. Returns the path, or raises ValueError naming ``name``.
    """
    if path is None:
        return None
    if not str(path).strip():
        raise ValueError(
            f"{name} is empty: allowed a folder path (an existing folder or a new one)"
        )
    out = Path(path)
    allowed = "allowed an existing folder or a new path inside a writable folder"
    try:
        if out.exists() and not out.is_dir():
            raise ValueError(f"{name} {str(out)!r} exists and is not a folder: {allowed}")
        ancestor = out
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise ValueError(f"{name} {str(out)!r}: {str(ancestor)!r} is not a folder: {allowed}")
        os.rmdir(tempfile.mkdtemp(prefix=".gigawatt-probe-", dir=ancestor))
    except OSError as err:
        raise ValueError(
            f"{name} {str(out)!r} cannot be written ({err.strerror}): {allowed}"
        ) from None
    return out


def run_scenario(
    scenario: str = "baseline", seed: int | None = None, months: int | None = None, **overrides
) -> RunResult:
    """Build the model (validating every input first), run it, and return its tables.

    ``months`` is shorthand for ``horizon_months``; giving both is refused rather than letting
    one silently win.
    """
    if months is not None:
        if "horizon_months" in overrides:
            raise ValueError(
                f"the horizon is given twice (--months {months} and --set horizon_months="
                f"{overrides['horizon_months']}): give one of them"
            )
        overrides["horizon_months"] = months
    model = BuildoutModel(scenario=scenario, seed=seed, **overrides)
    model.run()
    return collect(model)


def collect(model: BuildoutModel) -> RunResult:
    model_df = model.datacollector.get_model_vars_dataframe()
    model_df.index.name = "step"
    agents_df = model.datacollector.get_agent_vars_dataframe().reset_index()
    agents_df = agents_df.rename(columns={"Step": "step", "AgentID": "agent_id"})
    agents_df.insert(1, "date", agents_df["step"].map(model_df["date"]))
    events = pd.DataFrame(model.events)
    if events.empty:
        events = pd.DataFrame(columns=["step", "date", "kind", "detail"])
    return RunResult(model_df.reset_index(), agents_df, model.contracts_table(), events, model)


def write_outputs(result: RunResult, out_dir: str | Path) -> Path:
    """Write model.csv, agents.csv, contracts.csv, events.csv and the contract network at the
    end (network.graphml and network.png), all once the run is done."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result.model.to_csv(out / "model.csv", index=False)
    result.agents.to_csv(out / "agents.csv", index=False)
    result.contracts.to_csv(out / "contracts.csv", index=False)
    result.events.to_csv(out / "events.csv", index=False)
    if result.model_object is not None:
        from viz.network import save_network_png

        nx.write_graphml(result.model_object.contract_network(), out / "network.graphml")
        save_network_png(result.model_object, out / "network.png")
    return out


def binding_gate(model_df: pd.DataFrame) -> str:
    """The gate with the most GW-months of projects waiting on it over the run."""
    totals = {gate: model_df[f"bottleneck_{gate}_gw"].sum() for gate in GATES}
    return max(totals, key=totals.get) if any(totals.values()) else "none"


def summary(result: RunResult) -> str:
    """A short text table: capacity by year and at the end (a horizon that is not whole years
    would otherwise leave its last months out), peak funding gap, defaults, binding gate."""
    df = result.model
    yearly = df[(df["step"] % 12 == 0) | (df["step"] == df["step"].max())]
    lines = [
        f"{'date':<8} {'world GW':>9} {'focal GW':>9} {'pipeline GW':>12} "
        f"{'focal revenue $bn/yr':>21} {'focal cash $bn':>15}"
    ]
    for _, row in yearly.iterrows():
        lines.append(
            f"{row['date']:<8} {row['capacity_online_gw']:>9.1f} "
            f"{row['focal_capacity_online_gw']:>9.1f} {row['pipeline_gw']:>12.1f} "
            f"{row['lab_revenue_annual_usd_b']:>21.1f} {row['lab_cash_usd_b']:>15.1f}"
        )
    peak = df["funding_gap_usd_b"].idxmax()
    defaulted = result.agents.loc[result.agents["step"] == df["step"].max()]
    defaulted = defaulted.loc[defaulted["defaulted"], "name"].tolist()
    lines += [
        "",
        f"peak funding gap (focal lab): ${df.loc[peak, 'funding_gap_usd_b']:.1f}bn "
        f"in {df.loc[peak, 'date']}",
        f"defaults: {int(df['defaults_cumulative'].iloc[-1])}"
        + (f" ({', '.join(defaulted)})" if defaulted else ""),
        f"binding bottleneck (most GW-months waiting): {binding_gate(df)}",
        f"stranded at the end: {df['stranded_gw'].iloc[-1]:.1f} GW",
    ]
    return "\n".join(lines)
