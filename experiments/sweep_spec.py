"""Sweep specs: read a TOML file, check it against the parameter table, expand it into runs.

Everything here happens before a single run starts and before the output directory exists, so a
bad spec costs nothing and leaves nothing behind. The expansion is a pure function of the spec:
run ids, design points and seeds are the same on every machine and with any executor.

Spec keys (TOML)::

    design = "sobol"          # grid | lhs | sobol | morris
    samples = 64              # base samples N (sobol), trajectories (morris), points (lhs)
    replications = 1          # seeds per design point
    horizon_months = 120
    scenario = "baseline"
    seed = 2026               # sweep seed: design sampling and every run's seed derive from it
    outcomes = ["capacity_online_gw_final"]   # optional; default: all scalar outcomes
    series = ["capacity_online_gw"]           # optional model columns stored per run
    second_order = true       # sobol: also sample second-order indices (N*(2D+2) runs)
    levels = 4                # grid: points per range (>= 2); morris: grid levels (even, >= 2)
    batch_size = 25           # optional: runs per task sent to a worker

    [parameters]
    ambition = [0.5, 2.0]                   # a range [low, high]
    capex_per_gw_usd_b = {values = [40, 60]}  # a list of values
    chip_allocation_rule = ["pro_rata", "strategic_first"]  # non-numeric lists are values
    build_months = 24                       # a fixed value

A spec may ask for at most :data:`MAX_RUNS` runs (design points x replications); the count is
worked out from the spec alone and a bigger one is refused before the design is sampled.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from SALib.sample import latin, morris, sobol

from environment.parameters import PARAMETERS, Value, defaults, validate
from environment.scenario import check_parameter_changes, load_scenario, place_events
from experiments.outcomes import OUTCOMES, SERIES_COLUMNS

DESIGNS = ("grid", "lhs", "sobol", "morris")
#: Most runs one spec may ask for. A million ten-year runs take ~13 h on 2 cores (~21 runs/s,
#: README) after ~1.5 min and ~0.7 GB to expand and check the design (measured); a spec much
#: bigger would exhaust memory before its first run.
MAX_RUNS = 1_000_000
_KEYS = {
    "design",
    "samples",
    "replications",
    "horizon_months",
    "scenario",
    "seed",
    "outcomes",
    "series",
    "second_order",
    "levels",
    "batch_size",
    "parameters",
}


@dataclass(frozen=True)
class Factor:
    """One swept parameter: a numeric range or a list of values."""

    name: str
    low: float | None = None
    high: float | None = None
    values: tuple[Value, ...] | None = None

    @property
    def integer(self) -> bool:
        return self.values is None and PARAMETERS[self.name].kind is int

    @property
    def bounds(self) -> list[float]:
        """The interval the samplers draw from. Values are equal-width bins of [0, 1]; an integer
        range is widened by half a step on each side so that every integer is equally likely."""
        if self.values is not None:
            return [0.0, 1.0]
        pad = 0.5 if self.integer else 0.0
        return [self.low - pad, self.high + pad]

    def decode(self, x: float) -> Value:
        """The parameter value at design coordinate ``x`` (within :attr:`bounds`)."""
        if self.values is not None:
            return self.values[min(int(x * len(self.values)), len(self.values) - 1)]
        if self.integer:
            return int(min(max(math.floor(x + 0.5), self.low), self.high))
        return float(x)


@dataclass(frozen=True)
class SweepSpec:
    design: str
    samples: int
    replications: int
    horizon_months: int
    scenario: str
    seed: int
    outcomes: tuple[str, ...]
    series: tuple[str, ...]
    second_order: bool
    levels: int
    factors: tuple[Factor, ...]
    fixed: dict[str, Value] = field(default_factory=dict)
    batch_size: int | None = None

    def identity(self) -> str:
        """Hash of everything that decides the runs' results (not how they are scheduled)."""
        content = {k: v for k, v in asdict(self).items() if k != "batch_size"}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Run:
    run_id: int
    point: int
    replication: int
    seed: int
    params: dict[str, Value]


@dataclass(frozen=True)
class Design:
    """Design points (parameter dicts) plus what SALib's analysis needs to read them back."""

    points: list[dict[str, Value]]
    problem: dict[str, Any]
    samples: np.ndarray  # the design in SALib's coordinates (see Factor.bounds)


