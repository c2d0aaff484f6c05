"""BuildoutModel: the world, wiring the five kinds of agents and ordering the phases of a month.

Each step is one month. It opens (timeline events, the month's market readings), runs five
phases — capital (funding requests meet investors), contracts (labs plan campuses and negotiate
power and chips), permits (governments decide), build (construction, chip deliveries,
energisation, commissioning, then leases on the capacity online) and operate (revenue, bills,
distress and defaults, prices, opposition, sentiment) — and is recorded, everything through
``self.datacollector``. ``BuildoutModel.PHASES`` lists them in order."""

from __future__ import annotations

import math
import numbers
from collections import deque
from itertools import islice
from math import fsum
from operator import attrgetter
from types import SimpleNamespace
from typing import TypeVar

import mesa
import networkx as nx

from agents.chip_vendor import ChipVendor
from agents.government import Government
from agents.investor import Investor
from agents.lab import AILab
from agents.utility import GenerationKind, Utility
from environment.contagion import Cascade, propagate
from environment.contracts import (
    ACTIVE,
    ASSIGNED,
    BROKEN,
    MWH_PER_GW_YEAR,
    CapacityLease,
    ChipSupplyAgreement,
    ContractBook,
    EquityStake,
    Loan,
    PowerPurchaseAgreement,
    capital_recovery_factor,
)
from environment.ledger import Ledger
from environment.markets import capital
from environment.markets.assets import auction
from environment.markets.chips import deliverable_within_gw, negotiate_chip_supply, rank_vendors
from environment.markets.leasing import negotiate_lease
from environment.markets.power import (
    PPA_TERM_MONTHS,
    is_on_site,
    negotiate_onsite_ppa,
    negotiate_ppa,
    onsite_room_gw,
    own_plant_pays,
    renew_ppa,
)
from environment.network import (
    circular_financing,
    circulating_usd_b,
    contract_network,
    degree_centrality,
    exposures,
    hhi,
    largest_exposure_share,
)
from environment.parameters import defaults, validate
from environment.projects import (
    APPROVED,
    FACILITY_LIFE_MONTHS,
    GATES,
    ONLINE,
    OPEN_ENDED_MONTHS,
    PIPELINE,
    DataCenterProject,
)
from environment.scenario import (
    check_parameter_changes,
    load_scenario,
    month_index,
    month_label,
    place_events,
)

#: A creditor whose write-offs exceed this share of its buffer is in distress for a year
#: (assumption).
DISTRESS_LOSS_SHARE = 0.5
#: Share of its lifetime revenue a lab will spend on the accelerators that earn it (assumption).
IT_SPEND_SHARE_OF_REVENUE = 0.6
#: World GDP in 2025, USD bn (IMF World Economic Outlook, October 2025: ~$117 trn), and its
#: real growth (IMF WEO: ~3 %/yr over the medium term); the model's prices carry no inflation.
WORLD_GDP_2025_USD_B = 117_000.0
WORLD_GDP_BASE_DATE = "2025-01"
WORLD_GDP_GROWTH_PER_YEAR = 0.03
#: The cost of equity a whole market is valued at, as a perpetuity growing with world GDP
#: (assumption: ~10 %, the long-run nominal return of US equities; against real GDP growth
#: this keeps the bound at ~14x the ceiling where a real ~7 % would allow ~25x: the cautious
#: side for a bound).
MARKET_COST_OF_EQUITY = 0.10

MODEL_COLUMNS = (
    "date",
    "capacity_online_gw",
    "focal_capacity_online_gw",
    "pipeline_gw",
    "capex_cumulative_usd_b",
    "lab_cash_usd_b",
    "lab_debt_usd_b",
    "lab_revenue_annual_usd_b",
    "funding_gap_usd_b",
    "chip_price_usd_b_per_gw",
    "power_price_usd_mwh",
    "grid_reserve_margin",
    "tightest_reserve_margin",
    "load_shed_gw",
    "investor_sentiment",
    "permits_pending",
    "permits_denied_cumulative",
    "defaults_cumulative",
    "stranded_gw",
    *(f"bottleneck_{gate}_gw" for gate in GATES),
    "circular_financing_usd_b",
    "largest_exposure_share",
    "capacity_hhi",
    "chip_supply_hhi",
    "focal_centrality",
    "cascade_losses_cumulative_usd_b",
    "campuses_sold_cumulative_gw",
    "demand_transferred_cumulative_cu",
    "demand_lost_cumulative_cu",
    "agents_in_distress",
    "ai_spend_share_of_ceiling",
)
#: The agents table: column -> agent attribute. Capacity columns carry ``own_`` so they never
#: collide with the world totals of the model table (``mesa.batch_run`` merges the two).
AGENT_REPORTERS = {
    "name": "name",
    "kind": "kind",
    "cash_usd_b": "cash_usd_b",
    "debt_usd_b": "debt_usd_b",
    "own_capacity_online_gw": "working_capacity_gw",
    "own_stranded_gw": "stranded_gw",
    "own_pipeline_gw": "pipeline_gw",
    "revenue_annual_usd_b": "revenue_annual_usd_b",
    "losses_usd_b": "losses_usd_b",
    "in_distress": "in_distress",
    "defaulted": "defaulted",
}
AGENT_COLUMNS = tuple(AGENT_REPORTERS)

Lab = TypeVar("Lab")


def divert_demand(
    demand_cu: float, survivors_cu: dict[Lab, float], switch_share: float
) -> tuple[dict[Lab, float], float]:
    """Where a defaulted lab's customers go: ``switch_share`` of its demand moves to the
    surviving labs in proportion to their demand, the rest leaves the market. Returns what
    each survivor gains and the demand lost.

    The key is demand, not capacity: customers pick among the products left as they already
    do (diversion in proportion to market share), and a hyperscaler's capacity is largely
    built to lease to other labs, so keying on it would hand a chat app's users to its
    landlord and nothing to a lab that runs on leased compute. Rivals short of compute then
    lease what the default left idle. Survivors with no demand at all share it equally; with
    no survivor it is all lost."""
    if not survivors_cu:
        return {}, demand_cu
    moved_cu = switch_share * demand_cu
    total_cu = fsum(survivors_cu.values())
    if total_cu > 0:
        gains = {lab: moved_cu * cu / total_cu for lab, cu in survivors_cu.items()}
    else:
        gains = dict.fromkeys(survivors_cu, moved_cu / len(survivors_cu))
    return gains, demand_cu - moved_cu


