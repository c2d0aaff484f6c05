"""A lab generates its own power on site when the grid cannot serve a campus in time or asks
more than a plant of its own would cost.

Fuzzing review: a lab's reservation price for grid power was capped at
``onsite_power_cost_usd_mwh``, but no on-site plant was ever built. With on-site power below
every tariff (under ~$66/MWh) every PPA negotiation failed, the build-out froze at 8.2 GW, and
the freeze showed as a power bottleneck."""

from math import fsum
from types import SimpleNamespace

import pytest

from environment.contagion import propagate
from environment.contracts import ACTIVE, BROKEN, ContractBook, PowerPurchaseAgreement
from environment.ledger import Ledger, OutsideSupplier, keeps_books
from environment.markets.power import (
    ONSITE_SUPPLIER,
    is_on_site,
    negotiate_onsite_ppa,
    onsite_room_gw,
    own_plant_pays,
)
from environment.model import BuildoutModel
from environment.projects import APPROVED, DataCenterProject


def _lab(reservation_usd_mwh: float):
    return SimpleNamespace(power_reservation_usd_mwh=lambda: reservation_usd_mwh)


class _DefaultingLab:
    """A lab with $1bn of cash, about to default (hashable, for the contract book)."""

    name, cash_usd_b, defaulted = "lab", 1.0, False

    def power_reservation_usd_mwh(self) -> float:
        return 250.0


def _onsite(lab, capacity_gw=1.0, lead_months=24, max_wait_months=84, room_gw=10.0):
    return negotiate_onsite_ppa(
        lab, capacity_gw, 5, 250.0, lead_months, 0.85, 0.85, max_wait_months, room_gw
    )


def test_a_lab_that_pays_the_on_site_cost_gets_its_plant_after_the_lead_time():
    ppa = _onsite(_lab(250.0))
    assert ppa is not None and is_on_site(ppa)
    assert ppa.payee is ONSITE_SUPPLIER and ppa.payer.power_reservation_usd_mwh() == 250.0
    assert (ppa.price_usd_mwh, ppa.signed_month, ppa.start_month) == (250.0, 5, 29)
    assert not ppa.renewal


def test_no_plant_for_a_lab_that_will_not_pay_for_it_wait_for_it_or_find_it():
    assert _onsite(_lab(249.0)) is None  # it earns too little per MWh
    assert _onsite(_lab(250.0), lead_months=90) is None  # later than it would wait
    assert _onsite(_lab(250.0), capacity_gw=2.0, room_gw=1.5) is None  # makers booked up


def test_on_site_capacity_contracted_in_twelve_months_is_bounded():
    lab = _lab(250.0)
    new = [_onsite(lab, capacity_gw=3.0) for _ in range(2)]  # signed in month 5
    grid = PowerPurchaseAgreement(lab, "grid", 5, 29, 209, capacity_gw=4.0)
    renewal = negotiate_onsite_ppa(lab, 5.0, 5, 250.0, 24, 0.85, 0.85, 84, 0.0, renewal=True)
    assert renewal is not None and renewal.start_month == 5  # the plant stands: no new one
    ppas = [*new, grid, renewal]
    assert onsite_room_gw(ppas, 16, 10.0) == pytest.approx(4.0)  # eleven months on
    assert onsite_room_gw(ppas, 17, 10.0) == pytest.approx(10.0)  # a year on


def test_a_campus_waiting_on_its_own_plant_waits_on_a_gate_of_its_own_not_the_grid():
    grid = SimpleNamespace(dc_supply_share=0.5, release=lambda ppa: pytest.fail("grid released"))
    campus = DataCenterProject(None, SimpleNamespace(utility=grid), 1.0, 0, 24, 12.0, 0.4)
    campus.permit, campus.build_months_done = APPROVED, 20
    campus.ppa = _onsite(_lab(250.0))  # power in month 29
    assert campus.binding_gate(10, 0.0) == "onsite_power"  # 19 months, the building 4
    assert campus.binding_gate(10, 20.0) == "chips"  # the furthest-off gate binds
    campus.build_months_done = 0
    assert campus.binding_gate(10, 0.0) == "build"  # 24 months of building left
    # its utility is still its grid's, but grid load shedding does not reach its own plant,
    # and the plant held nothing on the grid to free
    assert campus.utility is grid and campus.supplied_share == 1.0
    campus.release_grid(campus.ppa)


