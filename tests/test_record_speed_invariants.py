"""Figures kept between months for speed must equal what they replace, computed afresh, in
every month of a run, including after a timeline event changes a parameter they depend on."""

from __future__ import annotations

import math
from math import fsum

import pytest

from environment.model import BuildoutModel
from environment.scenario import scenario_path


def fresh_demand_growth_factor(model: BuildoutModel, months_ahead: int, scale: float) -> float:
    """The product of the monthly growth factors ahead, worked out from the growth rate."""
    return math.prod(
        (1.0 + scale * model.demand_growth_rate(model.month + k)) ** (1 / 12)
        for k in range(1, months_ahead + 1)
    )


def test_kept_demand_growth_factors_match_a_fresh_product_every_month(tmp_path):
    """The monthly factors are kept from month to month (labs read three years ahead every
    month). A timeline event raises the growth floor in 2028 and the trend's parameter is
    changed by hand in 2030: a list kept from before either change would give another
    product from then on."""
    path = tmp_path / "floor_raised.toml"
    path.write_text(
        scenario_path("baseline").read_text()
        + '\n[[events]]\ndate = "2028-01"\nkind = "set_parameter"\n'
        'parameter = "compute_demand_price_elasticity"\nvalue = 3.0\n'
    )
    model = BuildoutModel(scenario=str(path), seed=1, horizon_months=72)
    scales = sorted({lab.demand_growth_scale for lab in model.labs} | {1.0, 0.5})
    factors = {}
    for _ in range(72):
        model.step()
        if model.month == 48:
            model.p.demand_growth_per_year = 4.0
        for months_ahead in (1, 12, model.p.planning_horizon_months, 60):
            for scale in scales:
                kept = model.demand_growth_factor(months_ahead, scale)
                assert kept == fresh_demand_growth_factor(model, months_ahead, scale)
        factors[model.month] = model.demand_growth_factor(60, 1.0)
    # each change moved the factors (so a stale list would have been caught above)
    assert factors[24] / factors[23] > 1.1
    assert factors[48] / factors[47] > 1.1


@pytest.mark.parametrize(("scenario", "seed"), [("baseline", 1), ("lab-default", 7)])
def test_recorded_pipelines_match_a_scan_of_every_campus(scenario, seed):
    """``_record`` scans each live lab's campuses once and both tables read that sum: each
    month's recorded pipelines must be what scanning again gives (the focal lab defaults in
    lab-default seed 7, after which its own figure is read from the lab, not kept)."""
    model = BuildoutModel(scenario=scenario, seed=seed, horizon_months=72)
    expected_world, expected_own = [], {}
    for _ in range(72):
        model.step()
        expected_world.append(fsum(lab.pipeline_gw for lab in model.labs if not lab.defaulted))
        for agent in model.agents:
            expected_own[(model.steps, agent.unique_id)] = agent.pipeline_gw
    assert any(lab.defaulted for lab in model.labs) == (scenario == "lab-default")
    world = model.datacollector.get_model_vars_dataframe()["pipeline_gw"].tolist()[1:]
    assert world == expected_world
    assert max(world) > 1.0  # there was a pipeline to record
    own = model.datacollector.get_agent_vars_dataframe()["own_pipeline_gw"]
    assert {key: own[key] for key in expected_own} == expected_own
