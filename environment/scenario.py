"""Scenarios: named TOML files of parameter overrides plus the initial state of every agent.

A scenario file lives in ``environment/scenarios/NAME.toml`` (or anywhere, given by path). It has
a ``name`` and ``description``, a ``[parameters]`` table of world-parameter overrides, and arrays
of tables for ``jurisdictions`` (a government and its utility), ``labs``, ``vendors``,
``investors``, ``generation_kinds``, initial ``projects``, initial ``contracts`` and a timeline
of dated ``events`` (kinds in ``EVENT_FIELDS``). Every field
is checked against ``SECTIONS`` below before the model is built; each default in the files
cites the seed digest or says it is an assumption (as a TOML comment).
"""

from __future__ import annotations

import os
import tomllib
from itertools import groupby
from pathlib import Path
from typing import Any

from environment.parameters import PARAMETERS, Parameter
from environment.parameters import validate as validate_parameters

SCENARIO_DIR = Path(__file__).parent / "scenarios"
_MONTH = r"(19|20|21)\d\d-(0[1-9]|1[0-2])"


def _f(name, low, high, default=None, unit="", meaning=""):
    """A field of an agent table; ``default=None`` makes it required."""
    value = default if default is not None else (0.0 if isinstance(low, float) else low)
    return name, Parameter(name, unit, value, low, high, meaning, "scenario file"), default is None


def _s(name, default=None, choices=None, pattern=None):
    return (
        name,
        Parameter(
            name,
            "",
            default or "",
            None,
            None,
            "",
            "scenario file",
            choices=choices,
            pattern=pattern,
        ),
        default is None,
    )


def _b(name, default=False):
    return name, Parameter(name, "", default, None, None, "", "scenario file"), False


SECTIONS: dict[str, list] = {
    "jurisdictions": [
        _s("name"),
        _f("policy_stance", 0.0, 1.0),
        _f("incentive_share", 0.0, 1.0),
        _f("opposition", 0.0, 1.0),
        _s("moratorium_until", "", pattern=f"({_MONTH})?"),
        _s("utility"),
        _f("utility_cash_usd_b", 0.0, 1e5),
        _f("peak_load_gw", 0.0, 1e4),
        _f("headroom_gw", 0.0, 1e4),
        _f("target_reserve_margin", 0.01, 1.0),
        _f("interconnection_delay_months", 0.0, 240.0),
        _f("power_price_usd_mwh", 1.0, 1e4),  # a tariff: prices are read as ratios to it
        _f("marginal_cost_share", 0.0, 1.0),
        _f("max_new_generation_gw_per_year", 0.0, 1e4),
    ],
    "labs": [
        _s("name"),
        _f("cash_usd_b", 0.0, 1e5),
        _f("demand_gw", 0.0, 1e4),
        _b("focal"),
        _f("demand_growth_scale", 0.0, 10.0, 1.0),
        _f("announced_target_gw", 0.0, 1e4, 0.0),
        _s("announced_target_date", "", pattern=f"({_MONTH})?"),
        _f("core_cash_flow_usd_b_per_year", 0.0, 1e5, 0.0),
        _f("max_cost_of_capital", 0.0, 5.0, 0.35),
    ],
    "vendors": [
        _s("name"),
        _f("cash_usd_b", 0.0, 1e5),
        _f("production_gw_per_year", 0.0, 1e4),
        _f("relative_price", 0.01, 10.0),
        _f("unit_cost_share", 0.0, 1.0),
        _f("relative_efficiency", 0.01, 100.0),
        _f("generation_months", 1, 120),
        _f("capacity_cost_usd_b_per_gw_year", 0.0, 1e3),
        _b("finances_customers"),
    ],
    "investors": [
        _s("name"),
        _s("style", choices=("strategic", "equity", "debt")),
        _f("capital_usd_b", 0.0, 1e6),
        _f("inflow_usd_b_per_year", 0.0, 1e6),
        _f("risk_appetite", 0.0, 1.0),
        _f("required_return", 0.0, 5.0),
        _f("max_deal_share", 0.0, 1.0),
    ],
    "generation_kinds": [
        _s("name"),
        _f("lead_time_months", 1, 240),
        _f("cost_usd_b_per_gw", 0.0, 1e3),
        _f("firm_share", 0.01, 1.0),
    ],
    "projects": [
        _s("owner"),
        _s("jurisdiction"),
        _f("size_gw", 0.0, 1e3),
        _s("stage", choices=("permitting", "building", "online")),
        _f("build_months_done", 0, 120, 0),
        _s("energised", "", pattern=f"({_MONTH})?"),
        _f("efficiency_index", 0.01, 100.0, 1.0),
        _f("chips_age_months", 0, 240, 0),
        _f("ppa_price_usd_mwh", 0.0, 1e4, 0.0),
    ],
    "contracts": [
        _s("kind", choices=("chip_supply", "lease")),
        _s("buyer"),
        _s("seller"),
        _f("volume_gw", 0.001, 1e4),  # at least a megawatt: a lease pays per GW delivered
        _f("price", 0.0, 1e4, 0.0),
        _s("start", pattern=_MONTH),
        _s("end", pattern=_MONTH),
        _f("take_or_pay_share", 0.0, 1.0, 0.0),
    ],
}


