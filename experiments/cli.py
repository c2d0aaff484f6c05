"""The ``gigawatt`` command line: run scenarios and experiments, sweep, backtest, calibrate, and
serve the browser page."""

from __future__ import annotations

import argparse
import sys

from environment.parameters import PARAMETERS
from environment.scenario import describe_scenarios
from experiments.backtest import add_backtest_parser, add_calibrate_parser
from experiments.experiment import add_experiment_parser
from experiments.options import fresh_seed, parameter_type, scenario_type, seed_type
from experiments.run import check_out_dir, run_scenario, summary, write_outputs
from experiments.sweep import add_sweep_parser
from viz.serve import add_viz_parser

#: What ``--set NAME=VALUE`` accepts for a true/false parameter (any case).
BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _parse_override(text: str) -> tuple[str, object]:
    """``name=value`` → (name, value typed by the parameter table)."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"--set expects NAME=VALUE, got {text!r}")
    param = PARAMETERS.get(name)
    if param is None:
        raise argparse.ArgumentTypeError(
            f"unknown parameter {name!r}; see 'gigawatt params' for the list"
        )
    if param.kind is bool:
        if value.lower() not in BOOLEAN_WORDS:
            raise argparse.ArgumentTypeError(
                f"parameter {name!r} = {value!r} is invalid: allowed "
                f"{'/'.join(BOOLEAN_WORDS)} (any case)"
            )
        return name, BOOLEAN_WORDS[value.lower()]
    if param.kind in (int, float):
        try:
            return name, float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"parameter {name!r} = {value!r} is not a number: allowed {param.allowed()}"
            ) from None
    return name, value


def _overrides(pairs: list[tuple[str, object]] | None) -> dict[str, object]:
    """``--set`` pairs as a dict; a name set twice is refused, as ``--months`` with
    ``--set horizon_months`` is, rather than the last value silently winning."""
    overrides: dict[str, object] = {}
    for name, value in pairs or []:
        if name in overrides:
            raise ValueError(
                f"parameter {name!r} is given twice (--set {name}={overrides[name]} and "
                f"--set {name}={value}): give it once"
            )
        overrides[name] = value
    return overrides


def cmd_run(args: argparse.Namespace) -> int:
    overrides = _overrides(args.set)
    seed = fresh_seed() if args.seed is None else args.seed  # printed: the run can be repeated
    result = run_scenario(args.scenario, seed=seed, months=args.months, **overrides)
    out = write_outputs(result, args.out)
    drawn = f" (drawn: none given; repeat with --seed {seed})" if args.seed is None else ""
    print(f"scenario {args.scenario}, seed {seed}{drawn}: {len(result.model) - 1} months\n")
    print(summary(result))
    files = (
        "model.csv",
        "agents.csv",
        "contracts.csv",
        "events.csv",
        "network.graphml",
        "network.png",
    )
    written = ", ".join(str(out / f) for f in files)
    print(f"\nwrote {written}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    for name, description in describe_scenarios().items():
        print(f"{name:<22} {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    for p in PARAMETERS.values():
        print(f"{p.name:<38} default {p.default!s:<10} {p.allowed():<34} {p.meaning}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gigawatt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one scenario with one seed and write its tables")
    run.add_argument(
        "scenario",
        type=scenario_type,
        help="scenario name (see 'gigawatt scenarios') or a .toml path",
    )
    run.add_argument(
        "--seed",
        type=seed_type,
        default=None,
        help="random seed, an integer >= 0 (default: drawn from OS entropy and printed)",
    )
    run.add_argument("--out", required=True, help="folder for model.csv, agents.csv, contracts.csv")
    run.add_argument(
        "--months",
        type=parameter_type("horizon_months"),
        default=None,
        help="horizon (default: the scenario's); same as --set horizon_months=N, so not both",
    )
    run.add_argument(
        "--set",
        type=_parse_override,
        action="append",
        metavar="NAME=VALUE",
        help="override a parameter (repeatable); see 'gigawatt params'",
    )
    run.set_defaults(func=cmd_run)

    sub.add_parser("scenarios", help="list the scenarios").set_defaults(func=cmd_scenarios)
    sub.add_parser("params", help="list the parameters with ranges").set_defaults(func=cmd_params)
    add_viz_parser(sub)
    add_experiment_parser(sub)
    add_sweep_parser(sub)
    add_backtest_parser(sub)
    add_calibrate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        check_out_dir(getattr(args, "out", None))  # every --out, before any sub-command works
        return args.func(args)
    except ValueError as err:  # bad input: say what and where, no traceback
        print(f"gigawatt: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
