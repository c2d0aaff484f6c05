"""The page's inputs: scenario, seed and the parameters people most want to turn.

Slider ranges and defaults come from ``environment.parameters.PARAMETERS``; nothing is restated
here. ``VizModel`` translates what the inputs send (seed as text, shock as a choice, every slider
value) into ``BuildoutModel`` keywords.
"""

from __future__ import annotations

import math
from typing import Any

from environment.model import BuildoutModel
from environment.parameters import PARAMETERS
from environment.scenario import list_scenarios
from experiments.options import MAX_SEED, fresh_seed, whole

#: Parameters with a slider, in sidebar order, with the short label the narrow sidebar shows
#: (the unit is appended from the table).
SLIDER_LABELS: dict[str, str] = {
    "ambition": "ambition",
    "capex_per_gw_usd_b": "capex",
    "chip_supply_growth_per_year": "chip supply growth",
    "interconnection_delay_multiplier": "interconnection delay",
    "permit_approval_probability": "permit approval",
    "investor_risk_appetite_multiplier": "investor risk appetite",
    "efficiency_shock_month": "shock month",
    "efficiency_shock_factor": "shock factor",
}
SLIDERS: tuple[str, ...] = tuple(SLIDER_LABELS)

#: Choices of the efficiency-shock input.
SHOCK_SCENARIO, SHOCK_ON, SHOCK_OFF = "as scenario", "on (month, factor below)", "off"
SHOCK_PARAMS = ("efficiency_shock_month", "efficiency_shock_factor")

DEFAULT_SEED = 42


def _nice_step(span: float) -> float:
    """A 1-2-5 step giving about a hundred slider positions over ``span``."""
    raw = span / 100.0
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= raw * 0.999:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))  # pragma: no cover


def slider_spec(name: str) -> dict[str, Any]:
    """A Mesa ``model_params`` entry for one parameter, its range read from the table.

    The shock month starts at 1 (0 means 'never', which the shock input expresses) and stops at
    the default horizon: a shock after the run ends shows nothing. The shock factor starts at the
    geometric middle of its range, since its default (1 = no change) would make 'on' a no-op.
    """
    p = PARAMETERS[name]
    low, high = float(p.low), float(p.high)
    if name == "efficiency_shock_month":
        low = max(low, 1.0)
        high = min(high, float(PARAMETERS["horizon_months"].default))
    short = SLIDER_LABELS.get(name, name.replace("_", " "))
    label = f"{short} ({p.unit})" if p.unit else short
    if p.kind is int:
        value = int(min(max(p.default, low), high)) if p.default else int(low + (high - low) / 4)
        return {
            "type": "SliderInt",
            "value": value,
            "label": label,
            "min": int(low),
            "max": int(high),
            "step": 1,
        }
    value = float(p.default)
    if name == "efficiency_shock_factor" and low > 0:
        value = float(round(math.sqrt(low * high), 6))
    step = _nice_step(high - low)
    while abs((value - low) / step - round((value - low) / step)) > 1e-6:
        step /= 10  # keep the starting value on the slider's grid
    return {
        "type": "SliderFloat",
        "value": value,
        "label": label,
        "min": low,
        "max": high,
        "step": step,
    }


def model_params() -> dict[str, Any]:
    """Everything SolaraViz shows in its 'Model Parameters' card."""
    params: dict[str, Any] = {
        "scenario_name": {
            "type": "Select",
            "value": "baseline",
            "values": list_scenarios(),
            "label": "scenario",
        },
        "seed": {
            "type": "InputText",
            "value": str(DEFAULT_SEED),
            "label": "seed (blank = draw one)",
        },
        "efficiency_shock": {
            "type": "Select",
            "value": SHOCK_SCENARIO,
            "values": [SHOCK_SCENARIO, SHOCK_ON, SHOCK_OFF],
            "label": "efficiency shock",
        },
    }
    for name in SLIDERS:
        params[name] = slider_spec(name)
    return params


def parse_seed(seed: Any) -> int:
    """The seed box's text as an int. Blank draws a fresh seed, which the page shows, so a run
    someone found interesting can be repeated. Bad text raises ValueError."""
    if seed is None or (isinstance(seed, str) and not seed.strip()):
        return fresh_seed()
    if isinstance(seed, str):
        try:
            seed = int(seed.strip())
        except ValueError:
            raise ValueError(
                f"seed must be a whole number from 0 to 2**63 - 1, or blank; got {seed!r}"
            ) from None
    return whole("seed", seed, high=MAX_SEED)


def _clean(name: str, value: Any) -> Any:
    """Undo the browser slider's float noise (0.1 * 3 = 0.30000000000000004) and clamp."""
    p = PARAMETERS[name]
    if p.kind is int:
        return int(round(float(value)))
    if p.kind is float:
        return min(max(round(float(value), 9), float(p.low)), float(p.high))
    return value


def model_kwargs(
    scenario_name: str = "baseline",
    seed: Any = DEFAULT_SEED,
    efficiency_shock: str = SHOCK_SCENARIO,
    **values: Any,
) -> dict[str, Any]:
    """``BuildoutModel`` keywords for what the page's inputs hold.

    A slider left at the table's default is not passed, so the chosen scenario's own value holds;
    a moved slider overrides the scenario. The shock input alone decides the two shock
    parameters: 'as scenario' leaves them to the scenario, 'on' passes the shock sliders, 'off'
    sets the month to 0 (never).
    """
    overrides: dict[str, Any] = {}
    for name, value in values.items():
        if name not in PARAMETERS:
            raise ValueError(f"unknown parameter {name!r}")
        value = _clean(name, value)
        if name not in SHOCK_PARAMS and value != PARAMETERS[name].default:
            overrides[name] = value
    if efficiency_shock == SHOCK_ON:
        for name in SHOCK_PARAMS:
            overrides[name] = _clean(name, values.get(name, slider_spec(name)["value"]))
    elif efficiency_shock == SHOCK_OFF:
        overrides["efficiency_shock_month"] = 0
    return {"scenario": scenario_name, "seed": parse_seed(seed), **overrides}


class VizModel(BuildoutModel):
    """``BuildoutModel`` built from the page's inputs (see ``model_kwargs``)."""

    def __init__(
        self,
        scenario_name: str = "baseline",
        seed: Any = DEFAULT_SEED,
        efficiency_shock: str = SHOCK_SCENARIO,
        **kwargs: Any,  # Mesa's parameter check accepts unknown names only under this name
    ) -> None:
        # Mesa 3.5's Reset passes its own experimental `scenario` object to models that take
        # **kwargs; Gigawatt's scenario is the page's `scenario_name`, so Mesa's is dropped.
        kwargs.pop("scenario", None)
        built = model_kwargs(scenario_name, seed, efficiency_shock, **kwargs)
        super().__init__(**built)
        self.viz_seed: int = built["seed"]  # shown on the page


def initial_values() -> dict[str, Any]:
    """The inputs' starting values, as keywords for ``VizModel``."""
    return {
        name: spec["value"] if isinstance(spec, dict) else spec
        for name, spec in model_params().items()
    }