def _positive_int(raw: dict, key: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"spec {key!r} = {value!r} is invalid: allowed a positive integer")
    return value


def _flag(raw: dict, key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"spec {key!r} = {value!r} is invalid: allowed true or false")
    return value


def _names(raw: dict, key: str, known: tuple[str, ...], default: tuple[str, ...]) -> tuple:
    names = raw.get(key, default)
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValueError(
            f"spec {key!r} = {names!r} is invalid: allowed a list of names from {', '.join(known)}"
        )
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"spec {key!r}: unknown {unknown}; known: {', '.join(known)}")
    return tuple(names)


def parse_factor(name: str, entry: Any, where: str = "sweep parameter") -> Factor | Value:
    """Parse one [parameters] entry into a Factor, or a validated fixed value."""
    if name not in PARAMETERS or name == "horizon_months":
        raise ValueError(
            f"unknown {where} {name!r} (set horizon_months at the top level); "
            f"known parameters: {', '.join(sorted(PARAMETERS))}"
        )
    p = PARAMETERS[name]
    if isinstance(entry, dict):
        if set(entry) != {"values"} or not isinstance(entry["values"], list) or not entry["values"]:
            raise ValueError(f"{where} {name!r}: a table must be {{values = [v, ...]}}")
        return Factor(name, values=tuple(p.validate(v, where) for v in entry["values"]))
    if not isinstance(entry, list):
        return p.validate(entry, where)
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in entry)
    if not (len(entry) == 2 and numbers and p.kind in (int, float)):
        return parse_factor(name, {"values": entry}, where)
    low, high = float(entry[0]), float(entry[1])
    if not (p.low <= low < high <= p.high):
        raise ValueError(
            f"{where} {name!r} range [{low:g}, {high:g}] is invalid: need "
            f"low < high within the allowed {p.allowed()}"
        )
    return Factor(name, low=low, high=high)


def parse_spec(raw: dict[str, Any]) -> SweepSpec:
    """Validate a spec dict against the parameter table; raise ValueError naming the culprit."""
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"unknown spec keys {sorted(unknown)}; known: {sorted(_KEYS)}")
    design = raw.get("design")
    if design not in DESIGNS:
        raise ValueError(f"spec 'design' = {design!r} is invalid: allowed one of {DESIGNS}")
    entries = raw.get("parameters", {})
    if not isinstance(entries, dict):
        raise ValueError(
            f"spec 'parameters' = {entries!r} is invalid: allowed a [parameters] table of "
            "name = [low, high], name = {values = [...]} or name = value"
        )
    parsed = {name: parse_factor(name, entry) for name, entry in entries.items()}
    factors = tuple(f for f in parsed.values() if isinstance(f, Factor))
    if not factors:
        raise ValueError("spec [parameters] must sweep at least one parameter")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"spec 'seed' = {seed!r} is invalid: allowed an integer >= 0")
    scenario = raw.get("scenario", "baseline")
    if not isinstance(scenario, str):
        raise ValueError(f"spec 'scenario' = {scenario!r} is invalid: allowed a scenario name")
    load_scenario(scenario)  # raises ValueError naming an unknown scenario or a bad field
    outcomes = _names(raw, "outcomes", OUTCOMES, OUTCOMES)
    if not outcomes:  # an empty list would run every model and keep nothing worth analysing
        raise ValueError("spec 'outcomes' = [] is invalid: name at least one (omit it for all)")
    levels = raw.get("levels", 4)  # one level would sweep nothing
    if (
        isinstance(levels, bool)
        or not isinstance(levels, int)
        or levels < 2
        or (design == "morris" and levels % 2)
    ):
        raise ValueError(
            f"spec 'levels' = {levels!r} is invalid: allowed an integer >= 2 (grid: points per "
            "range), and even for morris (SALib's trajectories are biased otherwise)"
        )
    spec = SweepSpec(
        design=design,
        samples=_positive_int(raw, "samples", 1),
        replications=_positive_int(raw, "replications", 1),
        horizon_months=PARAMETERS["horizon_months"].validate(
            raw.get("horizon_months", PARAMETERS["horizon_months"].default), "spec"
        ),
        scenario=scenario,
        seed=seed,
        outcomes=outcomes,
        series=_names(raw, "series", SERIES_COLUMNS, ()),
        second_order=_flag(raw, "second_order", True),
        levels=levels,
        factors=factors,
        fixed={n: v for n, v in parsed.items() if not isinstance(v, Factor)},
        batch_size=_positive_int(raw, "batch_size", 1) if "batch_size" in raw else None,
    )
    runs = count_runs(spec)
    if runs > MAX_RUNS:
        raise ValueError(
            f"spec asks for {runs:,} runs ({runs // spec.replications:,} {design} points x "
            f"{spec.replications:,} replications): allowed at most {MAX_RUNS:,} "
            "(MAX_RUNS); lower samples, levels or replications"
        )
    return spec


