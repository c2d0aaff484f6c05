"""How much new generation a utility can start a year. Found by fuzzing: the allowance was a
fixed figure per utility (ERCOT 8 GW), however large background growth made the grid, so at
10 %/yr growth ERCOT shed 24 % of its peak because the cap, not money or time, bound. A bigger
system runs a bigger pipeline: the allowance is the scenario's figure or a share of the load
served, whichever is more; its cost is still borrowed through the credit path."""

import pytest

from agents.utility import Utility
from environment.model import BuildoutModel


def _grown_grid(model: BuildoutModel, name: str, peak_load_gw: float) -> Utility:
    """A utility whose retail load background growth has carried to ``peak_load_gw``, its
    generation and plants as they were: short of supply, with nothing under way."""
    utility = next(u for u in model.utilities if u.name == name)
    utility.peak_load_gw = peak_load_gw
    utility.plants = []
    utility.started_this_year_gw = 0.0
    return utility


def test_a_grown_grid_starts_generation_in_proportion_to_its_load_and_borrows_for_it():
    model = BuildoutModel(scenario="baseline", seed=1)
    share = model.p.generation_start_share_of_load_per_year
    ercot = _grown_grid(model, "ercot-utility", 200.0)
    assert share * ercot.load_gw > 2 * ercot.max_new_generation_gw_per_year  # figure: 8 GW
    ercot.cash_usd_b = 0.0  # every dollar of the new plant has to be borrowed
    ercot.build()
    assert ercot.started_this_year_gw == pytest.approx(share * ercot.load_gw)
    (plant,) = ercot.plants
    request = ercot.funding_request()
    assert request is not None
    assert request.amount_usd_b >= plant.monthly_cost_usd_b * 11  # a year of payments to come
    assert request.risk_score == ercot.credit_risk_score()  # lenders still read its leverage


def test_a_large_load_on_a_grown_grid_is_quoted_the_date_its_pipeline_can_reach():
    """The quoted date follows the same allowance the utility builds to, so a campus is not
    told to wait a decade on a grid that can build for it in two years."""
    model = BuildoutModel(scenario="baseline", seed=1)
    ercot = _grown_grid(model, "ercot-utility", 200.0)
    shortfall_gw = 20.0 - ercot.headroom_gw
    allowance_gw = model.p.generation_start_share_of_load_per_year * ercot.load_gw
    fastest = ercot.generation_kinds[0].lead_time_months
    expected = model.month + max(
        int(round(ercot.interconnection_delay_months)),
        int(fastest + 12 * shortfall_gw / allowance_gw),
    )
    assert ercot.quote_energisation_month(20.0) == expected
    assert expected - model.month < fastest + 12 * shortfall_gw / 8.0  # the old, fixed cap


def test_the_scenario_figure_is_a_floor_and_zero_still_means_no_new_generation():
    model = BuildoutModel(scenario="baseline", seed=1)
    patagonia = next(u for u in model.utilities if u.name == "patagonia-utility")
    assert patagonia.generation_start_allowance_gw_per_year() == pytest.approx(1.0)  # > share
    ercot = _grown_grid(model, "ercot-utility", 200.0)
    ercot.max_new_generation_gw_per_year = 0.0  # a grid that builds nothing, however large
    assert ercot.generation_start_allowance_gw_per_year() == 0.0
    ercot.build()
    assert ercot.plants == [] and ercot.quote_energisation_month(20.0) is None
    none = BuildoutModel(scenario="baseline", seed=1, new_generation_multiplier=0.0)
    assert all(u.generation_start_allowance_gw_per_year() == 0.0 for u in none.utilities)


def test_fast_background_growth_no_longer_sheds_a_quarter_of_texas():
    """The reproduction: at 10 %/yr growth the fixed 8 GW cap left ERCOT shedding 27 % of its
    load by the end of the run. With the allowance growing with the grid the shortfall stays
    near what the lead times and lenders impose (about 12 %): 10 %/yr is faster than the
    allowance's share of load, and the debt to build at that pace reaches the Ba band."""
    model = BuildoutModel(scenario="baseline", seed=1, background_load_growth_per_year=0.10)
    ercot = next(u for u in model.utilities if u.name == "ercot-utility")
    worst_share = 0.0
    for _ in range(model.p.horizon_months):
        model.step()
        worst_share = max(worst_share, ercot.load_shed_gw / ercot.load_gw)
    assert worst_share < 0.15
