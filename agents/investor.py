"""Investors: capital pools whose sentiment follows labs' revenue growth versus burn, and herds."""

from __future__ import annotations

import math

from agents.base import GigawattAgent
from environment.markets.capital import DEBT, EQUITY, CapitalOffer, FundingRequest


class Investor(GigawattAgent):
    """A strategic partner, a venture/sovereign fund (equity) or the debt market (loans).

    It answers funding requests whose risk its appetite (scaled by sentiment) can bear, with at
    most ``max_deal_share`` of its free capital per deal. Equity is priced at a revenue
    multiple that rises with sentiment; debt at the base rate plus a spread for risk.
    """

    kind = "investor"

    def __init__(
        self,
        model,
        name: str,
        style: str,
        capital_usd_b: float,
        inflow_usd_b_per_year: float,
        risk_appetite: float,
        required_return: float,
        max_deal_share: float,
    ) -> None:
        p = model.p
        super().__init__(model, name, capital_usd_b * p.investor_capital_multiplier)
        if style not in (EQUITY, DEBT, "strategic"):
            raise ValueError(f"investor {name!r}: style must be equity, debt or strategic")
        self.style = style
        self.inflow_usd_b_per_year = inflow_usd_b_per_year * p.investor_capital_multiplier
        self.risk_appetite = min(1.0, risk_appetite * p.investor_risk_appetite_multiplier)
        self.required_return = required_return
        self.max_deal_share = max_deal_share
        self.sentiment = p.sentiment_initial

    @property
    def offers_debt(self) -> bool:
        return self.style == DEBT

    def make_offers(self, requests: list[FundingRequest]) -> list[CapitalOffer]:
        """Offers on the requests it will fund, in the order it hears them, while its free
        capital lasts. Its risk limit and equity terms are the round's: worked out once."""
        if self.defaulted:
            return []
        p = self.model.p
        free = max(self.cash_usd_b, 0.0)
        risk_limit = self.risk_appetite * (0.5 + self.sentiment)  # 0.5 at neutral sentiment
        offers_debt = self.offers_debt
        multiple = p.equity_revenue_multiple * (0.5 + self.sentiment)
        cost = self.required_return * (1.5 - self.sentiment)
        offers = []
        for request in requests:
            if request.requester is self or not request.risk_score <= risk_limit:
                continue
            amount = min(request.amount_usd_b, free * self.max_deal_share)
            if offers_debt:
                headroom = p.max_debt_to_revenue * request.revenue_annual_usd_b - request.debt_usd_b
                amount = min(amount, max(0.0, headroom))
                spread = (
                    p.debt_spread_min + (p.debt_spread_max - p.debt_spread_min) * request.risk_score
                )
                offer = CapitalOffer(self, request, DEBT, amount, p.base_interest_rate + spread)
            else:
                offer = CapitalOffer(
                    self,
                    request,
                    EQUITY,
                    amount,
                    cost,
                    pre_money_usd_b=multiple * request.pre_money_basis_usd_b,
                )
            if amount > 1e-6 and (offer.kind == DEBT or offer.pre_money_usd_b > 0):
                offers.append(offer)
                free -= amount
        return offers

    def balance_sheet_usd_b(self) -> float:
        """Its free capital plus the claims it holds (equity at cost, loans at principal)."""
        return max(self.cash_usd_b, 0.0) + self.claims_held_usd_b()

    def receive_inflows(self) -> None:
        self.model.ledger.transfer(
            "limited_partners", self, self.inflow_usd_b_per_year / 12.0, "new commitments"
        )

    def update_sentiment(self, signal: float, peers_mean: float) -> None:
        """Move toward the market signal and toward other investors, with a little noise."""
        p = self.model.p
        self.sentiment += p.sentiment_speed * (signal - self.sentiment)
        self.sentiment += p.sentiment_herding * (peers_mean - self.sentiment)
        self.sentiment += p.sentiment_noise * self.model.rng.normal()
        self.sentiment = min(1.0, max(0.0, self.sentiment))

    def shock(self, size: float) -> None:
        self.sentiment = max(0.0, self.sentiment - size)

    @staticmethod
    def market_signal(revenue_growth: float, burn_to_revenue: float, burn_weight: float) -> float:
        """0..1: high when labs' yearly revenue growth outpaces their weighted burn multiple."""
        return 1.0 / (1.0 + math.exp(-2.0 * (revenue_growth - burn_weight * burn_to_revenue)))
