"""Chip vendors: scarce accelerator supply, a price following the backlog, yearly better chips."""

from __future__ import annotations

from math import fsum

from agents.base import GigawattAgent
from environment.contracts import ACTIVE, ChipSupplyAgreement
from environment.markets.allocation import Call, allocate
from environment.projects import OPEN_ENDED_MONTHS


class ChipVendor(GigawattAgent):
    """A GPU-maker-like, second-source-like or custom-ASIC-like supplier.

    Supply is counted in GW of data-centre capacity it can equip per year. Its list price rises
    when the backlog exceeds a year of production and falls when it does not; production grows
    while there is a backlog (paid to the fabs); a new generation with better compute per watt
    arrives every ``generation_months``.
    """

    kind = "vendor"

    def __init__(
        self,
        model,
        name: str,
        cash_usd_b: float,
        production_gw_per_year: float,
        relative_price: float,
        unit_cost_share: float,
        relative_efficiency: float,
        generation_months: int,
        capacity_cost_usd_b_per_gw_year: float,
        finances_customers: bool = False,
        min_margin: float = 0.2,
    ) -> None:
        super().__init__(model, name, cash_usd_b)
        p = model.p
        self.production_gw_per_year = production_gw_per_year * p.chip_supply_multiplier
        self.price_usd_b_per_gw = relative_price * p.capex_per_gw_usd_b * p.it_share_of_capex
        self.unit_cost_usd_b_per_gw = unit_cost_share * self.price_usd_b_per_gw
        self.capex_basis_usd_b_per_gw = p.capex_per_gw_usd_b  # what its prices are scaled to
        self.efficiency_index = relative_efficiency
        self.generation_months = generation_months
        self.capacity_cost_usd_b_per_gw_year = capacity_cost_usd_b_per_gw_year
        self.finances_customers = finances_customers
        self.min_margin = min_margin
        self.delivered_this_month_gw = 0.0
        self.sales_month_usd_b = 0.0  # chips billed this month: deliveries and take-or-pay

    @property
    def revenue_annual_usd_b(self) -> float:
        """Annualised chip sales (this month's times 12, as a lab's revenue is)."""
        return 12.0 * self.sales_month_usd_b

    # --- what the vendor would accept -------------------------------------------------------
    @property
    def backlog_gw(self) -> float:
        agreements = self.model.contracts.of(self, ChipSupplyAgreement, "payee")
        return fsum(c.undelivered_gw for c in agreements)

    @property
    def backlog_months(self) -> float:
        monthly = self.production_gw_per_year / 12.0
        return self.backlog_gw / monthly if monthly > 0 else float("inf")

    @property
    def margin_floor_usd_b_per_gw(self) -> float:
        """It neither lists nor sells below cost plus its minimum margin."""
        return self.unit_cost_usd_b_per_gw * (1.0 + self.min_margin)

    def reservation_price_usd_b_per_gw(self, backlog_months: float | None = None) -> float:
        """Least it takes: its margin floor, rising to its list price as its order book fills
        (``backlog_months`` when the caller has read it: reading it sums the whole book)."""
        floor = self.margin_floor_usd_b_per_gw
        if backlog_months is None:
            backlog_months = self.backlog_months
        fullness = min(1.0, backlog_months / 12.0)
        return floor + fullness * (self.price_usd_b_per_gw - floor)

    def deliverable_gw(self, agreement: ChipSupplyAgreement, months: float) -> float:
        """Undelivered chips of ``agreement`` it can ship within ``months``, as ``deliver``
        shares its output: pro rata to undelivered volume, buyers it holds equity in first
        under ``strategic_first``, with every buyer calling in full. Output it cannot make
        is no delivery a lender can count on; later production growth is not assumed."""
        return self.deliverable_each_gw([agreement], months)[0]

    def deliverable_each_gw(
        self, agreements: list[ChipSupplyAgreement], months: float
    ) -> list[float]:
        """``deliverable_gw`` of each of its ``agreements``, summing its book once for all of
        them: a lab asks about all its deals with a vendor at once, and its lenders ask often."""
        supply_gw = self.production_gw_per_year * months / 12.0
        if supply_gw <= 0:
            return [0.0] * len(agreements)
        backlog_gw = self.backlog_gw
        first_gw = None  # undelivered to the buyers it serves first, under strategic_first
        if self.model.p.chip_allocation_rule == "strategic_first":
            book = self.model.contracts.of(self, ChipSupplyAgreement, "payee")
            first_gw = fsum(c.undelivered_gw for c in book if self.holds_equity_in(c.payer))
        deliverable_gw = []
        for agreement in agreements:
            if agreement.undelivered_gw <= 0:
                deliverable_gw.append(0.0)
                continue
            ahead_gw, shared_gw = 0.0, backlog_gw
            if first_gw is not None:
                if self.holds_equity_in(agreement.payer):
                    shared_gw = first_gw
                else:
                    ahead_gw, shared_gw = first_gw, backlog_gw - first_gw
            room_gw = max(0.0, supply_gw - ahead_gw)
            share = min(1.0, room_gw / max(shared_gw, 1e-12))
            deliverable_gw.append(agreement.undelivered_gw * share)
        return deliverable_gw

    def lead_time_months(self, backlog_months: float | None = None) -> float:
        """Months until an order placed now starts shipping (capped: no supply in sight), from
        ``backlog_months`` when the caller has read it."""
        if backlog_months is None:
            backlog_months = self.backlog_months
        return min(backlog_months, OPEN_ENDED_MONTHS)

    # --- monthly rules ----------------------------------------------------------------------
    def deliver(self) -> None:
        """Share this month's output among buyers' calls by the allocation rule; get paid."""
        model = self.model
        month = model.month
        supply = self.production_gw_per_year / 12.0
        agreements = [
            c for c in model.contracts.of(self, ChipSupplyAgreement, "payee") if c.is_running(month)
        ]
        strategic_first = model.p.chip_allocation_rule == "strategic_first"
        calls = []
        for c in agreements:
            wanted = min(c.undelivered_gw, c.payer.chip_call_gw(c))
            priority = 0 if strategic_first and self.holds_equity_in(c.payer) else 1
            calls.append(Call(c, wanted, weight=max(c.undelivered_gw, 1e-12), priority=priority))
        granted = allocate(supply, calls)
        self.delivered_this_month_gw = self.sales_month_usd_b = 0.0
        for c in agreements:
            gw = granted[c]
            if gw > 1e-12:
                billed_usd_b = c.payer.receive_chips(c, gw, self.efficiency_index)
                self.delivered_this_month_gw += gw
                self.sales_month_usd_b += billed_usd_b
                model.ledger.transfer(
                    self, "chip_fabs", gw * c.unit_cost_usd_b_per_gw, "chip cost of goods"
                )
                self.finance_customer(c, billed_usd_b)
            self.enforce_take_or_pay(c, gw)
        for c in agreements:
            c.lapse_due(month)
            if c.undelivered_gw <= 1e-9:
                model.contracts.close(c, "completed", month)

    def enforce_take_or_pay(self, agreement: ChipSupplyAgreement, delivered_gw: float) -> None:
        """A buyer that calls less than its committed pace prepays the rest of this month's
        minimum; the chips stay its to call later."""
        shortfall_gw = agreement.minimum_due_gw(self.model.month) - delivered_gw
        buyer_could_take = agreement.payer.chip_call_gw(agreement) > 1e-9  # call unmet
        if shortfall_gw <= 1e-9 or buyer_could_take:
            return  # on pace, or the vendor (not the buyer) fell short
        agreement.prepay(shortfall_gw)
        prepaid_usd_b = shortfall_gw * agreement.price_usd_b_per_gw
        agreement.payer.prepay_chips(agreement, prepaid_usd_b)
        self.sales_month_usd_b += prepaid_usd_b

    def finance_customer(self, agreement: ChipSupplyAgreement, paid_usd_b: float) -> None:
        """Vendor financing: invest a share of each delivery back into the buyer as equity, at
        the market's valuation (not a price of its own: it buys what investors would)."""
        buyer = agreement.payer
        if not self.finances_customers or buyer.defaulted:
            return
        amount = min(self.model.p.vendor_financing_share * paid_usd_b, self.free_cash_usd_b())
        valuation = buyer.valuation_usd_b()
        if amount > 1e-9 and valuation > 0:
            self.model.invest_equity(self, buyer, amount, "vendor financing", valuation)

    def free_cash_usd_b(self) -> float:
        """Cash it may invest: what the chips it was paid for in advance will cost to make is
        set aside (it pays the fabs on delivery)."""
        agreements = self.model.contracts.of(self, ChipSupplyAgreement, "payee")
        owed = fsum(c.prepaid_gw * c.unit_cost_usd_b_per_gw for c in agreements)
        return max(0.0, self.cash_usd_b - owed)

    def holds_equity_in(self, company) -> bool:
        stake = company.shareholders.get(self)
        return stake is not None and stake.status == ACTIVE

    def adjust(self) -> None:
        """Price follows the backlog and the industry's cost level (a timeline may change
        ``capex_per_gw_usd_b``); production grows while there is a backlog; generations arrive."""
        p = self.model.p
        if p.capex_per_gw_usd_b != self.capex_basis_usd_b_per_gw:
            ratio = p.capex_per_gw_usd_b / self.capex_basis_usd_b_per_gw
            self.price_usd_b_per_gw *= ratio
            self.unit_cost_usd_b_per_gw *= ratio
            self.capex_basis_usd_b_per_gw = p.capex_per_gw_usd_b
        backlog_months = self.backlog_months  # read twice; nothing here changes it
        excess = min(backlog_months / 12.0, 3.0) - 1.0
        price = self.price_usd_b_per_gw * (1.0 + p.chip_price_response * excess)
        # a long backlog raises the list price, but not past what any lab would pay for these
        # chips (above it no one orders, and the backlog is already sold)
        price = min(price, self.model.chip_value_usd_b_per_gw(self.efficiency_index))
        self.price_usd_b_per_gw = max(price, self.margin_floor_usd_b_per_gw)
        if backlog_months > 6.0 and self.production_gw_per_year > 0:
            added = self.production_gw_per_year * (
                (1 + p.chip_supply_growth_per_year) ** (1 / 12) - 1
            )
            cost = added * self.capacity_cost_usd_b_per_gw_year
            if added > 0 and self.free_cash_usd_b() >= cost:
                self.model.ledger.transfer(self, "chip_fabs", cost, "vendor capacity investment")
                self.production_gw_per_year += added
        if self.model.month % self.generation_months == 0:
            gain = (1 + p.perf_per_watt_gain_per_year) ** (self.generation_months / 12)
            self.efficiency_index *= gain

    def withdraw(self) -> float:
        """In default it ships nothing more."""
        self.production_gw_per_year = 0.0
        return 0.0

    def balance_sheet_usd_b(self) -> float:
        """Cash, its fab capacity at cost, and the claims it holds (the stakes vendor financing
        bought in its buyers); its order book is future sales, not an asset."""
        return (
            max(self.cash_usd_b, 0.0)
            + self.production_gw_per_year * self.capacity_cost_usd_b_per_gw_year
            + self.claims_held_usd_b()
        )
