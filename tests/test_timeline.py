"""Scenario timelines: dated events are validated, applied in their month and logged."""

from functools import partial

import pytest

from agents.chip_vendor import ChipVendor
from environment.model import BuildoutModel
from environment.scenario import load_scenario, scenario_path

EVENTS = """
[[events]]
date = "2027-06"
kind = "set_parameter"
parameter = "base_interest_rate"
value = 0.08
note = "rate shock"

[[events]]
date = "2026-07"
kind = "moratorium"
jurisdiction = "texas"
until = "2030-01"

[[events]]
date = "2028-03"
kind = "efficiency_jump"
factor = 4.0

[[events]]
date = "2029-01"
kind = "new_lab"
agent = { name = "newcomer", cash_usd_b = 30.0, demand_gw = 0.5 }
"""


def scenario_with(tmp_path, events: str):
    path = tmp_path / "timeline.toml"
    path.write_text(scenario_path("baseline").read_text() + events)
    return str(path)


def test_events_apply_in_their_month_and_are_logged(tmp_path):
    model = BuildoutModel(scenario=scenario_with(tmp_path, EVENTS), seed=1)
    texas = model.agent_named("texas", type(model.governments[0]), "test")
    model.run(17)
    assert model.p.base_interest_rate == 0.08
    assert texas.moratorium
    queue_before = list(texas.permit_queue)
    model.run(7)  # texas decides nothing during its moratorium
    assert texas.permits_granted + texas.permits_denied == 0 or all(
        pr in [q for q, _ in texas.permit_queue] for pr, _ in queue_before
    )
    demand_before = model.focal_lab.demand_cu
    model.run(2)  # 2028-03: the jump divides demand by 4 (after a month's growth)
    assert model.focal_lab.demand_cu < demand_before / 3
    model.run()
    assert "newcomer" in [lab.name for lab in model.labs]
    assert [e["kind"] for e in model.events if e["kind"] != "cascade"] == [
        "moratorium",
        "set_parameter",
        "efficiency_jump",
        "new_lab",
    ]
    rate = next(e for e in model.events if e["kind"] == "set_parameter")
    assert rate["date"] == "2027-06" and "rate shock" in rate["detail"]
    assert abs(model.ledger.imbalance_usd_b()) < 1e-6  # entrant capital came from outside


def test_efficiency_jump_strands_capacity(tmp_path):
    jump = '\n[[events]]\ndate = "2029-01"\nkind = "efficiency_jump"\nfactor = 10.0\n'
    stranded = {}
    for name, scenario in (("shocked", scenario_with(tmp_path, jump)), ("calm", "baseline")):
        runs = [BuildoutModel(scenario=scenario, seed=s) for s in range(3)]
        for model in runs:
            model.run(60)
        stranded[name] = sum(
            m.datacollector.get_model_vars_dataframe()["stranded_gw"].iloc[-24:].mean()
            for m in runs
        ) / len(runs)
    assert stranded["shocked"] > stranded["calm"] + 1.0


@pytest.mark.parametrize(
    ("event", "needle"),
    [
        (
            'kind = "set_parameter"\nparameter = "chip_supply_multiplier"\nvalue = 2.0',
            "'chip_supply_multiplier' cannot change mid-run",
        ),
        (
            'kind = "set_parameter"\nparameter = "base_interest_rate"\nvalue = 0.9',
            "'base_interest_rate' = 0.9 is invalid: allowed [0, 0.3]",
        ),
        ('kind = "volcano"', "kind 'volcano' is invalid"),
        ('kind = "efficiency_jump"', "needs field 'factor'"),
        ('kind = "efficiency_jump"\nfactor = 0.5', "'efficiency_shock_factor' = 0.5 is invalid"),
        ('kind = "sentiment_shock"\nsize = 0.2\ncolour = "red"', "unknown field(s) ['colour']"),
    ],
)
def test_bad_events_are_refused(tmp_path, event, needle):
    path = scenario_with(tmp_path, f'\n[[events]]\ndate = "2027-01"\n{event}\n')
    with pytest.raises(ValueError) as err:
        load_scenario(path)
    assert needle in str(err.value)