def count_runs(spec: SweepSpec) -> int:
    """Runs the spec will make, from its sizes alone (without sampling the design)."""
    d = len(spec.factors)
    if spec.design == "grid":
        points = math.prod(spec.levels if f.values is None else len(f.values) for f in spec.factors)
    elif spec.design == "lhs":
        points = spec.samples
    elif spec.design == "sobol":
        points = spec.samples * (2 * d + 2 if spec.second_order else d + 2)
    else:
        points = spec.samples * (d + 1)
    return points * spec.replications


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a spec file; a missing, unreadable or malformed file is a ValueError
    naming it."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except OSError as err:
        raise ValueError(f"sweep spec {str(path)!r}: {err.strerror}: allowed a TOML file") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"sweep spec {str(path)!r}: not valid TOML: {err}") from None
    return parse_spec(raw)


def _grid_axis(factor: Factor, levels: int) -> list[float]:
    if factor.values is not None:
        return [(i + 0.5) / len(factor.values) for i in range(len(factor.values))]
    return list(np.linspace(factor.low, factor.high, levels))


def build_design(spec: SweepSpec) -> Design:
    """Sample the design (SALib for lhs/sobol/morris) and validate every point.

    Categorical factors are sampled on [0, 1] and binned, so every design works with them.
    Each point is validated merged over the defaults and the scenario's own parameters (what
    the run will see), and against the scenario's timeline of parameter changes, so
    cross-parameter rules (e.g. debt_spread_min <= debt_spread_max) are caught before any run
    even when only one side is swept, or when an event changes the other later.
    """
    problem = {
        "num_vars": len(spec.factors),
        "names": [f.name for f in spec.factors],
        "bounds": [f.bounds for f in spec.factors],
    }
    if spec.design == "grid":
        axes = [_grid_axis(f, spec.levels) for f in spec.factors]
        samples = np.array(list(itertools.product(*axes)))
    elif spec.design == "lhs":
        samples = latin.sample(problem, spec.samples, seed=spec.seed)
    elif spec.design == "sobol":
        samples = sobol.sample(
            problem, spec.samples, calc_second_order=spec.second_order, seed=spec.seed
        )
    else:
        samples = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
    scenario = load_scenario(spec.scenario)
    base = {**defaults(), **scenario["parameters"], "horizon_months": spec.horizon_months}
    changes = [e for e in scenario["events"] if e["kind"] == "set_parameter"]
    points = []
    for i, row in enumerate(samples):
        swept = {f.name: f.decode(u) for f, u in zip(spec.factors, row, strict=True)}
        point = {**spec.fixed, **swept}
        try:
            checked = validate({**base, **point})
            if changes:  # the scenario's timeline must stay valid with this point's values
                timeline, _ = place_events(changes, checked["start_date"], spec.horizon_months)
                check_parameter_changes(checked, timeline)
        except ValueError as err:
            raise ValueError(
                f"sweep design point {i} {point} (with scenario {spec.scenario!r} and the "
                f"defaults) is invalid: {err}"
            ) from None
        points.append({name: checked[name] for name in point})
    return Design(points=points, problem=problem, samples=samples)


def replication_seed(sweep_seed: int, replication: int) -> int:
    """Seed of replication ``r``: the same at every design point (common random numbers).

    Sharing seeds across points keeps model noise out of the differences between points, so
    sensitivity indices measure the parameters and not the dice.
    """
    state = np.random.SeedSequence([sweep_seed, replication]).generate_state(1, dtype=np.uint32)
    return int(state[0])


def plan_runs(spec: SweepSpec, design: Design) -> list[Run]:
    """Number the runs: run_id = point * replications + replication."""
    seeds = [replication_seed(spec.seed, r) for r in range(spec.replications)]
    return [
        Run(i * spec.replications + r, i, r, seeds[r], point)
        for i, point in enumerate(design.points)
        for r in range(spec.replications)
    ]
