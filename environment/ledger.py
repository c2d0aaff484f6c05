"""Money moves only through the ledger, so the books can be checked every step.

Agents hold ``cash_usd_b``; the world outside the model (end customers paying for AI services,
construction firms, fabs, fuel suppliers, staff, limited partners, public budgets) is a set of
named outside accounts. Every transfer debits one side and credits the other, so the sum of all
agent cash plus all outside balances never changes: ``Ledger.imbalance_usd_b()`` is that check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from math import fsum
from typing import Protocol

#: The named outside sinks and sources. An outside account's balance is what it received minus
#: what it paid, so sources go negative (customers pay in) and sinks positive.
OUTSIDE = (
    "end_customers",  # buyers of AI services: the source of lab revenue
    "construction",  # contractors building campuses and power plants
    "chip_fabs",  # foundries, packaging and memory makers behind the vendors
    "fuel_and_operations",  # utilities' fuel and plant running costs; labs' site opex
    "staff_and_research",  # labs' salaries, research, training runs, free tier
    "core_business",  # hyperscalers' non-AI businesses that fund them
    "retail_customers",  # households and firms paying utility rates for the grid built for them
    "limited_partners",  # new money committed to investors
    "public_budget",  # government incentives
    "new_entrants",  # the starting capital of labs, vendors and investors entering mid-run
)


class HasCash(Protocol):
    cash_usd_b: float


@dataclass(frozen=True)
class OutsideSupplier:
    """A firm outside the model that signs contracts with agents, so it has a ``name`` in the
    contract tables and networks, but keeps no books: what it is paid goes to the outside
    ``account`` it stands for, and a defaulter's losses stop with it, as with any outside
    account."""

    name: str
    account: str

    def __post_init__(self) -> None:
        if self.account not in OUTSIDE:
            raise ValueError(f"unknown outside account {self.account!r}; known: {OUTSIDE}")


#: A payer or payee: an agent, an outside account (by name), or an outside supplier.
Party = HasCash | str | OutsideSupplier


def keeps_books(party: Party) -> bool:
    """Whether a party is an agent with books of its own (cash, losses, a default), not an
    outside account or an outside supplier."""
    return not isinstance(party, str | OutsideSupplier)


class Ledger:
    """Double-entry cash transfers between agents and the named outside accounts."""

    def __init__(self) -> None:
        self.outside: dict[str, float] = dict.fromkeys(OUTSIDE, 0.0)
        self.flows_usd_b: dict[str, float] = defaultdict(float)  # by purpose, cumulative
        self._agents: list[HasCash] = []
        self._opening_usd_b = 0.0

    def open_account(self, agent: HasCash) -> None:
        """Register an agent whose opening cash is part of the money in the system."""
        self._agents.append(agent)
        self._opening_usd_b += agent.cash_usd_b

    def transfer(
        self, payer: HasCash | str, payee: Party, amount_usd_b: float, purpose: str
    ) -> float:
        """Move ``amount_usd_b`` from payer to payee (either may be an outside account; the
        payee may be an outside supplier, paid through its account)."""
        if amount_usd_b <= 0:
            if amount_usd_b < 0:
                raise ValueError(f"transfer amount must be >= 0, got {amount_usd_b}")
            return 0.0
        # The two legs inline, outside accounts too (a third of the payments): this runs for
        # every bill of every agent every month.
        try:
            if isinstance(payer, str):
                self.outside[payer] -= amount_usd_b
            else:
                payer.cash_usd_b -= amount_usd_b
            if isinstance(payee, str):
                self.outside[payee] += amount_usd_b
            elif isinstance(payee, OutsideSupplier):
                self.outside[payee.account] += amount_usd_b
            else:
                payee.cash_usd_b += amount_usd_b
        except KeyError as missing:
            raise KeyError(f"unknown outside account {missing}; known: {OUTSIDE}") from None
        self.flows_usd_b[purpose] += amount_usd_b
        return amount_usd_b

    def pay_what_is_affordable(
        self, payer: HasCash, payee: Party, amount_usd_b: float, purpose: str
    ) -> float:
        """Pay up to the payer's cash; return the unpaid remainder (arrears)."""
        paid = min(amount_usd_b, max(payer.cash_usd_b, 0.0))
        self.transfer(payer, payee, paid, purpose)
        return amount_usd_b - paid

    def money_in_system_usd_b(self) -> float:
        return fsum(a.cash_usd_b for a in self._agents) + fsum(self.outside.values())

    def imbalance_usd_b(self) -> float:
        """Money created or destroyed since the start (0 up to rounding when the books balance)."""
        return self.money_in_system_usd_b() - self._opening_usd_b
