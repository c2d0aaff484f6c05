"""Input checks shared by every command, study script and entry point, so that bad input is
refused the same way everywhere: before any work, naming the option or argument and what is
allowed.

The ``*_type`` functions are argparse ``type=`` callables (argparse prefixes their message with
``argument --NAME:`` and exits with status 2); :func:`whole` is the same rule for Python callers.
"""

from __future__ import annotations

import argparse
import math
import numbers
import secrets
from collections.abc import Callable

#: The largest seed accepted: seeds are stored in int64 columns (runs.parquet, sweep tables),
#: which cannot hold more, so a bigger one would fail only when the results are written.
MAX_SEED = 2**63 - 1

#: TCP ports a server can listen on.
PORTS = (1, 65535)


def _allowed(low: int, high: int | None) -> str:
    top = "2**63 - 1" if high == MAX_SEED else str(high)
    return f"an integer >= {low}" + ("" if high is None else f" and <= {top}")


def whole(name: str, value: object, low: int = 0, high: int | None = None) -> int:
    """``value`` as an int in [low, high], or ValueError naming ``name``. Numbers only (numpy's
    too, and integral floats, as samplers and data frames hand them over): never a bool, a
    string or a fraction, which ``int()`` would silently turn into some other number."""
    ok = not isinstance(value, bool) and (
        isinstance(value, numbers.Integral)
        or (isinstance(value, numbers.Real) and math.isfinite(value) and value == int(value))
    )
    if not ok or value < low or (high is not None and value > high):
        raise ValueError(f"{name} = {value!r} is invalid: allowed {_allowed(low, high)}")
    return int(value)


def check_seeds(first: int, count: int, name: str) -> range:
    """Seeds ``first .. first + count - 1``, refused (naming ``name``, the first seed) when the
    last would exceed :data:`MAX_SEED`."""
    if first + count - 1 > MAX_SEED:
        raise ValueError(
            f"{name} = {first} is invalid with {count} seeds: allowed an integer >= 0 and "
            f"<= 2**63 - {count} (the last seed, {name} + {count - 1}, must be <= 2**63 - 1)"
        )
    return range(first, first + count)


def fresh_seed() -> int:
    """A seed from OS entropy, for a run given none: printed so that the run can be repeated."""
    return secrets.randbelow(2**32)


def integer_type(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high] (``high`` None: no upper bound)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r} is invalid: allowed {_allowed(low, high)}")
        return value

    return parse


#: An argparse type for counts (replications, workers, particles, ...): 1 or more.
at_least_one = integer_type(1)
#: An argparse type for a seed, or the first of a run of seeds.
seed_type = integer_type(0, MAX_SEED)
#: An argparse type for a TCP port to listen on.
port_type = integer_type(*PORTS)


def fraction_type(low_open: bool = True, high_open: bool = True) -> Callable[[str], float]:
    """An argparse type: a number between 0 and 1, each end excluded when ``*_open``."""
    allowed = f"a number {'0 <' if low_open else '0 <='} x {'< 1' if high_open else '<= 1'}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        too_low = value <= 0 if low_open else value < 0
        too_high = value >= 1 if high_open else value > 1
        if not math.isfinite(value) or too_low or too_high:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid: allowed {allowed}")
        return value

    return parse


def parameter_type(name: str) -> Callable[[str], int | float]:
    """An argparse type for an option that sets the world parameter ``name`` (``--months`` is
    ``horizon_months``): its number, checked against the parameter table's range."""
    from environment.parameters import PARAMETERS

    param = PARAMETERS[name]

    def parse(text: str) -> int | float:
        try:
            value = param.kind(text)
        except ValueError:
            value = None
        try:
            return param.validate(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is invalid: allowed {param.allowed()} (parameter {name})"
            ) from None

    return parse


def scenario_type(text: str) -> str:
    """An argparse type: a scenario name or .toml path that loads (every field validated; a
    missing file is told apart from an unknown name by ``environment.scenario.scenario_path``)."""
    from environment.scenario import load_scenario

    try:
        load_scenario(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def out_dir_type(text: str) -> str:
    """An argparse type: an output folder that can be written (see ``check_out_dir``)."""
    from experiments.run import check_out_dir

    try:
        check_out_dir(text, "folder")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def refuse_repeats(parser: argparse.ArgumentParser, name: str, values: list[str]) -> None:
    """A positional list naming something twice is refused by name (it would run twice)."""
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        parser.error(f"argument {name}: {', '.join(repeated)} given twice; name each once")