def test_the_on_site_supplier_is_an_outside_party_paid_through_its_account():
    """Not a string that happens to equal an outside account's name: a supplier of its own,
    with a name for the tables, paid into the account it stands for, and no books."""
    assert ONSITE_SUPPLIER.name == "onsite_generation"
    assert not isinstance(ONSITE_SUPPLIER, str) and ONSITE_SUPPLIER.account != ONSITE_SUPPLIER
    assert not keeps_books(ONSITE_SUPPLIER) and not keeps_books("construction")
    with pytest.raises(ValueError, match="unknown outside account"):
        OutsideSupplier("nobody", "nowhere")
    ledger, lab = Ledger(), SimpleNamespace(cash_usd_b=5.0)
    ledger.open_account(lab)
    ledger.transfer(lab, ONSITE_SUPPLIER, 2.0, "power")
    assert ledger.outside[ONSITE_SUPPLIER.account] == 2.0 and lab.cash_usd_b == 3.0
    assert ledger.imbalance_usd_b() == 0.0


def test_a_lab_on_its_own_plant_that_defaults_pays_its_supplier_who_writes_nothing_off():
    lab = _DefaultingLab()
    book, ledger = ContractBook(), Ledger()
    ledger.open_account(lab)
    ppa = book.sign(_onsite(lab))
    cascade, fallen = propagate(
        lab,
        book,
        30,
        buffer_of=lambda agent: pytest.fail(f"{agent} has no books"),
        ledger=ledger,
        arrears_of=lambda agent: {ONSITE_SUPPLIER: 3.0},  # a power bill it did not pay
    )
    assert fallen == [lab] and ppa.status == BROKEN
    assert cascade.recovered_usd_b == {"onsite_generation": 1.0}  # all its cash
    assert cascade.losses_usd_b == {}  # an outside party writes nothing off
    assert cascade.revenue_lost_usd_b == pytest.approx(
        {"onsite_generation": ppa.remaining_value_usd_b(30)}
    )
    assert ledger.outside["fuel_and_operations"] == 1.0 and ledger.imbalance_usd_b() == 0.0


def test_cheap_on_site_power_no_longer_freezes_the_build_out():
    """The reproduction, three years of baseline seed 1 with on-site power at $55/MWh: before
    the fix no PPA was signed after the first month and the world stayed at 8.2 GW, the
    pipeline waiting on power."""
    model = BuildoutModel(seed=1, record_agents=False, onsite_power_cost_usd_mwh=55.0)
    model.run(36)
    new_deals = [
        c
        for c in model.contracts.contracts
        if isinstance(c, PowerPurchaseAgreement) and c.signed_month > 0 and not c.assigned
    ]
    assert new_deals and all(is_on_site(c) and c.price_usd_mwh == 55.0 for c in new_deals)
    assert model.capacity_online_gw > 10.0  # 14.7 GW at the fix
    # a campus on its own plant is not blamed on the grid: no campus with a contract waits
    # on power (those without one do); those whose plant is still being built wait on it
    assert all(pr.waiting_on != "power" for pr in model.projects if pr.ppa is not None)
    waiting_on_plants = [pr for pr in model.projects if pr.waiting_on == "onsite_power"]
    assert waiting_on_plants and all(is_on_site(pr.ppa) for pr in waiting_on_plants)
    assert model.bottleneck_onsite_power_gw > 0
    # the grid carries only its own contracts: on-site plants reserve and load none of it
    for utility in model.utilities:
        grid_gw = fsum(
            c.capacity_gw
            for c in model.contracts.of(utility, PowerPurchaseAgreement)
            if c.status == ACTIVE
        )
        assert utility.dc_load_gw + utility.reserved_gw == pytest.approx(grid_gw)
    # on-site bills are paid through the ledger to an outside account: no money made or lost
    assert fsum(c.paid_usd_b for c in new_deals) > 0
    assert model.ledger.imbalance_usd_b() == pytest.approx(0.0, abs=1e-6)


