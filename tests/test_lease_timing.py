"""Lease timing: a lessor's capacity freed by a lease ending is leased again at once."""

from environment.contracts import CapacityLease
from environment.model import BuildoutModel


def test_no_idle_month_between_a_lease_ending_and_the_next():
    """Baseline seed 0: cloud-b's 4.5 GW lease to focal-lab ends after 2031-12 (month 71) with
    focal-lab still short. Negotiating against last month's tally, cloud-b still looked fully
    leased in 2032-01 and its 4.25 GW stood idle that month while focal-lab was short."""
    model = BuildoutModel(seed=0, record_agents=False)
    lease = next(
        c
        for c in model.contracts.contracts
        if isinstance(c, CapacityLease)
        and c.payer.name == "focal-lab"
        and c.payee.name == "cloud-b"
    )
    model.run(lease.end_month)
    lessor, lessee = lease.payee, lease.payer
    assert lessee.shortfall_gw() > 1.0  # the lessee still needs capacity ...
    assert lessor.stranded_gw < 0.05  # ... and gets the lessor's the month the lease ends
    assert any(
        c.payer is lessee and c.start_month == lease.end_month
        for c in model.contracts.of(lessor, CapacityLease, "payee")
    )
