"""The supply side's spelt-out clamps give, bit for bit, what the min/max forms they replaced do."""

import math

import pytest

from agents.utility import _payments_within_year
from environment.markets.capital import FundingRequest
from environment.model import BuildoutModel


@pytest.fixture
def model():
    return BuildoutModel(scenario="baseline", seed=1)


@pytest.mark.parametrize("months_left", [-5, -1, 0, 1, 6, 11, 12, 13, 60, -0.0, 0.0, 11.5, 12.0])
def test_payments_within_year_is_the_min_max_clamp(months_left):
    expected = min(12, max(0, months_left))
    got = _payments_within_year(months_left)
    assert (got, type(got)) == (expected, type(expected))


def test_funding_need_counts_each_plants_payments_as_the_min_max_form(model):
    """Every month of a run, and with plants due now or overdue (not seen in a run)."""

    def need_with_min_max(utility) -> float:
        month = utility.model.month
        next_year = math.fsum(
            pl.monthly_cost_usd_b * min(12, max(0, pl.online_month - month))
            for pl in utility.plants
        )
        owed = utility.maturing_principal_usd_b(12) + utility.arrears_total_usd_b
        return max(0.0, next_year + owed - utility.cash_usd_b)

    for _ in range(60):
        model.step()
        for utility in model.utilities:
            assert utility.funding_need_usd_b() == need_with_min_max(utility)
    utility = max(model.utilities, key=lambda u: len(u.plants))
    assert len(utility.plants) > 3
    utility.plants[0].online_month = model.month
    utility.plants[1].online_month = model.month - 2
    utility.cash_usd_b = 0.0
    assert utility.funding_need_usd_b() == need_with_min_max(utility) > 0


@pytest.mark.parametrize(
    ("peak_gw", "dc_gw", "generation_gw", "target_margin"),
    [
        (10.0, 2.0, 15.0, 0.15),  # above target: 0
        (10.0, 2.0, 13.0, 0.15),  # some stress
        (10.0, 2.0, 12.0, 0.15),  # no reserve left: exactly 1
        (10.0, 2.0, 9.0, 0.15),  # short: capped at 1
        (10.0, 2.0, 13.8, 0.15),  # at target
        (0.0, 0.0, 5.0, 0.15),  # no load
        (math.nan, 2.0, 12.0, 0.15),  # NaN load reads as no load
        (10.0, 2.0, math.nan, 0.15),  # NaN stress: 0
        (10.0, 2.0, math.inf, 0.15),
        (10.0, 2.0, 12.0, -0.1),  # a negative target flips the sign of the shortfall
        (10.0, 2.0, 6.0, -0.5),  # ... and makes an exact zero -0.0: the clamp gives 0.0
    ],
)
def test_grid_stress_is_the_min_max_clamp(model, peak_gw, dc_gw, generation_gw, target_margin):
    utility = model.utilities[0]
    utility.peak_load_gw, utility.dc_load_gw = peak_gw, dc_gw
    utility.generation_gw, utility.target_reserve_margin = generation_gw, target_margin
    load_gw = peak_gw + dc_gw
    reserve = generation_gw / load_gw - 1.0 if load_gw > 0 else 1.0
    expected = min(1.0, max(0.0, (target_margin - reserve) / target_margin))
    assert repr(utility.grid_stress) == repr(expected)  # repr: -0.0 and NaN told apart


@pytest.mark.parametrize("risk_score", [0.0, 0.2, 0.5, 2.0, math.nan])
def test_investors_fund_only_risk_their_appetite_bears(model, risk_score):
    """Each investor works its risk limit out once a round; NaN risk is never funded."""
    lab = model.labs[0]
    request = FundingRequest(lab, 1.0, 0.5, risk_score, 10.0, 0.0, 60)
    for investor in model.investors:
        offers = investor.make_offers([request])
        limit = investor.risk_appetite * (0.5 + investor.sentiment)
        assert bool(offers) == (risk_score <= limit), investor.name
