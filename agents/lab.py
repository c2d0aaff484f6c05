"""AI labs: sell compute-backed services, plan capacity, build campuses, lease, raise money."""

from __future__ import annotations

import math
from math import fsum

from agents.base import GigawattAgent
from environment.contracts import (
    ACTIVE,
    BROKEN,
    MWH_PER_GW_YEAR,
    CapacityLease,
    ChipSupplyAgreement,
)
from environment.markets.assets import Bid
from environment.markets.capital import FundingRequest
from environment.markets.chips import deliverable_within_gw
from environment.markets.power import is_on_site
from environment.projects import (
    APPROVED,
    CANCELLED,
    FACILITY_LIFE_MONTHS,
    ONLINE,
    OPEN_ENDED_MONTHS,
    PIPELINE,
    RETIRED,
    DataCenterProject,
)

#: A lab stops starting campuses when investors left more than this share of its request unmet
#: (assumption).
CAPITAL_RATIONING_SHARE = 0.25
#: Share of its valuation a lab expects it could sell in new equity while its pipeline is
#: built (assumption; digest B: the $40B round was ~13 % of $300B post-money).
EQUITY_SALE_SHARE = 0.3
#: Months before construction ends that a campus calls its chips (assumption: just in time).
CHIP_CALL_LEAD_MONTHS = 3
#: Months ahead lenders count capacity under construction as future revenue (assumption:
#: project finance lends against assets about a year from commercial operation).
UNDERWRITING_HORIZON_MONTHS = 12