def test_a_months_parameter_changes_are_checked_once_all_have_landed(tmp_path):
    """A month's events land together before anyone acts: a spread floor above today's ceiling
    is fine when the same month raises the ceiling, whichever event is listed first."""
    path = scenario_with(
        tmp_path,
        '\n[[events]]\ndate = "2027-01"\nkind = "set_parameter"\nparameter = "debt_spread_min"'
        '\nvalue = 0.3\n\n[[events]]\ndate = "2027-01"\nkind = "set_parameter"'
        '\nparameter = "debt_spread_max"\nvalue = 0.5\n',
    )
    model = BuildoutModel(scenario=path, seed=1)
    model.run(12)  # the baseline starts in 2026-01
    assert (model.p.debt_spread_min, model.p.debt_spread_max) == (0.3, 0.5)


@pytest.mark.parametrize(
    ("second", "needle"),
    [
        (
            'date = "2027-02"\nkind = "set_parameter"\nparameter = "debt_spread_max"\nvalue = 0.5',
            "'debt_spread_min' must not exceed 'debt_spread_max'",
        ),
        (
            'date = "2027-01"\nkind = "set_parameter"\nparameter = "debt_spread_min"\nvalue = 0.0',
            "'debt_spread_min' is set twice in one month",
        ),
    ],
    ids=["ceiling_raised_a_month_late", "set_twice"],
)
def test_a_months_parameter_changes_must_agree_by_its_end(tmp_path, second, needle):
    """A spread floor above the ceiling for a month is refused even though the next month fixes
    it; a parameter set twice in a month is ambiguous and refused."""
    path = scenario_with(
        tmp_path,
        '\n[[events]]\ndate = "2027-01"\nkind = "set_parameter"\nparameter = "debt_spread_min"'
        f"\nvalue = 0.3\n\n[[events]]\n{second}\n",
    )
    with pytest.raises(ValueError, match=needle):
        BuildoutModel(scenario=path, seed=1)


def test_an_entrant_sees_the_parameters_set_in_its_month(tmp_path):
    """A month's parameter changes land before its entrants, whatever the file order (found in
    review: a vendor listed before a capex change offered its chips on the old capex that
    month)."""
    vendor = (
        'kind = "new_vendor"\nagent = { name = "newco", cash_usd_b = 1.0, '
        "production_gw_per_year = 1.0, relative_price = 1.0, unit_cost_share = 0.5, "
        "relative_efficiency = 1.0, generation_months = 24, "
        "capacity_cost_usd_b_per_gw_year = 1.0 }"
    )
    capex = 'kind = "set_parameter"\nparameter = "capex_per_gw_usd_b"\nvalue = 20.0'
    prices = []
    for first, second in ((vendor, capex), (capex, vendor)):
        path = scenario_with(
            tmp_path,
            f'\n[[events]]\ndate = "2027-01"\n{first}\n\n[[events]]\ndate = "2027-01"\n{second}\n',
        )
        model = BuildoutModel(scenario=path, seed=1)
        model.run(11)
        # its price as trading starts, once the month's events have landed
        model.capital_phase = partial(_record_newco_price, prices, model)
        model.step()
    assert prices[0] == prices[1]


def _record_newco_price(prices: list, model: BuildoutModel) -> None:
    prices.append(model.agent_named("newco", ChipVendor, "test").price_usd_b_per_gw)


def test_event_before_the_start_is_refused(tmp_path):
    path = scenario_with(
        tmp_path, '\n[[events]]\ndate = "2026-01"\nkind = "sentiment_shock"\nsize = 0.1\n'
    )
    with pytest.raises(ValueError, match="must fall after the start date 2026-01"):
        load_scenario(path)


