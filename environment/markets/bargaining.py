"""Bilateral bargaining between a buyer and a seller with reservation prices.

The agreed price splits the surplus by bargaining power (generalised Nash bargaining with linear
utilities): ``seller_reservation + seller_power * (buyer_reservation - seller_reservation)``.
No deal when the reservation prices do not overlap.
"""

from __future__ import annotations


def bargain(
    buyer_reservation: float, seller_reservation: float, seller_power: float
) -> float | None:
    """Agreed price, or None when the most the buyer pays is below the least the seller takes."""
    if not 0.0 <= seller_power <= 1.0:
        raise ValueError(f"seller_power must be in [0, 1], got {seller_power}")
    if buyer_reservation < seller_reservation:
        return None
    return seller_reservation + seller_power * (buyer_reservation - seller_reservation)


def scarcity_power(demand: float, supply: float) -> float:
    """Seller's bargaining power from how much demand exceeds supply: 0.5 when they balance."""
    if supply <= 0:
        return 1.0
    ratio = demand / supply
    return min(1.0, max(0.0, ratio / (1.0 + ratio)))
