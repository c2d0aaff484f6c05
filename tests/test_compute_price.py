"""The price of compute: its own trend, capped by free entry at a markup over full cost.

A fuzzing review found the price falling at its own rate whatever chips gained in efficiency,
so where efficiency far outran it (``perf_per_watt_gain_per_year`` 0.88 against a 0.2 price
decline) a GW of the best chips earned hundreds of $bn a year, far above what building and
running it costs: rents no entrant would leave alone.
"""

import pytest

from environment.contracts import capital_recovery_factor
from environment.model import IT_SPEND_SHARE_OF_REVENUE, MARKET_COST_OF_EQUITY, BuildoutModel
from environment.projects import FACILITY_LIFE_MONTHS
from environment.scenario import scenario_path


def level_cost_usd_b_per_gw_year(model: BuildoutModel) -> float:
    """A GW-year of compute built now, written out from the parameters: capital recovered over
    the chips' and the building's lives at the cost of equity, site opex, energy."""
    p = model.p
    it_usd_b = p.capex_per_gw_usd_b * p.it_share_of_capex
    capital = it_usd_b * capital_recovery_factor(
        MARKET_COST_OF_EQUITY, p.it_equipment_life_months / 12
    ) + (p.capex_per_gw_usd_b - it_usd_b) * capital_recovery_factor(
        MARKET_COST_OF_EQUITY, FACILITY_LIFE_MONTHS / 12
    )
    energy = p.utilization * 8760 * 1e3 * model.power_price_now_usd_mwh * 1e-9
    return capital + p.opex_usd_b_per_gw_year + energy


def full_cost_usd_b_per_gw_year(model: BuildoutModel) -> float:
    """The level cost in a new GW's first year, with its chips' obsolescence: their earnings
    fall with the efficiency trend, so the first year carries more of the cost."""
    p = model.p
    life = p.it_equipment_life_months / 12
    r, g = MARKET_COST_OF_EQUITY, p.perf_per_watt_gain_per_year
    obsolescence = capital_recovery_factor(r + g + r * g, life) / capital_recovery_factor(r, life)
    return level_cost_usd_b_per_gw_year(model) * obsolescence


def test_a_gw_of_the_best_chips_never_earns_more_than_the_markup_over_its_cost():
    """The fuzzing draw: chips gaining 88 %/yr against a 20 %/yr price decline. Without the
    ceiling a GW of the best chips earned $242bn a year by 2033, against a full cost of
    ~$10-12bn a year, ~$50bn in the first year with the chips' obsolescence at 88 %/yr."""
    model = BuildoutModel(seed=1, perf_per_watt_gain_per_year=0.88)
    markup = model.p.compute_max_markup
    worst = 0.0
    for _ in range(96):
        model.step()
        earned = model.revenue_per_cu_year() * model.best_efficiency()
        ceiling = (1 + markup) * full_cost_usd_b_per_gw_year(model)
        worst = max(worst, earned / ceiling)
        assert earned <= ceiling * (1 + 1e-9), f"month {model.month}: {earned:.1f} > {ceiling:.1f}"
    assert worst == pytest.approx(1.0)  # the ceiling binds in this world: the test tests it
    assert 40.0 < (1 + markup) * full_cost_usd_b_per_gw_year(model) < 120.0


def test_below_the_ceiling_the_price_follows_its_trend():
    """At the defaults in 2026 a GW earns its calibrated revenue (the ceiling is slack), and
    the cap adds nothing to the price it does not bind."""
    model = BuildoutModel(seed=1)
    assert model.revenue_per_cu_year() == model.p.revenue_per_gw_year_usd_b
    assert model.compute_price_ceiling_per_cu_year() > model.revenue_per_cu_year()
    zero = BuildoutModel(seed=1, compute_max_markup=0.0)
    cost_per_cu = full_cost_usd_b_per_gw_year(zero) / zero.best_efficiency()
    assert zero.compute_price_ceiling_per_cu_year() == pytest.approx(cost_per_cu)


def test_the_ceiling_falls_as_the_best_chips_improve():
    """A year ahead the best chips give 1 + perf_per_watt_gain_per_year times the compute per
    GW, so at the same costs the ceiling per compute unit is that much lower."""
    model = BuildoutModel(seed=1, perf_per_watt_gain_per_year=0.5)
    now = model.compute_price_ceiling_per_cu_year()
    assert model.compute_price_ceiling_per_cu_year(12) == pytest.approx(now / 1.5)


def test_at_no_markup_a_gw_of_the_best_chips_just_recovers_its_cost_over_their_life():
    """Free entry's zero-profit price: a GW built now at the ceiling, its earnings falling as
    fast as chips improve, earns over its chips' five years what its level yearly cost adds
    up to (both discounted at the cost of equity)."""
    model = BuildoutModel(seed=1, compute_max_markup=0.0, it_equipment_life_months=60)
    r, gain = MARKET_COST_OF_EQUITY, 1 + model.p.perf_per_watt_gain_per_year
    first_usd_b = model.compute_price_ceiling_per_cu_year() * model.best_efficiency()
    level_usd_b = level_cost_usd_b_per_gw_year(model)
    earned = sum(first_usd_b / gain**y / (1 + r) ** y for y in range(1, 6))
    assert earned == pytest.approx(sum(level_usd_b / (1 + r) ** y for y in range(1, 6)))
    assert first_usd_b > 2 * level_usd_b  # chips gaining 40 %/yr: obsolescence costs most


