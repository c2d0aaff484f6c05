"""Power purchase negotiation between a lab's campus and the local utility.

The utility quotes an energisation month (interconnection delay, or later if generation must
be built) and its cost of serving the load (its tariff, or the long-run cost of the new plant the
load needs); the lab's reservation price is the share of revenue per MWh it will spend on energy,
capped by on-site generation. The utility prices at cost: it takes none of the overlap (a
regulated utility's large-load tariff is cost-based, and in a competitive market entry competes
such margins away), so grid scarcity shows in the tariff and in the queue, not in a share of
what the lab earns. No quote, a date beyond the longest wait the lab accepts, or no overlap: no
grid deal.

Then the lab may generate its own power behind the campus's meter, as xAI did in Memphis and
the Stargate campus at Abilene does with gas turbines: it contracts an outside firm to build,
fuel and run a plant for the campus at the on-site cost per MWh (the plant's capital levelised
into the price, as Lazard's LCOE does), with the plant's lead time and no interconnection queue.
The lab's reservation price is capped at that cost, so it signs when the grid has no date
within its wait or asks more, and it earns enough per MWh to pay it; or when the grid's date is
so far off that the months of running its own plant gains are worth more than its dearer energy
over the contract (``own_plant_pays``). Otherwise the campus waits on power and asks again next
month.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import fsum
from typing import TYPE_CHECKING

from environment.contracts import (
    MWH_PER_GW_YEAR,
    PowerPurchaseAgreement,
    capital_recovery_factor,
)
from environment.ledger import OutsideSupplier
from environment.markets.bargaining import bargain

if TYPE_CHECKING:
    from agents.lab import AILab
    from agents.utility import Utility
    from environment.projects import DataCenterProject

#: Length of a data-centre PPA (assumption: 15-year large-load contracts).
PPA_TERM_MONTHS = 180


#: The outside firm that builds, fuels and runs labs' plants behind campuses' meters (its firms
#: are not modelled one by one): paid through the ledger's ``fuel_and_operations`` account.
ONSITE_SUPPLIER = OutsideSupplier("onsite_generation", "fuel_and_operations")


def is_on_site(ppa: PowerPurchaseAgreement) -> bool:
    """Whether a power contract is supply from the campus's own plant, not the grid: its
    seller is the on-site supplier, who serves that campus alone (grid load shedding does not
    reach it), bills no utility fuel (it is in the price) and holds no grid capacity. By
    value, not identity: a world restored from a pickle holds its own copy of the supplier."""
    return ppa.payee == ONSITE_SUPPLIER


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


def onsite_room_gw(
    ppas: Iterable[PowerPurchaseAgreement], month: int, max_gw_per_year: float
) -> float:
    """On-site capacity its suppliers can still take on: ``max_gw_per_year`` less the new
    on-site plants contracted over the last twelve months (turbines and engines are made to
    order, and their makers' output is booked years ahead: new demand waits, it does not
    multiply the plants). A plant whose campus was given up frees its place."""
    signed_gw = fsum(
        c.capacity_gw
        for c in ppas
        if is_on_site(c) and not (c.renewal or c.assigned) and c.signed_month > month - 12
    )
    return max_gw_per_year - signed_gw


def negotiate_onsite_ppa(
    lab: AILab,
    capacity_gw: float,
    month: int,
    cost_usd_mwh: float,
    lead_months: int,
    minimum_take_share: float,
    utilization: float,
    max_wait_months: float,
    room_gw: float,
    renewal: bool = False,
) -> PowerPurchaseAgreement | None:
    """Supply from a plant of its own at ``cost_usd_mwh`` from ``lead_months`` on (a renewal:
    now, the plant stands), or None: a plant later than the longest wait the lab accepts, more
    than the ``room_gw`` the suppliers can still take on this year, or a lab that will not pay
    that much. The supplier prices at cost, like the utility."""
    if not renewal and (lead_months > max_wait_months or capacity_gw > room_gw):
        return None
    return _bargain_ppa(
        lab,
        ONSITE_SUPPLIER,
        cost_usd_mwh,
        signed_month=month,
        start_month=month if renewal else month + lead_months,
        capacity_gw=capacity_gw,
        minimum_take_share=minimum_take_share,
        utilization=utilization,
        renewal=renewal,
    )


def own_plant_pays(
    grid_ppa: PowerPurchaseAgreement,
    own_ppa: PowerPurchaseAgreement,
    ready_month: int,
    margin_usd_b_per_gw_month: float,
    rate_per_year: float,
) -> bool:
    """Whether a lab takes its own plant over the grid's offer for a campus built by
    ``ready_month``: the months of running sooner, at ``margin_usd_b_per_gw_month``, are worth
    more than the present value of the plant's dearer energy over the contract at
    ``rate_per_year``. Power before the campus is built gains nothing, so a grid date up to the
    plant's, or the building's, always wins: a lab does not pay years of a premium to run a few
    months early, but neither waits years for cheaper power."""
    gained_months = max(grid_ppa.start_month, ready_month) - max(own_ppa.start_month, ready_month)
    if gained_months <= 0:
        return False
    gained_usd_b = gained_months * own_ppa.capacity_gw * margin_usd_b_per_gw_month
    premium_usd_b_per_year = (
        (own_ppa.price_usd_mwh - grid_ppa.price_usd_mwh)
        * own_ppa.capacity_gw
        * own_ppa.utilization
        * MWH_PER_GW_YEAR
        * 1e-9
    )
    term_years = (own_ppa.end_month - own_ppa.start_month) / 12.0
    return gained_usd_b > premium_usd_b_per_year / capital_recovery_factor(
        rate_per_year, term_years
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
    seller: Utility | OutsideSupplier,
    seller_reservation_usd_mwh: float,
    *,
    signed_month: int,
    start_month: int,
    capacity_gw: float,
    minimum_take_share: float,
    utilization: float,
    renewal: bool = False,
) -> PowerPurchaseAgreement | None:
    """A term of ``PPA_TERM_MONTHS`` from ``start_month`` at the supplier's cost-based price,
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
        payee=seller,
        signed_month=signed_month,
        start_month=start_month,
        end_month=start_month + PPA_TERM_MONTHS,
        capacity_gw=capacity_gw,
        price_usd_mwh=price,
        minimum_take_share=minimum_take_share,
        utilization=utilization,
        renewal=renewal,
    )
