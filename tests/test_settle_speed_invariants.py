"""The settlement shortcuts give, bit for bit, what the general rules they skip would give."""

import math

import pytest

from environment.contracts import Loan
from environment.model import BuildoutModel


@pytest.fixture
def model():
    return BuildoutModel(scenario="baseline", seed=1)


@pytest.mark.parametrize(
    ("cash_usd_b", "bill_usd_b"),
    [(5.0, 0.1), (0.3, 0.3), (0.1, 0.3), (-1.0, 0.2), (2.0, 0.0), (0.1 + 0.2, 0.3)],
)
def test_owe_pays_what_the_ledger_rule_pays(model, cash_usd_b, bill_usd_b):
    """A bill its cash covers skips ``pay_what_is_affordable``; every bill still moves the cash,
    the money paid under its contract and the arrears that rule would."""
    payer, payee = model.labs[0], model.vendors[0]
    loan = model.contracts.sign(
        Loan(payer=payer, payee=payee, signed_month=0, start_month=0, end_month=12)
    )
    payer.cash_usd_b, payer.arrears_usd_b = cash_usd_b, {}
    payee_cash = payee.cash_usd_b
    paid = min(bill_usd_b, max(cash_usd_b, 0.0))  # the ledger's rule
    unpaid = bill_usd_b - paid

    assert payer.owe(payee, bill_usd_b, "interest", loan) == bill_usd_b
    assert payer.cash_usd_b == (cash_usd_b - paid if paid > 0 else cash_usd_b)
    assert payee.cash_usd_b == (payee_cash + paid if paid > 0 else payee_cash)
    assert loan.paid_usd_b == bill_usd_b - unpaid
    assert payer.arrears_usd_b == ({payee: unpaid} if unpaid > 1e-12 else {})


@pytest.mark.parametrize(
    ("peak_gw", "dc_gw", "generation_gw"),
    [(10.0, 2.0, 15.0), (10.0, 2.0, 12.0), (10.0, 2.0, 11.0), (10.0, 2.0, 9.0), (10.0, 0.0, 9.0)]
    + [(0.1, 0.2, 0.3), (math.nan, 2.0, 11.0)],
)
def test_dc_supply_share_is_what_load_shed_gives(model, peak_gw, dc_gw, generation_gw):
    """``dc_supply_share`` works the shed load out from the attributes, not ``load_shed_gw``."""
    utility = model.utilities[0]
    utility.peak_load_gw, utility.dc_load_gw, utility.generation_gw = peak_gw, dc_gw, generation_gw
    assert utility.dc_supply_share == share_through_load_shed(utility)


def share_through_load_shed(utility) -> float:
    """The share as it was worked out before the shortcut."""
    shed_gw = utility.load_shed_gw
    if shed_gw <= 0:
        return 1.0
    return max(0.0, 1.0 - shed_gw / utility.dc_load_gw) if utility.dc_load_gw > 0 else 0.0
