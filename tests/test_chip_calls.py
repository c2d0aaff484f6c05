"""Chip calls and chip orders follow the campuses that can take the chips: a call goes to a deal
delivering now, and chips are ordered for a campus only once its power has a date."""

import pytest

from environment.contracts import ChipSupplyAgreement, PowerPurchaseAgreement
from environment.model import BuildoutModel
from environment.projects import APPROVED, OPEN_ENDED_MONTHS, DataCenterProject


def _world_with_a_dark_campus() -> tuple[BuildoutModel, object, object]:
    """Baseline at month 0 with cloud-a's first campus built and energised but its chips gone:
    it is ready for 3 GW of chips now."""
    model = BuildoutModel(seed=1, record_agents=False)
    lab = next(lab for lab in model.labs if lab.name == "cloud-a")
    campus = lab.projects[0]
    campus.chips_installed_gw = 0.0
    return model, lab, campus


def _deal(model, lab, start_month: int, volume_gw: float) -> ChipSupplyAgreement:
    return model.contracts.sign(
        ChipSupplyAgreement(
            payer=lab,
            payee=model.vendors[0],
            signed_month=model.month,
            start_month=start_month,
            end_month=start_month + 12,
            volume_gw=volume_gw,
            price_usd_b_per_gw=1.0,
        )
    )


def test_calls_go_to_deals_delivering_now_not_to_deals_not_yet_started():
    """Finding (a): an older deal whose window opens in years took the whole call, the vendor
    delivered nothing on it, and the deal delivering now was called for nothing."""
    model, lab, campus = _world_with_a_dark_campus()
    later = _deal(model, lab, start_month=30, volume_gw=3.0)  # older: signed first
    now = _deal(model, lab, start_month=0, volume_gw=3.0)
    assert campus.ready_for_chips(model.month, 3)
    lab.plan_chip_calls()
    assert lab.chip_call_gw(later) == 0.0
    assert lab.chip_call_gw(now) == pytest.approx(3.0)


def test_chips_are_ordered_for_a_campus_once_its_power_has_a_date():
    """Finding (b): a campus without a PPA was assumed powered when its building was done, so
    take-or-pay chips were ordered for it whatever the grid; it now has no date until a PPA
    gives one, and its chips are ordered for the PPA's start."""
    model = BuildoutModel(seed=1, record_agents=False)
    lab = next(lab for lab in model.labs if lab.name == "rival-lab")
    assert lab.projects == [] and model.contracts.of(lab, ChipSupplyAgreement) == []
    campus = DataCenterProject(
        owner=lab,
        government=model.governments[0],
        size_gw=1.0,
        started_month=0,
        build_months=24,
        capex_per_gw_usd_b=10.0,
        facility_cost_share=0.5,
        permit=APPROVED,
    )
    lab.projects.append(campus)
    assert campus.months_until_ready(0) == OPEN_ENDED_MONTHS
    assert lab.uncovered_chip_need_gw() == 0.0
    campus.ppa = PowerPurchaseAgreement(lab, campus.utility, 0, 40, 220, capacity_gw=1.0)
    assert lab.uncovered_chip_need_gw() == pytest.approx(1.0)
    assert lab.chips_wanted_months() == (37.0, 37.0)  # power in 40 months, chips 3 before


@pytest.mark.parametrize("onsite_gw_per_year", [0.0, None])
def test_a_slow_grid_does_not_buy_take_or_pay_chips_that_lapse(onsite_gw_per_year):
    """Finding (b) in a world: with interconnection five times slower, labs signed chip deals
    for campuses the grid never powered (183 GW ordered, 12 GW delivered, prepayments 17 times
    the chips billed on delivery). Chips ordered during the run are now delivered. With own
    plants allowed (``None``: the scenario's cap) 14 % still lapsed: a deal's window closed
    the month its last campus called, before the vendor could make what it called."""
    own_plants = (
        {} if onsite_gw_per_year is None else {"onsite_power_max_gw_per_year": onsite_gw_per_year}
    )
    model = BuildoutModel(
        scenario="grid-bottleneck",
        seed=7319,
        interconnection_delay_multiplier=5.0,
        record_agents=False,
        **own_plants,
    )
    model.run()
    in_run = [
        c
        for c in model.contracts.contracts
        if isinstance(c, ChipSupplyAgreement) and c.signed_month > 0
    ]
    ordered_gw = sum(c.volume_gw for c in in_run)
    assert ordered_gw > 0
    assert sum(c.lapsed_gw for c in in_run) <= 0.01 * ordered_gw
