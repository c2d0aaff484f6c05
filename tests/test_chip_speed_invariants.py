"""The chip paths' shortcuts give, bit for bit, what the rules they replace gave, month after
month of a run: a vendor asked about all of a lab's deals at once, a ranking that reads each
vendor's backlog once, a refresh check that answers a campus without chips first, and a funding
request that works out its bankable revenue once."""

import struct
from math import fsum

import pytest

from agents.lab import CHIP_CALL_LEAD_MONTHS
from environment.contracts import ChipSupplyAgreement
from environment.markets.chips import rank_vendors
from environment.model import BuildoutModel


def same_bits(a: float, b: float) -> bool:
    return type(a) is type(b) and struct.pack("<d", a) == struct.pack("<d", b)


def deliverable_one_by_one_gw(vendor, agreement, months: float) -> float:
    """What a vendor could ship a deal within ``months``, as it was worked out one deal at a
    time (its book summed for every deal asked about)."""
    supply_gw = vendor.production_gw_per_year * months / 12.0
    if supply_gw <= 0 or agreement.undelivered_gw <= 0:
        return 0.0
    ahead_gw, shared_gw = 0.0, vendor.backlog_gw
    if vendor.model.p.chip_allocation_rule == "strategic_first":
        book = vendor.model.contracts.of(vendor, ChipSupplyAgreement, "payee")
        first_gw = fsum(c.undelivered_gw for c in book if vendor.holds_equity_in(c.payer))
        if vendor.holds_equity_in(agreement.payer):
            shared_gw = first_gw
        else:
            ahead_gw, shared_gw = first_gw, shared_gw - first_gw
    room_gw = max(0.0, supply_gw - ahead_gw)
    return agreement.undelivered_gw * min(1.0, room_gw / max(shared_gw, 1e-12))


def ranked_reading_backlog_twice(vendors) -> list:
    """The ranking as it was: price and lead time each read the vendor's backlog."""

    def cost_of_compute(v) -> float:
        return (
            v.reservation_price_usd_b_per_gw()
            / v.efficiency_index
            * (1 + v.lead_time_months() / 24)
        )

    return sorted((v for v in vendors if v.production_gw_per_year > 0), key=cost_of_compute)


def refresh_due_as_it_was_gw(lab, project) -> float:
    life_left = project.months_to_chips_end_of_life(
        lab.model.month, lab.model.p.it_equipment_life_months
    )
    if life_left > CHIP_CALL_LEAD_MONTHS or not lab.wants_refresh(project):
        return 0.0
    return project.chips_installed_gw


def check_month(model: BuildoutModel) -> None:
    for vendor in model.vendors:
        book = model.contracts.of(vendor, ChipSupplyAgreement, "payee")
        for months in (0, 12, 36):
            shared = vendor.deliverable_each_gw(book, months)
            for deal, gw in zip(book, shared, strict=True):
                assert same_bits(gw, deliverable_one_by_one_gw(vendor, deal, months))
                assert same_bits(vendor.deliverable_gw(deal, months), gw)
        assert same_bits(
            vendor.reservation_price_usd_b_per_gw(vendor.backlog_months),
            vendor.reservation_price_usd_b_per_gw(),
        )
        assert same_bits(vendor.lead_time_months(vendor.backlog_months), vendor.lead_time_months())
    assert rank_vendors(model.vendors) == ranked_reading_backlog_twice(model.vendors)
    for lab in model.labs:
        for months in (12, 36):
            one_by_one = fsum(
                deliverable_one_by_one_gw(c.payee, c, months)
                for c in model.contracts.of(lab, ChipSupplyAgreement)
            )
            assert same_bits(lab.chips_deliverable_gw(months), one_by_one)
        for project in lab.projects:
            assert same_bits(lab.refresh_due_gw(project), refresh_due_as_it_was_gw(lab, project))
        assert same_bits(lab.risk_score(lab.bankable_revenue_usd_b()), lab.risk_score())


@pytest.mark.parametrize("rule", ["pro_rata", "strategic_first"])
def test_chip_shortcuts_match_the_rules_they_replace(rule):
    """Every month of 6 years of baseline seed 1, under both allocation rules; under
    ``strategic_first`` gpu-leader's financing makes some of its buyers strategic."""
    model = BuildoutModel(seed=1, chip_allocation_rule=rule)
    strategic_seen = False
    for _ in range(72):
        model.step()
        check_month(model)
        strategic_seen |= any(
            v.holds_equity_in(c.payer)
            for v in model.vendors
            for c in model.contracts.of(v, ChipSupplyAgreement, "payee")
        )
    assert model.contracts.of(model.vendors[0], ChipSupplyAgreement, "payee")
    assert strategic_seen
