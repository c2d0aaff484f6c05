"""What keeps a long run honest (issue 8): debts are serviced and repaid, idle campuses are not
re-equipped, demand does not vanish as compute gets cheaper, and announced plans end."""

import pytest
from conftest import run_model

from agents.utility import GENERATION_BOOK_LIFE_MONTHS
from environment.contracts import ACTIVE, BROKEN, COMPLETED, Loan
from environment.model import BuildoutModel
from environment.projects import ONLINE, PIPELINE, RETIRED


# --- utilities' finances -----------------------------------------------------------------------
def test_utilities_pay_interest_and_repay_their_loans():
    """Found by review: utilities borrowed for generation and never paid a cent back; after
    ten years 97 of their 103 loans were past maturity, still counted as debt. (Five-year
    loans, so that some mature within the ten years.)"""
    baseline = run_model(utility_debt_term_months=60)
    loans = [
        c
        for u in baseline.utilities
        for c in baseline.contracts.of(u, Loan, "payer", active_only=False)
    ]
    assert loans, "no utility borrowed: nothing was tested"
    assert all(c.end_month > baseline.month for c in loans if c.status == ACTIVE)
    repaid = [c for c in loans if c.status == COMPLETED]
    assert repaid, "no utility loan matured in ten years"
    for loan in repaid:  # interest every month it ran
        months = loan.ended_month - loan.start_month + 1
        interest = loan.principal_usd_b * loan.rate_per_year / 12 * months
        assert loan.paid_usd_b == pytest.approx(interest + loan.principal_usd_b, rel=1e-9)


def test_retail_customers_pay_for_the_generation_built_for_them(baseline):
    """Rates recover depreciation plus the allowed return on the rate base, in proportion to
    the retail share of load (data centres pay for their share through their PPAs)."""
    model = run_model(24)
    utility = max(model.utilities, key=lambda u: u.rate_base_usd_b)
    assert utility.rate_base_usd_b > 0
    rate_base, share = utility.rate_base_usd_b, utility.retail_share_of_load
    collected = model.ledger.flows_usd_b["retail rates"]
    utility.operate()
    depreciation = rate_base / GENERATION_BOOK_LIFE_MONTHS
    expected = (depreciation + rate_base * model.p.utility_allowed_return_per_year / 12) * share
    assert model.ledger.flows_usd_b["retail rates"] - collected == pytest.approx(expected)
    assert utility.rate_base_usd_b == pytest.approx(rate_base - depreciation, rel=1e-12)
    assert baseline.ledger.flows_usd_b["retail rates"] > 0


def test_a_utility_lenders_will_not_refinance_defaults():
    """A loan falls due, the utility cannot pay it and no one lends: the emergency round fails,
    it defaults and its lender writes off the unpaid repayment (owed as arrears)."""
    model = BuildoutModel(seed=1, horizon_months=24)
    utility = model.utilities[0]
    lender = model.investors[0]
    # a loan from before the start, larger than its cash, due this month
    loan = model.contracts.sign(
        Loan(utility, lender, -58, -58, 2, principal_usd_b=utility.cash_usd_b + 50.0)
    )
    for investor in model.investors:  # no one has money to lend
        investor.cash_usd_b = investor.inflow_usd_b_per_year = 0.0
    model.step()  # the loan's last month
    assert utility.defaulted
    assert loan.status == BROKEN  # not repaid at maturity: a payment default, not "completed"
    cascade = model.cascades[-1]
    assert cascade.trigger == utility.name
    assert cascade.losses_usd_b[lender.name] > 40.0  # the repayment its cash did not cover


def test_a_utility_slips_construction_before_missing_a_repayment():
    """Plants wait a month when paying for them would leave too little for loans due within
    the year: a utility cut off from credit defers capex rather than default."""
    model = run_model(24)
    utility = next(u for u in model.utilities if u.plants)
    plant = utility.plants[0]
    online, cash = plant.online_month, utility.cash_usd_b
    utility.pay_for(plant, debt_due_usd_b=cash)
    assert (plant.online_month, utility.cash_usd_b) == (online + 1, cash)
    utility.pay_for(plant, debt_due_usd_b=0.0)
    assert utility.cash_usd_b == pytest.approx(cash - plant.monthly_cost_usd_b)


# --- the fleet at the end of its chips' life -----------------------------------------------------
def _campus_whose_chips_age_out(idle_gw: float):
    model = run_model(12)
    lab, campus = next(
        (lab, pr) for lab in model.labs for pr in lab.projects if pr.status == ONLINE
    )
    campus.chips_installed_month = model.month - model.p.it_equipment_life_months
    lab.idle_gw = idle_gw
    return model, lab, campus


def test_a_campus_demand_leaves_idle_closes_when_its_chips_age_out():
    """Found by review: in 2046-50 labs signed 19 GW of chip deals to refresh campuses while 96 %
    of their capacity stood idle. Now the campus closes; its PPA ends with an exit fee of the
    minimum charges of the notice period, and the utility gets the capacity back."""
    model, lab, campus = _campus_whose_chips_age_out(idle_gw=100.0)
    ppa, utility = campus.ppa, campus.utility
    fee = ppa.remaining_value_usd_b(model.month)
    load, utility_cash = utility.dc_load_gw, utility.cash_usd_b
    lab.retire_chips()
    assert campus.status == RETIRED and campus not in lab.projects
    assert campus.chips_needed_gw == 0.0 and campus.capacity_online_gw(model.month) == 0.0
    assert ppa.status == COMPLETED
    assert utility.dc_load_gw == pytest.approx(load - ppa.capacity_gw)
    assert utility.cash_usd_b == pytest.approx(utility_cash + fee)
    assert fee > 0


def test_a_campus_in_use_is_re_equipped_when_its_chips_age_out():
    model, lab, campus = _campus_whose_chips_age_out(idle_gw=0.0)
    lab.retire_chips()
    assert campus.status == PIPELINE and campus in lab.projects
    assert campus.chips_needed_gw == campus.size_gw  # it will order chips again


# --- demand and plans over decades ---------------------------------------------------------------
def test_demand_grows_at_least_as_its_price_falls_once_the_trend_fades():
    """With a price elasticity of 1, customers' spending on compute stops shrinking when the
    fitted growth trend has faded below the price decline; at 0 the trend alone is left."""
    model = BuildoutModel(seed=1)
    decline = model.p.compute_price_decline_per_year
    late = 12 * 25
    assert model.demand_growth_rate(late) == pytest.approx(1 / (1 - decline) - 1)
    assert model.demand_growth_rate(12) > 1 / (1 - decline) - 1  # the trend still leads
    trend_only = BuildoutModel(seed=1, compute_demand_price_elasticity=0.0)
    p = trend_only.p
    trend = p.demand_growth_per_year * 0.5 ** (25 / p.demand_growth_halflife_years)
    assert trend_only.demand_growth_rate(late) == pytest.approx(trend)
    assert trend < 0.1


def test_an_announced_plan_stops_setting_the_target_after_its_date():
    model = BuildoutModel(seed=1)
    lab = model.focal_lab
    assert lab.announced_target_gw > 0
    before = lab.capacity_target_gw()
    model.month = lab.announced_target_month + 1
    lab.demand_cu = 0.0
    assert lab.capacity_target_gw() < 0.1 * before
