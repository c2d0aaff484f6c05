"""The capital market: funding requests meet investors' offers.

Requesters post how much they need and the most they will pay for it; investors answer with
equity or debt offers carrying a cost of capital; each requester takes the cheapest acceptable
offers until it is funded. Investors' own budgets are their business (``Investor.make_offers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from mesa import Agent

EQUITY, DEBT = "equity", "debt"


@dataclass(eq=False)
class FundingRequest:
    requester: Agent
    amount_usd_b: float
    max_cost_of_capital: float  # the most (per year) the requester will pay for money
    risk_score: float  # 0 safe .. 1 distressed, as investors read the requester's books
    revenue_annual_usd_b: float  # what lenders underwrite its debt on
    debt_usd_b: float
    debt_term_months: int  # of the loans it asks for (bullet repayment)
    accepts_equity: bool = True
    #: Revenue equity investors price it on, if not the lenders' figure (a lab's capacity in
    #: sight counts toward its loans, not toward its valuation).
    equity_revenue_usd_b: float | None = None

    @property
    def pre_money_basis_usd_b(self) -> float:
        revenue = self.equity_revenue_usd_b
        return max(self.revenue_annual_usd_b if revenue is None else revenue, 0.0)


@dataclass(eq=False)
class CapitalOffer:
    investor: Agent
    request: FundingRequest
    kind: Literal["equity", "debt"]
    amount_usd_b: float
    cost_of_capital: float  # interest rate for debt, required return for equity
    pre_money_usd_b: float = 0.0  # equity only


def clear(requests: list[FundingRequest], offers: list[CapitalOffer]) -> list[CapitalOffer]:
    """Accepted offers (the last one per request cut to what was still needed).

    Each requester ranks its offers by cost and takes them while they are acceptable and it is
    not yet funded. Ties break by the order offers were made, which the model fixes.
    """
    by_request: dict[int, list[CapitalOffer]] = {}
    for offer in offers:
        by_request.setdefault(id(offer.request), []).append(offer)
    accepted: list[CapitalOffer] = []
    for request in requests:
        still_needed = request.amount_usd_b
        for offer in sorted(by_request.get(id(request), []), key=lambda o: o.cost_of_capital):
            if still_needed <= 1e-9 or offer.cost_of_capital > request.max_cost_of_capital:
                break
            if offer.kind == EQUITY and not request.accepts_equity:
                continue
            offer.amount_usd_b = min(offer.amount_usd_b, still_needed)
            still_needed -= offer.amount_usd_b
            accepted.append(offer)
    return accepted