#: Timeline event kinds and the fields each needs besides ``date`` (and an optional ``note``).
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "set_parameter": ("parameter", "value"),  # a dynamic world parameter takes a new value
    "efficiency_jump": ("factor",),  # a new architecture: demand needs 1/factor the compute
    "sentiment_shock": ("size",),  # every investor's sentiment drops by size
    "moratorium": ("jurisdiction", "until"),  # no permits decided there until the date
    "incentive": ("jurisdiction", "value"),  # investment incentive share of facility capex
    "fast_track_permits": ("jurisdiction", "factor"),  # review time times factor ("*" = all)
    "new_lab": ("agent",),  # an entrant, with the fields of a [[labs]] row
    "new_vendor": ("agent",),  # with the fields of a [[vendors]] row
    "new_investor": ("agent",),  # with the fields of an [[investors]] row
}
_ENTRANT_SECTION = {"new_lab": "labs", "new_vendor": "vendors", "new_investor": "investors"}


def scenario_path(name_or_path: str | Path) -> Path:
    """The file of a scenario. Text ending in ``.toml`` or holding a folder separator is a path,
    anything else a name in the library: the one place deciding which, so that a path that does
    not exist is reported as a missing file, not as an unknown scenario name."""
    if not isinstance(name_or_path, str | Path):
        raise ValueError(f"scenario must be a scenario name or a .toml path, got {name_or_path!r}")
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or os.sep in text:
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"scenario file {text!r} not found")
        if path.suffix != ".toml":
            raise ValueError(f"scenario file {text!r} is not a .toml file")
        return path
    path = SCENARIO_DIR / f"{text}.toml"
    if not path.is_file():
        raise ValueError(f"unknown scenario {text!r}; available: {', '.join(list_scenarios())}")
    return path


def list_scenarios() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def describe_scenarios() -> dict[str, str]:
    """Scenario name -> its one-line description."""
    return {name: load_scenario(name)["description"] for name in list_scenarios()}


def load_scenario(name_or_path: str | Path) -> dict[str, Any]:
    """Read and validate a scenario; raises ValueError naming the bad field and its range."""
    path = scenario_path(name_or_path)
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"scenario file {path}: {err}") from None
    known = {"name", "description", "parameters", "events", *SECTIONS}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(
            f"scenario {path.name}: unknown section(s) {sorted(unknown)}; known: {sorted(known)}"
        )
    parameters = raw.get("parameters", {})
    if not isinstance(parameters, dict):
        raise ValueError(f"scenario {path.name}: [parameters] must be a table of name = value")
    spec: dict[str, Any] = {
        "name": raw.get("name", path.stem),
        "description": raw.get("description", ""),
        "parameters": validate_parameters(parameters, context=f"scenario {path.name}: "),
    }
    for section, fields in SECTIONS.items():
        spec[section] = [
            _validate_row(row, fields, f"scenario {path.name}: {section}[{i}]")
            for i, row in enumerate(_array_of_tables(raw, section, path))
        ]
    start = spec["parameters"].get("start_date", PARAMETERS["start_date"].default)
    spec["events"] = [
        _validate_event(event, start, f"scenario {path.name}: events[{i}]")
        for i, event in enumerate(_array_of_tables(raw, "events", path))
    ]
    return spec


def _array_of_tables(raw: dict[str, Any], section: str, path: Path) -> list:
    rows = raw.get(section, [])
    if not isinstance(rows, list):
        raise ValueError(
            f"scenario {path.name}: {section} must be an array of tables [[{section}]]"
        )
    return rows


