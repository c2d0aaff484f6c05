"""Chips nobody can make: lenders count an order only as far as its vendor can deliver it within
the underwriting horizon, and labs start no campus that no vendor could equip in time."""

import pytest

from environment.contracts import ChipSupplyAgreement
from environment.markets.allocation import Call, allocate
from environment.model import BuildoutModel


def _cloud_b_with_chips_on_order():
    """Seed 1 at month 6: cloud-b has a permitted campus with power due within the year and
    1.2 GW of chips on order from gpu-leader, whose backlog exceeds a year of its output."""
    model = BuildoutModel(seed=1)
    model.run(6)
    lab = next(lab for lab in model.labs if lab.name == "cloud-b")
    vendor = next(v for v in model.vendors if v.name == "gpu-leader")
    assert lab.chips_on_order_gw() > 0 and vendor.backlog_gw > vendor.production_gw_per_year
    return model, lab, vendor


@pytest.mark.parametrize("rule", ["pro_rata", "strategic_first"])
@pytest.mark.parametrize("months", [1, 12, 24])
def test_deliverable_chips_follow_the_vendors_allocation_rule(rule, months):
    """What a vendor can deliver to each deal within ``months`` is its output over those months
    shared as ``deliver`` shares it (pro rata to undelivered volume, strategic buyers first),
    every buyer calling all it is owed."""
    model = BuildoutModel(seed=1, chip_allocation_rule=rule)
    model.run(6)
    vendor = next(v for v in model.vendors if v.name == "gpu-leader")
    vendor.holds_equity_in = lambda company: company.name == "cloud-b"  # a strategic buyer
    book = model.contracts.of(vendor, ChipSupplyAgreement, "payee")
    first = rule == "strategic_first"
    calls = [
        Call(c, c.undelivered_gw, c.undelivered_gw, 0 if first and c.payer.name == "cloud-b" else 1)
        for c in book
    ]
    granted = allocate(vendor.production_gw_per_year * months / 12, calls)
    for c in book:
        assert vendor.deliverable_gw(c, months) == pytest.approx(granted[c], abs=1e-12)
    vendor.production_gw_per_year = 0.0
    assert all(vendor.deliverable_gw(c, months) == 0.0 for c in book)


def test_lenders_do_not_count_chips_the_vendor_cannot_make():
    """The fuzz finding: undelivered chips counted as on order whatever the vendor can make.
    cloud-b's campus is underwritten only for the chips gpu-leader can ship it within a year,
    and not at all once gpu-leader makes nothing."""
    model, lab, vendor = _cloud_b_with_chips_on_order()
    needed_gw = sum(pr.chips_needed_gw for pr in lab.projects)
    share = vendor.production_gw_per_year / vendor.backlog_gw  # a year's output / its backlog
    expected_gw = lab.chips_on_order_gw() * share
    assert lab.capacity_in_sight_gw(12) == pytest.approx(expected_gw)
    assert lab.capacity_in_sight_gw(12) < needed_gw
    vendor.production_gw_per_year = 0.0
    assert lab.capacity_in_sight_gw(12) == 0.0
    earned = lab.revenue_annual_usd_b + lab.core_cash_flow_usd_b_per_year
    assert lab.bankable_revenue_usd_b() == earned


def test_no_campus_is_started_when_no_vendor_can_make_chips():
    """With no chip output anywhere no lab breaks ground on a new campus; with the default
    supply they do (the check does not freeze the build-out)."""
    starved = BuildoutModel(seed=0, chip_supply_multiplier=0.0)
    starved.run(24)
    assert [pr for lab in starved.labs for pr in lab.projects if pr.started_month > 0] == []
    supplied = BuildoutModel(seed=0)
    supplied.run(24)
    assert any(pr.started_month > 0 for lab in supplied.labs for pr in lab.projects)


def test_chip_starved_lab_does_not_borrow_hundreds_of_billions():
    """The reproduction (baseline, seed 0, no chip output): the focal lab's debt reached $359bn
    against campuses that never got chips, then it defaulted."""
    model = BuildoutModel(seed=0, chip_supply_multiplier=0.0)
    focal = next(lab for lab in model.labs if lab.focal)
    peak_usd_b = 0.0
    while model.running:
        model.step()
        peak_usd_b = max(peak_usd_b, focal.debt_usd_b)
    assert peak_usd_b < 100.0