class AILab(GigawattAgent):
    """An OpenAI-like focal lab or a rival (including hyperscalers that lease capacity out).

    Demand is counted in compute units: GW of 2026-efficiency accelerators. Revenue is the
    demand it can serve times a price per unit that falls every year. Each month it sizes its
    pipeline to its demand forecast (or its announced plan, whichever is larger, times the
    ambition), starts campuses at the most promising sites, orders chips, leases capacity when
    its own is late, and raises money when its runway is short. Bills it cannot pay are
    arrears; arrears that the capital market will not cover make it default.
    """

    kind = "lab"

    def __init__(
        self,
        model,
        name: str,
        cash_usd_b: float,
        demand_gw: float,
        focal: bool = False,
        announced_target_gw: float = 0.0,
        announced_target_month: int = 0,
        core_cash_flow_usd_b_per_year: float = 0.0,
        max_cost_of_capital: float = 0.35,
        demand_growth_scale: float = 1.0,
    ) -> None:
        super().__init__(model, name, cash_usd_b)
        self.focal = focal
        self.demand_cu = demand_gw
        self.announced_target_gw = announced_target_gw
        self.announced_target_month = announced_target_month
        self.core_cash_flow_usd_b_per_year = core_cash_flow_usd_b_per_year
        self.max_cost_of_capital = max_cost_of_capital
        self.demand_growth_scale = demand_growth_scale  # its demand grows this times the trend
        self.projects: list[DataCenterProject] = []
        self.revenue_month_usd_b = 0.0  # from AI services
        self.lease_income_month_usd_b = 0.0  # due from lessees this month
        self.outflows_month_usd_b = 0.0  # operating outflows last month (burn before capex)
        self.capex_month_usd_b = 0.0
        self.capex_cumulative_usd_b = 0.0
        self.it_assets_usd_b = 0.0
        self.facility_assets_usd_b = 0.0
        self.funding_requested_usd_b = 0.0
        self.funding_raised_usd_b = 0.0
        self.funding_gap_usd_b = 0.0
        self.capacity_online_gw = 0.0  # own capacity online (what this lab operates)
        self._own_compute_cu = 0.0  # the same in compute units (set when commissioning)
        self.leased_in_gw = 0.0
        self.leased_out_gw = 0.0
        self.served_cu = 0.0
        self.idle_gw = 0.0
        #: Share register: units held before the model starts are 1; rounds add units.
        self.shares_outstanding = 1.0
        self.shareholders: dict = {}  # investor -> its EquityStake
        self.chip_calls: dict[ChipSupplyAgreement, float] = {}
        self.chip_delivery_rate_gw = 0.0  # smoothed GW delivered per month
        self.chips_received_month_gw = 0.0

    # --- demand and revenue -----------------------------------------------------------------
    @property
    def revenue_annual_usd_b(self) -> float:
        """Annualised revenue from AI services and from capacity leased out."""
        return 12.0 * (self.revenue_month_usd_b + self.lease_income_month_usd_b)

    def grow_demand(self) -> None:
        """Demand grows on the month's trend (the model then holds it to the spending ceiling)."""
        growth = 1.0 + self.demand_growth_scale * self.model.demand_growth_rate()
        self.demand_cu *= growth ** (1 / 12)

    def own_compute_cu(self) -> float:
        """Compute of its own capacity online, as of the last commissioning."""
        return self._own_compute_cu

    def fleet_efficiency(self) -> float:
        """Compute per watt of the chips this lab runs (2026 = 1), as its grids power them:
        load shed lowers it evenly across the fleet, leased-out capacity included, and a fleet
        with no power has none."""
        return (
            self.own_compute_cu() / self.capacity_online_gw if self.capacity_online_gw > 0 else 1.0
        )

    def usable_compute_cu(self) -> float:
        """Own compute not leased out, plus compute leased in."""
        own = self.own_compute_cu()
        if self.capacity_online_gw > 0:
            own *= max(0.0, 1.0 - self.leased_out_gw / self.capacity_online_gw)
        leased = fsum(
            lease.delivered_gw * lease.payee.fleet_efficiency()
            for lease in self.model.contracts.of(self, CapacityLease, "payer")
            if lease.is_running(self.model.month)
        )
        return own + leased

    def spare_gw(self) -> float:
        """Own capacity it could lease out: idle after its own demand and existing leases, and
        never more than its own capacity online not already leased out (lessors serve leases
        from the campuses they run, ``BuildoutModel._deliver_leases``: compute it leases in
        serves its own demand, it is not sublet)."""
        spare_cu = self.usable_compute_cu() - self.demand_cu
        efficiency = self.fleet_efficiency()
        if spare_cu <= 0 or efficiency <= 0:
            return 0.0
        return min(spare_cu / efficiency, max(0.0, self.capacity_online_gw - self.leased_out_gw))

    def shortfall_gw(self) -> float:
        """Demand it cannot serve, in GW of today's best chips."""
        short_cu = self.demand_cu - self.usable_compute_cu()
        return max(0.0, short_cu / self.model.best_efficiency())

    # --- reservation prices (what this lab would pay) ---------------------------------------
    def chip_reservation_price_usd_b_per_gw(self, efficiency_index: float) -> float:
        return self.model.chip_value_usd_b_per_gw(efficiency_index)

    def power_reservation_usd_mwh(self) -> float:
        """The share of its revenue per MWh it will spend on energy, but never more than
        generating its own power on site: its outside option bounds what a grid PPA is worth,
        however much revenue a MWh earns on ever more efficient chips."""
        p = self.model.p
        revenue_per_mwh = (
            self.model.revenue_per_cu_year()
            * self.model.best_efficiency()
            * 1e9
            / (p.utilization * MWH_PER_GW_YEAR)
        )
        return min(p.lab_max_power_cost_share * revenue_per_mwh, p.onsite_power_cost_usd_mwh)

    def lease_reservation_usd_b_per_gw_year(self, lessor: AILab) -> float:
        return (
            self.model.revenue_per_cu_year()
            * lessor.fleet_efficiency()
            * (1.0 + self.model.p.lease_urgency_premium)
        )

    def lease_cost_usd_b_per_gw_year(self) -> float:
        """A lessor's cost of one GW-year: depreciation, site opex and energy, plus 10 %."""
        p = self.model.p
        it = p.capex_per_gw_usd_b * p.it_share_of_capex / (p.it_equipment_life_months / 12)
        facility = p.capex_per_gw_usd_b * (1 - p.it_share_of_capex) / (FACILITY_LIFE_MONTHS / 12)
        energy = self.model.energy_cost_usd_b_per_gw_year()
        return 1.1 * (it + facility + p.opex_usd_b_per_gw_year + energy)

    # --- phase 1: capital -------------------------------------------------------------------
    def cash_need_usd_b(self) -> float:
        """Cash to cover the runway: operating deficit, construction of permitted campuses, chips
        due for its campuses or, if more, the take-or-pay minimum due (at the dearest contract
        price, to be safe), maturing loans and arrears."""
        p = self.model.p
        months = p.target_runway_months
        deficit = max(0.0, self.outflows_month_usd_b - self.revenue_month_usd_b) * months
        construction = fsum(
            pr.construction_due_usd_b(months)
            for pr in self.projects
            if pr.status == PIPELINE and pr.permit == APPROVED
        )
        month = self.model.month
        agreements = self.model.contracts.of(self, ChipSupplyAgreement)
        due_gw = fsum(min(c.unpaid_gw, c.scheduled_gw(month) * months) for c in agreements)
        # what its campuses need (never negative) only bounds chips that are due: in a
        # quarter of the months none are, and the campuses are not scanned for it
        usable_gw = (
            min(due_gw, fsum(pr.chips_needed_gw for pr in self.projects)) if due_gw > 0 else due_gw
        )
        # take-or-pay is paid whether or not a campus can take the chips (a refused permit)
        committed_gw = fsum(
            min(c.committed_unpaid_gw, c.minimum_due_gw(month) * months) for c in agreements
        )
        price = max((c.price_usd_b_per_gw for c in agreements), default=0.0)
        chips = max(usable_gw, committed_gw) * price
        maturing = self.maturing_principal_usd_b(months)
        return deficit + construction + chips + maturing + self.arrears_total_usd_b

    def investable_revenue_usd_b(self) -> float:
        """Revenue equity investors price it on: what it earns now, annualised (the basis the
        revenue multiple is calibrated on), or, while that is less, a share of what its demand
        would pay (a lab with little revenue yet raises on its plans, and one whose permit was
        refused can try again); plus core cash flow. Valuing half its planned capacity's
        revenue on top of earnings priced labs building out at 40-140x what they earned."""
        model = self.model
        plan = model.p.equity_plan_value_share * self.demand_cu * model.revenue_per_cu_year()
        return max(self.revenue_annual_usd_b, plan) + self.core_cash_flow_usd_b_per_year

    def bankable_revenue_usd_b(self) -> float:
        """Revenue lenders underwrite (project-finance practice): what it earns, plus what
        capacity with power and chips in sight will earn within the underwriting horizon at
        today's revenue per GW, up to the demand it does not serve yet; plus core cash flow.
        Demand it has no capacity for repays no loan."""
        model = self.model
        in_sight_cu = model.best_efficiency() * self.capacity_in_sight_gw(
            UNDERWRITING_HORIZON_MONTHS
        )
        unserved_cu = max(0.0, self.demand_cu - self.served_cu)
        new_usd_b = min(in_sight_cu, unserved_cu) * model.revenue_per_cu_year()
        return self.revenue_annual_usd_b + new_usd_b + self.core_cash_flow_usd_b_per_year

    def capacity_in_sight_gw(self, months: float) -> float:
        """Own permitted capacity not yet running whose contracted power flows, and whose
        building is done, within ``months``, as far as it will have the chips (installed, or on
        order from a vendor that can make them within ``months``): what lenders underwrite."""
        month = self.model.month
        gw = chips_needed_gw = 0.0
        for pr in self.projects:
            if (
                pr.status == PIPELINE
                and pr.ppa is not None
                and pr.permit == APPROVED
                and pr.months_until_ready(month) <= months
            ):
                gw += pr.pipeline_gw(month)
                chips_needed_gw += pr.chips_needed_gw
        if gw <= 0.0:
            return gw
        chips_needed_gw += self.refreshes_due_gw()  # chips on order for them re-equip those
        return max(0.0, gw - max(0.0, chips_needed_gw - self.chips_deliverable_gw(months)))

    def risk_score(self, bankable_revenue_usd_b: float | None = None) -> float:
        """How risky investors read this lab: burn multiple, leverage, distress (0..1), on the
        revenue lenders underwrite (demand it cannot serve hides no burn), passed when the
        caller has worked it out (it scans the lab's campuses and chip deals)."""
        p = self.model.p
        if bankable_revenue_usd_b is None:
            bankable_revenue_usd_b = self.bankable_revenue_usd_b()
        revenue = max(bankable_revenue_usd_b, 1e-6)
        burn = (
            max(
                0.0,
                self.outflows_month_usd_b
                + self.capex_month_usd_b
                - self.revenue_annual_usd_b / 12
                - self.core_cash_flow_usd_b_per_year / 12,
            )
            * 12
        )
        leverage = self.debt_usd_b / max(p.max_debt_to_revenue * revenue, 1e-6)
        return min(
            1.0,
            0.5 * min(1.0, burn / revenue / 4.0)
            + 0.3 * min(1.0, leverage)
            + 0.2 * self.in_distress,
        )

    def funding_request(self, urgent_only: bool = False) -> FundingRequest | None:
        """What it asks investors for: its runway need less its cash, or (``urgent_only``) its
        unpaid bills. An emergency round's money counts toward the month's runway need; the
        need itself is not replaced by the bills, or the gap would read 0 in the very months
        a lab runs out of cash."""
        if self.defaulted:
            return None
        if urgent_only:
            need = self.arrears_total_usd_b
        else:
            need = self.cash_need_usd_b() - self.cash_usd_b
            self.funding_requested_usd_b = self.funding_gap_usd_b = max(0.0, need)
            self.funding_raised_usd_b = 0.0
        if need <= 1e-6:
            return None
        bankable_usd_b = self.bankable_revenue_usd_b()  # read once: risk and lenders share it
        return FundingRequest(
            requester=self,
            amount_usd_b=need,
            max_cost_of_capital=self.max_cost_of_capital,
            risk_score=self.risk_score(bankable_usd_b),
            revenue_annual_usd_b=bankable_usd_b,
            debt_usd_b=self.debt_usd_b,
            debt_term_months=self.model.p.debt_term_months,
            equity_revenue_usd_b=self.investable_revenue_usd_b(),
        )

    def record_funding(self, amount_usd_b: float) -> None:
        self.funding_raised_usd_b += amount_usd_b
        self.funding_gap_usd_b = max(0.0, self.funding_requested_usd_b - self.funding_raised_usd_b)

    # --- phase 2: contracts -----------------------------------------------------------------
    def committed_gw(self) -> float:
        """Capacity it will have: own projects (online or not) plus leases in, less leases out."""
        month = self.model.month
        leases = self.model.contracts.of(self, CapacityLease, "payer")
        leased_in = fsum(c.capacity_gw for c in leases if c.end_month > month)
        own = fsum(pr.size_gw for pr in self.projects if pr.status != CANCELLED)
        return own + leased_in - self.leased_out_commitments_gw()

    def demand_forecast_cu(self) -> float:
        """Demand it expects at the end of the planning horizon: the trend (labs know growth
        is slowing), but no more than its share of the month's demand times what customers
        can then pay for (labs see the market saturating)."""
        model, months = self.model, self.model.p.planning_horizon_months
        trend_cu = self.demand_cu * model.demand_growth_factor(months, self.demand_growth_scale)
        total_cu = model.demand_cu_at_open
        share = self.demand_cu / total_cu if total_cu > 0 else 0.0
        return min(trend_cu, share * model.demand_ceiling_cu(months))

    def capacity_target_gw(self) -> float:
        """GW it wants by the end of the planning horizon.

        It converts the demand forecast to GW at the efficiency of chips bought over the
        horizon. Announced plans set a floor until their date (later plans follow demand);
        rivals outgrowing it push the target up.
        """
        model, p = self.model, self.model.p
        years = p.planning_horizon_months / 12.0
        forecast_cu = self.demand_forecast_cu()
        efficiency = model.best_efficiency() * (1.0 + p.perf_per_watt_gain_per_year) ** (years / 2)
        need = forecast_cu / efficiency + self.leased_out_commitments_gw()
        announced = (
            self.announced_gw_at(model.month + p.planning_horizon_months)
            if model.month <= self.announced_target_month
            else 0.0
        )
        rivalry = 1.0 + p.rivalry_weight * max(0.0, model.rival_growth(self))
        return p.ambition * max(need, announced) * rivalry

    def leased_out_commitments_gw(self) -> float:
        month = self.model.month
        return fsum(
            c.capacity_gw
            for c in self.model.contracts.of(self, CapacityLease, "payee")
            if c.end_month > month
        )

    def announced_gw_at(self, month: int) -> float:
        """The announced plan, interpolated linearly from today's capacity to its target date."""
        if self.announced_target_gw <= 0 or self.announced_target_month <= 0:
            return 0.0
        start = self.model.initial_capacity_gw.get(self.name, 0.0)
        frac = min(1.0, month / self.announced_target_month)
        return start + frac * (self.announced_target_gw - start)

    def plan_capacity(self) -> None:
        """Start new campuses to close the gap between target and committed capacity, as far
        as it can fund them and vendors can equip them."""
        rationed = self.funding_gap_usd_b > CAPITAL_RATIONING_SHARE * self.funding_requested_usd_b
        if self.defaulted or self.in_distress or rationed:
            return
        p = self.model.p
        gap = self.capacity_target_gw() - self.committed_gw()
        if self.campuses_for_gw(gap) <= 0:
            # funding only lowers the gap, so no campus either way: most months (about 6 in
            # 10) its pipeline covers its target, and pricing that pipeline is skipped
            return
        unfunded = self.financing_capacity_usd_b() - fsum(
            pr.remaining_construction_usd_b
            + pr.chips_missing_gw * self.model.chip_price_usd_b_per_gw
            for pr in self.projects
            if pr.status == PIPELINE
        )
        fundable_gw = unfunded / p.capex_per_gw_usd_b
        if self.campuses_for_gw(min(gap, fundable_gw)) <= 0:
            # chips in reach only lower it further: in about a quarter of the months it gets
            # here, its funding leaves no campus, and the vendors are not ranked for it
            return
        chips_gw = self.chips_in_reach_gw()
        for _ in range(max(0, self.campuses_for_gw(min(gap, fundable_gw, chips_gw)))):
            government = self.model.choose_site(self, p.project_size_gw)
            if government is None:
                return
            self.model.start_project(self, government, p.project_size_gw)

    def campuses_for_gw(self, gap_gw: float) -> int:
        """Campuses to start this month for a capacity gap: the nearest whole number of
        standard campuses, at most the monthly limit (never more for a smaller gap)."""
        p = self.model.p
        return min(p.max_new_projects_per_month, math.ceil(gap_gw / p.project_size_gw - 0.5))

    def financing_capacity_usd_b(self) -> float:
        """What it believes it can spend on campuses: cash, plus equity it could sell and debt
        it could carry at today's valuation, scaled by ambition (labs plan on future rounds)."""
        p = self.model.p
        revenue = self.investable_revenue_usd_b()
        debt_room = max(0.0, p.max_debt_to_revenue * revenue - self.debt_usd_b)
        equity_room = EQUITY_SALE_SHARE * self.valuation_usd_b()
        return self.cash_usd_b + p.ambition * (equity_room + debt_room)

    def valuation_usd_b(self) -> float:
        """What the market thinks it is worth: the revenue multiple at the investors' mean
        sentiment, on revenue as they underwrite it (each investor's round prices it at its
        own sentiment, around this)."""
        p = self.model.p
        sentiment = self.model.investor_sentiment
        return p.equity_revenue_multiple * (0.5 + sentiment) * self.investable_revenue_usd_b()

    def uncovered_chip_need_gw(self) -> float:
        """Chips its campuses with a power date still need beyond what is already on order."""
        return self.chips_to_order_gw() - self.chips_on_order_gw()

    def chips_to_order_gw(self) -> float:
        """Chips its permitted campuses with a power date still need, and the refreshes due:
        take-or-pay chips for a campus with no power date would be paid for and lapse
        undelivered if the grid is slow, so they are ordered (and awaited) once its PPA is
        signed."""
        return fsum(
            pr.chips_needed_gw + self.refresh_due_gw(pr)
            for pr in self.projects
            if pr.ppa is not None
        )

    def refreshes_due_gw(self) -> float:
        """Chips its campuses will re-equip within the call lead time (the refreshes
        ``chips_to_order_gw`` orders): chips on order for them are not chips for its pipeline."""
        return fsum(self.refresh_due_gw(pr) for pr in self.projects if pr.ppa is not None)

    def refresh_due_gw(self, project: DataCenterProject) -> float:
        """Chips of a campus it will re-equip that reach the end of their life within the
        chip call lead time: operators order a refresh ahead, so the new accelerators can be
        called and swapped in the month the old ones retire (ordered only once they had
        retired, the campus stood dark for the months the deal and the deliveries took).
        Asked some 20,000 times a run, it first answers a campus without chips (nothing to
        refresh: its chips' life is open-ended)."""
        if project.chips_installed_gw == 0.0:
            return 0.0
        life_left = project.months_to_chips_end_of_life(
            self.model.month, self.model.p.it_equipment_life_months
        )
        if life_left > CHIP_CALL_LEAD_MONTHS or not self.wants_refresh(project):
            return 0.0
        return project.chips_installed_gw

    def chips_on_order_gw(self) -> float:
        """Chips its deals have still to deliver."""
        return fsum(c.undelivered_gw for c in self.model.contracts.of(self, ChipSupplyAgreement))

    def chips_in_reach_gw(self) -> float:
        """Chips for new campuses: what the vendors it would ask can still promise within the
        planning horizon after their backlogs, less what its pipeline needs beyond its orders.
        A campus no vendor can equip in that time would strand its building and its debt."""
        model = self.model
        months = model.p.planning_horizon_months
        free_gw = fsum(deliverable_within_gw(v, months) for v in model.vendors_asked)
        pipeline_gw = fsum(pr.chips_missing_gw for pr in self.projects if pr.status == PIPELINE)
        needed_gw = pipeline_gw + self.refreshes_due_gw()
        return free_gw - max(0.0, needed_gw - self.chips_on_order_gw())

    def chips_deliverable_gw(self, months: float) -> float:
        """Chips its deals will deliver within ``months``, as far as its vendors can make them:
        an order a vendor has no output for equips no campus a lender can count on. Each
        vendor is asked about all its deals with this lab at once (fsum is exact, so the
        grouping leaves the sum as it was)."""
        deals_by_vendor: dict = {}
        for c in self.model.contracts.of(self, ChipSupplyAgreement):
            deals_by_vendor.setdefault(c.payee, []).append(c)
        return fsum(
            gw
            for vendor, deals in deals_by_vendor.items()
            for gw in vendor.deliverable_each_gw(deals, months)
        )

    def chips_wanted_months(self) -> tuple[float, float]:
        """Months until its first and its last permitted campus needing chips can take them
        (those with a power date, the ones it orders for), or its chips due for a refresh
        retire: the delivery window it asks a vendor for."""
        month, life = self.model.month, self.model.p.it_equipment_life_months
        ready = [
            pr.months_until_ready(month) - CHIP_CALL_LEAD_MONTHS
            for pr in self.projects
            if pr.chips_needed_gw > 0 and pr.ppa is not None
        ]
        ready += [
            pr.months_to_chips_end_of_life(month, life)
            for pr in self.projects
            if pr.ppa is not None and self.refresh_due_gw(pr) > 0
        ]
        return (min(ready), max(ready)) if ready else (0.0, 0.0)

    def lease_need_gw(self) -> float:
        """Shortfall not already covered by leases signed but not yet delivering."""
        month = self.model.month
        pending = fsum(
            c.capacity_gw
            for c in self.model.contracts.of(self, CapacityLease, "payer")
            if c.start_month > month
        )
        return self.shortfall_gw() - pending

    # --- phase 4: build ---------------------------------------------------------------------
    def construct(self) -> None:
        """Pay this month's construction on permitted campuses, oldest first, while cash lasts."""
        if self.defaulted:
            return
        reserve = self.outflows_month_usd_b
        for pr in self.projects:
            if pr.status != PIPELINE or pr.permit != APPROVED or pr.built:
                pr.stalled_on_capital = False
                continue
            payment = pr.monthly_construction_usd_b
            pr.stalled_on_capital = self.cash_usd_b - reserve < payment
            if not pr.stalled_on_capital:
                self.model.ledger.transfer(self, "construction", payment, "campus construction")
                self.record_capex(payment, it=False)
                pr.build_months_done += 1

    def plan_chip_calls(self) -> None:
        """Call deliveries for permitted campuses, as much as it can pay for, oldest running deal
        first: a deal whose window has not opened cannot deliver this month, so a call on it
        would leave a ready campus dark while a deal delivering now goes uncalled."""
        self.chip_calls = {}
        if self.defaulted:
            return
        month = self.model.month
        wanted = fsum(
            pr.chips_needed_gw
            for pr in self.projects
            if pr.ready_for_chips(month, CHIP_CALL_LEAD_MONTHS)
        )
        budget = max(0.0, self.cash_usd_b - self.outflows_month_usd_b)
        for c in sorted(self.model.contracts.of(self, ChipSupplyAgreement), key=lambda c: c.id):
            if wanted <= 1e-9:
                break
            if not c.is_running(month):
                continue
            price = c.price_usd_b_per_gw
            affordable = c.prepaid_gw + (budget / price if price > 0 else wanted)
            call = min(wanted, c.undelivered_gw, affordable)
            self.chip_calls[c] = call
            wanted -= call
            budget -= max(0.0, call - c.prepaid_gw) * price

    def chip_months_ahead(self) -> float:
        """Months until the chips its permitted campuses with a power date (those it orders
        for) need arrive: at the recent delivery rate, or the contracted schedule's if faster;
        open-ended with nothing on order."""
        needed = self.chips_to_order_gw()
        if needed <= 1e-9:
            return 0.0
        month = self.model.month
        scheduled = fsum(
            c.scheduled_gw(month) for c in self.model.contracts.of(self, ChipSupplyAgreement)
        )
        rate = max(self.chip_delivery_rate_gw, scheduled)
        return needed / rate if rate > 1e-6 else OPEN_ENDED_MONTHS

    def chip_call_gw(self, agreement: ChipSupplyAgreement) -> float:
        return self.chip_calls.get(agreement, 0.0)

    def receive_chips(self, agreement: ChipSupplyAgreement, gw: float, efficiency: float) -> float:
        """Pay for delivered chips not already prepaid and install them in the oldest campuses
        that can take them; return what was billed."""
        cost = agreement.take_delivery(gw) * agreement.price_usd_b_per_gw
        self.owe(agreement.payee, cost, "chip purchase", agreement)
        self.chips_received_month_gw += gw
        self.record_capex(cost, it=True)
        self.chip_calls[agreement] = max(0.0, self.chip_calls.get(agreement, 0.0) - gw)
        month = self.model.month
        for pr in self.projects:
            if gw <= 1e-12:
                break
            ready = pr.ready_for_chips(month, CHIP_CALL_LEAD_MONTHS)
            take = min(gw, pr.chips_needed_gw) if ready else 0.0
            if take > 0:
                pr.install_chips(take, efficiency, month)
                gw -= take
        return cost

    def prepay_chips(self, agreement: ChipSupplyAgreement, amount_usd_b: float) -> None:
        """Pay take-or-pay for chips not called on pace: IT spending, delivered later."""
        self.owe(agreement.payee, amount_usd_b, "chip take-or-pay prepayment", agreement)
        self.record_capex(amount_usd_b, it=True)

    def record_capex(self, amount_usd_b: float, it: bool) -> None:
        self.capex_month_usd_b += amount_usd_b
        self.capex_cumulative_usd_b += amount_usd_b
        if it:
            self.it_assets_usd_b += amount_usd_b
        else:
            self.facility_assets_usd_b += amount_usd_b

    def retire_chips(self) -> None:
        """Chips at the end of their life retire, online or waiting, before the month's chip
        calls (so a refresh ordered ahead is swapped in this month, supply allowing); a campus
        whose capacity the lab no longer wants closes instead of waiting for a refresh, as
        does a defaulted lab's (its stranded capacity ages out, never refreshed)."""
        month, life = self.model.month, self.model.p.it_equipment_life_months
        for pr in list(self.projects):
            if pr.chips_installed_gw > 0 and month - pr.chips_installed_month >= life:
                pr.chips_installed_gw = 0.0  # a refresh is needed before it runs again
                if pr.status == ONLINE:
                    pr.status = PIPELINE
                if self.defaulted or not self.wants_refresh(pr):
                    self.retire(pr)

    def commission(self) -> None:
        """Campuses fully built, energised and equipped go online."""
        month = self.model.month
        for pr in self.projects:
            if (
                not self.defaulted
                and pr.status == PIPELINE
                and pr.built
                and pr.energised(month)
                and pr.chips_needed_gw <= 1e-9
            ):
                pr.status = ONLINE
                if pr.online_month is None:  # the incentive rewards the investment, not a refresh
                    pr.online_month = month
                    pr.government.pay_incentive(pr)
        self.refresh_capacity()

    def refresh_capacity(self) -> None:
        """Capacity and compute online, summed over its campuses (kept between commissions;
        a campus changing hands refreshes both labs' figures)."""
        month = self.model.month
        # a dark campus (half of them) adds an exact 0 to both sums: fsum is exact without it,
        # and its grid's supply share is not read
        online = [(gw, pr) for pr in self.projects if (gw := pr.capacity_online_gw(month)) > 0]
        self.capacity_online_gw = fsum(gw for gw, _ in online)
        self._own_compute_cu = fsum(
            gw * pr.efficiency_index * pr.supplied_share for gw, pr in online
        )

    # --- phase 5: operate -------------------------------------------------------------------
    def operate(self) -> None:
        """Earn revenue on the demand it can serve; pay opex, staff, power, leases, interest."""
        if self.defaulted:
            return
        model, p = self.model, self.model.p
        month = model.month
        self.serve()
        ledger = model.ledger
        ledger.transfer("end_customers", self, self.revenue_month_usd_b, "AI services revenue")
        if self.core_cash_flow_usd_b_per_year:
            ledger.transfer(
                "core_business",
                self,
                self.core_cash_flow_usd_b_per_year / 12,
                "core business cash flow",
            )
        outflows = 0.0
        outflows += self.owe(
            "fuel_and_operations",
            self.capacity_online_gw * p.opex_usd_b_per_gw_year / 12,
            "site opex",
        )
        outflows += self.owe(
            "staff_and_research",
            p.fixed_costs_usd_b_per_year_per_revenue * self.revenue_month_usd_b,
            "staff and research",
        )
        for pr in self.projects:
            ppa = pr.ppa
            if ppa is not None and ppa.is_running(month):
                supplied = pr.supplied_share
                load = pr.capacity_online_gw(month) * supplied
                bill = ppa.energy_cost_usd_b(load, supplied)
                outflows += self.owe(ppa.payee, bill, "power", ppa)
                if not is_on_site(ppa):  # its own plant's fuel is in its price
                    pr.utility.sell_power(pr.utility.energy_gwh(load, p.utilization), bill)
        for lease in model.contracts.of(self, CapacityLease, "payer"):
            if lease.is_running(month):
                outflows += self.owe(
                    lease.payee,
                    lease.delivered_gw * lease.price_usd_b_per_gw_year / 12,
                    "capacity lease",
                    lease,
                )
        outflows += self.service_loans()
        self.outflows_month_usd_b = outflows
        self.it_assets_usd_b *= 1.0 - 1.0 / p.it_equipment_life_months
        self.facility_assets_usd_b *= 1.0 - 1.0 / FACILITY_LIFE_MONTHS

    def serve(self) -> None:
        """Serve what demand its usable compute allows; the rest of its own capacity idles."""
        usable = self.usable_compute_cu()
        self.served_cu = min(self.demand_cu, usable)
        idle_cu = usable - self.served_cu
        own_free_gw = max(0.0, self.capacity_online_gw - self.leased_out_gw)
        efficiency = self.fleet_efficiency()
        if idle_cu <= 0:
            self.idle_gw = 0.0
        else:  # leased-in compute covers demand: all its own capacity idles if none has power
            self.idle_gw = min(idle_cu / efficiency, own_free_gw) if efficiency > 0 else own_free_gw
        self.revenue_month_usd_b = self.served_cu * self.model.revenue_per_cu_year() / 12.0

    @property
    def working_capacity_gw(self) -> float:
        """Own capacity online that works for it: none once it has defaulted (campuses its
        estate could not sell stand powered and equipped, but serve nobody)."""
        return 0.0 if self.defaulted else self.capacity_online_gw

    @property
    def stranded_gw(self) -> float:
        """Own capacity online with nothing to do: what idles for want of demand, or, once it
        has defaulted, all of it."""
        return self.capacity_online_gw if self.defaulted else self.idle_gw

    def wants_refresh(self, project: DataCenterProject) -> bool:
        """Re-equip a campus whose chips aged out unless the rest of its fleet already stands
        idle by as much: new chips for capacity demand leaves idle are money thrown away."""
        return self.idle_gw < project.size_gw

    def retire(self, project: DataCenterProject) -> None:
        """Close a campus: no refresh is bought, and its power contract ends early with an exit
        fee of the minimum charges of the notice period (the utility's exposure to it)."""
        month = self.model.month
        project.status = RETIRED
        self.projects.remove(project)
        ppa = project.ppa
        if ppa is not None and ppa.status == ACTIVE:
            self.owe(ppa.payee, ppa.remaining_value_usd_b(month), "power contract exit fee", ppa)
            self.model.contracts.close(ppa, "completed", month)
            project.release_grid(ppa)

    def cancel(self, project: DataCenterProject) -> None:
        """Give a campus up (its permit was refused): its power contract breaks, and it leaves
        the lab's own list (the model keeps every campus ever started)."""
        project.status = CANCELLED
        self.projects.remove(project)
        if project.ppa is not None and project.ppa.status == ACTIVE:
            self.model.contracts.close(project.ppa, BROKEN, self.model.month)
            project.release_grid(project.ppa)

    def withdraw(self) -> float:
        """In default: it earns nothing more, and campuses not yet online are cancelled and
        their power released (campuses online that its estate could not sell stay, stranded)."""
        self.revenue_month_usd_b = self.lease_income_month_usd_b = self.served_cu = 0.0
        self.funding_requested_usd_b = self.funding_gap_usd_b = 0.0  # it asks for nothing more
        cancelled = 0.0
        for pr in self.projects:
            if pr.status == PIPELINE:
                cancelled += pr.pipeline_gw(self.model.month)
                pr.status = CANCELLED
            if pr.ppa is not None and pr.ppa.status == BROKEN:
                pr.release_grid(pr.ppa)
        self.projects = [pr for pr in self.projects if pr.status != CANCELLED]
        return cancelled

    # --- distressed sales -------------------------------------------------------------------
    def bid_for(self, campus: DataCenterProject, value_usd_b: float) -> Bid:
        """A working campus is worth its value to a lab that is short of capacity now or was
        going to build as much anyway (pro rata to the part of it that lab needs), paid from
        cash not needed for this month's bills, as construction is."""
        gap_gw = max(self.shortfall_gw(), self.capacity_target_gw() - self.committed_gw())
        needed_share = min(1.0, max(0.0, gap_gw) / campus.size_gw)
        budget = max(0.0, self.cash_usd_b - self.outflows_month_usd_b)
        return Bid(self, value_usd_b * needed_share, budget)

    def hand_over(self, campus: DataCenterProject, value_usd_b: tuple[float, float]) -> None:
        """Its estate sold ``campus``: it leaves the lab's list, and its value (chips,
        building) its books."""
        self.projects.remove(campus)
        self.refresh_capacity()
        chips_usd_b, building_usd_b = value_usd_b
        self.it_assets_usd_b = max(0.0, self.it_assets_usd_b - chips_usd_b)
        self.facility_assets_usd_b = max(0.0, self.facility_assets_usd_b - building_usd_b)

    def take_over(self, campus: DataCenterProject, price_usd_b: float, chips_share: float) -> None:
        """It bought ``campus``: on its books at the price (not capex: nothing new was built)."""
        campus.owner = self
        self.projects.append(campus)
        self.refresh_capacity()
        self.it_assets_usd_b += price_usd_b * chips_share
        self.facility_assets_usd_b += price_usd_b * (1.0 - chips_share)

    def new_month(self) -> None:
        self.capex_month_usd_b = 0.0
        self.chip_delivery_rate_gw = (
            0.7 * self.chip_delivery_rate_gw + 0.3 * self.chips_received_month_gw
        )
        self.chips_received_month_gw = 0.0

    def balance_sheet_usd_b(self) -> float:
        return max(self.cash_usd_b, 0.0) + self.it_assets_usd_b + self.facility_assets_usd_b

    @property
    def pipeline_gw(self) -> float:
        month = self.model.month
        return fsum(pr.pipeline_gw(month) for pr in self.projects)
