"""Lease timing: a lessor's capacity freed by a lease ending is leased again at once."""

import pytest

from environment.contracts import CapacityLease
from environment.model import BuildoutModel


def _cloud_b_lease_to_focal_lab() -> tuple[BuildoutModel, CapacityLease]:
    """Baseline seed 0 at its start, and cloud-b's scenario lease to focal-lab (to 2031-12)."""
    model = BuildoutModel(seed=0, record_agents=False)
    lease = next(
        c
        for c in model.contracts.contracts
        if isinstance(c, CapacityLease)
        and c.payer.name == "focal-lab"
        and c.payee.name == "cloud-b"
    )
    return model, lease


def test_no_idle_month_between_a_lease_ending_and_the_next():
    """Baseline seed 0: cloud-b's 4.5 GW lease to focal-lab ends after 2031-12 (month 71) with
    focal-lab still short. Negotiating against last month's tally, cloud-b still looked fully
    leased in 2032-01 and its 4.25 GW stood idle that month while focal-lab was short."""
    model, lease = _cloud_b_lease_to_focal_lab()
    model.run(lease.end_month)
    lessor, lessee = lease.payee, lease.payer
    assert lessee.shortfall_gw() > 1.0  # the lessee still needs capacity ...
    assert lessor.stranded_gw < 0.05  # ... and gets the lessor's the month the lease ends
    assert any(  # leased again at once (to whoever asked first)
        c.start_month == lease.end_month for c in model.contracts.of(lessor, CapacityLease, "payee")
    )


def test_a_lease_serves_and_is_paid_for_in_its_last_month():
    """The lease closed when its lessor delivered its last month, before the labs operated:
    the lessor reserved the capacity and booked the income, the lessee neither used nor paid
    for it (focal-lab's revenue fell by a quarter in 2031-12)."""
    model, lease = _cloud_b_lease_to_focal_lab()
    model.run(lease.end_month - 2)
    paid_before_usd_b = lease.paid_usd_b
    model.step()  # its last month
    assert lease.delivered_gw == lease.capacity_gw
    assert lease.paid_usd_b - paid_before_usd_b == pytest.approx(
        lease.capacity_gw * lease.price_usd_b_per_gw_year / 12
    )
    assert lease.payer.served_cu > lease.payer.own_compute_cu()  # its compute served demand
    assert (lease.status, lease.ended_month) == ("completed", lease.end_month - 1)
