"""Each negotiation protocol on its own: no deal without overlap, prices inside the overlap."""

from types import SimpleNamespace

import pytest

from environment.contracts import ChipSupplyAgreement, PowerPurchaseAgreement
from environment.markets import capital
from environment.markets.allocation import Call, allocate
from environment.markets.bargaining import bargain, scarcity_power
from environment.markets.chips import negotiate_chip_supply
from environment.markets.leasing import negotiate_lease
from environment.markets.power import negotiate_ppa


@pytest.mark.parametrize("power", [0.0, 0.3, 1.0])
def test_bargain_no_deal_without_overlap(power):
    assert bargain(buyer_reservation=9.9, seller_reservation=10.0, seller_power=power) is None


@pytest.mark.parametrize(("power", "price"), [(0.0, 10.0), (0.25, 12.5), (1.0, 20.0)])
def test_bargain_price_splits_the_overlap_by_power(power, price):
    assert bargain(20.0, 10.0, power) == pytest.approx(price)


def test_bargain_rejects_power_outside_unit_interval():
    with pytest.raises(ValueError, match="seller_power"):
        bargain(20.0, 10.0, 1.5)


def test_scarcity_power_grows_with_demand():
    assert scarcity_power(1, 1) == pytest.approx(0.5)
    assert scarcity_power(1, 4) < 0.5 < scarcity_power(4, 1)
    assert scarcity_power(1, 0) == 1.0


def test_allocate_pro_rata_caps_and_redistributes():
    calls = [Call("a", 10.0, weight=1), Call("b", 1.0, weight=1), Call("c", 10.0, weight=2)]
    got = allocate(9.0, calls)
    assert got["b"] == pytest.approx(1.0)  # capped at what it asked for
    assert got["c"] == pytest.approx(2 * got["a"])  # the rest pro rata to weight
    assert sum(got.values()) == pytest.approx(9.0)


def test_allocate_priority_class_first_and_never_more_than_supply_or_requests():
    calls = [Call("strategic", 3.0, priority=0), Call("other", 5.0, priority=1)]
    assert allocate(4.0, calls) == pytest.approx({"strategic": 3.0, "other": 1.0})
    assert allocate(100.0, calls) == pytest.approx({"strategic": 3.0, "other": 5.0})
    assert allocate(0.0, calls) == {"strategic": 0.0, "other": 0.0}


def request(amount=10.0, max_cost=0.2):
    return capital.FundingRequest(
        SimpleNamespace(),
        amount,
        max_cost,
        risk_score=0.3,
        revenue_annual_usd_b=20.0,
        debt_usd_b=0.0,
        debt_term_months=60,
    )


def test_capital_clear_takes_cheapest_acceptable_offers_until_funded():
    req = request(amount=10.0, max_cost=0.2)
    dear = capital.CapitalOffer("fund", req, capital.EQUITY, 8.0, 0.18, pre_money_usd_b=100)
    cheap = capital.CapitalOffer("bank", req, capital.DEBT, 6.0, 0.07)
    too_dear = capital.CapitalOffer("vulture", req, capital.DEBT, 50.0, 0.5)
    accepted = capital.clear([req], [dear, too_dear, cheap])
    assert accepted == [cheap, dear]
    assert cheap.amount_usd_b == 6.0 and dear.amount_usd_b == pytest.approx(4.0)


def test_capital_clear_no_deal_when_every_offer_costs_too_much():
    req = request(max_cost=0.05)
    offer = capital.CapitalOffer("bank", req, capital.DEBT, 10.0, 0.06)
    assert capital.clear([req], [offer]) == []


class Stub(SimpleNamespace):
    """Counterparty with fixed reservation prices (the agents' rules are tested elsewhere)."""


def chip_parties(lab_max, vendor_min, backlog=0.0, list_price=40.0):
    lab = Stub(chip_reservation_price_usd_b_per_gw=lambda eff: lab_max)
    vendor = Stub(
        price_usd_b_per_gw=list_price,
        production_gw_per_year=12.0,
        backlog_gw=backlog,
        efficiency_index=1.0,
        reservation_price_usd_b_per_gw=lambda: vendor_min,
        lead_time_months=lambda: backlog,
        unit_cost_usd_b_per_gw=0.6 * vendor_min,
    )
    return lab, vendor


def test_chip_negotiation_no_deal_without_overlap():
    lab, vendor = chip_parties(lab_max=20.0, vendor_min=25.0)
    assert negotiate_chip_supply(lab, vendor, 1.0, month=0, take_or_pay_share=0.5) is None


def test_chip_negotiation_price_inside_overlap_and_rises_with_backlog():
    lab, vendor = chip_parties(lab_max=30.0, vendor_min=20.0)
    calm = negotiate_chip_supply(
        lab, vendor, 1.0, month=5, take_or_pay_share=0.5, wanted_from_months=6
    )
    assert isinstance(calm, ChipSupplyAgreement)
    assert 20.0 < calm.price_usd_b_per_gw < 30.0
    assert calm.start_month == 11 and calm.end_month - calm.start_month >= 12
    assert calm.unit_cost_usd_b_per_gw == 12.0  # the vendor's cost at signing, locked in
    _, busy = chip_parties(30.0, 20.0, backlog=36.0)
    tight = negotiate_chip_supply(lab, busy, 1.0, month=5, take_or_pay_share=0.5)
    assert tight.price_usd_b_per_gw > calm.price_usd_b_per_gw