def test_without_on_site_plants_the_grid_alone_powers_campuses():
    """``onsite_power_max_gw_per_year`` = 0 is the model before on-site plants (the same
    tables as before them): cheap on-site power then stops every new PPA, as in the finding."""
    model = BuildoutModel(
        seed=1,
        record_agents=False,
        onsite_power_cost_usd_mwh=55.0,
        onsite_power_max_gw_per_year=0.0,
    )
    model.run(36)
    assert not any(
        isinstance(c, PowerPurchaseAgreement) and c.signed_month > 0
        for c in model.contracts.contracts
    )
    assert model.capacity_online_gw == pytest.approx(8.2)
    assert model.bottleneck_power_gw > 0


def _grid(start_month: int, price_usd_mwh: float = 70.0) -> PowerPurchaseAgreement:
    return PowerPurchaseAgreement(
        payer=_lab(250.0),
        payee="grid",
        signed_month=5,
        start_month=start_month,
        end_month=start_month + 180,
        capacity_gw=1.0,
        price_usd_mwh=price_usd_mwh,
        minimum_take_share=0.85,
        utilization=0.85,
    )


def test_a_lab_takes_its_own_plant_over_a_grid_date_years_later_only_when_the_time_pays():
    """Own plant from month 29 at $250/MWh against the grid's $70: 1.34 $bn a year more
    energy for 15 years, ~10.2 $bn at 10 %. A campus built by month 29 gains the months until
    the grid's date at the margin a running GW earns."""
    own = _onsite(_lab(250.0))
    assert own_plant_pays(_grid(89), own, 29, 0.3, 0.10)  # 60 months x 0.3 = 18 $bn
    assert not own_plant_pays(_grid(53), own, 29, 0.3, 0.10)  # 24 months x 0.3 = 7.2 $bn
    assert not own_plant_pays(_grid(89), own, 29, -0.1, 0.10)  # running loses money
    assert not own_plant_pays(_grid(89), own, 89, 0.3, 0.10)  # built when the grid comes
    assert not own_plant_pays(_grid(20), own, 0, 0.3, 0.10)  # the grid is sooner
    # a cheaper grid makes its date worth waiting longer for
    assert own_plant_pays(_grid(89, 150.0), own, 29, 0.3, 0.10)
    assert not own_plant_pays(_grid(59, 70.0), own, 29, 0.3, 0.10)  # 9.0 $bn gained
    assert own_plant_pays(_grid(59, 150.0), own, 29, 0.3, 0.10)  # 4.5 $bn more energy


def test_a_slow_grid_does_not_end_with_more_capacity_than_a_fast_one():
    """Review of the on-site plants: labs signed any grid date within ``max_power_wait_months``
    (84) over a plant of their own in 24, so in the slow grid of ``grid-bottleneck`` they went
    to their own plants sooner and ended 2036 with more capacity than the baseline (median of
    20 seeds 68.7 against 63.9 GW). Now a lab weighs the months its own plant gains."""

    def world_gw(scenario: str) -> float:
        runs = []
        for seed in range(4):
            model = BuildoutModel(scenario=scenario, seed=seed, record_agents=False)
            model.run()
            runs.append(model.capacity_online_gw)
        return sorted(runs)[1] + sorted(runs)[2]

    assert world_gw("grid-bottleneck") < world_gw("baseline")
