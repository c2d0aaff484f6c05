"""Utilities: grid headroom, slow new generation, an interconnection queue, a scarcity price."""

from __future__ import annotations

from dataclasses import dataclass
from math import fsum, inf
from operator import attrgetter

from agents.base import GigawattAgent
from environment.contracts import (
    HOURS_PER_MONTH,
    Loan,
    PowerPurchaseAgreement,
    capital_recovery_factor,
)
from environment.markets.capital import FundingRequest
from environment.projects import OPEN_ENDED_MONTHS, PIPELINE, DataCenterProject

#: Months over which a new plant's cost is recovered in rates (assumption: the ~30-year book
#: life of new gas and solar plants in utility rate cases).
GENERATION_BOOK_LIFE_MONTHS = 360
#: Book value of the fleet a utility starts with, per GW of firm generation (assumption: an
#: older, largely depreciated fleet, well under the $1.6-2.4bn/GW of new build).
EXISTING_FLEET_USD_B_PER_GW = 1.0
#: Debt to capitalisation at the edge of investment grade for a regulated utility (Moody's,
#: "Regulated Electric and Gas Utilities" rating methodology, 2017, factor grid: 45-55 % for
#: Baa, 55-65 % for Ba).
INVESTMENT_GRADE_DEBT_TO_CAPITAL = 0.55
#: ... and at the bottom of Ba, past which lenders read it as distressed (the same grid).
SPECULATIVE_GRADE_DEBT_TO_CAPITAL = 0.65
#: Risk score lenders read for a utility with no debt, and at the edge of investment grade
#: (assumption: the first as before; the second is the debt market's risk limit at the lowest
#: sentiment in the shipped scenarios, appetite 0.5 x (0.5 + 0), so an investment-grade
#: utility's credit does not hang on how investors feel about AI labs).
UTILITY_RISK_UNLEVERED = 0.1
UTILITY_RISK_INVESTMENT_GRADE_EDGE = 0.25


def _payments_within_year(months_left: int) -> int:
    """Monthly payments a plant ``months_left`` from completion makes in the next year, as
    ``min(12, max(0, months_left))`` would give: spelt out, because a utility asks for every
    plant it builds every month and the two builtin calls cost three times as much."""
    if months_left >= 12:
        return 12
    return months_left if months_left > 0 else 0


@dataclass(frozen=True)
class GenerationKind:
    """A kind of new supply a utility can build."""

    name: str
    lead_time_months: int
    cost_usd_b_per_gw: float
    firm_share: float  # GW of firm capacity per GW built (capacity credit)


@dataclass(eq=False)
class PlantUnderConstruction:
    kind: GenerationKind
    gw: float
    online_month: int
    monthly_cost_usd_b: float


