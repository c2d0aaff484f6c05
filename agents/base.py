"""What every actor shares: a name, cash held through the ledger, and its distress state."""

from __future__ import annotations

from math import fsum

import mesa

from environment.contracts import BROKEN, COMPLETED, Contract, Loan


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
    working_capacity_gw = 0.0
    stranded_gw = 0.0
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

    def claims_held_usd_b(self) -> float:
        """What it carries on its books against others: equity stakes at cost, loans at
        principal (``Contract.claim_usd_b``); contracts it is still to deliver on are future
        sales, not assets, and count nothing."""
        month = self.model.month
        return fsum(c.claim_usd_b(month) for c in self.model.contracts.of(self, role="payee"))

    def book_loss(self, amount_usd_b: float) -> None:
        self.losses_usd_b += amount_usd_b

    # --- paying bills and debts -------------------------------------------------------------
    def owe(
        self, payee, amount_usd_b: float, purpose: str, contract: Contract | None = None
    ) -> float:
        """Pay a bill now; what cash does not cover becomes arrears owed to that payee.

        A bill its cash covers (99 % of the ~36k bills of a baseline run) is paid in full
        straight through the ledger's ``transfer``: the payment ``pay_what_is_affordable``
        would make, without the cost of working it out."""
        model = self.model
        if 0.0 < amount_usd_b <= self.cash_usd_b:
            model.ledger.transfer(self, payee, amount_usd_b, purpose)
            unpaid = 0.0
        else:
            unpaid = model.ledger.pay_what_is_affordable(self, payee, amount_usd_b, purpose)
        if contract is not None:
            model.contracts.record_payment(contract, amount_usd_b - unpaid)
        if unpaid > 1e-12:
            self.arrears_usd_b[payee] = self.arrears_usd_b.get(payee, 0.0) + unpaid
        return amount_usd_b

    def settle_arrears(self) -> None:
        """Pay what it owes from cash raised in an emergency round."""
        for payee, amount in list(self.arrears_usd_b.items()):
            unpaid = self.model.ledger.pay_what_is_affordable(self, payee, amount, "arrears")
            if unpaid > 1e-12:
                self.arrears_usd_b[payee] = unpaid
            else:
                del self.arrears_usd_b[payee]

    def service_loans(self) -> float:
        """Pay the month's interest on every loan and the principal of those that mature
        (unpaid, both become arrears, and a loan not repaid in full at maturity closes broken:
        a payment default, whatever the emergency round later recovers); returns the interest
        due."""
        model, month, owe = self.model, self.model.month, self.owe  # runs for every loan
        interest_due = 0.0
        for loan in model.contracts.of(self, Loan, "payer"):
            payee = loan.payee
            matures = month + 1 >= loan.end_month
            if matures:  # only a maturing loan asks whether its payments fell into arrears
                arrears_before = self.arrears_usd_b.get(payee, 0.0)
            interest_due += owe(payee, loan.monthly_obligation_usd_b(month), "interest", loan)
            if matures:
                owe(payee, loan.principal_usd_b, "loan repayment", loan)
                unpaid = self.arrears_usd_b.get(payee, 0.0) > arrears_before
                model.contracts.close(loan, BROKEN if unpaid else COMPLETED, month)
        return interest_due

    @property
    def arrears_total_usd_b(self) -> float:
        return fsum(self.arrears_usd_b.values())

    def maturing_principal_usd_b(self, months: int) -> float:
        """Principal of its loans falling due within ``months``: refinanced ahead of time."""
        month = self.model.month
        return fsum(
            loan.principal_usd_b
            for loan in self.model.contracts.of(self, Loan, "payer")
            if loan.end_month <= month + months
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
