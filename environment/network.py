"""The contract network: who is exposed to whom, where money goes round in circles, how
concentrated the build-out is.

Every contract, equity stake and loan is an edge from its payer (who owes) to its payee (who is
owed). Money-flow questions use a second view: financing legs run from the financier to the
company (equity bought, loan principal lent), commercial legs from the buyer to the seller
(chips, power, leases actually paid). A cycle that contains both — a vendor invests in a lab that
spends it on the vendor's chips — is circular financing; the money that can have gone round is
the smallest leg of the cycle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from math import fsum

import networkx as nx

from environment.contracts import ACTIVE, Contract, ContractBook, MoneyFlows
from environment.ledger import OutsideSupplier


def contract_network(
    contracts: Iterable[Contract], agents: Iterable, month: int
) -> nx.MultiDiGraph:
    """Agents and outside suppliers (by name) as nodes, every contract as an edge payer →
    payee, attributes as of ``month``."""
    graph = nx.MultiDiGraph()
    for agent in agents:
        graph.add_node(
            agent.name,
            kind=agent.kind,
            cash_usd_b=float(agent.cash_usd_b),
            balance_sheet_usd_b=float(agent.balance_sheet_usd_b()),
            defaulted=bool(agent.defaulted),
        )
    for c in contracts:
        if isinstance(c.payee, OutsideSupplier) and c.payee.name not in graph:
            graph.add_node(c.payee.name, kind="outside", defaulted=False)  # keeps no books
        graph.add_edge(
            c.payer.name,
            c.payee.name,
            key=c.id,
            kind=c.kind,
            status=c.status,
            notional_usd_b=float(notional_usd_b(c)),
            monthly_obligation_usd_b=float(c.monthly_obligation_usd_b(month))
            if c.status == ACTIVE
            else 0.0,
            remaining_usd_b=float(c.remaining_value_usd_b(month)) if c.status == ACTIVE else 0.0,
            paid_usd_b=float(c.paid_usd_b),
            start=int(c.start_month),
            end=int(c.end_month),
        )
    return graph


def notional_usd_b(contract: Contract) -> float:
    """Face value: the money the contract commits over its whole life."""
    if contract.financing:
        return contract.size
    months = max(0, contract.end_month - contract.start_month)
    if hasattr(contract, "volume_gw"):
        return contract.volume_gw * contract.price_usd_b_per_gw
    return contract.monthly_obligation_usd_b(contract.start_month) * months


def money_flows(contracts: Iterable[Contract]) -> MoneyFlows:
    """Money that has moved between each ordered pair, split into financing and commercial
    (recomputed from the contracts; ``ContractBook.flows`` keeps the same figures current)."""
    flows = MoneyFlows()
    for c in contracts:
        if c.financing:
            flows.add(c.payee.name, c.payer.name, "financing", c.size)
        elif c.paid_usd_b > 0:
            flows.add(c.payer.name, c.payee.name, "commercial", c.paid_usd_b)
    return flows


@dataclass(frozen=True)
class Cycle:
    agents: tuple[str, ...]  # in the order money flows, back to the first
    amount_usd_b: float  # the smallest leg: what can have gone all the way round


def circular_financing(flows: Mapping[tuple[str, str], Mapping[str, float]]) -> list[Cycle]:
    """Cycles of two or three agents whose money flows include a financing and a commercial leg.

    ``flows`` is what :func:`money_flows` returns (or ``ContractBook.flows``, kept up to date as
    money moves). Three agents cover the patterns the build-out is known for: a vendor invests
    in a lab that buys its chips; or that pays a cloud that buys them. Longer loops exist, but
    their number grows combinatorially with the size of the world.
    """
    amount = {pair: legs["financing"] + legs["commercial"] for pair, legs in flows.items()}
    successors: dict[str, set[str]] = defaultdict(set)
    predecessors: dict[str, set[str]] = defaultdict(set)
    for (src, dst), value in amount.items():
        if value > 0:
            successors[src].add(dst)
            predecessors[dst].add(src)
    found = set()
    for (funder, company), legs in flows.items():  # every cycle contains a financing leg
        if legs["financing"] <= 0:
            continue
        for back in successors[company] & predecessors[funder] - {funder, company}:
            found.add(_rotate((funder, company, back)))
        if funder in successors[company]:
            found.add(_rotate((funder, company)))
    candidates = []
    for nodes in found:
        edges = list(zip(nodes, nodes[1:] + nodes[:1], strict=True))
        if any(flows[e]["commercial"] > 0 for e in edges):
            candidates.append((min(amount[e] for e in edges), nodes, edges))
    # Cycles share legs: take them largest first and let each use only what the legs it runs
    # through have left, so no dollar is counted as going round twice.
    left = dict(amount)
    cycles = []
    for _, nodes, edges in sorted(candidates, key=lambda f: (-f[0], f[1])):
        flow = min(left[e] for e in edges)
        if flow > 0:
            for e in edges:
                left[e] -= flow
            cycles.append(Cycle(nodes, flow))
    return cycles


def circulating_usd_b(flows: MoneyFlows) -> float:
    """Money financiers put into companies that came back to them as revenue, directly or
    through one intermediary: the model's ``circular_financing_usd_b``.

    The same loops as :func:`circular_financing`, aggregated per financier instead of listed:
    for each financing leg, what returned is capped by the leg itself, and per financier by
    the revenue it received. An intermediary must have paid the financier and been paid by
    the company, so a financing leg tries the smaller of the financier's customers that are
    themselves paid by someone and the company's suppliers, each in the order they first paid
    or were paid (a fixed order, so the sum is always the same). The cost is the financing legs
    times that smaller set: small while few agents both buy and sell, superlinear in a large
    world where every lab leases to every other.
    """
    returned: dict[str, float] = defaultdict(float)
    intermediaries: dict[str, dict[str, None]] = {}  # per financier: its customers also paid
    for funder, company in flows.financing_pairs:
        customers = flows.payers_of.get(funder)
        if not customers:
            continue
        if funder not in intermediaries:
            intermediaries[funder] = {
                m: None for m in customers if m != funder and m in flows.payers_of
            }
        middles, suppliers = intermediaries[funder], flows.payees_of.get(company, {})
        back = flows[(company, funder)]["commercial"] if company in customers else 0.0
        smaller, larger = (
            (middles, suppliers) if len(middles) <= len(suppliers) else (suppliers, middles)
        )
        for middle in smaller:
            if middle in larger and middle != company:
                via = flows[(company, middle)]["commercial"], flows[(middle, funder)]["commercial"]
                back += min(via)
        returned[funder] += min(flows[(funder, company)]["financing"], back)
    return fsum(
        min(amount, fsum(flows[(payer, funder)]["commercial"] for payer in flows.payers_of[funder]))
        for funder, amount in returned.items()
    )


def _rotate(nodes: tuple[str, ...]) -> tuple[str, ...]:
    """The same cycle, written from its smallest name (so each cycle is found once)."""
    i = nodes.index(min(nodes))
    return nodes[i:] + nodes[:i]


def exposures(contracts: Iterable[Contract], month: int):
    """Per agent and counterparty: what it is owed and owes, due this month and over the rest
    of the contracts' lives (active contracts only)."""
    import pandas as pd

    rows: dict[tuple[str, str], dict[str, float]] = defaultdict(
        lambda: dict.fromkeys(
            ("owed_now_usd_b", "owed_remaining_usd_b", "owes_now_usd_b", "owes_remaining_usd_b"),
            0.0,
        )
    )
    for c in contracts:
        if c.status != ACTIVE:
            continue
        now, remaining = c.monthly_obligation_usd_b(month), c.remaining_value_usd_b(month)
        owed = rows[(c.payee.name, c.payer.name)]
        owed["owed_now_usd_b"] += now
        owed["owed_remaining_usd_b"] += remaining
        owes = rows[(c.payer.name, c.payee.name)]
        owes["owes_now_usd_b"] += now
        owes["owes_remaining_usd_b"] += remaining
    table = pd.DataFrame(
        [{"agent": a, "counterparty": b, **v} for (a, b), v in rows.items()],
        columns=[
            "agent",
            "counterparty",
            "owed_now_usd_b",
            "owed_remaining_usd_b",
            "owes_now_usd_b",
            "owes_remaining_usd_b",
        ],
    )
    return table.sort_values(["agent", "counterparty"], ignore_index=True)


def largest_exposure_share(book: ContractBook, month: int) -> float:
    """Share of all outstanding claims in the network owed by the single largest debtor
    (each debtor's claims read from the book's index, in signing order)."""
    owed_by = []
    for debts in book.active_by_payer():
        owed = 0.0
        for c in debts:
            owed += c.remaining_value_usd_b(month)
        owed_by.append(owed)
    total = fsum(owed_by)
    return max(owed_by) / total if total > 0 else 0.0


def hhi(values: Iterable[float]) -> float:
    """Herfindahl-Hirschman index of shares (0 = atomised, 1 = one holder has everything)."""
    values = [max(v, 0.0) for v in values]
    total = fsum(values)
    return fsum((v / total) ** 2 for v in values) if total > 0 else 0.0


def degree_centrality(book: ContractBook, agent) -> float:
    """Share of the other agents in the network (those with an active contract) that this one
    has an active contract with (read from the book's index: the agent's own contracts and one
    look per party, not a scan of every contract)."""
    partners = {c.payee if c.payer is agent else c.payer for c in book.of(agent)}
    others = book.active_parties() - (1 if partners else 0)
    return len(partners) / others if others > 0 else 0.0