class Utility(GigawattAgent):
    """The power company of one jurisdiction.

    Headroom is firm generation less the reserve it must keep, existing load, connected data
    centres and load already promised. A data centre is energised after the interconnection
    delay, or later if new generation must be built first, and only while firm generation
    covers the load: a campus whose date comes before the plant it needs waits for it. The tariff
    rises as the reserve margin falls below target; when load still outgrows generation
    (background growth, plants slipping) the shortfall is shed from data centres first.

    New generation enters its rate base as it is paid for. Retail customers pay their share of
    that plant (depreciation plus an allowed return, split by share of load, as cost-of-service
    ratemaking allocates it); data centres pay for theirs through their PPAs. It borrows for
    construction, pays interest monthly and refinances loans before they fall due.
    """

    kind = "utility"

    def __init__(
        self,
        model,
        name: str,
        cash_usd_b: float,
        peak_load_gw: float,
        headroom_gw: float,
        target_reserve_margin: float,
        interconnection_delay_months: float,
        base_power_price_usd_mwh: float,
        marginal_cost_share: float,
        max_new_generation_gw_per_year: float,
        generation_kinds: list[GenerationKind],
    ) -> None:
        super().__init__(model, name, cash_usd_b)
        p = model.p
        self.target_reserve_margin = target_reserve_margin
        self.peak_load_gw = peak_load_gw
        # Firm generation: the target margin over existing load plus the spare headroom.
        spare_gw = headroom_gw * p.grid_headroom_multiplier
        self.generation_gw = (peak_load_gw + spare_gw) * (1 + target_reserve_margin)
        self.dc_load_gw = 0.0
        self.reserved_gw = 0.0
        self.interconnection_delay_months = (
            interconnection_delay_months * p.interconnection_delay_multiplier
        )
        self.base_power_price_usd_mwh = base_power_price_usd_mwh
        self.marginal_cost_usd_mwh = marginal_cost_share * base_power_price_usd_mwh
        self.max_new_generation_gw_per_year = (
            max_new_generation_gw_per_year * p.new_generation_multiplier
        )
        self.generation_start_share_of_load_per_year = (
            p.generation_start_share_of_load_per_year * p.new_generation_multiplier
        )
        self.generation_kinds = sorted(generation_kinds, key=lambda k: k.lead_time_months)
        self.plants: list[PlantUnderConstruction] = []
        self.started_this_year_gw = 0.0
        self.rate_base_usd_b = 0.0  # new generation paid for, less what rates have recovered
        self.existing_fleet_usd_b = self.generation_gw * EXISTING_FLEET_USD_B_PER_GW
        # campuses queued for a connection they would not yet sign for, in order of asking
        self.waiting_requests: list[DataCenterProject] = []
        self.power_sales_month_usd_b = 0.0  # billed to data centres so far this month
        self.revenue_month_usd_b = 0.0  # power sales and retail rates, last operate phase

    @property
    def revenue_annual_usd_b(self) -> float:
        """Annualised power sales: this month's data-centre bills and retail rates times 12,
        as a lab's revenue is."""
        return 12.0 * self.revenue_month_usd_b

    # --- state read by others --------------------------------------------------------------
    @property
    def load_gw(self) -> float:
        return self.peak_load_gw + self.dc_load_gw

    @property
    def reserve_margin(self) -> float:
        load_gw = self.load_gw
        return self.generation_gw / load_gw - 1.0 if load_gw > 0 else 1.0

    @property
    def headroom_gw(self) -> float:
        return (
            self.generation_gw / (1 + self.target_reserve_margin) - self.load_gw - self.reserved_gw
        )

    @property
    def grid_stress(self) -> float:
        """0 at or above the target reserve margin, 1 with no reserve left. Read about 3,000
        times a run (every power price), so it clamps with comparisons, not min and max: the
        same result, NaN included (0), at half the cost."""
        stress = (self.target_reserve_margin - self.reserve_margin) / self.target_reserve_margin
        if stress >= 1.0:
            return 1.0
        return stress if stress > 0.0 else 0.0

    def power_price_usd_mwh(self) -> float:
        markup = self.model.p.power_scarcity_markup * self.grid_stress
        return self.base_power_price_usd_mwh * (1.0 + markup)

    # --- what the utility would accept ------------------------------------------------------
    def reservation_price_usd_mwh(self, gw: float) -> float:
        """Least it takes for firm supply to ``gw`` of new load: cost of service, not a share of
        what the load earns (a regulated utility files cost-based tariffs; in a competitive
        market the cost of new entry caps a supplier's price the same way). The part its spare
        headroom covers pays today's tariff; the rest pays the long-run cost of the new plant
        that will serve it, never below the base tariff (a new load does not pay less than the
        customers already on the grid). Today's scarcity does not price that part: the contract
        starts when the new plant does, and the queue, not the price, rations the wait."""
        covered_gw = min(gw, max(0.0, self.headroom_gw))
        if covered_gw >= gw:
            return self.power_price_usd_mwh()
        long_run = max(self.base_power_price_usd_mwh, self.new_supply_cost_usd_mwh())
        return (covered_gw * self.power_price_usd_mwh() + (gw - covered_gw) * long_run) / gw

    def new_supply_cost_usd_mwh(self) -> float:
        """Levelised cost of serving new load from the plant it would build: the plant's cost
        per GW of load (firm share and reserve margin included), recovered over its book life
        at the allowed return as a flat charge on the energy a campus draws, plus the running
        cost of that energy. Infinite when it can build nothing."""
        if not self.generation_kinds:
            return inf
        kind = self.choose_generation_kind()
        usd_per_gw_load = (
            kind.cost_usd_b_per_gw * 1e9 / kind.firm_share * (1 + self.target_reserve_margin)
        )
        recovery = capital_recovery_factor(
            self.cost_of_capital_per_year(), GENERATION_BOOK_LIFE_MONTHS / 12
        )
        mwh_per_gw_year = self.model.p.utilization * HOURS_PER_MONTH * 12 * 1e3
        return usd_per_gw_load * recovery / mwh_per_gw_year + self.marginal_cost_usd_mwh

    def cost_of_capital_per_year(self) -> float:
        """Return new plant must earn: the allowed return, or the rate of its latest loan if
        that is dearer (a fixed-price contract has to carry the debt that builds the plant)."""
        loans = self.model.contracts.of(self, Loan, "payer")
        latest = loans[-1].rate_per_year if loans else 0.0
        return max(self.model.p.utility_allowed_return_per_year, latest)

    def quote_energisation_month(
        self, gw: float, project: DataCenterProject | None = None
    ) -> int | None:
        """Month it can energise ``gw`` of new load, or None if it never can (no supply coming,
        or it has defaulted: it serves the load it has, but connects no more). Campuses waiting
        in the queue without a contract come first: those that asked before ``project``, or all
        of them for a campus not yet sited."""
        if self.defaulted:
            return None
        month = self.model.month
        delay = int(round(self.interconnection_delay_months))
        spare = self.headroom_gw - self.waiting_gw(before=project)
        if spare >= gw:
            return month + delay
        reserve_factor = 1 + self.target_reserve_margin
        for plant in sorted(self.plants, key=attrgetter("online_month")):
            spare += plant.gw * plant.kind.firm_share / reserve_factor
            if spare >= gw:
                return max(month + delay, plant.online_month)
        allowance_gw = self.generation_start_allowance_gw_per_year()
        if allowance_gw <= 0 or not self.generation_kinds:
            return None
        fastest = self.generation_kinds[0].lead_time_months
        months_to_build = fastest + 12 * (gw - spare) / allowance_gw
        if months_to_build > OPEN_ENDED_MONTHS:
            return None  # a trickle of new supply: nothing within any horizon
        return month + max(delay, int(months_to_build))

    def wait_in_queue(self, project: DataCenterProject) -> None:
        """Keep the place of a campus that would not sign for the date it was quoted: it asks
        again each month, and load asking after it is quoted behind it."""
        if project not in self.waiting_requests:
            self.waiting_requests.append(project)

    def waiting_gw(self, before: DataCenterProject | None = None) -> float:
        """GW of campuses still waiting in the queue without a contract, ahead of ``before``."""
        ahead = self.waiting_requests
        if before in ahead:
            ahead = ahead[: ahead.index(before)]
        return fsum(pr.size_gw for pr in ahead if pr.ppa is None and pr.status == PIPELINE)

    def sign(self, ppa: PowerPurchaseAgreement) -> None:
        """Reserve capacity for a signed PPA (``build`` starts the generation it needs)."""
        self.reserved_gw += ppa.capacity_gw

    # --- monthly rules ----------------------------------------------------------------------
    def build(self) -> None:
        """Commission plants that are done, pay for those under way, and start what promised
        load plus background growth over the build lead time will need."""
        model, p = self.model, self.model.p
        month = model.month
        if month % 12 == 0:
            self.started_this_year_gw = 0.0
        debt_due = self.maturing_principal_usd_b(12)
        for plant in list(self.plants):
            if month >= plant.online_month:
                self.generation_gw += plant.gw * plant.kind.firm_share
                self.plants.remove(plant)
            else:
                self.pay_for(plant, debt_due)
        promised = fsum(pl.gw * pl.kind.firm_share for pl in self.plants) / (
            1 + self.target_reserve_margin
        )
        lead_years = self.generation_kinds[0].lead_time_months / 12 if self.generation_kinds else 0
        growth = self.peak_load_gw * ((1 + p.background_load_growth_per_year) ** lead_years - 1)
        needed = max(0.0, growth) - (self.headroom_gw + promised)
        allowance = self.generation_start_allowance_gw_per_year() - self.started_this_year_gw
        if needed > 1e-9 and allowance > 1e-9 and self.generation_kinds:
            kind = self.choose_generation_kind()
            firm_gw = min(needed * (1 + self.target_reserve_margin), allowance)
            gw = firm_gw / kind.firm_share
            cost = gw * kind.cost_usd_b_per_gw
            plant = PlantUnderConstruction(
                kind, gw, month + kind.lead_time_months, cost / kind.lead_time_months
            )
            self.plants.append(plant)
            self.started_this_year_gw += firm_gw
            self.pay_for(plant, debt_due)

    def generation_start_allowance_gw_per_year(self) -> float:
        """Firm GW of new generation it can start a year: the scenario's figure, or a share of
        the load it serves if that is more. Supply chains, interconnection studies and
        finance scale with the system, so a grid that background growth or data centres have
        made larger runs a larger pipeline. A scenario figure of 0 marks a grid that builds
        nothing, whatever its size."""
        floor_gw = self.max_new_generation_gw_per_year
        if floor_gw <= 0:
            return 0.0
        return max(floor_gw, self.generation_start_share_of_load_per_year * self.load_gw)

    def pay_for(self, plant: PlantUnderConstruction, debt_due_usd_b: float) -> None:
        """One month's construction payment; the plant slips a month instead when the payment
        would leave too little cash for the loans falling due within a year."""
        if self.cash_usd_b - debt_due_usd_b < plant.monthly_cost_usd_b:
            plant.online_month += 1
        else:
            self.model.ledger.transfer(
                self, "construction", plant.monthly_cost_usd_b, "generation build"
            )
            self.rate_base_usd_b += plant.monthly_cost_usd_b

    def choose_generation_kind(self) -> GenerationKind:
        """Cheapest firm capacity per month of waiting: fast builds win when load is waiting."""
        return min(
            self.generation_kinds,
            key=lambda k: k.cost_usd_b_per_gw / k.firm_share * (1 + k.lead_time_months / 60),
        )

    def connect_and_grow(self) -> None:
        """Background load grows; PPAs whose date has come are energised; campuses that signed
        or gave up leave the queue."""
        self.peak_load_gw *= (1 + self.model.p.background_load_growth_per_year) ** (1 / 12)
        self.waiting_requests = [
            pr for pr in self.waiting_requests if pr.ppa is None and pr.status == PIPELINE
        ]
        self.connect(self.model.month)

    def connect(self, month: int) -> None:
        """Move PPAs starting this month from reserved to load, in signing order, while firm
        generation covers it; the others wait a month, their term starting when power flows.
        At month 0 every PPA energised before the start connects: that load already exists."""
        for ppa in self.model.contracts.of(self, PowerPurchaseAgreement):
            if ppa.renewal:
                continue
            if month == 0 and ppa.start_month < 0:
                self._energise(ppa)
            elif ppa.start_month == month:
                if month > 0 and self.load_gw + ppa.capacity_gw > self.generation_gw:
                    ppa.start_month += 1
                    ppa.end_month += 1
                else:
                    self._energise(ppa)

    def _energise(self, ppa: PowerPurchaseAgreement) -> None:
        self.reserved_gw -= ppa.capacity_gw
        self.dc_load_gw += ppa.capacity_gw
        ppa.connected = True

    @property
    def load_shed_gw(self) -> float:
        """Load above firm generation cannot be served: data centres are curtailed first, as
        large loads are in firm load-shed events (Texas SB 6, 2025, for loads of 75 MW and up).
        A capacity model has no hours, so the shortfall is shed all month (assumption: this
        overstates the energy lost, the cautious side)."""
        return max(0.0, self.load_gw - self.generation_gw)

    @property
    def dc_supply_share(self) -> float:
        """Share of its connected data-centre load it can serve this month. Campuses read it
        about a hundred times a month, so it works out ``load_shed_gw`` from the attributes
        (load over generation; nothing is shed unless that is positive)."""
        shed_gw = self.peak_load_gw + self.dc_load_gw - self.generation_gw
        if not shed_gw > 0:  # as ``load_shed_gw``'s max(0, ...) would, NaN included
            return 1.0
        return max(0.0, 1.0 - shed_gw / self.dc_load_gw) if self.dc_load_gw > 0 else 0.0

    def release(self, ppa: PowerPurchaseAgreement) -> None:
        """Free the capacity of a PPA that ended or broke."""
        if ppa.connected:
            self.dc_load_gw = max(0.0, self.dc_load_gw - ppa.capacity_gw)
        else:
            self.reserved_gw = max(0.0, self.reserved_gw - ppa.capacity_gw)

    def sell_power(self, energy_gwh: float, bill_usd_b: float) -> None:
        """Energy sold to a data centre: its bill is a sale; it costs fuel and operations at
        the marginal cost."""
        self.power_sales_month_usd_b += bill_usd_b
        cost = energy_gwh * 1e3 * self.marginal_cost_usd_mwh * 1e-9
        self.owe("fuel_and_operations", cost, "generation fuel")

    @property
    def retail_share_of_load(self) -> float:
        return self.peak_load_gw / self.load_gw if self.load_gw > 0 else 1.0

    def operate(self) -> None:
        """Collect retail rates on its rate base, which depreciates; pay its lenders."""
        p = self.model.p
        depreciation = self.rate_base_usd_b / GENERATION_BOOK_LIFE_MONTHS
        allowed_return = self.rate_base_usd_b * p.utility_allowed_return_per_year / 12
        rates = (depreciation + allowed_return) * self.retail_share_of_load
        self.model.ledger.transfer("retail_customers", self, rates, "retail rates")
        self.revenue_month_usd_b = self.power_sales_month_usd_b + rates  # labs billed it first
        self.power_sales_month_usd_b = 0.0
        self.rate_base_usd_b -= depreciation
        self.service_loans()

    def funding_need_usd_b(self) -> float:
        """Cash it needs over the next year: plants under way, loans falling due, unpaid bills."""
        month = self.model.month
        next_year = fsum(
            [
                pl.monthly_cost_usd_b * _payments_within_year(pl.online_month - month)
                for pl in self.plants
            ]
        )
        owed = self.maturing_principal_usd_b(12) + self.arrears_total_usd_b
        return max(0.0, next_year + owed - self.cash_usd_b)

    def funding_request(self, urgent_only: bool = False) -> FundingRequest | None:
        """Debt for plants under way and loans falling due when its own cash will not cover
        them, or (``urgent_only``) for its unpaid bills. None once it has defaulted: its grid
        keeps running, but no one lends to it."""
        if self.defaulted:
            return None
        arrears = self.arrears_total_usd_b
        need = arrears if urgent_only else self.funding_need_usd_b()
        need = min(need, self.debt_room_usd_b())
        if need <= 1e-6:
            return None
        revenue = self.energy_gwh(self.load_gw, 1.0) * 12 * self.base_power_price_usd_mwh * 1e-6
        return FundingRequest(
            requester=self,
            amount_usd_b=need,
            max_cost_of_capital=0.12,
            risk_score=self.credit_risk_score(),
            revenue_annual_usd_b=revenue,
            debt_usd_b=self.debt_usd_b,
            debt_term_months=self.model.p.utility_debt_term_months,
            accepts_equity=False,
        )

    def debt_room_usd_b(self) -> float:
        """New debt that leaves it no deeper than the bottom of speculative grade once the
        loan's cash has joined its capital: (D + L) / (C + L) <= b gives L <= b / (1 - b) x
        (C - D) - D. Lenders read its score on the books before the loan, so without this one
        large loan could take it from investment grade to 0.85 of capital (fuzz re-check)."""
        bottom = SPECULATIVE_GRADE_DEBT_TO_CAPITAL
        debt = self.debt_usd_b
        return bottom / (1 - bottom) * (self.balance_sheet_usd_b() - debt) - debt

    def credit_risk_score(self) -> float:
        """How lenders read its credit (0 safe .. 1 distressed): by its leverage and whether it
        is behind on its bills. A regulated utility recovers prudent construction in its rates,
        so a grid short of supply means more borrowing to build, not a worse credit: rating
        agencies grade it on its debt against its capital, not on its reserve margin; a short
        grid that made it unfundable would keep it short. Past investment grade the score
        climbs steeply, so no lender, however eager, funds it beyond the Ba band."""
        capital_usd_b = self.balance_sheet_usd_b()
        leverage = self.debt_usd_b / capital_usd_b if capital_usd_b > 0 else 1.0
        edge, bottom = INVESTMENT_GRADE_DEBT_TO_CAPITAL, SPECULATIVE_GRADE_DEBT_TO_CAPITAL
        if leverage <= edge:
            risk = UTILITY_RISK_UNLEVERED + (
                UTILITY_RISK_INVESTMENT_GRADE_EDGE - UTILITY_RISK_UNLEVERED
            ) * (leverage / edge)
        else:  # speculative grade: the score climbs to distressed across the Ba band
            risk = UTILITY_RISK_INVESTMENT_GRADE_EDGE + (
                1.0 - UTILITY_RISK_INVESTMENT_GRADE_EDGE
            ) * ((leverage - edge) / (bottom - edge))
        return min(1.0, risk + 0.2 * self.in_distress)

    def balance_sheet_usd_b(self) -> float:
        """Cash, the fleet it started with, and new generation at its unrecovered cost."""
        return max(self.cash_usd_b, 0.0) + self.existing_fleet_usd_b + self.rate_base_usd_b

    @staticmethod
    def energy_gwh(load_gw: float, utilization: float) -> float:
        return load_gw * utilization * HOURS_PER_MONTH
