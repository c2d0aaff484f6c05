"""Chip supply negotiation: a lab and a vendor agree a volume, a price and a delivery window.

The vendor's reservation price is its margin floor, rising toward its list price as its order
book fills; the lab's is the share of lifetime revenue it would spend on the chips. The price
splits the overlap by the vendor's scarcity power (backlog against production). Deliveries are
spread over the vendor's lead time plus the time to make the volume, at least a year.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from environment.contracts import ChipSupplyAgreement
from environment.markets.bargaining import bargain, scarcity_power
from environment.projects import OPEN_ENDED_MONTHS

#: Shortest delivery schedule a vendor offers (assumption: quarterly allocations, a year).
MIN_DELIVERY_WINDOW_MONTHS = 12
#: Months a window runs past the last campus's call besides the time to make the volume, so
#: that call can be met in full (assumption: a quarterly allocation).
LAST_CALL_MARGIN_MONTHS = 3

if TYPE_CHECKING:
    from agents.chip_vendor import ChipVendor
    from agents.lab import AILab


def negotiate_chip_supply(
    lab: AILab,
    vendor: ChipVendor,
    volume_gw: float,
    month: int,
    take_or_pay_share: float,
    wanted_from_months: float = 0.0,
    wanted_until_months: float = 0.0,
) -> ChipSupplyAgreement | None:
    """A signed-ready agreement, or None when the reservation prices do not overlap.

    Deliveries start when the buyer's first campus can take them (``wanted_from_months`` ahead)
    and last until the vendor can have made the chips its last one calls
    (``wanted_until_months``, plus the time to make the volume and a margin), or the vendor's
    lead time plus the time to make the volume if longer, so the take-or-pay pace does not run
    ahead of the buildings. A window ending at the last call lapsed what the vendor could not
    ship that month. The buyer pays no more than the list price: the vendor bargains down.
    """
    if volume_gw <= 0 or vendor.production_gw_per_year <= 0:
        return None
    power = scarcity_power(vendor.backlog_gw + volume_gw, vendor.production_gw_per_year)
    price = bargain(
        buyer_reservation=min(
            lab.chip_reservation_price_usd_b_per_gw(vendor.efficiency_index),
            vendor.price_usd_b_per_gw,
        ),
        seller_reservation=vendor.reservation_price_usd_b_per_gw(),
        seller_power=power,
    )
    if price is None:
        return None
    make_months = min(12.0 * volume_gw / vendor.production_gw_per_year, OPEN_ENDED_MONTHS)
    start = month + int(max(0.0, wanted_from_months))
    window = max(
        MIN_DELIVERY_WINDOW_MONTHS,
        int(round(vendor.lead_time_months() + make_months)),
        int(wanted_until_months - max(0.0, wanted_from_months))
        + 1
        + LAST_CALL_MARGIN_MONTHS
        + math.ceil(make_months),
    )
    return ChipSupplyAgreement(
        payer=lab,
        payee=vendor,
        signed_month=month,
        start_month=start,
        end_month=start + window,
        volume_gw=volume_gw,
        price_usd_b_per_gw=price,
        take_or_pay_share=take_or_pay_share,
        unit_cost_usd_b_per_gw=vendor.unit_cost_usd_b_per_gw,
    )


def rank_vendors(vendors: list[ChipVendor]) -> list[ChipVendor]:
    """Vendors in the order a buyer asks them: cheapest compute, discounted for waiting. Each
    vendor's backlog is read once for both its price and its lead time: it sums the vendor's
    whole book, and a large world ranks hundreds of vendors whenever a lab plans."""

    def cost_of_compute(v: ChipVendor) -> float:
        backlog_months = v.backlog_months
        return (
            v.reservation_price_usd_b_per_gw(backlog_months)
            / v.efficiency_index
            * (1 + v.lead_time_months(backlog_months) / 24)
        )

    return sorted((v for v in vendors if v.production_gw_per_year > 0), key=cost_of_compute)


def deliverable_within_gw(vendor: ChipVendor, months: float) -> float:
    """Volume a vendor can still promise within ``months`` after its current backlog."""
    return max(0.0, vendor.production_gw_per_year * months / 12.0 - vendor.backlog_gw)