@pytest.mark.parametrize("date", ["2026-03", "2040-03"], ids=["in_the_run", "after_the_horizon"])
def test_unknown_jurisdiction_in_an_event_fails_before_the_run(tmp_path, date):
    """A misspelt name is refused even in an event after this run's horizon (it was accepted
    there, and the mistake surfaced only in a longer run)."""
    path = scenario_with(
        tmp_path,
        f'\n[[events]]\ndate = "{date}"\nkind = "incentive"\njurisdiction = "mars"\nvalue = 0.1\n',
    )
    with pytest.raises(ValueError, match="no government named 'mars'"):
        BuildoutModel(scenario=path, seed=1)


@pytest.mark.parametrize(
    ("events", "needle"),
    [
        (  # a spread floor above the ceiling in force at its date
            'kind = "set_parameter"\nparameter = "debt_spread_min"\nvalue = 0.3',
            "'debt_spread_min' must not exceed 'debt_spread_max'",
        ),
        (  # an entrant taking a jurisdiction's name, which a later event then looks up
            'kind = "new_vendor"\nagent = { name = "texas", cash_usd_b = 1.0, '
            "production_gw_per_year = 1.0, relative_price = 1.0, unit_cost_share = 0.5, "
            "relative_efficiency = 1.0, generation_months = 24, "
            "capacity_cost_usd_b_per_gw_year = 1.0 }",
            "agent name 'texas' is taken",
        ),
        (
            'kind = "new_lab"\nagent = { name = "rival-lab", cash_usd_b = 1.0, demand_gw = 1.0 }',
            "agent name 'rival-lab' is taken",
        ),
        (
            'kind = "new_lab"\nagent = { name = "x", cash_usd_b = 1.0, demand_gw = 1.0, '
            "focal = true }",
            "an entrant cannot be the focal lab",
        ),
    ],
    ids=["spread_rule", "entrant_takes_a_jurisdiction_name", "entrant_name_taken", "focal"],
)
def test_events_that_would_break_the_world_fail_before_the_run(tmp_path, events, needle):
    """Found by fuzzing: each of these loaded, then failed or misbooked losses years into the
    run (or silently charged riskier borrowers less)."""
    path = scenario_with(tmp_path, f'\n[[events]]\ndate = "2027-01"\n{events}\n')
    with pytest.raises(ValueError, match="event .* on 2027-01") as err:
        BuildoutModel(scenario=path, seed=1)
    assert needle in str(err.value)


def test_an_event_after_the_horizon_is_logged_not_lost(tmp_path):
    path = scenario_with(
        tmp_path, '\n[[events]]\ndate = "2040-01"\nkind = "sentiment_shock"\nsize = 0.1\n'
    )
    model = BuildoutModel(scenario=path, seed=1)
    assert [e["kind"] for e in model.events] == ["event_after_horizon"]
    assert model.timeline == []


def test_capex_cut_mid_run_reaches_chip_prices(tmp_path):
    cut = (
        '\n[[events]]\ndate = "2026-07"\nkind = "set_parameter"\n'
        'parameter = "capex_per_gw_usd_b"\nvalue = 22.5\n'
    )
    cheap = BuildoutModel(scenario=scenario_with(tmp_path, cut), seed=1, horizon_months=7)
    dear = BuildoutModel(seed=1, horizon_months=7)
    cheap.run()
    dear.run()
    for before, after in zip(dear.vendors, cheap.vendors, strict=True):
        assert after.price_usd_b_per_gw < 0.6 * before.price_usd_b_per_gw


def test_an_efficiency_shock_after_the_horizon_is_logged_not_lost():
    model = BuildoutModel(seed=1, horizon_months=24, efficiency_shock_month=60)
    assert [e["kind"] for e in model.events] == ["event_after_horizon"]
    assert "efficiency_shock_month 60" in model.events[0]["detail"]


def test_an_online_campus_powered_only_later_is_refused(tmp_path):
    """It was loaded as online but ran nothing until its date, invisible in every table."""
    text = scenario_path("baseline").read_text()
    online = 'stage = "online"\n'
    assert online in text
    path = tmp_path / "later.toml"
    path.write_text(text.replace(online, online + 'energised = "2027-01"\n', 1))
    with pytest.raises(ValueError, match="an online campus is energised at the start.*'2027-01'"):
        BuildoutModel(scenario=str(path), seed=1)
