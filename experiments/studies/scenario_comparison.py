"""How do the scenarios compare? Capacity at year 5 and at the end, odds, costliest gate.

Runs every scenario given (default: the library shipped in ``environment/scenarios``) over the
same seeds and prints one line per scenario; the full summary, tables and plots go to ``--out``.

    python -m experiments.studies.scenario_comparison --replications 20 --workers 2
    python -m experiments.studies.scenario_comparison baseline my-scenario.toml
"""

from __future__ import annotations

import argparse

from environment.scenario import list_scenarios
from experiments.experiment import run_experiment, scenario_label, wide
from experiments.options import at_least_one, out_dir_type, refuse_repeats, scenario_type


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=scenario_type, default=None)
    parser.add_argument("--replications", type=at_least_one, default=20)
    parser.add_argument("--workers", type=at_least_one, default=2)
    parser.add_argument("--out", type=out_dir_type, default="runs/study-scenario-comparison")
    args = parser.parse_args(argv)
    refuse_repeats(parser, "scenarios", args.scenarios)

    scenarios = args.scenarios or list_scenarios()
    result = run_experiment(scenarios, args.replications, args.workers, args.out)
    world = wide(result.table, "capacity_online_gw")
    focal = wide(result.table, "focal_capacity_online_gw")
    end = result.risk[result.risk["year"] == result.risk["year"].max()].set_index("scenario")
    top = result.gates[result.gates["rank"] == 1].set_index("scenario")["gate"]
    print(
        f"\n{'scenario':<22}{'world GW y5':>12}{'world GW end':>13}{'focal GW end':>13}"
        f"{'P(focal 30GW)':>14}{'P(default)':>11}  binds most"
    )
    for s in scenarios:
        label = scenario_label(s)
        print(
            f"{label:<22}{world.loc[label].iloc[:, 60].median():>12.1f}"
            f"{world.loc[label].iloc[:, -1].median():>13.1f}"
            f"{focal.loc[label].iloc[:, -1].median():>13.1f}"
            f"{end.loc[label, 'p_focal_30gw']:>14.2f}{end.loc[label, 'p_focal_default']:>11.2f}"
            f"  {top[label]}"
        )
    print(f"\nmedians over {args.replications} seeds; tables and plots in {result.out_dir}")


if __name__ == "__main__":  # required: worker processes re-import this module
    main()