def _validate_event(event: dict[str, Any], start: str, where: str) -> dict[str, Any]:
    """Check one timeline event; returns it with ``month`` (months after the start) added."""
    if not isinstance(event, dict):
        raise ValueError(f"{where}: {event!r} is not a table; it takes date, kind and its fields")
    kind = event.get("kind")
    if not isinstance(kind, str) or kind not in EVENT_FIELDS:
        raise ValueError(
            f"{where}: kind {kind!r} is invalid: allowed one of {sorted(EVENT_FIELDS)}"
        )
    needed = EVENT_FIELDS[kind]
    unknown = set(event) - {"date", "kind", "note", *needed}
    if unknown:
        raise ValueError(
            f"{where}: unknown field(s) {sorted(unknown)} for kind {kind!r}; "
            f"it takes date, {', '.join(needed)}, note"
        )
    for name in ("date", *needed):
        if name not in event:
            raise ValueError(f"{where}: {kind} event needs field {name!r}")
    out = dict(event)
    date = _DATE.validate(event["date"], f"{where} field")
    out["month"] = month_index(start, date)
    if out["month"] < 1:
        raise ValueError(f"{where}: date {date} must fall after the start date {start}")
    if kind == "set_parameter":
        param = PARAMETERS.get(event["parameter"]) if isinstance(event["parameter"], str) else None
        if param is None or not param.dynamic:
            dynamic = sorted(n for n, p in PARAMETERS.items() if p.dynamic)
            raise ValueError(
                f"{where}: parameter {event['parameter']!r} cannot change mid-run; "
                f"allowed: {', '.join(dynamic)}"
            )
        out["value"] = param.validate(event["value"], f"{where} parameter")
    elif kind in _ENTRANT_SECTION:
        section = _ENTRANT_SECTION[kind]
        out["agent"] = _validate_row(event["agent"], SECTIONS[section], f"{where} agent")
    else:
        for name, check in _EVENT_CHECKS.items():
            if name in needed:
                if kind == "efficiency_jump":  # the same range as the parameter form
                    check = PARAMETERS["efficiency_shock_factor"]
                out[name] = check.validate(event[name], f"{where} field")
        if kind == "moratorium" and month_index(start, out["until"]) <= out["month"]:
            raise ValueError(f"{where}: until {out['until']} must come after the date {date}")
    return out


_DATE = Parameter("date", "", "", None, None, "", "", pattern=_MONTH)
_EVENT_CHECKS = {
    "factor": Parameter("factor", "x", 1.0, 0.0, 100.0, "", ""),
    "size": Parameter("size", "", 0.0, 0.0, 1.0, "", ""),
    "value": Parameter("value", "share", 0.0, 0.0, 1.0, "", ""),
    "jurisdiction": Parameter("jurisdiction", "", "", None, None, "", ""),
    "until": _DATE,
}


def _validate_row(row: dict[str, Any], fields: list, where: str) -> dict[str, Any]:
    table = {name: (param, required) for name, param, required in fields}
    if not isinstance(row, dict):
        raise ValueError(f"{where}: {row!r} is not a table; fields: {sorted(table)}")
    unknown = set(row) - set(table)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(table)}")
    out = {}
    for name, (param, required) in table.items():
        if name in row:
            out[name] = param.validate(row[name], where=f"{where} field")
        elif required:
            raise ValueError(f"{where}: missing field {name!r} (allowed {param.allowed()})")
        else:
            out[name] = param.default
    return out


def place_events(
    events: list[dict[str, Any]], start_date: str, horizon_months: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A run's timeline: the events dated inside it, in date order, each with its ``month``
    after ``start_date`` (which a run may override); and, in file order, those outside it
    (before the start or after the horizon)."""
    inside, outside = [], []
    for event in events:
        month = month_index(start_date, event["date"])
        (inside if 1 <= month <= horizon_months else outside).append({**event, "month": month})
    inside.sort(key=lambda e: e["month"])
    return inside, outside


def check_parameter_changes(params: dict[str, Any], timeline: list[dict[str, Any]]) -> None:
    """Raise ValueError naming the date if the ``set_parameter`` events of a month in
    ``timeline`` (as placed by :func:`place_events`) set a parameter twice, or break a rule
    among the parameters in force once they have all landed, such as ``debt_spread_min <=
    debt_spread_max``. A month's parameter changes land together, before its other events and
    before anyone acts, so their order within the month does not matter. The model and the
    sweeps both check with it."""
    params = dict(params)
    changes = [e for e in timeline if e["kind"] == "set_parameter"]
    for _, month_changes in groupby(changes, key=lambda e: e["month"]):
        month_changes = list(month_changes)
        where = f"event set_parameter on {month_changes[0]['date']}: "
        names = [e["parameter"] for e in month_changes]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"{where}{name!r} is set twice in one month (set it once)")
        params.update(zip(names, (e["value"] for e in month_changes), strict=True))
        validate_parameters(params, context=where)


def month_index(start_date: str, date: str) -> int:
    """Months from ``start_date`` to ``date`` (both YYYY-MM)."""
    y0, m0 = map(int, start_date.split("-"))
    y1, m1 = map(int, date.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start_date: str, months: int) -> str:
    y0, m0 = map(int, start_date.split("-"))
    total = y0 * 12 + (m0 - 1) + months
    return f"{total // 12:04d}-{total % 12 + 1:02d}"
