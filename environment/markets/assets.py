"""Distressed-asset sales: a defaulted lab's working campuses are auctioned to its rivals.

A bankrupt lab's data centres do not vanish. Its estate sells them and pays the proceeds to its
creditors, and the buyers are mostly firms of the same industry, which pay the most for
specialised capital (Ramey & Shapiro 2001, "Displaced Capital", JPE 109(5)). Each campus is
sold in an English auction: a bidder stays in up to the lesser of what the campus is worth to
it and the cash it can spend. The last bidder standing wins at the price where the runner-up
dropped out, but never below the estate's reserve, the least it takes rather than wait for a
better buyer. With no bidder at the reserve the campus is not sold.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bid:
    """What one buyer would give for an asset."""

    buyer: Hashable
    value_usd_b: float  # what the asset is worth to it
    budget_usd_b: float  # the cash it can spend

    @property
    def limit_usd_b(self) -> float:
        return min(self.value_usd_b, self.budget_usd_b)


def auction(reserve_usd_b: float, bids: Sequence[Bid]) -> tuple[Hashable, float] | None:
    """The winner and its price, or None when no bid reaches the reserve. Ties go to the
    earlier bid (callers order bidders)."""
    ranked = sorted(bids, key=lambda bid: bid.limit_usd_b, reverse=True)
    if not ranked or ranked[0].limit_usd_b <= 0 or ranked[0].limit_usd_b < reserve_usd_b:
        return None
    runner_up = ranked[1].limit_usd_b if len(ranked) > 1 else 0.0
    return ranked[0].buyer, max(reserve_usd_b, runner_up)
