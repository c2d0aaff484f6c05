"""Power purchase negotiation between a lab's campus and the local utility.

The utility quotes an energisation month (interconnection delay, or later if generation must
be built) and its cost of serving the load (its tariff, or the long-run cost of the new plant the
load needs); the lab's reservation price is the share of revenue per MWh it will spend on energy,
capped by on-site generation. The utility prices at cost: it takes none of the overlap (a
regulated utility's large-load tariff is cost-based, and in a competitive market entry competes
such margins away), so grid scarcity shows in the tariff and in the queue, not in a share of
what the lab earns. No quote, a date beyond the longest wait the lab accepts, or no overlap: no
deal, and the campus waits on power and asks again next month.
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
    max_wait_months: float,
) -> PowerPurchaseAgreement | None:
    """A PPA for a new campus, or None: no date quoted, a date more than ``max_wait_months``
    away (a lab does not sign for power it could not use within its plans; the campus keeps
    its place in the queue), or no overlap."""
    energise = utility.quote_energisation_month(project.size_gw, project)
    if energise is None:
        return None
    if energise - month > max_wait_months:
        utility.wait_in_queue(project)
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
    """A term of ``PPA_TERM_MONTHS`` from ``start_month`` at the utility's cost-based price,
    or None when the lab will not pay that much."""
    price = bargain(
        buyer_reservation=lab.power_reservation_usd_mwh(),
        seller_reservation=seller_reservation_usd_mwh,
        seller_power=0.0,
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
