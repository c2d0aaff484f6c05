"""The contract book's shortcuts give, bit for bit, what the general rules they replace gave:
ties, signed zeros and NaN included (a comparison that picks the other operand on a tie
would change a -0.0 into 0.0 somewhere in a table)."""

import math
import struct
from itertools import product

from environment.contracts import HOURS_PER_MONTH, PPA_EXPOSURE_MONTHS, PowerPurchaseAgreement

ODD_FLOATS = [0.0, -0.0, 0.5, 2.0, -1.0, math.nan, math.inf]


def same_bits(a: float, b: float) -> bool:
    return type(a) is type(b) and struct.pack("<d", a) == struct.pack("<d", b)


def energy_cost_with_max(ppa: PowerPurchaseAgreement, load_gw: float, supplied: float) -> float:
    """The bill as it was worked out with ``max``."""
    billed_gw = max(load_gw, ppa.minimum_take_share * ppa.capacity_gw * supplied)
    return billed_gw * ppa.utilization * HOURS_PER_MONTH * ppa.price_usd_mwh * 1e-6


def remaining_value_with_max_min(ppa: PowerPurchaseAgreement, month: int) -> float:
    """The exposure as it was worked out with ``max`` and ``min``."""
    months_left = max(0, ppa.end_month - max(month, ppa.start_month))
    return energy_cost_with_max(ppa, 0.0, 1.0) * min(months_left, PPA_EXPOSURE_MONTHS)


def ppa(start_month: int = 3, end_month: int = 40, **terms) -> PowerPurchaseAgreement:
    terms = {"capacity_gw": 1.0, "price_usd_mwh": 60.0, "minimum_take_share": 0.8} | terms
    months = {"signed_month": 0, "start_month": start_month, "end_month": end_month}
    return PowerPurchaseAgreement(payer=None, payee=None, **months, **terms)


def test_energy_cost_floor_is_max():
    for load_gw, floor_share, supplied in product(ODD_FLOATS, ODD_FLOATS, [1.0, 0.5, -0.0]):
        contract = ppa(minimum_take_share=floor_share)
        assert same_bits(
            contract.energy_cost_usd_b(load_gw, supplied),
            energy_cost_with_max(contract, load_gw, supplied),
        ), (load_gw, floor_share, supplied)


def test_ppa_exposure_is_max_min():
    """Before the start, within and past the notice period, at the end and after it."""
    months = [0, 2, 3, 4, 27, 28, 29, 39, 40, 41, 100]
    for month, floor_share in product(months, ODD_FLOATS):
        for start, end in [(3, 40), (3, 3), (0, 12), (5, 2)]:
            contract = ppa(start, end, minimum_take_share=floor_share)
            assert same_bits(
                contract.remaining_value_usd_b(month),
                remaining_value_with_max_min(contract, month),
            ), (month, floor_share, start, end)
