"""Sharing scarce supply among buyers (chip vendors' allocation rule).

Water-filling pro-rata: each buyer gets supply in proportion to its weight, never more than it
asked for; what a capped buyer does not take is shared again among the rest. Priority classes
are served in order, pro rata within a class.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from math import fsum


@dataclass(frozen=True)
class Call:
    """A buyer's request for delivery this period."""

    buyer: Hashable
    requested: float
    weight: float = 1.0
    priority: int = 0  # lower is served first


def allocate(supply: float, calls: Sequence[Call]) -> dict[Hashable, float]:
    """Split ``supply`` among ``calls``: priority classes in order, pro rata by weight inside."""
    granted = {c.buyer: 0.0 for c in calls}
    left = max(0.0, supply)
    for priority in sorted({c.priority for c in calls}):
        tier = [c for c in calls if c.priority == priority and c.requested > 0]
        while left > 1e-12 and tier:
            total_weight = fsum(c.weight for c in tier)
            if total_weight <= 0:
                break
            share = {c.buyer: left * c.weight / total_weight for c in tier}
            capped = [c for c in tier if c.requested - granted[c.buyer] <= share[c.buyer]]
            if not capped:
                for c in tier:
                    granted[c.buyer] += share[c.buyer]
                left = 0.0
                break
            for c in capped:
                left -= c.requested - granted[c.buyer]
                granted[c.buyer] = c.requested
            filled = {c.buyer for c in capped}  # a set: many capped calls stay linear
            tier = [c for c in tier if c.buyer not in filled]
    return granted
