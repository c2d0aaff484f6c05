"""Capacity leasing: a lab short of compute rents idle capacity from another.

The lessor's reservation price is its cost of a GW-year plus a margin; the lessee's is its
revenue per GW-year of the lessor's chips plus an urgency premium. Power to the lessor grows
with how much of its spare capacity the lease would take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from environment.contracts import CapacityLease
from environment.markets.bargaining import bargain, scarcity_power

if TYPE_CHECKING:
    from agents.lab import AILab


def negotiate_lease(
    lessee: AILab, lessor: AILab, capacity_gw: float, month: int, term_months: int
) -> CapacityLease | None:
    spare = lessor.spare_gw()
    capacity_gw = min(capacity_gw, spare)
    if capacity_gw <= 1e-6:
        return None
    price = bargain(
        buyer_reservation=lessee.lease_reservation_usd_b_per_gw_year(lessor),
        seller_reservation=lessor.lease_cost_usd_b_per_gw_year(),
        seller_power=scarcity_power(capacity_gw, spare),
    )
    if price is None:
        return None
    return CapacityLease(
        payer=lessee,
        payee=lessor,
        signed_month=month,
        start_month=month,
        end_month=month + term_months,
        capacity_gw=capacity_gw,
        price_usd_b_per_gw_year=price,
    )
