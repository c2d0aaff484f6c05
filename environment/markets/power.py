"""Power purchase negotiation between a lab's campus and the local utility.

The utility quotes an energisation month (interconnection delay, or later if generation must
be built) and a reservation price (its tariff, raised by the share of headroom the load takes);
the lab's reservation price is the share of revenue per MWh it will spend on energy. The seller's
power grows with grid stress. No quote or no overlap: no deal, and the campus waits on power.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from environment.contracts import PowerPurchaseAgreement
from environment.markets.bargaining import bargain

if TYPE_CHECKING:
    from agents.lab import AILab
    from agents.utility import Utility
    from environment.projects import DataCenterProject

#: Length of a data-centre PPA (assumption: 15-year large-load contracts).
PPA_TERM_MONTHS = 180


def negotiate_ppa(
    lab: AILab,
    utility: Utility,
    project: DataCenterProject,
    month: int,
    minimum_take_share: float,
    utilization: float,
) -> PowerPurchaseAgreement | None:
    energise = utility.quote_energisation_month(project.size_gw)
    if energise is None:
        return None
    return _bargain_ppa(
        lab,
        utility,
        utility.reservation_price_usd_mwh(project.size_gw),
        signed_month=month,
        start_month=energise,
        capacity_gw=project.size_gw,
        minimum_take_share=minimum_take_share,
        utilization=utilization,
    )


def renew_ppa(
    lab: AILab, utility: Utility, ppa: PowerPurchaseAgreement, month: int, minimum_take_share: float
) -> PowerPurchaseAgreement | None:
    """A new term for a campus already connected: no queue, the same bargaining over price."""
    return _bargain_ppa(
        lab,
        utility,
        utility.power_price_usd_mwh(),
        signed_month=month,
        start_month=month,
        capacity_gw=ppa.capacity_gw,
        minimum_take_share=minimum_take_share,
        utilization=ppa.utilization,
        renewal=True,
    )


def _bargain_ppa(
    lab: AILab,
    utility: Utility,
    seller_reservation_usd_mwh: float,
    *,
    signed_month: int,
    start_month: int,
    capacity_gw: float,
    minimum_take_share: float,
    utilization: float,
    renewal: bool = False,
) -> PowerPurchaseAgreement | None:
    """A term of ``PPA_TERM_MONTHS`` from ``start_month`` at the bargained price, or None when
    the reservation prices do not overlap (the seller's power grows with grid stress)."""
    price = bargain(
        buyer_reservation=lab.power_reservation_usd_mwh(),
        seller_reservation=seller_reservation_usd_mwh,
        seller_power=0.3 + 0.7 * utility.grid_stress,
    )
    if price is None:
        return None
    return PowerPurchaseAgreement(
        payer=lab,
        payee=utility,
        signed_month=signed_month,
        start_month=start_month,
        end_month=start_month + PPA_TERM_MONTHS,
        capacity_gw=capacity_gw,
        price_usd_mwh=price,
        minimum_take_share=minimum_take_share,
        utilization=utilization,
        renewal=renewal,
    )