def test_every_reader_of_the_price_sees_the_capped_price():
    """Revenue above the ceiling from the start is cut to it, and labs' revenue, chips' worth,
    leases' reservation prices and demand's ceiling in compute units all read that price."""
    model = BuildoutModel(seed=1, revenue_per_gw_year_usd_b=60.0)
    price = model.compute_price_ceiling_per_cu_year()
    assert model.revenue_per_cu_year() == price < 60.0
    assert model.demand_ceiling_cu() == pytest.approx(model.ai_spend_ceiling_usd_b() / price)
    life_years = model.p.it_equipment_life_months / 12
    assert model.chip_value_usd_b_per_gw(1.0) == pytest.approx(
        IT_SPEND_SHARE_OF_REVENUE * price * life_years
    )
    lab, lessor = model.labs[0], model.labs[1]
    assert lab.lease_reservation_usd_b_per_gw_year(lessor) == pytest.approx(
        price * lessor.fleet_efficiency() * (1 + model.p.lease_urgency_premium)
    )
    model.step()
    price = model.revenue_per_cu_year()
    assert price == model.compute_price_ceiling_per_cu_year()
    for lab in model.labs:
        assert lab.revenue_month_usd_b * 12 == pytest.approx(lab.served_cu * price)


def test_demand_is_capped_at_the_months_price_not_last_months(tmp_path):
    """Demand opens each month within the spending ceiling at that month's price of compute.
    It was capped before the month's prices were read, so a month whose price ceiling rose
    (here ``compute_max_markup`` raised in 2030-04, in a world where the price's ceiling and
    the spending ceiling both bind) opened with more demand than its customers could pay
    for: 5.3 % more that month."""
    events = (
        '\n[[events]]\ndate = "2030-04"\nkind = "set_parameter"\n'
        'parameter = "compute_max_markup"\nvalue = 1.0\n'
    )
    path = tmp_path / "markup.toml"
    path.write_text(scenario_path("baseline").read_text() + events)
    model = BuildoutModel(
        scenario=str(path),
        seed=1,
        perf_per_watt_gain_per_year=0.88,
        ai_spend_max_share_of_gdp=0.005,
        demand_growth_per_year=3.0,
        compute_max_markup=0.0,
    )
    worst = 0.0
    for _ in range(54):
        model.month += 1
        model.open_month()
        spend_usd_b = model.demand_cu_at_open * model.revenue_per_cu_year()
        worst = max(worst, spend_usd_b / model.ai_spend_ceiling_usd_b())
        for phase in model.PHASES[1:]:
            getattr(model, phase)()
    assert model.p.compute_max_markup == 1.0  # the event landed
    assert worst == pytest.approx(1.0, abs=1e-9)  # the spending ceiling binds, never exceeded


def test_where_the_ceiling_binds_demand_grows_as_fast_as_the_price_falls():
    """Demand's floor (cheaper compute finds new use) read the price's own trend, 20 %/yr,
    even where the ceiling made the price fall as fast as chips improve: with chips gaining
    88 %/yr a GW of them served ever less demand, and fleets stood idle."""
    model = BuildoutModel(seed=1, perf_per_watt_gain_per_year=0.88, demand_growth_per_year=0.0)
    elasticity = model.p.compute_demand_price_elasticity
    assert model.demand_growth_rate() == pytest.approx(0.8**-elasticity - 1)  # slack: trend

    def ceiling_binds(months_ahead: int) -> bool:
        p = model.p
        years = (model.month + months_ahead) / 12
        trend = p.revenue_per_gw_year_usd_b * (1 - p.compute_price_decline_per_year) ** years
        return model.revenue_per_cu_year(months_ahead) < trend

    while not (ceiling_binds(0) and ceiling_binds(12)):
        model.step()
        assert model.month < 120
    assert model.demand_growth_rate() == pytest.approx(1.88**elasticity - 1)


def test_thirty_years_at_the_defaults_leave_no_fleet_idle_for_years():
    """Fuzz review: in 30-year baseline runs a third to half of the world's capacity stood
    idle for 65-82 months (seeds 1, 2), as the ceiling bound the price from 2036 and demand
    grew slower than chips improved; capacity fell from 70 to 13 GW by 2056."""
    model = BuildoutModel(seed=1, horizon_months=360, record_agents=False)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    idle_share = df["stranded_gw"] / df["capacity_online_gw"].clip(lower=1e-9)
    assert (idle_share > 0.3).sum() == 0
    assert df["capacity_online_gw"].iloc[-1] > 0.5 * df["capacity_online_gw"].max()