class BuildoutModel(mesa.Model):
    """The AI-infrastructure build-out, one month a step.

    ``BuildoutModel(scenario="baseline", seed=None, **overrides)``: every world parameter of
    ``environment.parameters.PARAMETERS`` can be overridden by keyword; an unknown name or an
    out-of-range value raises ValueError naming it and its allowed range. ``rng`` is accepted
    as an alias of ``seed`` so that ``mesa.batch_run`` can pass ``"rng": range(n)``.
    ``record_agents=False`` skips the agents table (sweeps that read only the model table run
    about a tenth faster).
    """

    def __init__(
        self,
        scenario: str = "baseline",
        seed: int | None = None,
        rng: int | None = None,
        record_agents: bool = True,
        **overrides,
    ) -> None:
        overrides = validate(overrides)  # before any work: bad input fails fast
        spec = load_scenario(scenario)
        if seed is not None and rng is not None and seed != rng:
            raise ValueError(f"seed = {seed!r} and rng = {rng!r} disagree: give one of them")
        seed = seed if seed is not None else rng
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
        ):
            raise ValueError(f"seed = {seed!r} is invalid: allowed an integer >= 0 (or None)")
        super().__init__(rng=seed)
        self.scenario_name = spec["name"]  # (Mesa 3.5 models own a `scenario` attribute)
        self.p = SimpleNamespace(**validate({**defaults(), **spec["parameters"], **overrides}))
        self.month = 0
        self.ledger = Ledger()
        self.contracts = ContractBook()
        self.projects: list[DataCenterProject] = []
        self.defaults_cumulative = 0
        self.cascades: list[Cascade] = []
        self.cascade_losses_cumulative_usd_b = 0.0
        self.campuses_sold_cumulative_gw = 0.0  # defaulted labs' campuses rivals bought
        self.demand_transferred_cumulative_cu = 0.0  # defaulted labs' demand rivals took over
        self.demand_lost_cumulative_cu = 0.0  # the rest of it, gone from the market
        self.investor_sentiment = self.p.sentiment_initial
        self.chip_price_usd_b_per_gw = 0.0
        self.running = True
        self.events: list[dict] = []  # what happened, dated: scheduled events and cascades
        self._months_from_gdp_base = month_index(WORLD_GDP_BASE_DATE, self.p.start_date)
        self._build_world(spec)
        self.timeline, outside = place_events(
            spec["events"], self.p.start_date, self.p.horizon_months
        )
        for event in outside:
            kind = "event_before_start" if event["month"] < 1 else "event_after_horizon"
            self.log_event(kind, f"{event['kind']} dated {event['date']}")
        if self.p.efficiency_shock_month > self.p.horizon_months:
            self.log_event(
                "event_after_horizon",
                f"efficiency_shock_month {self.p.efficiency_shock_month} is after the horizon "
                f"({self.p.horizon_months} months)",
            )
        self._check_timeline(outside)
        self.initial_capacity_gw = {
            lab.name: lab.capacity_online_gw + lab.leased_in_gw for lab in self.labs
        }
        self._capacity_log = {
            lab.name: deque([lab.capacity_online_gw], maxlen=13) for lab in self.labs
        }
        self._revenue_log: deque[float] = deque(maxlen=13)
        self._growth_factors: dict[float, list[float]] = {}  # see _monthly_growth_factors
        self._growth_factors_key: tuple = ()
        self.read_markets()
        self.datacollector = mesa.DataCollector(
            model_reporters={c: c for c in MODEL_COLUMNS},
            # Attribute readers in C: Mesa wraps an attribute name in a Python function, called
            # for every agent and column every month. A lab's pipeline is a scan of its
            # campuses: read the one _record took this month.
            agent_reporters={
                **{column: attrgetter(attribute) for column, attribute in AGENT_REPORTERS.items()},
                "own_pipeline_gw": self._recorded_pipeline_gw,
            }
            if record_agents
            else {},
        )
        self.record_phase()

    def _check_timeline(self, outside: list[dict]) -> None:
        """Fail before the run, not in an event's month: the jurisdictions events name exist
        (even in events outside this run's dates: a misspelt name is a mistake in any run),
        entrants bring new names (losses are booked by name) and no second focal lab, and each
        parameter change keeps the parameters consistent with those in force at its date."""
        check_parameter_changes(vars(self.p), self.timeline)
        for event in self.timeline + outside:
            if event.get("jurisdiction", "*") != "*":
                where = f"event {event['kind']} on {event['date']}"
                self.agent_named(event["jurisdiction"], Government, where)
        names = set(self._by_name)
        for event in self.timeline:
            where = f"event {event['kind']} on {event['date']}"
            if "agent" in event:
                name = event["agent"]["name"]
                if name in names:
                    raise ValueError(f"{where}: agent name {name!r} is taken (names are unique)")
                names.add(name)
                if event["agent"].get("focal"):
                    raise ValueError(f"{where}: an entrant cannot be the focal lab")

    # --- building the world from a scenario -------------------------------------------------
    def _build_world(self, spec: dict) -> None:
        kinds = [GenerationKind(**k) for k in spec["generation_kinds"]]
        start = self.p.start_date
        self.governments: list[Government] = []
        for j in spec["jurisdictions"]:
            until = month_index(start, j["moratorium_until"]) if j["moratorium_until"] else 0
            gov = Government(
                self,
                j["name"],
                j["policy_stance"],
                j["incentive_share"],
                j["opposition"],
                moratorium_until_month=until,
            )
            gov.utility = Utility(
                self,
                j["utility"],
                j["utility_cash_usd_b"],
                j["peak_load_gw"],
                j["headroom_gw"],
                j["target_reserve_margin"],
                j["interconnection_delay_months"],
                j["power_price_usd_mwh"],
                j["marginal_cost_share"],
                j["max_new_generation_gw_per_year"],
                kinds,
            )
            self.governments.append(gov)
        self.labs, self.vendors, self.investors = [], [], []
        for row in spec["labs"]:
            self.add_lab(row)
        for row in spec["vendors"]:
            self.add_vendor(row)
        for row in spec["investors"]:
            self.add_investor(row)
        self.utilities = [g.utility for g in self.governments]
        if not self.governments:
            raise ValueError(
                f"scenario {spec['name']!r}: a world needs at least one jurisdiction (give one "
                "headroom_gw = 0 and max_new_generation_gw_per_year = 0 to model a grid that "
                "takes no new load)"
            )
        if not self.vendors:
            raise ValueError(
                f"scenario {spec['name']!r}: a world needs at least one chip vendor (give one "
                "production_gw_per_year = 0 to model a world where no chips are made)"
            )
        focal = [lab for lab in self.labs if lab.focal]
        if len(focal) != 1:
            raise ValueError(f"scenario {spec['name']!r}: exactly one lab must have focal = true")
        self.focal_lab = focal[0]
        self._by_name = {a.name: a for a in self.agents}
        if len(self._by_name) != len(self.agents):
            raise ValueError(f"scenario {spec['name']!r}: agent names must be unique")
        for row in spec["projects"]:
            self._initial_project(row)
        for row in spec["contracts"]:
            self._initial_contract(row)
        for utility in self.utilities:
            utility.connect(month=0)  # energise PPAs dated at or before the start
        for lab in self.labs:
            lab.commission()
        self._deliver_leases()
        self.read_prices()
        self._cap_demand()
        for lab in self.labs:
            lab.serve()
        self.rank_chip_vendors()

    def add_lab(self, row: dict) -> AILab:
        start = self.p.start_date
        target = row["announced_target_date"]
        lab = AILab(
            self,
            row["name"],
            row["cash_usd_b"],
            row["demand_gw"],
            focal=row["focal"],
            announced_target_gw=row["announced_target_gw"],
            announced_target_month=month_index(start, target) if target else 0,
            core_cash_flow_usd_b_per_year=row["core_cash_flow_usd_b_per_year"],
            demand_growth_scale=row["demand_growth_scale"],
            max_cost_of_capital=row["max_cost_of_capital"],
        )
        self.labs.append(lab)
        return lab

    def add_vendor(self, row: dict) -> ChipVendor:
        vendor = ChipVendor(self, **row)
        self.vendors.append(vendor)
        return vendor

    def add_investor(self, row: dict) -> Investor:
        investor = Investor(self, **row)
        self.investors.append(investor)
        return investor

    def agent_named(self, name: str, kind: type, where: str):
        agent = self._by_name.get(name)
        if not isinstance(agent, kind):
            raise ValueError(f"{where}: no {kind.kind} named {name!r}")
        return agent

    def _initial_project(self, row: dict) -> None:
        where = f"scenario project at {row['jurisdiction']}"
        lab = self.agent_named(row["owner"], AILab, where)
        gov = self.agent_named(row["jurisdiction"], Government, where)
        pr = self.start_project(
            lab, gov, row["size_gw"], apply_for_permit=row["stage"] == "permitting"
        )
        if row["stage"] == "permitting":
            return
        pr.permit = APPROVED
        pr.build_months_done = (
            pr.build_months if row["stage"] == "online" else row["build_months_done"]
        )
        energise = month_index(self.p.start_date, row["energised"]) if row["energised"] else 0
        if row["stage"] == "online" and energise > 0:
            raise ValueError(
                f"{where}: an online campus is energised at the start, but energised = "
                f"{row['energised']!r} comes after the start date {self.p.start_date}; give it "
                "stage 'building' to have it connect later"
            )
        # A campus energised so long before the start that its PPA would have lapsed is taken
        # to have renewed it: it starts the run with a fresh term in force.
        start = energise if energise + PPA_TERM_MONTHS > 0 else 0
        price = row["ppa_price_usd_mwh"] or gov.utility.power_price_usd_mwh()
        pr.ppa = self.contracts.sign(
            PowerPurchaseAgreement(
                payer=lab,
                payee=gov.utility,
                signed_month=min(0, start),
                start_month=start,
                end_month=start + PPA_TERM_MONTHS,
                capacity_gw=pr.size_gw,
                price_usd_mwh=price,
                minimum_take_share=self.p.ppa_minimum_take_share,
                utilization=self.p.utilization,
            )
        )
        gov.utility.sign(pr.ppa)  # reserved until energised (at the start, or later)
        if row["stage"] == "online":
            pr.install_chips(pr.size_gw, row["efficiency_index"], -row["chips_age_months"])
            pr.status = ONLINE
            pr.online_month = 0

    def _initial_contract(self, row: dict) -> None:
        where = f"scenario {row['kind']} contract {row['seller']}->{row['buyer']}"
        buyer = self.agent_named(row["buyer"], AILab, where)
        start = month_index(self.p.start_date, row["start"])
        end = month_index(self.p.start_date, row["end"]) + 1  # `end` is the last month covered
        if end <= start:
            raise ValueError(
                f"{where}: end {row['end']} (the last month covered) must not come before "
                f"start {row['start']}"
            )
        if end <= 0:  # over before the world starts (a later start_date): history, not loaded
            self.log_event("contract_before_start", f"{where} ended {row['end']}")
            return
        signed = min(0, start)
        if row["kind"] == "lease":
            seller = self.agent_named(row["seller"], AILab, where)
            if seller is buyer:
                raise ValueError(f"{where}: a lab cannot lease capacity to itself")
            self.contracts.sign(
                CapacityLease(
                    payer=buyer,
                    payee=seller,
                    signed_month=signed,
                    start_month=start,
                    end_month=end,
                    capacity_gw=row["volume_gw"],
                    price_usd_b_per_gw_year=row["price"],
                )
            )
        else:
            vendor = self.agent_named(row["seller"], ChipVendor, where)
            self.contracts.sign(
                ChipSupplyAgreement(
                    payer=buyer,
                    payee=vendor,
                    signed_month=signed,
                    start_month=start,
                    end_month=end,
                    volume_gw=row["volume_gw"],
                    price_usd_b_per_gw=row["price"] or vendor.price_usd_b_per_gw,
                    take_or_pay_share=row["take_or_pay_share"],
                    unit_cost_usd_b_per_gw=vendor.unit_cost_usd_b_per_gw,
                )
            )

    # --- the month --------------------------------------------------------------------------
    #: The phases of a month, in order (methods of the model; ``benchmarks`` times each).
    PHASES = (
        "open_month",
        "capital_phase",
        "contracts_phase",
        "permits_phase",
        "build_phase",
        "operate_phase",
        "record_phase",
    )

    def step(self) -> None:
        self.month += 1
        for phase in self.PHASES:
            getattr(self, phase)()
        if self.month >= self.p.horizon_months:
            self.running = False

    def open_month(self) -> None:
        """Timeline events and shocks land (an entrant's demand, a lower spending ceiling);
        everyone reads the month's markets."""
        self._apply_shocks()
        self.read_prices()
        self._cap_demand()
        self.read_markets()
        for lab in self.labs:
            lab.new_month()

    def capital_phase(self) -> None:
        """Labs and utilities short of runway raise equity and debt."""
        self.capital_round(self.labs + self.utilities)

    def contracts_phase(self) -> None:
        """Labs plan campuses, then power and chips are negotiated (leases once the build has
        commissioned this month's campuses)."""
        self.rank_chip_vendors()
        self.agents_by_type[AILab].shuffle_do("plan_capacity")
        self._negotiate_power()
        self._negotiate_chips()

    def permits_phase(self) -> None:
        for gov in self.governments:
            gov.decide_permits()

    def build_phase(self) -> None:
        """Plants and campuses are built, aged chips retired, chips delivered (refreshes ordered
        ahead are swapped in the month the old chips retire), load connected, campuses
        commissioned; then leases are negotiated on the capacity online this month, so a campus
        commissioned when its lab's demand is already served is offered at once, and a lab
        short after its chips retired leases at once, where neither waited a month."""
        for utility in self.utilities:
            utility.build()
        for lab in self.labs:
            lab.construct()
            lab.retire_chips()
            lab.plan_chip_calls()
        self.agents_by_type[ChipVendor].shuffle_do("deliver")
        for utility in self.utilities:
            utility.connect_and_grow()
        for lab in self.labs:
            lab.commission()
        self._negotiate_leases()

    def operate_phase(self) -> None:
        """Capacity earns and bills are paid; the unpaid default; prices, opposition and
        sentiment respond."""
        self._deliver_leases()
        for investor in self.investors:
            investor.receive_inflows()
        for lab in self.labs:
            if not lab.defaulted:
                lab.grow_demand()
        self._cap_demand()
        self.agents_by_type[AILab].shuffle_do("operate")
        self._close_completed_leases()
        for utility in self.utilities:
            utility.operate()
        self._resolve_distress()
        for vendor in self.vendors:
            vendor.adjust()
        for gov in self.governments:
            gov.update_opposition()
        self._update_sentiment()

    def record_phase(self) -> None:
        self._record()
        self.datacollector.collect(self)

    def run(self, months: int | None = None) -> None:
        """Step ``months`` times, or to the horizon when not given."""
        steps = self.p.horizon_months - self.month if months is None else months
        for _ in range(steps):
            self.step()

    # --- world-level quantities agents read -------------------------------------------------
    def demand_growth_rate(self, month: int | None = None) -> float:
        """Yearly growth of compute demand: the trend, decaying with its half-life, but never
        below the growth at which cheaper compute finds new use (its price elasticity, on the
        price's fall over the coming year as this month reads it, ``price_decline_per_year``).
        ``_monthly_growth_factors`` keeps its results keyed by the figures read here."""
        p = self.p
        years = (self.month if month is None else month) / 12.0
        trend = p.demand_growth_per_year * 0.5 ** (years / p.demand_growth_halflife_years)
        floor = (1.0 - self.price_decline_per_year) ** -p.compute_demand_price_elasticity
        return max(trend, floor - 1.0)

    def demand_growth_factor(self, months_ahead: int, scale: float = 1.0) -> float:
        """How much demand grows over the next ``months_ahead`` months on the current trend
        (the product of the monthly factors ahead, the same for every lab with the same
        growth scale)."""
        start = self.month + 1
        factors = self._monthly_growth_factors(scale, start + months_ahead)
        return math.prod(factors[start : start + months_ahead])

    def _monthly_growth_factors(self, scale: float, months: int) -> list[float]:
        """Demand's growth factor in each month of the run (indexed by month, at least
        ``months`` of them) for a lab with growth scale ``scale``.

        Labs look years ahead every month, so the factors are kept from month to month rather
        than recomputed. They depend only on the month, ``scale`` and the four figures
        ``demand_growth_rate`` reads; those four are the key the lists are kept under, so a
        parameter changed mid-run (a ``set_parameter`` event) or a new fall in the price starts
        new lists and a kept one is never stale. (Reading another figure there means adding it
        to the key.)"""
        p = self.p
        key = (
            p.demand_growth_per_year,
            p.demand_growth_halflife_years,
            self.price_decline_per_year,
            p.compute_demand_price_elasticity,
        )
        if key != self._growth_factors_key:
            self._growth_factors_key = key
            self._growth_factors = {}
        factors = self._growth_factors.setdefault(scale, [])
        while len(factors) < months:
            factors.append((1.0 + scale * self.demand_growth_rate(len(factors))) ** (1 / 12))
        return factors

    def revenue_per_cu_year(self, months_ahead: int = 0) -> float:
        """What a unit of compute sells for over a year, now or ``months_ahead`` from now: its
        price falls on its own trend, but never above what competition lets it reach."""
        return min(
            self._trend_price_per_cu_year(months_ahead),
            self.compute_price_ceiling_per_cu_year(months_ahead),
        )

    def _trend_price_per_cu_year(self, months_ahead: int = 0) -> float:
        p = self.p
        years = (self.month + months_ahead) / 12.0
        return p.revenue_per_gw_year_usd_b * (1.0 - p.compute_price_decline_per_year) ** years

    def _price_decline_from_prices_per_year(self) -> float:
        """``price_decline_per_year``: the trend's rate where the ceiling is slack now and a
        year ahead, the ceiling's (the best chips' efficiency gain) where it binds at both, and
        the fall between the two prices where it starts to bind within the year."""
        binds = [
            self.compute_price_ceiling_per_cu_year(m) < self._trend_price_per_cu_year(m)
            for m in (0, 12)
        ]
        if not any(binds):
            return self.p.compute_price_decline_per_year
        if all(binds):
            return 1.0 - 1.0 / (1.0 + self.p.perf_per_watt_gain_per_year)
        return 1.0 - self.revenue_per_cu_year(12) / self.revenue_per_cu_year()

    def compute_price_ceiling_per_cu_year(self, months_ahead: int = 0) -> float:
        """The most a unit of compute can sell for over a year, now or ``months_ahead`` from
        now. Anyone (a hyperscaler, a neocloud, a rival lab) can build a GW on the best chips
        on sale and sell its compute, so rents beyond ``compute_max_markup`` over the price at
        which that GW just recovers its full cost are competed away (free entry). Without it
        the price would fall at its own rate whatever chips gain in efficiency, and a GW of
        ever better chips would earn without bound.

        Full cost is a GW-year's capital (chips over their life, the building over its own,
        recovered at the market's cost of equity: the cautious side, as a cheaper-funded
        entrant would price lower), site opex and energy at today's power price. Where the
        ceiling binds, the price falls as fast as chips improve, so the GW's chips earn less
        every year while its costs do not: the first year's price must also cover that
        obsolescence over the chips' life (the user cost of capital). Divided by the compute
        the best chips then give (today's, improving at the efficiency trend over
        ``months_ahead``). It reads the capex parameter, not the vendors' prices, which are
        themselves capped by what the compute earns. Worked out once a month (``read_prices``),
        as prices are read thousands of times a month."""
        gain = 1.0 + self.p.perf_per_watt_gain_per_year
        return self._price_ceiling_per_cu_year / gain ** (months_ahead / 12.0)

    def _price_ceiling_from_costs_per_cu_year(self) -> float:
        """``compute_price_ceiling_per_cu_year`` now, from this month's best chips and power."""
        p = self.p
        rate = MARKET_COST_OF_EQUITY
        chip_life_years = p.it_equipment_life_months / 12.0
        facility_usd_b = p.capex_per_gw_usd_b - p.capex_per_gw_usd_b * p.it_share_of_capex
        capital_usd_b_per_gw_year = self.chips_capital_usd_b_per_gw_year() + (
            facility_usd_b * capital_recovery_factor(rate, FACILITY_LIFE_MONTHS / 12.0)
        )
        cost_usd_b_per_gw_year = (
            capital_usd_b_per_gw_year
            + p.opex_usd_b_per_gw_year
            + self.energy_cost_usd_b_per_gw_year()
        )
        gain = 1.0 + p.perf_per_watt_gain_per_year
        # level costs met by earnings falling at the efficiency gain: the annuity at the rate
        # that also discounts that fall, over the plain one (1 when chips stop improving)
        obsolescence = capital_recovery_factor(
            (1.0 + rate) * gain - 1.0, chip_life_years
        ) / capital_recovery_factor(rate, chip_life_years)
        efficiency = self.best_efficiency_index
        return (1.0 + p.compute_max_markup) * obsolescence * cost_usd_b_per_gw_year / efficiency

    def chips_capital_usd_b_per_gw_year(self) -> float:
        """A GW's chips (the capex parameter's IT share) recovered over their life at the
        market's cost of equity."""
        p = self.p
        return (p.capex_per_gw_usd_b * p.it_share_of_capex) * capital_recovery_factor(
            MARKET_COST_OF_EQUITY, p.it_equipment_life_months / 12.0
        )

    def running_margin_usd_b_per_gw_month(self) -> float:
        """What a GW of the best chips on sale adds in a month once it runs: its compute's
        revenue less site opex, energy and its chips' capital (power sooner means chips bought
        sooner; the building is paid for either way). What a month sooner of power is worth."""
        p = self.p
        revenue_usd_b = self.revenue_per_cu_year() * self.best_efficiency_index
        costs_usd_b = (
            p.opex_usd_b_per_gw_year
            + self.energy_cost_usd_b_per_gw_year()
            + self.chips_capital_usd_b_per_gw_year()
        )
        return (revenue_usd_b - costs_usd_b) / 12.0

    def energy_cost_usd_b_per_gw_year(self) -> float:
        """A running GW's energy bill for a year at this month's average power price."""
        return self.p.utilization * MWH_PER_GW_YEAR * self.power_price_now_usd_mwh * 1e-9

    def ai_spend_ceiling_usd_b(self, months_ahead: int = 0) -> float:
        """The most all labs' customers can spend on AI services in a year: a share of world
        GDP, which grows from its 2025 level."""
        years = (self._months_from_gdp_base + self.month + months_ahead) / 12.0
        world_gdp_usd_b = WORLD_GDP_2025_USD_B * (1.0 + WORLD_GDP_GROWTH_PER_YEAR) ** years
        return self.p.ai_spend_max_share_of_gdp * world_gdp_usd_b

    def demand_ceiling_cu(self, months_ahead: int = 0) -> float:
        """That spending in compute units at the price then (unbounded if compute is free)."""
        price = self.revenue_per_cu_year(months_ahead)
        return self.ai_spend_ceiling_usd_b(months_ahead) / price if price > 0 else math.inf

    def _cap_demand(self) -> None:
        """Demand saturates: all live labs' demand, valued at the going price, never exceeds the
        spending ceiling; where it would, every lab's demand is cut in proportion."""
        live = [lab for lab in self.labs if not lab.defaulted]
        total_cu = fsum(lab.demand_cu for lab in live)
        ceiling_cu = self.demand_ceiling_cu()
        if total_cu > ceiling_cu:
            for lab in live:
                lab.demand_cu *= ceiling_cu / total_cu

    def max_equity_value_usd_b(self) -> float:
        """No company is worth more than the whole AI market: its customers' spending ceiling,
        growing with world GDP for ever, discounted at the market's cost of equity, at a 100 %
        margin (a bound on any round's price, not a valuation)."""
        discount_gap = MARKET_COST_OF_EQUITY - WORLD_GDP_GROWTH_PER_YEAR
        return self.ai_spend_ceiling_usd_b() / discount_gap

    def chip_value_usd_b_per_gw(self, efficiency_index: float) -> float:
        """The most a lab pays for chips of ``efficiency_index``: a share of what they earn
        over their life (the same for every lab, so vendors can read it too)."""
        life_years = self.p.it_equipment_life_months / 12.0
        lifetime_revenue = self.revenue_per_cu_year() * efficiency_index * life_years
        return IT_SPEND_SHARE_OF_REVENUE * lifetime_revenue

    def read_markets(self) -> None:
        """What every agent sees at the start of a month once demand is capped: the world's
        demand and each lab's capacity growth over the last year (read once, so that the many
        agents asking stay cheap: every lab reads the sum of all labs' growth)."""
        self.demand_cu_at_open = fsum(lab.demand_cu for lab in self.labs if not lab.defaulted)
        self._lab_growth = {}
        for lab in self.labs:
            log = self._capacity_log.get(lab.name)
            if not lab.defaulted and log:
                self._lab_growth[lab] = log[-1] / log[0] - 1.0 if log[0] > 0 else 0.0
        self._lab_growth_total = fsum(self._lab_growth.values())

    def read_prices(self) -> None:
        """The best chips on sale and the average power price, and the price of compute's
        ceiling they set: read after the month's shocks, before demand is capped at the
        month's price."""
        self.best_efficiency_index = max((v.efficiency_index for v in self.vendors), default=1.0)
        self.power_price_now_usd_mwh = self.average_power_price_usd_mwh()
        self._price_ceiling_per_cu_year = self._price_ceiling_from_costs_per_cu_year()
        self.price_decline_per_year = self._price_decline_from_prices_per_year()

    def best_efficiency(self) -> float:
        return self.best_efficiency_index

    def average_power_price_usd_mwh(self) -> float:
        load = fsum(u.load_gw for u in self.utilities)
        if load <= 0:
            return 0.0
        return fsum(u.power_price_usd_mwh() * u.load_gw for u in self.utilities) / load

    def rival_growth(self, lab: AILab) -> float:
        """How much faster rivals' capacity grew over the last year than this lab's."""
        growth = self._lab_growth
        others = len(growth) - (lab in growth)
        if others <= 0:
            return 0.0
        own = growth.get(lab, 0.0)
        return (self._lab_growth_total - (own if lab in growth else 0.0)) / others - own

    # --- contracts phase --------------------------------------------------------------------
    def choose_site(self, lab: AILab, size_gw: float) -> Government | None:
        """The jurisdiction a lab builds in: likely and fast permits, early power, cheap energy.

        Each lab sees sites a little differently (lognormal noise from the model's RNG). A site
        with no power in sight scores low but not zero: labs still stake claims there. Sites
        under a moratorium, or whose utility has defaulted, are passed over.
        """
        best, best_score = None, 0.0
        for gov in self.sample(self.governments):
            if gov.moratorium or gov.utility.defaulted:
                continue
            energise = gov.utility.quote_energisation_month(size_gw)
            power_wait = OPEN_ENDED_MONTHS if energise is None else energise - self.month
            wait = power_wait + gov.expected_review_months()
            price_factor = gov.utility.base_power_price_usd_mwh / gov.utility.power_price_usd_mwh()
            score = (
                (0.05 + gov.approval_probability())
                * (1 + gov.incentive_share)
                * price_factor
                / (1.0 + wait / 24.0)
                * math.exp(0.1 * self.rng.normal())
            )
            if score > best_score:
                best, best_score = gov, score
        return best

    def rank_chip_vendors(self) -> None:
        """The chip vendors a buyer asks this month (``vendors_asked``): the first
        ``market_sample_size`` of the ranking, read once as the contracts phase opens. Labs
        plan and power is negotiated before any chip deal is signed, so planners and the chip
        market see the same ranking; ranking hundreds of vendors for every lab that plans
        cost a large world 5 % of its run."""
        self.vendors_asked = self.sample_top(rank_vendors(self.vendors), exclude=None)

    def sample_top(self, ranked: list, exclude) -> list:
        """The first ``market_sample_size`` of a ranking, leaving out the one asking (read
        only as far as needed: every lab asks, and a large world ranks hundreds of lessors)."""
        wanted = (a for a in ranked if a is not exclude)
        return list(islice(wanted, self.p.market_sample_size))

    def sample(self, agents: list) -> list:
        """The counterparties an agent considers in one search: all of them, or a random
        ``market_sample_size`` of them in a large world (in their original order)."""
        k = self.p.market_sample_size
        if len(agents) <= k:
            return agents
        picked = sorted(self.random.sample(range(len(agents)), k))
        return [agents[i] for i in picked]

    def start_project(
        self, lab: AILab, gov: Government, size_gw: float, apply_for_permit: bool = True
    ) -> DataCenterProject:
        p = self.p
        pr = DataCenterProject(
            owner=lab,
            government=gov,
            size_gw=size_gw,
            started_month=self.month,
            build_months=p.build_months,
            capex_per_gw_usd_b=p.capex_per_gw_usd_b,
            facility_cost_share=1.0 - p.it_share_of_capex,
        )
        pr.id = len(self.projects)
        self.projects.append(pr)
        lab.projects.append(pr)
        if apply_for_permit:
            gov.apply(pr)
        return pr

    def _negotiate_power(self) -> None:
        """New campuses negotiate a PPA with the grid and contract a plant of their own
        instead when the grid offers none or its date is so far off that the plant pays
        (``_own_plant_pays``); campuses whose PPA ends this month renew it (with the same
        supplier) or, if the prices no longer overlap, lose power and queue again."""
        p = self.p
        room_gw = None  # on-site plants still to be had: read when a campus first asks
        for pr in self.projects:
            ppa = pr.ppa
            if ppa is not None and ppa.end_month == self.month and ppa.status == ACTIVE:
                self.contracts.close(ppa, "completed", self.month)
                if pr.owner.defaulted:
                    renewal = None
                elif is_on_site(ppa):
                    renewal = negotiate_onsite_ppa(
                        pr.owner,
                        ppa.capacity_gw,
                        self.month,
                        p.onsite_power_cost_usd_mwh,
                        p.onsite_power_lead_months,
                        p.ppa_minimum_take_share,
                        ppa.utilization,
                        p.max_power_wait_months,
                        room_gw=0.0,  # a renewal needs no new plant
                        renewal=True,
                    )
                else:
                    renewal = renew_ppa(
                        pr.owner, pr.utility, ppa, self.month, p.ppa_minimum_take_share
                    )
                if renewal is None:
                    pr.release_grid(ppa)
                    pr.ppa = None
                    if pr.status == ONLINE:
                        pr.status = PIPELINE
                else:
                    pr.ppa = self.contracts.sign(renewal)
        for pr in self.projects:
            if pr.ppa is None and pr.status == PIPELINE and not pr.owner.defaulted:
                ppa = negotiate_ppa(
                    pr.owner,
                    pr.utility,
                    pr,
                    self.month,
                    p.ppa_minimum_take_share,
                    p.utilization,
                    p.max_power_wait_months,
                )
                if room_gw is None:
                    room_gw = onsite_room_gw(
                        self.contracts.active(PowerPurchaseAgreement),
                        self.month,
                        p.onsite_power_max_gw_per_year,
                    )
                own = negotiate_onsite_ppa(
                    pr.owner,
                    pr.size_gw,
                    self.month,
                    p.onsite_power_cost_usd_mwh,
                    p.onsite_power_lead_months,
                    p.ppa_minimum_take_share,
                    p.utilization,
                    p.max_power_wait_months,
                    room_gw,
                )
                if own is not None and (ppa is None or self._own_plant_pays(pr, ppa, own)):
                    pr.ppa = self.contracts.sign(own)  # off the grid: it reserves nothing
                    room_gw -= own.capacity_gw
                elif ppa is not None:
                    pr.ppa = self.contracts.sign(ppa)
                    pr.utility.sign(ppa)

    def _own_plant_pays(
        self, pr: DataCenterProject, grid: PowerPurchaseAgreement, own: PowerPurchaseAgreement
    ) -> bool:
        """Whether the campus's owner takes its own plant over the grid's offer
        (``own_plant_pays``, with the campus built at the earliest)."""
        ready_month = self.month + pr.build_months - pr.build_months_done
        margin = self.running_margin_usd_b_per_gw_month()
        return own_plant_pays(grid, own, ready_month, margin, MARKET_COST_OF_EQUITY)

    def _negotiate_chips(self) -> None:
        """Labs short of chips ask the first ``market_sample_size`` vendors of the month's
        ranking (quotes are read once a month, so the market stays linear in the number of
        labs and of vendors); the last one asked is asked for all that is still needed.
        They ask the vendors ranked as the phase opened (``rank_chip_vendors``)."""
        for lab in self._active_labs_shuffled():
            need = lab.uncovered_chip_need_gw()
            if need <= 0.05:
                continue
            for i, vendor in enumerate(self.vendors_asked):
                if need <= 0.05:
                    break
                last = i == len(self.vendors_asked) - 1
                volume = need if last else min(need, deliverable_within_gw(vendor, 24))
                deal = negotiate_chip_supply(
                    lab,
                    vendor,
                    volume,
                    self.month,
                    self.p.chip_take_or_pay_share,
                    *lab.chips_wanted_months(),
                )
                if deal is not None:
                    self.contracts.sign(deal)
                    need -= volume

    def _negotiate_leases(self) -> None:
        """Labs short of compute ask the labs with the most idle capacity first (ranked once a
        month; a lessor's spare is re-read when it is asked). Both sides read the leases live
        this month: last month's tally still counts a lease that ended at its term, so its
        lessor would look full and its capacity idle a month before it is leased again.

        ``spare`` follows each lease signed (only its two parties' spare moves), so a lessor
        with none left is passed over without a negotiation that could only fail: in a large
        world every lab asks the same few lessors, and most asks found them leased out."""
        self._tally_leases()
        spare = {lab: lab.spare_gw() for lab in self.labs if not lab.defaulted}
        lessors = sorted((lab for lab, gw in spare.items() if gw > 0.05), key=lambda r: -spare[r])
        for lab in self._active_labs_shuffled():
            asked = self.sample_top(lessors, exclude=lab)
            if not asked:
                continue  # no one to lease from (most months): its need is not worked out
            need = lab.lease_need_gw()
            for lessor in asked:
                if need <= 0.05:
                    break
                if spare[lessor] <= 1e-6:
                    continue  # negotiate_lease offers no lease of 1e-6 GW or less
                lease = negotiate_lease(lab, lessor, need, self.month, self.p.lease_term_months)
                if lease is not None:
                    self.contracts.sign(lease)
                    lessor.leased_out_gw += lease.capacity_gw  # promised from its spare now
                    need -= lease.capacity_gw
                    spare[lessor], spare[lab] = lessor.spare_gw(), lab.spare_gw()

    def _active_labs_shuffled(self) -> list[AILab]:
        labs = [lab for lab in self.labs if not lab.defaulted and not lab.in_distress]
        self.random.shuffle(labs)
        return labs

    # --- capital ----------------------------------------------------------------------------
    def capital_round(self, requesters: list, urgent_only: bool = False) -> None:
        """Requests meet offers; accepted offers become equity stakes and loans."""
        requests = [r for a in requesters if (r := a.funding_request(urgent_only)) is not None]
        if not requests:
            return
        # Investors spend their budgets on the requests they see first, so requests are heard
        # in a random order each round: the order agents are listed in must not pick winners.
        self.random.shuffle(requests)
        # Each request reaches a sample of investors (all of them in small worlds): search is
        # costly, and it keeps the market linear in the number of agents.
        asked: dict[Investor, list] = {inv: [] for inv in self.investors}
        for request in requests:
            for inv in self.sample(self.investors):
                asked[inv].append(request)
        investors = list(self.investors)
        self.random.shuffle(investors)
        offers = [o for inv in investors for o in inv.make_offers(asked[inv])]
        for offer in capital.clear(requests, offers):
            requester = offer.request.requester
            if offer.kind == capital.EQUITY:
                self.invest_equity(
                    offer.investor,
                    requester,
                    offer.amount_usd_b,
                    "equity round",
                    pre_money_usd_b=offer.pre_money_usd_b,
                )
            else:
                self.contracts.sign(
                    Loan(
                        payer=requester,
                        payee=offer.investor,
                        signed_month=self.month,
                        start_month=self.month,
                        end_month=self.month + offer.request.debt_term_months,
                        principal_usd_b=offer.amount_usd_b,
                        rate_per_year=offer.cost_of_capital,
                    )
                )
                self.ledger.transfer(offer.investor, requester, offer.amount_usd_b, "loan")
            if isinstance(requester, AILab):
                requester.record_funding(offer.amount_usd_b)
        for request in requests:
            if isinstance(request.requester, AILab):
                request.requester.record_funding(0.0)

    def invest_equity(
        self,
        investor,
        company: AILab,
        amount_usd_b: float,
        purpose: str,
        pre_money_usd_b: float,
    ) -> None:
        """Buy new shares at ``pre_money_usd_b`` (positive; never above
        ``max_equity_value_usd_b``): adding units to the company's register dilutes every
        earlier holder at once; the buyer's stake grows or is signed. (Stakes break only when
        the company defaults, after which it raises nothing, so the register's holders are
        always its active stakes.)"""
        pre_money_usd_b = min(pre_money_usd_b, self.max_equity_value_usd_b())
        shares = amount_usd_b * company.shares_outstanding / pre_money_usd_b
        company.shares_outstanding += shares
        stake = company.shareholders.get(investor)
        if stake is None or stake.status != ACTIVE:
            company.shareholders[investor] = self.contracts.sign(
                EquityStake(
                    payer=company,
                    payee=investor,
                    signed_month=self.month,
                    start_month=self.month,
                    end_month=self.month + 10**6,
                    amount_usd_b=amount_usd_b,
                    pre_money_usd_b=pre_money_usd_b,
                    shares=shares,
                )
            )
        else:
            self.contracts.add_financing(stake, amount_usd_b)
            stake.shares += shares
        self.ledger.transfer(investor, company, amount_usd_b, purpose)

    # --- operate ----------------------------------------------------------------------------
    def _deliver_leases(self) -> None:
        """Lessors serve their leases, oldest first, from the capacity they have online."""
        for lab in self.labs:
            lab.leased_in_gw = lab.leased_out_gw = lab.lease_income_month_usd_b = 0.0
        for lessor in self.labs:
            available = 0.0 if lessor.defaulted else lessor.capacity_online_gw
            leases = [
                c
                for c in self.contracts.of(lessor, CapacityLease, "payee")
                if c.is_running(self.month)
            ]
            for lease in sorted(leases, key=lambda c: c.id):
                lease.delivered_gw = min(lease.capacity_gw, available)
                available -= lease.delivered_gw
                lessor.leased_out_gw += lease.delivered_gw
                lessor.lease_income_month_usd_b += (
                    lease.monthly_obligation_usd_b(self.month)
                    * lease.delivered_gw
                    / lease.capacity_gw
                )
                lease.payer.leased_in_gw += lease.delivered_gw

    def _close_completed_leases(self) -> None:
        """Leases in their last month end once their lessees have used and paid for it."""
        for lease in self.contracts.active(CapacityLease):
            if self.month + 1 >= lease.end_month:
                self.contracts.close(lease, "completed", self.month)

    def _tally_leases(self) -> None:
        """Each lab's capacity leased in and out: what its leases deliver this month (those
        that ended at their term this month included, those a default broke not)."""
        month = self.month
        for lab in self.labs:
            lab.leased_in_gw = lab.leased_out_gw = 0.0
        for lease in self.contracts.signed(CapacityLease):
            if lease.status != BROKEN and lease.start_month <= month < lease.end_month:
                lease.payee.leased_out_gw += lease.delivered_gw
                lease.payer.leased_in_gw += lease.delivered_gw

    def _resolve_distress(self) -> None:
        """Labs and utilities with unpaid bills get one emergency round; those still in arrears
        default."""
        distressed = [a for a in self.labs + self.utilities if a.arrears_usd_b and not a.defaulted]
        if not distressed:
            return
        self.capital_round(distressed, urgent_only=True)
        for agent in distressed:  # all pay what they can before anyone defaults: an agent
            agent.settle_arrears()  # listed later is not in arrears when an earlier one falls
        for agent in distressed:
            agent.settle_arrears()  # a recovery from an earlier default may have paid it
            if agent.arrears_usd_b and not agent.defaulted:
                self.default(agent)

    def default(self, trigger) -> Cascade:
        """``trigger`` cannot pay: the default cascades through the contract network.

        Defaulters' cash is paid out to their claimants, defaulted agents withdraw (labs
        cancel their pipeline), creditors book write-offs (claims less recoveries; revenue
        lost is reported, not booked), survivors whose write-offs exceed half their buffer
        are in distress for a year, and every investor's sentiment drops, more the more it
        lost.
        """
        cascade, fallen = propagate(
            trigger,
            self.contracts,
            self.month,
            buffer_of=lambda a: a.loss_buffer_usd_b(),
            ledger=self.ledger,
            arrears_of=lambda a: a.arrears_usd_b,
            sell_assets=self._sell_campuses,
        )
        for agent in fallen:
            agent.defaulted = True
            agent.arrears_usd_b = {}
            cascade.capacity_cancelled_gw += agent.withdraw()
        self._divert_customers(fallen)
        self.defaults_cumulative += len(fallen)
        self._tally_leases()  # the leases the cascade broke deliver nothing more
        for name, loss in cascade.losses_usd_b.items():
            creditor = self._by_name[name]
            creditor.book_loss(loss)
            buffer = cascade.buffers_usd_b.get(name, 0.0)
            if not creditor.defaulted and loss > DISTRESS_LOSS_SHARE * max(buffer, 0.0):
                creditor.distress_until_month = self.month + 12
        for investor in self.investors:
            lost = cascade.losses_usd_b.get(investor.name, 0.0)
            hit = min(1.0, lost / max(cascade.buffers_usd_b.get(investor.name, 0.0), 1e-9))
            investor.shock(self.p.default_sentiment_shock * (0.5 + 0.5 * hit))
        self.cascade_losses_cumulative_usd_b += cascade.total_loss_usd_b
        self.cascades.append(cascade)
        self.log_event(
            "cascade",
            f"{trigger.name} defaulted: {len(cascade.rounds)} round(s), "
            f"{len(cascade.defaulted)} default(s), {len(cascade.agents_hit)} agent(s) hit, "
            f"${cascade.total_loss_usd_b:.1f}bn written off, "
            f"${cascade.total_recovered_usd_b:.1f}bn recovered, "
            f"${cascade.total_revenue_lost_usd_b:.1f}bn of future sales lost, "
            f"{cascade.capacity_cancelled_gw:.1f} GW cancelled",
            trigger=trigger.name,
            rounds=len(cascade.rounds),
            defaulted=";".join(cascade.defaulted),
            agents_hit=";".join(cascade.agents_hit),
            losses_usd_b=cascade.total_loss_usd_b,
            recovered_usd_b=cascade.total_recovered_usd_b,
            revenue_lost_usd_b=cascade.total_revenue_lost_usd_b,
            capacity_cancelled_gw=cascade.capacity_cancelled_gw,
        )
        return cascade

    def _sell_campuses(self, estate, fallen: list, losses: dict) -> None:
        """A defaulted lab's estate auctions its working campuses (``markets/assets.py``) to the
        labs still standing, out of distress and not hard hit by this cascade so far
        (``losses``), bidding in a random order (ties must not favour a listing order). A
        campus is valued at its depreciated replacement cost (today's cost of the same chips
        and building, less the life used up); the reserve is that less
        ``fire_sale_discount``. A buyer takes on the campus's power contract; the proceeds go
        to the estate's creditors. Campuses online that nobody buys stay with the estate,
        stranded (the rest are cancelled when it withdraws)."""
        if not isinstance(estate, AILab):
            return
        p, month = self.p, self.month
        bidders = [
            lab
            for lab in self.labs
            if not (lab.in_distress or lab in fallen)
            and losses.get(lab, 0.0) <= DISTRESS_LOSS_SHARE * max(lab.loss_buffer_usd_b(), 0.0)
        ]
        self.random.shuffle(bidders)
        chip_price = self.chip_price_usd_b_per_gw / self.best_efficiency()  # per efficiency unit
        for campus in [pr for pr in estate.projects if pr.working]:
            value_usd_b = campus.replacement_value_usd_b(
                month,
                chip_price * campus.efficiency_index,
                p.capex_per_gw_usd_b * (1.0 - p.it_share_of_capex),
                p.it_equipment_life_months,
            )
            value = fsum(value_usd_b)
            bids = [lab.bid_for(campus, value) for lab in bidders]
            sale = auction((1.0 - p.fire_sale_discount) * value, bids)
            if sale is None:
                continue
            buyer, price = sale
            self.ledger.transfer(buyer, estate, price, "distressed campus sale")
            estate.hand_over(campus, value_usd_b)
            buyer.take_over(campus, price, value_usd_b[0] / value)
            ppa = campus.ppa
            if ppa is not None and ppa.status == ACTIVE:
                campus.ppa = self.contracts.sign(ppa.assigned_to(buyer, month))
                self.contracts.close(ppa, ASSIGNED, month)
            self.campuses_sold_cumulative_gw += campus.chips_installed_gw
            self.log_event(
                "campus_sold",
                f"{estate.name}'s {campus.chips_installed_gw:.2f} GW campus in "
                f"{campus.government.name} sold to {buyer.name} for ${price:.1f}bn "
                f"({price / value:.0%} of its replacement value)",
                campus_id=campus.id,
                seller=estate.name,
                buyer=buyer.name,
                capacity_gw=campus.chips_installed_gw,
                price_usd_b=price,
                value_usd_b=value,
            )

    def _divert_customers(self, fallen: list) -> None:
        """The customers of the labs that fell move to the labs still standing (see
        ``divert_demand``), where their demand grows as the new lab's does from now on."""
        gone = [agent for agent in fallen if isinstance(agent, AILab)]
        demand_cu = fsum(lab.demand_cu for lab in gone)
        if demand_cu <= 0:
            return
        for lab in gone:
            lab.demand_cu = 0.0
        survivors = {lab: lab.demand_cu for lab in self.labs if not lab.defaulted}
        gains, lost_cu = divert_demand(demand_cu, survivors, self.p.demand_switch_share)
        for lab, gain_cu in gains.items():
            lab.demand_cu += gain_cu
        moved_cu = demand_cu - lost_cu
        self.demand_transferred_cumulative_cu += moved_cu
        self.demand_lost_cumulative_cu += lost_cu
        names = ";".join(lab.name for lab in gone)
        self.log_event(
            "demand_switched",
            f"{names}: {moved_cu:.2f} of {demand_cu:.2f} compute units of demand moved to "
            f"{len(gains)} surviving lab(s), {lost_cu:.2f} left the market",
            defaulted=names,
            demand_transferred_cu=moved_cu,
            demand_lost_cu=lost_cu,
        )

    def _update_sentiment(self) -> None:
        labs = [lab for lab in self.labs if not lab.defaulted]
        revenue = fsum(lab.revenue_annual_usd_b for lab in labs)
        self._revenue_log.append(revenue)
        past = self._revenue_log[0]
        growth = (
            (revenue / past - 1.0)
            if len(self._revenue_log) == 13 and past > 0
            else self.demand_growth_rate()
        )
        burn = 12 * fsum(
            max(0.0, lab.outflows_month_usd_b + lab.capex_month_usd_b - lab.revenue_month_usd_b)
            for lab in labs
            if not lab.core_cash_flow_usd_b_per_year
        )
        signal = Investor.market_signal(
            growth, min(10.0, burn / max(revenue, 1e-6)), self.p.sentiment_burn_weight
        )
        sentiments = [inv.sentiment for inv in self.investors]
        total, n = fsum(sentiments), len(sentiments)
        for inv, own in zip(self.investors, sentiments, strict=True):
            peers = (total - own) / (n - 1) if n > 1 else own
            inv.update_sentiment(signal, peers)
        for lab in self.labs:
            self._capacity_log[lab.name].append(lab.capacity_online_gw)

    def _apply_shocks(self) -> None:
        """Apply the efficiency-shock parameters and this month's timeline events."""
        if self.month == self.p.efficiency_shock_month and self.p.efficiency_shock_factor > 1:
            self._efficiency_jump(self.p.efficiency_shock_factor)
            self.log_event(
                "efficiency_jump",
                f"factor {self.p.efficiency_shock_factor:g} (efficiency_shock_month parameter)",
            )
        events = [e for e in self.timeline if e["month"] == self.month]
        # a month's parameter changes land first, so its other events (an entrant pricing its
        # chips) see the parameters in force for the month
        for event in sorted(events, key=lambda e: e["kind"] != "set_parameter"):
            self._apply_event(event)

    def _efficiency_jump(self, factor: float) -> None:
        for lab in self.labs:
            lab.demand_cu /= factor

    def _apply_event(self, event: dict) -> None:
        kind = event["kind"]
        where = f"event {kind} on {self.date_of(self.month)}"
        if kind == "set_parameter":
            setattr(self.p, event["parameter"], event["value"])
            detail = f"{event['parameter']} = {event['value']}"
        elif kind == "efficiency_jump":
            self._efficiency_jump(event["factor"])
            detail = f"factor {event['factor']:g}"
        elif kind == "sentiment_shock":
            for investor in self.investors:
                investor.shock(event["size"])
            detail = f"size {event['size']:g}"
        elif kind in ("moratorium", "incentive", "fast_track_permits"):
            govs = (
                self.governments
                if event["jurisdiction"] == "*"
                else [self.agent_named(event["jurisdiction"], Government, where)]
            )
            for gov in govs:
                if kind == "moratorium":
                    gov.moratorium_until_month = month_index(self.p.start_date, event["until"])
                    gov.moratorium = True
                elif kind == "incentive":
                    gov.incentive_share = event["value"]
                else:
                    gov.review_time_factor = event["factor"]
            detail = f"{event['jurisdiction']}: " + ", ".join(
                f"{k} {event[k]}" for k in ("until", "value", "factor") if k in event
            )
        else:  # an entrant: its starting cash comes from outside the model
            add, cash_field = {
                "new_lab": (self.add_lab, "cash_usd_b"),
                "new_vendor": (self.add_vendor, "cash_usd_b"),
                "new_investor": (self.add_investor, "capital_usd_b"),
            }[kind]
            row = event["agent"]
            agent = add({**row, cash_field: 0.0})
            scale = self.p.investor_capital_multiplier if kind == "new_investor" else 1.0
            self.ledger.transfer("new_entrants", agent, row[cash_field] * scale, "entrant capital")
            self._by_name[agent.name] = agent
            if isinstance(agent, AILab):
                self._capacity_log[agent.name] = deque([0.0], maxlen=13)
                self.initial_capacity_gw[agent.name] = 0.0
            detail = agent.name
        self.log_event(kind, detail + (f" ({event['note']})" if event.get("note") else ""))

    def log_event(self, kind: str, detail: str, **data) -> None:
        self.events.append(
            {
                "step": self.month,
                "date": self.date_of(self.month),
                "kind": kind,
                "detail": detail,
                **data,
            }
        )

    def date_of(self, month: int) -> str:
        return month_label(self.p.start_date, month)

    # --- recording --------------------------------------------------------------------------
    def _record(self) -> None:
        """Set the model-level figures the DataCollector reads (units in the names), and each
        live lab's pipeline for the agents table (its campuses are scanned once, for the
        bottleneck gates and both tables)."""
        month, focal = self.month, self.focal_lab
        live = [lab for lab in self.labs if not lab.defaulted]
        self.date = month_label(self.p.start_date, month)
        self.capacity_online_gw = fsum(lab.capacity_online_gw for lab in live)
        self.focal_capacity_online_gw = (
            0.0
            if focal.defaulted
            else focal.capacity_online_gw + focal.leased_in_gw - focal.leased_out_gw
        )
        self.capex_cumulative_usd_b = fsum(lab.capex_cumulative_usd_b for lab in self.labs)
        self.lab_cash_usd_b = focal.cash_usd_b
        self.lab_debt_usd_b = focal.debt_usd_b
        self.lab_revenue_annual_usd_b = focal.revenue_annual_usd_b
        self.funding_gap_usd_b = focal.funding_gap_usd_b
        supply = fsum(v.production_gw_per_year for v in self.vendors)
        self.chip_price_usd_b_per_gw = (
            fsum(v.price_usd_b_per_gw * v.production_gw_per_year for v in self.vendors) / supply
            if supply > 0
            else fsum(v.price_usd_b_per_gw for v in self.vendors) / len(self.vendors)
        )
        self.power_price_usd_mwh = self.average_power_price_usd_mwh()
        generation = fsum(u.generation_gw for u in self.utilities)
        load = fsum(u.load_gw for u in self.utilities)
        self.grid_reserve_margin = generation / load - 1.0 if load > 0 else 0.0
        # The world figure averages a short grid away; the tightest one is where load is shed.
        self.tightest_reserve_margin = min(u.reserve_margin for u in self.utilities)
        self.load_shed_gw = fsum(u.load_shed_gw for u in self.utilities)
        self.investor_sentiment = (
            fsum(i.sentiment for i in self.investors) / len(self.investors)
            if self.investors
            else 0.0
        )
        self.ai_spend_share_of_ceiling = (
            fsum(lab.demand_cu for lab in live)
            * self.revenue_per_cu_year()
            / self.ai_spend_ceiling_usd_b()
        )
        self.permits_pending = sum(g.permits_pending for g in self.governments)
        self.permits_denied_cumulative = sum(g.permits_denied for g in self.governments)
        self.stranded_gw = fsum(lab.stranded_gw for lab in self.labs)
        waiting = dict.fromkeys(GATES, 0.0)
        self._lab_pipeline_gw = {}
        for lab in live:
            chip_months = lab.chip_months_ahead()
            own_gw = []
            for pr in lab.projects:
                gw = pr.pipeline_gw(month)
                own_gw.append(gw)
                pr.waiting_on = pr.binding_gate(month, chip_months)
                if pr.waiting_on:
                    waiting[pr.waiting_on] += gw
            self._lab_pipeline_gw[lab] = fsum(own_gw)  # its pipeline_gw, scanned once
        self.pipeline_gw = fsum(self._lab_pipeline_gw.values())
        for gate, gw in waiting.items():
            setattr(self, f"bottleneck_{gate}_gw", gw)
        self._record_network()

    def _recorded_pipeline_gw(self, agent) -> float:
        """An agent's ``pipeline_gw`` for the agents table: for a live lab, the sum of its
        campuses' that ``_record`` took this month (the collector runs right after it, so
        nothing has moved since); for any other agent, its attribute."""
        gw = self._lab_pipeline_gw.get(agent)
        return agent.pipeline_gw if gw is None else gw

    def _record_network(self) -> None:
        """Systemic-risk figures of the contract network (see ``environment/network.py``)."""
        self.circular_financing_usd_b = circulating_usd_b(self.contracts.flows)
        self.largest_exposure_share = largest_exposure_share(self.contracts, self.month)
        self.capacity_hhi = hhi(lab.capacity_online_gw for lab in self.labs if not lab.defaulted)
        self.chip_supply_hhi = hhi(v.production_gw_per_year for v in self.vendors)
        self.focal_centrality = degree_centrality(self.contracts, self.focal_lab)
        self.agents_in_distress = sum(1 for a in self.agents if a.in_distress and not a.defaulted)

    def contract_network(self) -> nx.MultiDiGraph:
        """Every contract, stake and loan as an edge payer → payee, as of this month."""
        return contract_network(self.contracts.contracts, self.agents, self.month)

    def circular_financing_cycles(self) -> list:
        """The loops behind ``circular_financing_usd_b``, one by one, largest first."""
        return circular_financing(self.contracts.flows)

    def exposures(self):
        """Per agent and counterparty: owed and owing, due now and over the contracts' lives."""
        return exposures(self.contracts.contracts, self.month)

    # --- outputs ----------------------------------------------------------------------------
    def contracts_table(self):
        """Every contract ever signed: parties, kind, size, price, dates, final status (and,
        for equity, the share of the company the stake is worth now)."""
        import pandas as pd

        label = self.p.start_date
        rows = [
            {
                "contract_id": c.id,
                "kind": c.kind,
                "payer": c.payer.name,
                "payee": c.payee.name,
                "size": c.size,
                "size_unit": c.size_unit,
                "price": c.price,
                "price_unit": c.price_unit,
                "signed": month_label(label, c.signed_month),
                "start": month_label(label, c.start_month),
                # the last month of the term (equity has none)
                "end": "" if isinstance(c, EquityStake) else month_label(label, c.end_month - 1),
                "status": c.status if c.status != ACTIVE or c.end_month > self.month else "expired",
                "ended": month_label(label, c.ended_month) if c.ended_month is not None else "",
                "ownership_share": c.ownership_share if isinstance(c, EquityStake) else None,
            }
            for c in self.contracts.contracts
        ]
        return pd.DataFrame(rows)


__all__ = ["AGENT_COLUMNS", "MODEL_COLUMNS", "OPEN_ENDED_MONTHS", "BuildoutModel", "divert_demand"]
