"""The one pure entry point sweep tools call: parameters and a seed in, named outcomes out.

SALib designs, the sweep runner, Dask workers and EMA Workbench all evaluate the model through
:func:`simulate`, so an outcome means the same thing whichever tool produced it. It holds no
global state: everything a run depends on is in its arguments.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from environment.model import MODEL_COLUMNS
from experiments.options import MAX_SEED, whole

# Model columns reported as time series when ``series=True`` (one value per month, month 0 first).
SERIES_COLUMNS: tuple[str, ...] = tuple(c for c in MODEL_COLUMNS if c != "date")

# Scalar outcome -> (reduction, model column). Reductions act on the monthly column; names differ
# from the series names so that one flat dict can hold both.
_REDUCED: dict[str, tuple[str, str]] = {
    "capacity_online_gw_final": ("last", "capacity_online_gw"),
    "focal_capacity_online_gw_final": ("last", "focal_capacity_online_gw"),
    "pipeline_gw_final": ("last", "pipeline_gw"),
    "capex_cumulative_usd_b_final": ("last", "capex_cumulative_usd_b"),
    "defaults_cumulative_final": ("last", "defaults_cumulative"),
    "stranded_gw_final": ("last", "stranded_gw"),
    "permits_denied_cumulative_final": ("last", "permits_denied_cumulative"),
    "lab_debt_usd_b_final": ("last", "lab_debt_usd_b"),
    "peak_funding_gap_usd_b": ("max", "funding_gap_usd_b"),
    "peak_power_price_usd_mwh": ("max", "power_price_usd_mwh"),
    "peak_chip_price_usd_b_per_gw": ("max", "chip_price_usd_b_per_gw"),
    "min_grid_reserve_margin": ("min", "grid_reserve_margin"),
    "min_tightest_reserve_margin": ("min", "tightest_reserve_margin"),
    "peak_load_shed_gw": ("max", "load_shed_gw"),
    "min_investor_sentiment": ("min", "investor_sentiment"),
    "bottleneck_permit_gw_mean": ("mean", "bottleneck_permit_gw"),
    "bottleneck_power_gw_mean": ("mean", "bottleneck_power_gw"),
    "bottleneck_onsite_power_gw_mean": ("mean", "bottleneck_onsite_power_gw"),
    "bottleneck_chips_gw_mean": ("mean", "bottleneck_chips_gw"),
    "bottleneck_capital_gw_mean": ("mean", "bottleneck_capital_gw"),
    "bottleneck_build_gw_mean": ("mean", "bottleneck_build_gw"),
    "circular_financing_usd_b_final": ("last", "circular_financing_usd_b"),
    "cascade_losses_cumulative_usd_b_final": ("last", "cascade_losses_cumulative_usd_b"),
    "peak_largest_exposure_share": ("max", "largest_exposure_share"),
}

_REDUCERS = {"last": lambda a: a[-1], "max": np.max, "min": np.min, "mean": np.mean}

# Every scalar outcome simulate() returns, in a fixed order (sweep tables use it as schema).
OUTCOMES: tuple[str, ...] = (
    *_REDUCED,
    "capacity_online_gw_year5",
    "months_to_10_gw",
    "focal_defaulted",
)


def scalar_outcomes(frame: pd.DataFrame, focal_defaulted: bool) -> dict[str, float]:
    """Reduce the DataCollector's monthly table (row 0 = initial state) to named scalars.

    NaN marks an outcome the run cannot define (year 5 beyond the horizon, 10 GW never reached).
    """
    out = {
        name: float(_REDUCERS[how](frame[column].to_numpy(dtype=float)))
        for name, (how, column) in _REDUCED.items()
    }
    capacity = frame["capacity_online_gw"].to_numpy(dtype=float)
    out["capacity_online_gw_year5"] = float(capacity[60]) if len(capacity) > 60 else np.nan
    reached = np.flatnonzero(capacity >= 10.0)
    out["months_to_10_gw"] = float(reached[0]) if reached.size else np.nan
    out["focal_defaulted"] = float(focal_defaulted)
    return out


def simulate(
    params: dict[str, Any],
    seed: int,
    horizon_months: int | None = None,
    scenario: str = "baseline",
    series: bool = False,
) -> dict[str, Any]:
    """Run one model to its horizon and return its scalar outcomes (and series if asked).

    ``params`` are world-parameter keywords of ``BuildoutModel``; ``horizon_months`` overrides
    the parameter of that name when given. Series come back as float arrays named by column.
    ``seed`` and ``horizon_months`` must be whole numbers (numpy's and integral floats from
    samplers too): a bool, a string or a fraction is refused, not silently truncated.
    """
    # Imported on call so that spec validation and a Dask scheduler need not load the model.
    from environment.model import BuildoutModel
    from environment.parameters import PARAMETERS

    seed = whole("seed", seed, high=MAX_SEED)
    kwargs = dict(params)
    if horizon_months is not None:
        kwargs["horizon_months"] = PARAMETERS["horizon_months"].validate(
            horizon_months, "simulate() argument"
        )
    model = BuildoutModel(scenario=scenario, seed=seed, record_agents=False, **kwargs)
    try:
        while model.running:
            model.step()
        frame = model.datacollector.get_model_vars_dataframe()
        out: dict[str, Any] = scalar_outcomes(frame, bool(model.focal_lab.defaulted))
        if series:
            out.update({c: frame[c].to_numpy(dtype=float) for c in SERIES_COLUMNS})
        return out
    finally:
        release(model)


def release(model: mesa.Model) -> None:
    """Let a finished model be freed: Mesa 3.3 keeps every model alive through its agent-id
    registry, so long sweeps leak without this (Mesa 3.4.2 fixed it and has no registry)."""
    registry = getattr(mesa.Agent, "_ids", None)
    if registry is not None:
        registry.pop(model, None)