def test_chip_deal_is_never_dearer_than_the_list_price():
    """Found by the plausibility review: a scarce vendor's power pushed 55 % of deals above
    its own list price, toward what the lab would pay. A posted price is a ceiling."""
    _, busy = chip_parties(30.0, 20.0, backlog=36.0, list_price=22.0)
    lab = Stub(chip_reservation_price_usd_b_per_gw=lambda eff: 30.0)
    deal = negotiate_chip_supply(lab, busy, 1.0, month=5, take_or_pay_share=0.5)
    assert 20.0 < deal.price_usd_b_per_gw <= 22.0
    _, cheap = chip_parties(30.0, 20.0, list_price=19.0)  # listed below what it would take
    assert negotiate_chip_supply(lab, cheap, 1.0, month=5, take_or_pay_share=0.5) is None


def test_chip_delivery_window_lasts_until_the_last_campus_can_take_chips():
    """The take-or-pay pace must not run ahead of the buyer's buildings: a deal for campuses
    ready in 6 to 40 months delivers from month 6 to month 40, and on for as long as the
    vendor takes to make the volume (6 GW at 12 GW a year: 6 months) plus a quarter, so the
    last campus's call can be met (a window ending at that call lapsed what was not shipped
    that month)."""
    lab, vendor = chip_parties(lab_max=30.0, vendor_min=20.0)
    deal = negotiate_chip_supply(
        lab, vendor, 6.0, 5, 0.5, wanted_from_months=6, wanted_until_months=40
    )
    assert deal.start_month == 11 and deal.end_month == 5 + 40 + 1 + 6 + 3


def power_parties(lab_max, utility_min, stress=0.0, energise=30):
    lab = Stub(power_reservation_usd_mwh=lambda: lab_max)
    utility = Stub(
        grid_stress=stress,
        quote_energisation_month=lambda gw, project=None: energise,
        reservation_price_usd_mwh=lambda gw: utility_min,
        queued=[],
    )
    utility.wait_in_queue = utility.queued.append
    return lab, utility, Stub(size_gw=1.0)


PPA_TERMS = {"minimum_take_share": 0.85, "utilization": 0.85, "max_wait_months": 84}


def test_ppa_no_deal_without_overlap_or_without_power_in_sight():
    assert negotiate_ppa(*power_parties(60.0, 80.0), month=0, **PPA_TERMS) is None
    assert negotiate_ppa(*power_parties(200.0, 80.0, energise=None), month=0, **PPA_TERMS) is None


@pytest.mark.parametrize("stress", [0.0, 0.8])
def test_ppa_is_priced_at_the_utilitys_cost_not_at_a_share_of_the_labs_margin(stress):
    """Plausibility review, finding 5: labs paid a median $136/MWh (baseline seed 1) against
    $65-90/MWh industrial tariffs (digest B), because the utility took 30-100 % of the gap up
    to what a MWh earns the lab ($200-250). A utility prices a new load at cost (its tariff or
    the new plant's), whatever the lab could afford and however stressed the grid."""
    ppa = negotiate_ppa(*power_parties(240.0, 80.0, stress=stress), month=0, **PPA_TERMS)
    assert isinstance(ppa, PowerPurchaseAgreement)
    assert ppa.price_usd_mwh == pytest.approx(80.0)
    assert ppa.start_month == 30
    # the minimum-take floor: a campus drawing nothing still pays 85 % of its contract
    assert ppa.energy_cost_usd_b(0.0) == pytest.approx(0.85 * ppa.energy_cost_usd_b(1.0))


def test_a_lab_signs_no_ppa_starting_beyond_its_longest_wait_but_keeps_its_place():
    """Plausibility review, finding 5: PPAs started up to 284 months after signing
    (grid-bottleneck seeds 0-4). A date beyond ``max_wait_months`` is refused and the campus
    queues; a date at the limit is signed."""
    lab, utility, campus = power_parties(240.0, 80.0, energise=100)
    assert negotiate_ppa(lab, utility, campus, month=10, **PPA_TERMS) is None
    assert utility.queued == [campus]
    lab, utility, campus = power_parties(240.0, 80.0, energise=94)
    ppa = negotiate_ppa(lab, utility, campus, month=10, **PPA_TERMS)
    assert ppa.start_month - ppa.signed_month == 84 and utility.queued == []


def lease_parties(lessee_max, lessor_min, spare):
    lessee = Stub(lease_reservation_usd_b_per_gw_year=lambda lessor: lessee_max)
    lessor = Stub(spare_gw=lambda: spare, lease_cost_usd_b_per_gw_year=lambda: lessor_min)
    return lessee, lessor


def test_lease_no_deal_without_overlap_or_spare_capacity():
    assert negotiate_lease(*lease_parties(9.0, 10.0, spare=5.0), 1.0, 0, 24) is None
    assert negotiate_lease(*lease_parties(20.0, 10.0, spare=0.0), 1.0, 0, 24) is None


def test_lease_price_inside_overlap_and_capped_at_spare():
    lease = negotiate_lease(*lease_parties(20.0, 10.0, spare=0.5), 2.0, 3, 24)
    assert lease.capacity_gw == 0.5
    assert 10.0 < lease.price_usd_b_per_gw_year < 20.0
    assert (lease.start_month, lease.end_month) == (3, 27)
