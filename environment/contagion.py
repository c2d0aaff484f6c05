"""Default cascades through the contract network.

When an agent defaults, every contract it owes on breaks. Each counterparty has two figures:
its *claim*, what it carries on its books against the defaulter (unpaid bills, loan principal,
equity stakes at cost: ``Contract.claim_usd_b`` plus the defaulter's arrears), and the *revenue
lost*, the rest of what the contract would have brought (take-or-pay on chips not yet shipped,
rent and power not yet due). Future sales are not assets: losing them dents a creditor's income,
not its net worth, so they are recorded for the reports but never written off.

The defaulter's cash is paid out to its claimants before anything is written off, in order of
seniority and pro rata within it: creditors (arrears, loans, prepayments) first, then equity
holders, each up to its stake at cost, from what is left (absolute priority; any surplus stays
with the estate). It moves through the ledger, to outside accounts owed arrears as well, so no
money is created or lost. A claimant writes off its claim less what it
recovered; one whose write-offs in the cascade exceed its loss buffer (its net worth when the
cascade began) defaults in the next round, and so on until a round hits nobody new (agents
already in default from an earlier cascade write off their claims but cannot default twice).
Before that, a defaulted lab's estate sells what it can: its working campuses are auctioned to
the labs still standing (``sell_assets``, see ``environment/markets/assets.py``), so its
creditors recover from the sale proceeds even when its cash is gone. Campuses online that
nobody buys stay with it, stranded (the rest are cancelled); other agents' assets (fabs,
generation) are not sold.

Contracts a defaulter was to *deliver* on also break when it cannot deliver — a bankrupt lessor
serves no capacity, a bankrupt vendor ships no chips, and what its customer paid for in advance
(``Contract.prepaid_usd_b``) is a claim on it — but power purchase agreements survive a
utility's default (regulated supply keeps flowing) and financing claims on others stay with the
estate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from math import fsum

from environment.contracts import BROKEN, CapacityLease, ChipSupplyAgreement, ContractBook
from environment.ledger import Ledger, keeps_books

#: Contracts that break when their payee (the side that delivers) defaults.
DELIVERY_KINDS = (CapacityLease, ChipSupplyAgreement)


@dataclass
class Cascade:
    trigger: str
    month: int
    rounds: list[list[str]] = field(default_factory=list)  # who defaulted in each round
    losses_usd_b: dict[str, float] = field(default_factory=dict)  # write-offs by creditor
    recovered_usd_b: dict[str, float] = field(default_factory=dict)  # by claimant or account
    revenue_lost_usd_b: dict[str, float] = field(default_factory=dict)  # not written off
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

    @property
    def total_recovered_usd_b(self) -> float:
        return fsum(self.recovered_usd_b.values())

    @property
    def total_revenue_lost_usd_b(self) -> float:
        return fsum(self.revenue_lost_usd_b.values())


def pay_out(cash_usd_b: float, classes: Iterable[Mapping[Hashable, float]]) -> dict:
    """Split an estate's cash among claim classes in order of seniority: each class is paid in
    full before the next sees anything, pro rata within a class when the cash runs short."""
    paid: dict = defaultdict(float)
    for claims in classes:
        total = fsum(claims.values())
        if cash_usd_b <= 0 or total <= 0:
            continue
        share = min(1.0, cash_usd_b / total)
        for claimant, claim in claims.items():
            paid[claimant] += claim * share
        cash_usd_b -= total * share
    return dict(paid)


def claims_on(debtor, book: ContractBook, month: int, arrears: Mapping) -> tuple:
    """What a defaulter's contracts come to: the contracts that break; the claims on it by
    claimant, senior (unpaid bills, loans, prepayments) and junior (equity); and the future
    sales each payee loses."""
    senior: dict = defaultdict(float)
    junior: dict = defaultdict(float)
    sales: dict = defaultdict(float)
    for payee, unpaid in arrears.items():
        senior[payee] += unpaid
    breaking = [c for c in book.of(debtor) if c.payer is debtor or isinstance(c, DELIVERY_KINDS)]
    for contract in breaking:
        if contract.payer is debtor:
            claim = contract.claim_usd_b(month)
            (junior if contract.junior else senior)[contract.payee] += claim
            sales[contract.payee] += contract.remaining_value_usd_b(month) - claim
        else:
            senior[contract.payer] += contract.prepaid_usd_b(month)
    return breaking, senior, junior, sales


def propagate(
    trigger,
    book: ContractBook,
    month: int,
    buffer_of: Callable[[object], float],
    ledger: Ledger,
    arrears_of: Callable[[object], dict] = lambda agent: {},
    sell_assets: Callable[[object, list, dict], None] = lambda agent, fallen, losses: None,
) -> tuple[Cascade, list]:
    """Run a cascade from ``trigger``; return it and the defaulted agents in order.

    ``buffer_of(agent)`` is read once per agent, before any write-off of this cascade;
    ``arrears_of(agent)`` gives its unpaid bills by payee (an agent or an outside account);
    ``sell_assets(agent, fallen, losses)`` turns a defaulter's saleable assets into cash
    before its contracts break (buyers are not among ``fallen``, the defaulters so far, and
    ``losses`` are the write-offs of the cascade so far); recoveries are paid from defaulters'
    ``cash_usd_b`` through ``ledger``.
    """
    cascade = Cascade(trigger=trigger.name, month=month)
    losses: dict = defaultdict(float)
    recovered: dict = defaultdict(float)
    revenue_lost: dict = defaultdict(float)
    buffers: dict = {}
    defaulted = [trigger]
    frontier = [trigger]
    while frontier:
        cascade.rounds.append([agent.name for agent in frontier])
        for debtor in frontier:
            sell_assets(debtor, defaulted, losses)
            breaking, senior, junior, sales = claims_on(debtor, book, month, arrears_of(debtor))
            for payee, lost in sales.items():
                revenue_lost[payee] += lost
            for agent in [*senior, *junior]:  # buffers before write-offs and closing
                if keeps_books(agent) and agent not in buffers:
                    buffers[agent] = buffer_of(agent)
            for contract in breaking:
                book.close(contract, BROKEN, month)
            paid = pay_out(max(debtor.cash_usd_b, 0.0), (senior, junior))
            for claimant, amount in paid.items():
                if amount > 0:
                    recovered[claimant] += ledger.transfer(
                        debtor, claimant, amount, "default recovery"
                    )
            for claimant in {**senior, **junior}:
                if keeps_books(claimant):  # outside accounts and suppliers lose nothing here
                    claim = senior.get(claimant, 0.0) + junior.get(claimant, 0.0)
                    losses[claimant] += max(0.0, claim - paid.get(claimant, 0.0))
        frontier = [
            agent
            for agent, loss in losses.items()
            if agent not in defaulted and not agent.defaulted and loss > buffers[agent]
        ]
        defaulted.extend(frontier)
    cascade.losses_usd_b = {agent.name: loss for agent, loss in losses.items()}
    cascade.recovered_usd_b = {_name(party): paid for party, paid in recovered.items()}
    cascade.revenue_lost_usd_b = {agent.name: lost for agent, lost in revenue_lost.items()}
    cascade.buffers_usd_b = {agent.name: buffer for agent, buffer in buffers.items()}
    return cascade, defaulted


def _name(party) -> str:
    """An agent's or outside supplier's name, or an outside account's (which is its name)."""
    return party if isinstance(party, str) else party.name
