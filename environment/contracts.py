"""Contracts as domain objects: what was agreed, between whom, and what is still owed.

Every contract has a ``payer`` who owes money and a ``payee`` who is owed it (a lab pays its chip
vendor, utility and lessor; a borrower its lender; a company's equity is a claim its investor
holds). ``remaining_value_usd_b`` is the payee's exposure to the payer: everything still to come
under the contract. Only part of it is an asset on the payee's books, ``claim_usd_b`` (a loan's
principal, an equity stake at cost), which the payee writes off when the payer defaults; the
rest is future sales it will not make (take-or-pay on chips not yet shipped, rent not yet due,
power not yet sold), which cost it revenue, not net worth. Bills already due and unpaid are
the payer's arrears, not part of any contract's claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from math import expm1, fsum, log1p
from typing import TYPE_CHECKING, ClassVar, Literal

if TYPE_CHECKING:
    from mesa import Agent

HOURS_PER_MONTH = 730.0
#: A GW running a whole year, in MWh (8,760 hours).
MWH_PER_GW_YEAR = 12 * HOURS_PER_MONTH * 1e3


def capital_recovery_factor(rate_per_year: float, years: float) -> float:
    """Level yearly payment that repays 1 with interest at ``rate_per_year`` over ``years``."""
    if rate_per_year <= 0:
        return 1.0 / years
    # 1 - (1 + r)^-n, accurate for rates too small for 1 + r to differ from 1
    return rate_per_year / -expm1(-years * log1p(rate_per_year))


#: Months of minimum charges a utility loses when a data-centre customer defaults (assumption:
#: about the exit-fee period of large-load tariffs).
PPA_EXPOSURE_MONTHS = 12

#: Months after a chip deal's delivery window during which prepaid chips can still be called
#: (assumption; make-up periods in gas take-or-pay contracts run a few years).
CHIP_MAKE_UP_MONTHS = 24

ACTIVE, COMPLETED, BROKEN = "active", "completed", "broken"
ASSIGNED = "assigned"  # taken over by a new payer (a campus sold with its power contract)


@dataclass(eq=False)
class Contract:
    kind: ClassVar[str] = "contract"
    size_unit: ClassVar[str] = ""
    price_unit: ClassVar[str] = ""

    payer: Agent
    payee: Agent
    signed_month: int
    start_month: int
    end_month: int
    status: str = field(default=ACTIVE, init=False)
    paid_usd_b: float = field(default=0.0, init=False)  # paid under it so far
    ended_month: int | None = field(default=None, init=False)
    id: int = field(default=-1, init=False)

    financing: ClassVar[bool] = False  # money goes payee -> payer (equity, loans)
    junior: ClassVar[bool] = False  # its claim is paid in a default only after every creditor's
    size_field: ClassVar[str] = ""  # the attribute that is its size (size_unit) ...
    price_field: ClassVar[str] = ""  # ... and its price (price_unit), for tables and networks

    @property
    def size(self) -> float:
        return getattr(self, self.size_field)

    @property
    def price(self) -> float:
        return getattr(self, self.price_field)

    def monthly_obligation_usd_b(self, month: int) -> float:
        """What the payer is due to pay the payee in ``month`` under the contract."""
        return 0.0

    def remaining_value_usd_b(self, month: int) -> float:
        """What the payee is still owed over the rest of the contract (its exposure)."""
        months_left = max(0, self.end_month - max(month, self.start_month))
        return self.monthly_obligation_usd_b(max(month, self.start_month)) * months_left

    def claim_usd_b(self, month: int) -> float:
        """What the payee carries on its books against the payer, and writes off if the payer
        defaults. Nothing for a contract whose payments are still to be earned by delivering
        (chips, leases, power): the undelivered remainder is future sales, not an asset."""
        return 0.0

    def prepaid_usd_b(self, month: int) -> float:
        """What the payer has paid for and not yet received: its claim on the payee, written
        off if the payee defaults before delivering. Nothing unless a kind is paid in advance."""
        return 0.0

    def is_running(self, month: int) -> bool:
        return self.status == ACTIVE and self.start_month <= month < self.end_month

    def involves(self, agent: Agent) -> bool:
        return agent is self.payer or agent is self.payee


@dataclass(eq=False)
class ChipSupplyAgreement(Contract):
    """Accelerators for ``volume_gw`` of capacity, delivered as the vendor allocates supply.

    The buyer commits to take ``take_or_pay_share`` of the volume, paced evenly over the
    delivery window. What it does not call on pace it pays for in advance, and the vendor owes
    it those chips (make-up rights, as in gas and LNG take-or-pay contracts): deliveries of a
    prepaid volume are not billed again, and run on after the window for
    ``CHIP_MAKE_UP_MONTHS``; prepaid chips not called by then lapse and the vendor keeps the money.
    The uncommitted rest lapses, unpaid, at the end of the window.
    """

    kind: ClassVar[str] = "chip_supply"
    size_unit: ClassVar[str] = "GW"
    price_unit: ClassVar[str] = "USD bn per GW"
    size_field: ClassVar[str] = "volume_gw"
    price_field: ClassVar[str] = "price_usd_b_per_gw"

    volume_gw: float = 0.0
    price_usd_b_per_gw: float = 0.0
    take_or_pay_share: float = 0.0
    #: The vendor's cost of making it, fixed at signing like the price: a later change in the
    #: industry's cost level reprices new deals, not the margin on this one.
    unit_cost_usd_b_per_gw: float = 0.0
    delivered_gw: float = 0.0
    prepaid_gw: float = 0.0  # paid for under take-or-pay, not yet delivered
    lapsed_gw: float = 0.0  # will never be delivered: not called in time
    #: Still to deliver: kept as a field (vendors' backlogs read it millions of times in a
    #: large world), so deliveries and lapses go through ``take_delivery`` and ``lapse_due``.
    undelivered_gw: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._update_undelivered()

    def take_delivery(self, gw: float) -> float:
        """Record a delivery; return the GW of it billable (the rest was prepaid)."""
        from_prepaid = min(gw, self.prepaid_gw)
        self.prepaid_gw -= from_prepaid
        self.delivered_gw += gw
        self._update_undelivered()
        return gw - from_prepaid

    def prepay(self, gw: float) -> None:
        self.prepaid_gw += gw

    def lapse_due(self, month: int) -> None:
        """At the end of the window what was neither delivered nor prepaid lapses; at the end
        of the make-up period so do prepaid chips never called (the vendor keeps the money)."""
        if month + 1 < self.end_month:
            return
        keep_gw = self.prepaid_gw if month + 1 < self.end_month + CHIP_MAKE_UP_MONTHS else 0.0
        self.lapsed_gw += self.undelivered_gw - keep_gw
        self.prepaid_gw = keep_gw
        self._update_undelivered()

    def _update_undelivered(self) -> None:
        self.undelivered_gw = max(0.0, self.volume_gw - self.delivered_gw - self.lapsed_gw)

    @property
    def unpaid_gw(self) -> float:
        """Still to deliver and not yet paid for."""
        return max(0.0, self.undelivered_gw - self.prepaid_gw)

    def is_running(self, month: int) -> bool:
        """Deliveries run over the window, and after it while prepaid chips are owed."""
        return (
            self.status == ACTIVE
            and self.start_month <= month
            and (
                month < self.end_month
                or (self.prepaid_gw > 1e-9 and month < self.end_month + CHIP_MAKE_UP_MONTHS)
            )
        )

    def scheduled_gw(self, month: int) -> float:
        """Even delivery of what is left over the months left (prepaid chips after the window)."""
        if not self.is_running(month):
            return 0.0
        return self.undelivered_gw / max(1, self.end_month - month)

    @property
    def committed_unpaid_gw(self) -> float:
        """Take-or-pay volume neither delivered nor paid for in advance yet."""
        committed = self.take_or_pay_share * self.volume_gw - self.delivered_gw - self.prepaid_gw
        return max(0.0, committed)

    def minimum_due_gw(self, month: int) -> float:
        """The committed volume not yet paid for, spread evenly over the window's months left:
        what the buyer must take (or prepay) this month."""
        if self.status != ACTIVE or not self.start_month <= month < self.end_month:
            return 0.0
        return self.committed_unpaid_gw / (self.end_month - month)

    def remaining_value_usd_b(self, month: int) -> float:
        """The committed volume not yet paid for, at the contract price."""
        return self.committed_unpaid_gw * self.price_usd_b_per_gw

    def prepaid_usd_b(self, month: int) -> float:
        return self.prepaid_gw * self.price_usd_b_per_gw


@dataclass(eq=False)
class PowerPurchaseAgreement(Contract):
    """Firm supply of ``capacity_gw`` to one project from its energisation date."""

    kind: ClassVar[str] = "ppa"
    size_unit: ClassVar[str] = "GW"
    price_unit: ClassVar[str] = "USD/MWh"
    size_field: ClassVar[str] = "capacity_gw"
    price_field: ClassVar[str] = "price_usd_mwh"

    capacity_gw: float = 0.0
    price_usd_mwh: float = 0.0
    minimum_take_share: float = 0.0
    utilization: float = 0.85
    renewal: bool = False  # a new term for a load already connected (no queue, no reserve)
    assigned: bool = False  # taken over with a campus: its price and dates are the old deal's
    connected: bool = field(default=False, init=False)  # its load is on the grid

    def __post_init__(self) -> None:
        self.connected = self.renewal

    def energy_cost_usd_b(self, load_gw: float, supplied_share: float = 1.0) -> float:
        """Monthly bill for ``load_gw`` of load, with the minimum-take floor applied to the
        share of the contract the utility could supply (curtailed power is not owed)."""
        floor_gw = self.minimum_take_share * self.capacity_gw * supplied_share
        billed_gw = floor_gw if floor_gw > load_gw else load_gw  # max(load_gw, floor_gw)
        return billed_gw * self.utilization * HOURS_PER_MONTH * self.price_usd_mwh * 1e-6

    def monthly_obligation_usd_b(self, month: int) -> float:
        return self.energy_cost_usd_b(0.0) if month >= self.start_month else 0.0

    def assigned_to(self, payer: Agent, month: int) -> PowerPurchaseAgreement:
        """The same supply on the same terms for the rest of the term, owed by ``payer`` (a
        campus's buyer takes on its power contract, as a bankruptcy sale may assign it): signed
        now, with the date power started or starts (it is not a new connection)."""
        successor = replace(self, payer=payer, signed_month=month, assigned=True)
        successor.connected = self.connected
        return successor

    def remaining_value_usd_b(self, month: int) -> float:
        """A utility resells power a buyer walks away from: its exposure is the minimum
        charges for a notice period, not the whole contract (assumption).

        Read for every active power contract every month (the largest debtor's share), so the
        bounds are comparisons rather than calls to max and min: each picks the same operand
        max/min would, ties and all (max(a, b) is a unless b > a; min(a, b) is a unless b < a).
        """
        start = self.start_month if self.start_month > month else month  # max(month, start)
        months_left = self.end_month - start
        if not months_left > 0:  # max(0, months_left)
            months_left = 0
        if months_left > PPA_EXPOSURE_MONTHS:  # min(months_left, PPA_EXPOSURE_MONTHS)
            months_left = PPA_EXPOSURE_MONTHS
        return self.energy_cost_usd_b(0.0) * months_left


@dataclass(eq=False)
class CapacityLease(Contract):
    """``capacity_gw`` of a lessor's online capacity served to a lessee at a yearly price."""

    kind: ClassVar[str] = "lease"
    size_unit: ClassVar[str] = "GW"
    price_unit: ClassVar[str] = "USD bn per GW-year"
    size_field: ClassVar[str] = "capacity_gw"
    price_field: ClassVar[str] = "price_usd_b_per_gw_year"

    capacity_gw: float = 0.0
    price_usd_b_per_gw_year: float = 0.0
    delivered_gw: float = 0.0  # what the lessor could serve this month

    def monthly_obligation_usd_b(self, month: int) -> float:
        return self.capacity_gw * self.price_usd_b_per_gw_year / 12.0


@dataclass(eq=False)
class Loan(Contract):
    """Bullet loan: monthly interest, principal repaid at ``end_month``."""

    financing: ClassVar[bool] = True
    kind: ClassVar[str] = "loan"
    size_unit: ClassVar[str] = "USD bn"
    price_unit: ClassVar[str] = "interest rate per year"
    size_field: ClassVar[str] = "principal_usd_b"
    price_field: ClassVar[str] = "rate_per_year"

    principal_usd_b: float = 0.0
    rate_per_year: float = 0.0

    def monthly_obligation_usd_b(self, month: int) -> float:
        return self.principal_usd_b * self.rate_per_year / 12.0

    def remaining_value_usd_b(self, month: int) -> float:
        return self.principal_usd_b

    def claim_usd_b(self, month: int) -> float:
        """The principal (interest due and unpaid is the borrower's arrears)."""
        return self.principal_usd_b


@dataclass(eq=False)
class EquityStake(Contract):
    """Shares bought for ``amount_usd_b``; the stake is diluted by later rounds."""

    financing: ClassVar[bool] = True
    junior: ClassVar[bool] = True
    kind: ClassVar[str] = "equity"
    size_unit: ClassVar[str] = "USD bn"
    price_unit: ClassVar[str] = "USD bn pre-money valuation"
    size_field: ClassVar[str] = "amount_usd_b"
    price_field: ClassVar[str] = "pre_money_usd_b"

    amount_usd_b: float = 0.0
    pre_money_usd_b: float = 0.0
    shares: float = 0.0  # units of the company's share register (``shares_outstanding``)

    @property
    def ownership_share(self) -> float:
        """Its share of the company now: later rounds dilute it by adding units."""
        return self.shares / self.payer.shares_outstanding

    def remaining_value_usd_b(self, month: int) -> float:
        return self.amount_usd_b

    def claim_usd_b(self, month: int) -> float:
        """The stake at cost, as its holder books it."""
        return self.amount_usd_b


class MoneyFlows(Mapping):
    """Money moved between each ordered pair of agents (by name), in two legs: financing
    (financier to company: equity bought, principal lent) and commercial (buyer to seller: paid
    under chip, power and lease contracts).

    A read-only mapping ``(src, dst) -> {"financing": ..., "commercial": ...}``, kept current
    with ``add``. It also indexes who paid whom both ways and which pairs carry financing, so
    that the circular-financing figure costs the financing legs each month, not every pair.
    """

    def __init__(self) -> None:
        self._legs: dict[tuple[str, str], dict[str, float]] = {}
        self.financing_pairs: dict[tuple[str, str], None] = {}  # in order of first financing
        self.payers_of: dict[str, dict[str, None]] = {}  # seller -> buyers that paid it
        self.payees_of: dict[str, dict[str, None]] = {}  # buyer -> sellers it paid

    def add(self, src: str, dst: str, leg: str, amount_usd_b: float) -> None:
        if leg not in ("financing", "commercial") or amount_usd_b < 0:
            raise ValueError(f"a flow is a financing or commercial leg >= 0: {leg} {amount_usd_b}")
        legs = self._legs.get((src, dst))
        if legs is None:
            legs = self._legs[(src, dst)] = {"financing": 0.0, "commercial": 0.0}
        if leg == "financing":
            self.financing_pairs[(src, dst)] = None
        elif amount_usd_b > 0 and legs["commercial"] == 0:  # the pair's first payment
            self.payers_of.setdefault(dst, {})[src] = None
            self.payees_of.setdefault(src, {})[dst] = None
        legs[leg] += amount_usd_b

    def __getitem__(self, pair: tuple[str, str]) -> dict[str, float]:
        return self._legs[pair]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._legs)

    def __len__(self) -> int:
        return len(self._legs)


class ContractBook:
    """Every contract ever signed, with an index of the active ones by party and kind (and of
    all of them by kind).

    Agents ask for their active contracts many times a month; the index keeps that cheap as
    the book grows. Lists come back in signing order. A kind is one of the contract classes
    (``Loan``, ``PowerPurchaseAgreement`` ...), matched exactly in the active index: they have
    no subclasses, and ``Contract`` itself is not a kind (pass None for every kind).
    """

    def __init__(self) -> None:
        self.contracts: list[Contract] = []
        #: agent -> (kind or None, role or None) -> active contracts, in signing order
        self._active: dict[Agent, dict[tuple, dict[Contract, None]]] = {}
        self._by_agent: dict[Agent, list[Contract]] = {}
        #: kind or None -> active contracts of that kind (None: all), in signing order
        self._all_active: dict[type[Contract] | None, dict[Contract, None]] = {None: {}}
        self._signed: dict[type[Contract], list[Contract]] = {}  # kind -> all ever signed
        self.flows = MoneyFlows()  # kept current as money moves
        self._debt_usd_b: dict[Agent, float] = {}  # borrower -> principal owed, until it changes

    def sign(self, contract: Contract) -> Contract:
        contract.id = len(self.contracts)
        self.contracts.append(contract)
        self._all_active[None][contract] = None
        self._all_active.setdefault(type(contract), {})[contract] = None
        self._signed.setdefault(type(contract), []).append(contract)
        if isinstance(contract, Loan):
            self._debt_usd_b.pop(contract.payer, None)
        if contract.financing:
            self.flows.add(contract.payee.name, contract.payer.name, "financing", contract.size)
        for party in {contract.payer, contract.payee}:
            self._by_agent.setdefault(party, []).append(contract)
        for party, key in self._index_keys(contract):
            self._active.setdefault(party, {}).setdefault(key, {})[contract] = None
        return contract

    @staticmethod
    def _index_keys(contract: Contract):
        """The (agent, (kind, role)) slots an active contract is listed under."""
        for agent, role in ((contract.payer, "payer"), (contract.payee, "payee")):
            for key in ((None, None), (type(contract), None), (None, role), (type(contract), role)):
                yield agent, key

    def record_payment(self, contract: Contract, amount_usd_b: float) -> None:
        """Money paid under a contract (a loan's interest and repayment are not new money)."""
        contract.paid_usd_b += amount_usd_b
        if not contract.financing:
            self.flows.add(contract.payer.name, contract.payee.name, "commercial", amount_usd_b)

    def add_financing(self, contract: Contract, amount_usd_b: float) -> None:
        """More money into an existing stake (vendor financing as each delivery is paid)."""
        contract.amount_usd_b += amount_usd_b
        self.flows.add(contract.payee.name, contract.payer.name, "financing", amount_usd_b)

    def of(
        self,
        agent: Agent,
        kind: type[Contract] | None = None,
        role: Literal["payer", "payee"] | None = None,
        active_only: bool = True,
    ) -> list[Contract]:
        """Contracts an agent is party to: optionally of one kind, only where it is the payer
        (or the payee), only those still active (the default)."""
        if not active_only:
            return [
                c
                for c in self._by_agent.get(agent, ())
                if (kind is None or isinstance(c, kind))
                and (role is None or getattr(c, role) is agent)
            ]
        return list(self._active.get(agent, {}).get((kind, role), ()))

    def debt_usd_b(self, borrower: Agent) -> float:
        """Principal a borrower owes on its active loans (summed in signing order, and kept
        until one of its loans is signed or ends: every agent's balance sheet reads it)."""
        debt = self._debt_usd_b.get(borrower)
        if debt is None:
            loans = self._active.get(borrower, {}).get((Loan, "payer"), ())
            debt = self._debt_usd_b[borrower] = fsum(c.principal_usd_b for c in loans)
        return debt

    def active_by_payer(self) -> Iterator[Iterable[Contract]]:
        """Each agent's active contracts as payer (in signing order), for agents that have any."""
        for index in self._active.values():
            debts = index.get((None, "payer"))
            if debts:
                yield debts

    def active_parties(self) -> int:
        """How many agents are party to at least one active contract."""
        return sum(1 for index in self._active.values() if index.get((None, None)))

    def active(self, kind: type[Contract] | None = None) -> list[Contract]:
        """Active contracts in signing order (optionally of one kind)."""
        return list(self._all_active.get(kind, ()))

    def signed(self, kind: type[Contract]) -> list[Contract]:
        """Every contract of one kind ever signed, active or ended, in signing order (a scan
        of one kind need not read the whole book)."""
        return list(self._signed.get(kind, ()))

    def close(self, contract: Contract, status: str, month: int) -> None:
        """End an active contract (completed, expired or broken) and drop it from the active
        index; one already ended keeps the status and month it ended with."""
        if contract.status != ACTIVE:
            return
        contract.status = status
        contract.ended_month = month
        self._all_active[None].pop(contract, None)
        self._all_active[type(contract)].pop(contract, None)
        if isinstance(contract, Loan):
            self._debt_usd_b.pop(contract.payer, None)
        for party, key in self._index_keys(contract):
            self._active[party][key].pop(contract, None)
