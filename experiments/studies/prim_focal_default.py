"""Under which conditions does the focal lab default? Scenario discovery with EMA Workbench.

Runs a seeded Latin hypercube over the drivers of the capital crunch through the EMA adapter
(on Dask), then lets PRIM find the box of parameter space where the focal lab defaults in most
seeds. Run from the repository root:

    python -m experiments.studies.prim_focal_default --experiments 500 --workers 2
    python -m experiments.studies.prim_focal_default --scheduler tcp://HOST:8786  # a cluster
"""

from __future__ import annotations

import argparse

import numpy as np
from ema_workbench.analysis import prim

from experiments.ema_adapter import DaskEvaluator, build_model, lhs_scenarios
from experiments.options import at_least_one, fraction_type, parameter_type, seed_type

# Plausible rather than allowed ranges: the full table ranges would mostly explore worlds with
# no capital or no demand, where the answer is trivial.
UNCERTAINTIES: dict[str, list[float]] = {
    "capex_per_gw_usd_b": [30.0, 70.0],
    "investor_capital_multiplier": [0.25, 2.0],
    "investor_risk_appetite_multiplier": [0.5, 2.0],
    "demand_growth_per_year": [0.5, 2.5],
    "compute_price_decline_per_year": [0.1, 0.6],
    "fixed_costs_usd_b_per_year_per_revenue": [0.3, 1.2],
    "sentiment_initial": [0.3, 0.9],
    "ambition": [0.5, 2.0],
    "base_interest_rate": [0.02, 0.08],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=at_least_one, default=500)
    parser.add_argument("--replications", type=at_least_one, default=2, help="seeds per experiment")
    parser.add_argument(
        "--horizon", type=parameter_type("horizon_months"), default=120, help="months"
    )
    parser.add_argument("--seed", type=seed_type, default=2026)
    parser.add_argument("--workers", type=at_least_one, default=2)
    parser.add_argument("--scheduler", default="local", help='"local" or tcp://HOST:PORT')
    parser.add_argument(  # the share of a box's experiments that default: above 1 none can
        "--threshold",
        type=fraction_type(high_open=False),
        default=0.8,
        help="PRIM density target, 0 < x <= 1",
    )
    args = parser.parse_args(argv)

    model = build_model(
        UNCERTAINTIES,
        outcomes=["focal_defaulted"],
        replications=args.replications,
        seed=args.seed,
        horizon_months=args.horizon,
    )
    scenarios = lhs_scenarios(UNCERTAINTIES, args.experiments, args.seed)
    with DaskEvaluator(model, scheduler=args.scheduler, n_workers=args.workers) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios)

    # A case "defaults" when the focal lab defaults in at least half of its seeds.
    defaults = np.asarray(outcomes["focal_defaulted"]) >= 0.5
    print(f"focal lab defaults in {defaults.sum()} of {len(defaults)} experiments")
    if defaults.all() or not defaults.any():
        print("no contrast for PRIM: widen UNCERTAINTIES or the horizon")
        return 1
    finder = prim.Prim(experiments[list(UNCERTAINTIES)], defaults, threshold=args.threshold)
    box = finder.find_box()
    print(f"PRIM box: coverage {box.coverage:.2f}, density {box.density:.2f}")
    print(box.box_lims[-1].to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
