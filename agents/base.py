"""What every actor shares: a name, cash held through the ledger, and its distress state."""

from __future__ import annotations

import mesa


class GigawattAgent(mesa.Agent):
    """Base for the five actors. State is plain attributes; money moves via ``model.ledger``."""

    kind = "agent"

    def __init__(self, model, name: str, cash_usd_b: float = 0.0) -> None:
        super().__init__(model)
        self.name = name
        self.cash_usd_b = float(cash_usd_b)
        self.losses_usd_b = 0.0  # write-offs booked on defaulted counterparties
        self.arrears_usd_b: dict = {}  # payee -> bills it could not pay this month
        self.distress_until_month = -1  # set when a cascade's write-offs dent its buffer
        self.defaulted = False
        model.ledger.open_account(self)

    # Reported for every agent so the agents table has one schema; kinds override what applies.
    capacity_online_gw = 0.0
    pipeline_gw = 0.0
    revenue_annual_usd_b = 0.0

    @property
    def debt_usd_b(self) -> float:
        return self.model.contracts.debt_usd_b(self)

    @property
    def in_distress(self) -> bool:
        """Defaulted, behind on its bills, or recently hit hard by a counterparty's default."""
        return (
            self.defaulted
            or bool(self.arrears_usd_b)
            or self.model.month < self.distress_until_month
        )

    def loss_buffer_usd_b(self) -> float:
        """Losses it can absorb before it defaults: its net worth (assets less debt)."""
        return self.balance_sheet_usd_b() - self.debt_usd_b

    def withdraw(self) -> float:
        """What a defaulted agent stops doing; returns pipeline GW it cancels (labs)."""
        return 0.0

    def balance_sheet_usd_b(self) -> float:
        """Size of the agent's balance sheet (cash plus assets it carries), for pictures."""
        return max(self.cash_usd_b, 0.0)

    def book_loss(self, amount_usd_b: float) -> None:
        self.losses_usd_b += amount_usd_b

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
