"""Can a gigawatt a week be reached, by when, and what breaks first?

Runs ``gigawatt-a-week`` (labs may start ~1 GW of campuses a week from 2029, focal plan ramping
to 1 GW a week) beside ``baseline`` over the same seeds, then reads off: the fastest 12-month
build rate any run achieves, the first year the median world reaches 10 and 30 GW, the odds the
focal lab defaults, and which gate holds the most pipeline. Tables and plots go to ``--out``.

    python -m experiments.studies.gigawatt_a_week --replications 30 --workers 2
"""

from __future__ import annotations

import argparse

from experiments.experiment import first_year, run_experiment, wide
from experiments.options import at_least_one, out_dir_type

WEEKLY_GW_PER_YEAR = 52.0  # 1 GW a week (digest A)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=at_least_one, default=30)
    parser.add_argument("--workers", type=at_least_one, default=2)
    parser.add_argument("--out", type=out_dir_type, default="runs/study-gigawatt-a-week")
    args = parser.parse_args(argv)

    scenarios = ["baseline", "gigawatt-a-week"]
    result = run_experiment(scenarios, args.replications, args.workers, args.out)
    capacity = wide(result.table, "capacity_online_gw")
    built_in_a_year = capacity.diff(12, axis=1)  # GW added over the previous 12 months
    for scenario in scenarios:
        rates = built_in_a_year.loc[scenario].max(axis=1)  # each run's best 12 months
        reached = (rates >= WEEKLY_GW_PER_YEAR).mean()
        top = result.gates[(result.gates["scenario"] == scenario) & (result.gates["rank"] == 1)]
        end = result.risk[result.risk["scenario"] == scenario].iloc[-1]
        print(f"\n{scenario}")
        print(
            f"  best 12-month build: median {rates.median():.1f} GW/yr, max {rates.max():.1f} "
            f"(1 GW a week = {WEEKLY_GW_PER_YEAR:.0f}); runs reaching it: {reached:.0%}"
        )
        for column, what in (("p_world_10gw", "world 10 GW"), ("p_world_30gw", "world 30 GW")):
            print(
                f"  {what} in most runs by: {first_year(result.risk, scenario, column) or 'never'}"
            )
        print(f"  P(focal lab defaults by {end['year']}): {end['p_focal_default']:.2f}")
        print(
            f"  what breaks first (most GW-months waiting): {top['gate'].iloc[0]} "
            f"({top['gw_months_median'].iloc[0]:.0f} GW-months median)"
        )
    print(f"\ntables and plots in {result.out_dir}")


if __name__ == "__main__":  # required: worker processes re-import this module
    main()
