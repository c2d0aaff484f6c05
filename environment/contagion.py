"""Default cascades through the contract network.

When an agent defaults, every contract it owes on breaks and each payee writes off what it was
still owed (the contract's remaining value, plus unpaid bills). A creditor whose write-offs in
the cascade exceed its loss buffer (its net worth when the cascade began) defaults in the next
round, and so on until a round hits nobody new (agents already in default from an earlier
cascade write off their claims but cannot default twice). Nothing is created or lost: the
write-offs are exactly the claims on the defaulted agents.

Contracts a defaulter was to *deliver* on also break when it cannot deliver — a bankrupt lessor
serves no capacity, a bankrupt vendor ships no chips — but power purchase agreements survive a
utility's default (regulated supply keeps flowing) and financing claims on others stay with the
estate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from math import fsum

from environment.contracts import BROKEN, CapacityLease, ChipSupplyAgreement, ContractBook

#: Contracts that break when their payee (the side that delivers) defaults.
DELIVERY_KINDS = (CapacityLease, ChipSupplyAgreement)


@dataclass
class Cascade:
    trigger: str
    month: int
    rounds: list[list[str]] = field(default_factory=list)  # who defaulted in each round
    losses_usd_b: dict[str, float] = field(default_factory=dict)  # write-offs by creditor
    buffers_usd_b: dict[str, float] = field(default_factory=dict)  # creditors' buffers before
    capacity_cancelled_gw: float = 0.0

    @property
    def defaulted(self) -> list[str]:
        return [name for names in self.rounds for name in names]

    @property
    def agents_hit(self) -> list[str]:
        return [name for name, loss in self.losses_usd_b.items() if loss > 0]

    @property
    def total_loss_usd_b(self) -> float:
        return fsum(self.losses_usd_b.values())


def propagate(
    trigger,
    book: ContractBook,
    month: int,
    buffer_of: Callable[[object], float],
    arrears_of: Callable[[object], dict] = lambda agent: {},
) -> tuple[Cascade, list]:
    """Run a cascade from ``trigger``; return it and the defaulted agents in order.

    ``buffer_of(agent)`` is read once per agent, before any write-off of this cascade;
    ``arrears_of(agent)`` gives its unpaid bills by payee (outside accounts are ignored).
    """
    cascade = Cascade(trigger=trigger.name, month=month)
    losses: dict = defaultdict(float)
    buffers: dict = {}
    defaulted = [trigger]
    frontier = [trigger]
    while frontier:
        cascade.rounds.append([agent.name for agent in frontier])
        for debtor in frontier:
            creditors = [c.payee for c in book.of(debtor, role="payer")]
            for agent in creditors + list(arrears_of(debtor)):  # buffers before write-offs
                if not isinstance(agent, str) and agent not in buffers:
                    buffers[agent] = buffer_of(agent)
            for contract in book.of(debtor):
                if contract.payer is debtor:
                    losses[contract.payee] += contract.remaining_value_usd_b(month)
                    book.close(contract, BROKEN, month)
                elif isinstance(contract, DELIVERY_KINDS):
                    book.close(contract, BROKEN, month)
            for payee, unpaid in arrears_of(debtor).items():
                if not isinstance(payee, str):
                    losses[payee] += unpaid
        frontier = [
            agent
            for agent, loss in losses.items()
            if agent not in defaulted and not agent.defaulted and loss > buffers[agent]
        ]
        defaulted.extend(frontier)
    cascade.losses_usd_b = {agent.name: loss for agent, loss in losses.items()}
    cascade.buffers_usd_b = {agent.name: buffer for agent, buffer in buffers.items()}
    return cascade, defaulted
