"""A campus's chip refresh is ordered ahead of its chips' end of life and swapped in the month
they retire, so a lab's capacity does not dip while it re-equips.

Finding (fuzzing review): the opening fleet's chips age out together, and each campus went dark
until its refresh arrived: chips were ordered only once the old ones had retired, and they retired
after the month's deliveries (baseline seed 1: world capacity 55.1 -> 50.1 GW in 2035-07)."""

import pytest

from agents.lab import CHIP_CALL_LEAD_MONTHS
from environment.contracts import ChipSupplyAgreement
from environment.model import BuildoutModel
from environment.projects import ONLINE


def _cloud_a_running_campus(months_of_life_left: int):
    """Baseline at month 0 with cloud-a's first (3 GW) campus online and its chips
    ``months_of_life_left`` from the end of their life; the lab uses all its capacity."""
    model = BuildoutModel(seed=1, record_agents=False)
    lab = next(lab for lab in model.labs if lab.name == "cloud-a")
    campus = lab.projects[0]
    assert campus.status == ONLINE and campus.capacity_online_gw(model.month) > 0
    life = model.p.it_equipment_life_months
    campus.chips_installed_month = model.month - life + months_of_life_left
    lab.idle_gw = 0.0
    return model, lab, campus


def _order(model, lab, vendor, gw: float) -> None:
    """A year's chip deal signed and delivering from this month."""
    model.contracts.sign(
        ChipSupplyAgreement(
            payer=lab,
            payee=vendor,
            signed_month=model.month,
            start_month=model.month,
            end_month=model.month + 12,
            volume_gw=gw,
            price_usd_b_per_gw=1.0,
        )
    )


def test_a_refresh_is_ordered_a_call_lead_time_before_the_chips_end_of_life():
    """Chips ending their life within the call lead time are chips to order, for delivery from
    the month they retire; a lab with as much idle capacity orders none (it will close it)."""
    model, lab, campus = _cloud_a_running_campus(CHIP_CALL_LEAD_MONTHS + 1)
    before_gw = lab.chips_to_order_gw()  # not yet: a lead time ahead, not more
    campus.chips_installed_month -= 1  # its chips now retire in CHIP_CALL_LEAD_MONTHS
    assert lab.chips_to_order_gw() == pytest.approx(before_gw + campus.size_gw)
    assert lab.refresh_due_gw(campus) == pytest.approx(campus.size_gw)
    assert CHIP_CALL_LEAD_MONTHS in lab.chips_wanted_months()  # deliveries from its retirement
    lab.idle_gw = campus.size_gw
    assert lab.chips_to_order_gw() == pytest.approx(before_gw)


def test_chips_ordered_ahead_are_swapped_in_the_month_the_old_ones_retire():
    """With a refresh deal running and a vendor able to make it, a campus whose chips reach
    the end of their life this month stays online on new chips (it went dark for the month:
    the old chips retired after the month's deliveries, with nothing called for them)."""
    model, lab, campus = _cloud_a_running_campus(0)
    vendor = model.vendors[0]
    vendor.production_gw_per_year = 1000.0  # supply is not what is tested
    _order(model, lab, vendor, campus.size_gw)
    lab.retire_chips()
    lab.plan_chip_calls()
    for v in model.vendors:
        v.deliver()
    lab.commission()
    assert campus in lab.projects and campus.status == ONLINE
    assert campus.chips_installed_month == model.month
    assert campus.capacity_online_gw(model.month) == pytest.approx(campus.size_gw)


def test_the_world_fleet_does_not_dip_while_labs_refresh_their_chips():
    """The finding's reproduction: over ten years of the baseline (seed 1) world capacity
    never falls by a campus's worth (3 GW) in a month, and its monthly falls add up to under
    10 GW (it fell 5.0 GW in 2035-07 as three of cloud-a's campuses, 5 GW equipped in the same
    month, aged out together; 21 GW of falls in all). What remains is a refresh that the
    vendors' monthly output, shared among every buyer's calls, cannot make at once."""
    model = BuildoutModel(seed=1, record_agents=False)
    model.run()
    falls = -model.datacollector.get_model_vars_dataframe()["capacity_online_gw"].diff()
    assert falls.max() < 3.0
    assert falls[falls > 0].sum() < 10.0


def test_chips_on_order_for_a_refresh_are_not_chips_for_the_pipeline():
    """Lenders and planning net chips on order against what the pipeline needs: a refresh on
    order re-equips a running campus, so it covers no pipeline campus (it did for the three
    months it was on order)."""
    model = BuildoutModel(seed=1, record_agents=False)
    lab = next(lab for lab in model.labs if lab.name == "cloud-b")
    running, queued = lab.projects  # 1 GW online; 1.2 GW permitted, powered in 9 months
    running.chips_installed_month = CHIP_CALL_LEAD_MONTHS - model.p.it_equipment_life_months
    lab.idle_gw = 0.0
    vendor = model.vendors[0]
    vendor.production_gw_per_year = 1000.0  # supply is not what is tested
    _order(model, lab, vendor, running.size_gw)  # the refresh
    assert lab.capacity_in_sight_gw(12) == 0.0
    reach_gw = lab.chips_in_reach_gw()
    _order(model, lab, vendor, queued.size_gw)  # chips for the queued campus
    assert lab.capacity_in_sight_gw(12) == pytest.approx(queued.size_gw)
    # ordering what the pipeline needs takes from the vendors' free output what it covers
    assert lab.chips_in_reach_gw() == pytest.approx(reach_gw)
