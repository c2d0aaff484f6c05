"""What do creditors get back when labs default? Claims, recoveries and campuses sold.

Runs each scenario given (default: ``lab-default`` and ``gigawatt-a-week``, where labs default)
over seeds 0 to N-1 and sums over every default cascade: the creditors' claims (write-offs plus
recoveries), what they recovered (the defaulters' cash, including what their estates got for
campuses sold to rivals), and the GW of campuses sold. Runs in this process (a ten-year run
takes about a tenth of a second).

    python -m experiments.studies.default_recoveries --replications 20
"""

from __future__ import annotations

import argparse
from math import fsum

from environment.model import BuildoutModel
from experiments.experiment import scenario_label
from experiments.options import at_least_one, refuse_repeats, scenario_type


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=scenario_type, default=None)
    parser.add_argument("--replications", type=at_least_one, default=20)
    args = parser.parse_args(argv)
    refuse_repeats(parser, "scenarios", args.scenarios)

    scenarios = args.scenarios or ["lab-default", "gigawatt-a-week"]
    print(
        f"{'scenario':<22}{'defaults':>9}{'claims $bn':>12}{'recovered $bn':>15}"
        f"{'written off $bn':>17}{'campuses sold GW':>18}"
    )
    for scenario in scenarios:
        runs = [
            BuildoutModel(scenario=scenario, seed=seed, record_agents=False)
            for seed in range(args.replications)
        ]
        for model in runs:
            model.run()
        cascades = [c for model in runs for c in model.cascades]
        recovered = fsum(c.total_recovered_usd_b for c in cascades)
        written_off = fsum(c.total_loss_usd_b for c in cascades)
        print(
            f"{scenario_label(scenario):<22}{sum(m.defaults_cumulative for m in runs):>9}"
            f"{recovered + written_off:>12.1f}{recovered:>15.1f}{written_off:>17.1f}"
            f"{fsum(m.campuses_sold_cumulative_gw for m in runs):>18.1f}"
        )
    print(f"\nsums over seeds 0-{args.replications - 1}")


if __name__ == "__main__":
    main()
