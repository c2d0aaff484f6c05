"""The single declarative parameter table: name, unit, default, allowed range, meaning, source.

Validation, the CLI, sweeps and the browser sliders all read this table; nothing restates a range
elsewhere. Sources cite rows of ``shared/seed-digest.md`` ("digest B: <row>") or a public report,
or say "assumption". World parameters are flat keywords of ``BuildoutModel``; the per-agent
fields (``AGENT_FIELDS``) describe the initial state a scenario file gives each agent.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass, replace
from typing import Any

Value = float | int | str | bool


@dataclass(frozen=True)
class Parameter:
    """One tunable number (or choice) of the world, with the range a user may set it to."""

    name: str
    unit: str
    default: Value
    low: float | None
    high: float | None
    meaning: str
    source: str
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    dynamic: bool = False  # read every month, so a scenario timeline may change it mid-run

    @property
    def kind(self) -> type:
        return type(self.default)

    def allowed(self) -> str:
        """The allowed range in words, as error messages and the CLI show it."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.pattern:
            return f"a string matching {self.pattern}"
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "a string"
        return f"[{self.low:g}, {self.high:g}] {self.unit}".rstrip()

    def validate(self, value: Any, where: str = "parameter") -> Value:
        """Return ``value`` coerced to this parameter's type, or raise ValueError naming it."""
        bad = ValueError(f"{where} {self.name!r} = {value!r} is invalid: allowed {self.allowed()}")
        if self.kind is bool:
            if not isinstance(value, bool):
                raise bad
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise bad
            if self.choices and value not in self.choices:
                raise bad
            if self.pattern and not re.fullmatch(self.pattern, value):
                raise bad
            return value
        # numbers only (numpy's too, from sweep designs): never a bool or a numeric string
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise bad
        if value != value or not (self.low <= value <= self.high):  # NaN or out of range
            raise bad
        if self.kind is int:
            if float(value) != int(value):
                raise bad
            return int(value)
        return float(value)


def _p(name, unit, default, low, high, meaning, source, **kw) -> Parameter:
    return Parameter(name, unit, default, low, high, meaning, source, **kw)


_WORLD = [
    # --- simulation --------------------------------------------------------------------------
    _p(
        "start_date",
        "",
        "2026-01",
        None,
        None,
        "first simulated month (YYYY-MM)",
        "digest B: focal lab end-2025 (the state the baseline starts from)",
        pattern=r"(19|20|21)\d\d-(0[1-9]|1[0-2])",
    ),
    _p(
        "horizon_months",
        "months",
        120,
        1,
        600,
        "months until model.running turns False",
        "issue: 10 years in monthly steps",
    ),
    # --- labs: demand, revenue, planning -----------------------------------------------------
    _p(
        "ambition",
        "x",
        1.0,
        0.0,
        5.0,
        "multiplier on every lab's capacity target (demand forecast and announced plan)",
        "assumption (1 = announced plans)",
    ),
    _p(
        "planning_horizon_months",
        "months",
        36,
        6,
        120,
        "how far ahead labs forecast demand when sizing their pipeline",
        "assumption: roughly permit + build + power lead time (digest B)",
    ),
    _p(
        "project_size_gw",
        "GW",
        1.0,
        0.05,
        5.0,
        "size of one new data-centre campus",
        "digest A: Patagonia site ~500 MW; assumption ~1 GW for Stargate-class campuses",
    ),
    _p(
        "max_new_projects_per_month",
        "projects",
        1,
        0,
        50,
        "most projects one lab starts in a month (management and site-finding limit)",
        "assumption",
    ),
    _p(
        "demand_growth_per_year",
        "1/yr",
        1.5,
        0.0,
        10.0,
        "initial growth of labs' compute demand (2026-efficiency GW), decaying over time",
        "assumption fitted to digest A: $13B revenue 2025, >$20B annualised end-2025, "
        "$100B ambition for 2027",
    ),
    _p(
        "demand_growth_halflife_years",
        "years",
        4.0,
        0.25,
        50.0,
        "half-life of the demand growth rate",
        "assumption",
    ),
    _p(
        "ai_spend_max_share_of_gdp",
        "share",
        0.05,
        0.005,
        0.5,
        "most of world GDP that all labs' demand for AI services, valued at the going price per "
        "compute unit, can reach: demand saturates there, and no equity round prices a lab above "
        "the present value of that whole market. It bounds the modelled labs only (the rest of "
        "the industry is outside the model), and world GDP follows the calendar while prices "
        "are the scenario's at its start, so a start date far from 2025 shifts one against the "
        "other",
        "Gartner (Jan and Jul 2025 forecasts): worldwide IT spending $5.4-5.6 trn in 2025, ~5 % "
        "of world GDP (IMF WEO Oct 2025, ~$117 trn); assumption that AI services do not outgrow "
        "today's whole IT budget share within the horizon",
    ),
    _p(
        "revenue_per_gw_year_usd_b",
        "USD bn per GW-year",
        10.5,
        0.0,
        100.0,
        "revenue one GW of 2026-efficiency compute earns in a year at 2026 prices",
        "digest B: focal lab end-2025, >$20B annualised revenue on ~1.9 GW",
    ),
    _p(
        "compute_price_decline_per_year",
        "1/yr",
        0.2,
        0.0,
        0.9,
        "yearly fall of the price a unit of compute sells for",
        "assumption: below digest B hardware efficiency trend (30-50 %/yr), so revenue per new "
        "GW rises, as the lab's 2025 deals (~$13B/GW-year leases, digest B) presuppose",
    ),
    _p(
        "compute_max_markup",
        "share",
        0.5,
        0.0,
        10.0,
        "most the price of compute can exceed the price at which a GW of the best chips on "
        "sale just recovers its full cost (capital at the market's cost of equity, site opex, "
        "energy, and the chips' obsolescence as better ones arrive), as a share of it: free "
        "entry competes away rents beyond it, so a GW's revenue stops rising once its trend "
        "meets it",
        "assumption, from public margins: labs keep ~33-40 % of revenue over their compute bills "
        "(OpenAI, Anthropic 2025 gross margins, WSJ investor documents; 0.5-0.67 over cost), "
        "while renting compute out earns ~7-22 % (Oracle's Nvidia rentals 14 % gross margin, "
        "~7 % after all depreciation, The Information Oct 2025; CoreWeave adjusted operating "
        "margin 16-22 %, Q2 2025 results); the 2023 H100 shortage (~$8/GPU-hour against "
        "~$1.65-2.85 break-even, Latent Space) is the scarcity extreme, ~2-4",
    ),
    _p(
        "compute_demand_price_elasticity",
        "",
        1.0,
        0.0,
        3.0,
        "floor under demand growth once the trend fades: demand grows at least as its price "
        "falls, to this power (1 keeps spending level; 0 lets spending fall with the price)",
        "assumption: cheaper computing has always found more use (spending on IT kept rising "
        "as its unit price fell); only binds after the fitted trend fades, in the late 2030s",
    ),
    _p(
        "fixed_costs_usd_b_per_year_per_revenue",
        "x",
        0.6,
        0.0,
        5.0,
        "staff, R&D, training runs and free tier, as a share of revenue",
        "assumption fitted to digest A: ~$12B loss in a single 2025 quarter",
    ),
    _p(
        "target_runway_months",
        "months",
        18,
        1,
        60,
        "cash runway a lab tries to hold; below it the lab raises capital",
        "assumption",
    ),
    _p(
        "rivalry_weight",
        "x",
        0.5,
        0.0,
        5.0,
        "how strongly a lab raises its target when rivals' capacity outgrows its own",
        "assumption",
    ),
    _p(
        "lease_urgency_premium",
        "x",
        0.3,
        0.0,
        3.0,
        "how far above its current revenue per GW a lab will pay to lease capacity it lacks",
        "assumption; digest B cloud deals price at ~$13B/GW-year, above revenue per GW",
    ),
    _p("lease_term_months", "months", 24, 1, 120, "length of a new capacity lease", "assumption"),
    # --- data-centre costs -------------------------------------------------------------------
    _p(
        "capex_per_gw_usd_b",
        "USD bn per GW",
        45.0,
        1.0,
        200.0,
        "total capital cost of one GW of AI data centre (IT + facility)",
        "digest B: capex per GW, central ~$40-50B",
    ),
    _p(
        "it_share_of_capex",
        "share",
        0.6,
        0.1,
        0.95,
        "share of capex that is accelerators, servers and networking (bought from vendors)",
        "digest B: capex split, IT ~55-70 %",
    ),
    _p(
        "build_months",
        "months",
        18,
        1,
        72,
        "construction time of a campus once permitted",
        "assumption from trade press (Stargate Abilene phases)",
    ),
    _p(
        "opex_usd_b_per_gw_year",
        "USD bn per GW-year",
        0.9,
        0.0,
        10.0,
        "running cost of one GW online, excluding energy and depreciation",
        "digest B: running cost per GW of IT, ~$0.9B/yr",
    ),
    _p(
        "utilization",
        "share",
        0.85,
        0.05,
        1.0,
        "average load factor of capacity online",
        "assumption",
    ),
    _p(
        "it_equipment_life_months",
        "months",
        66,
        12,
        180,
        "life of accelerators before they must be replaced",
        "digest B: IT equipment life 5-6 years",
    ),
    # --- chips -------------------------------------------------------------------------------
    _p(
        "chip_supply_multiplier",
        "x",
        1.0,
        0.0,
        10.0,
        "scales every vendor's production capacity (0 = no chips)",
        "assumption (1 = digest B)",
    ),
    _p(
        "chip_supply_growth_per_year",
        "1/yr",
        0.5,
        0.0,
        3.0,
        "yearly growth of vendors' production while they have a backlog",
        "digest B: packaging bottleneck (CoWoS ~doubled each year 2024-25); assumption it slows",
    ),
    _p(
        "chip_price_response",
        "1/month",
        0.02,
        0.0,
        0.2,
        "monthly price change per unit of backlog above a year's production",
        "assumption",
    ),
    _p(
        "perf_per_watt_gain_per_year",
        "1/yr",
        0.4,
        0.0,
        2.0,
        "yearly improvement of accelerators' compute per watt, released in generations",
        "digest B: hardware efficiency trend, 30-50 %/yr",
    ),
    _p(
        "vendor_financing_share",
        "share",
        0.29,
        0.0,
        1.0,
        "share of a chip order a customer-financing vendor invests back as equity",
        "digest B: Nvidia up to $100B for 10 GW (~$10B/GW) on ~$35B of its hardware per GW",
    ),
    _p(
        "chip_allocation_rule",
        "",
        "pro_rata",
        None,
        None,
        "how a vendor shares scarce supply: pro rata to called volume, or strategic "
        "customers (those it holds equity in) first",
        "assumption",
        choices=("pro_rata", "strategic_first"),
    ),
    _p(
        "chip_take_or_pay_share",
        "share",
        0.5,
        0.0,
        1.0,
        "share of scheduled chip deliveries a buyer pays for even if it cannot take them",
        "assumption",
    ),
    # --- power -------------------------------------------------------------------------------
    _p(
        "grid_headroom_multiplier",
        "x",
        1.0,
        0.0,
        10.0,
        "scales every utility's initial spare grid capacity (0 = none)",
        "assumption",
    ),
    _p(
        "new_generation_multiplier",
        "x",
        1.0,
        0.0,
        10.0,
        "scales how much new generation utilities can start a year (0 = none)",
        "assumption",
    ),
    _p(
        "generation_start_share_of_load_per_year",
        "1/yr",
        0.1,
        0.0,
        0.3,
        "firm generation a utility can start a year as a share of the load it serves, when "
        "that exceeds its scenario's fixed figure (0 = the fixed figure only)",
        "assumption, between the US record and a fast region: US combined-cycle and "
        "combustion-turbine capacity rose ~54 GW in 2002, the peak of the 1999-2003 gas "
        "build-out (EIA, AEO2003 table 9), ~7.5 % of the ~715 GW US peak; ERCOT connected "
        "~10+ GW/yr of solar and storage in 2023-24 (assumed, not checked) on its 85.5 GW "
        "record peak of August 2023 (ERCOT), ~12 % of peak in nameplate; the 715 GW US "
        "peak is also unchecked",
    ),
    _p(
        "interconnection_delay_multiplier",
        "x",
        1.0,
        0.0,
        5.0,
        "scales every utility's interconnection (energisation) delay",
        "assumption (1 = digest B grid connection waits)",
    ),
    _p(
        "power_scarcity_markup",
        "x",
        2.0,
        0.0,
        20.0,
        "how steeply utilities' power price rises as the reserve margin falls below target",
        "assumption",
    ),
    _p(
        "lab_max_power_cost_share",
        "share",
        0.15,
        0.0,
        1.0,
        "most of its revenue per GW a lab will spend on energy",
        "assumption",
    ),
    _p(
        "onsite_power_cost_usd_mwh",
        "USD/MWh",
        250.0,
        50.0,
        2000.0,
        "cost of a lab generating its own power on site (fuel, O&M and the plant's capital, "
        "levelised): what it pays for a plant of its own, so the most it pays for a grid PPA",
        "assumption: the top of the unsubsidised gas-peaking range in Lazard's Levelized Cost of "
        "Energy+ (June 2024 and 2025 editions, roughly $110-250/MWh), firm on-site supply; BNP "
        "Paribas puts behind-the-meter gas for data centres near $175/MWh (aigazine.com, 2025)",
    ),
    _p(
        "onsite_power_lead_months",
        "months",
        24,
        3,
        120,
        "months from contracting a campus's own plant to its first power (no grid queue)",
        "assumption: gas engines deploy in 12-18 months and large-frame turbines take 5-7 years "
        "(sourcerockep.com/blog/gas-engine-backlog-power-fast); a 412 MW engine plant ordered in "
        "2025 runs a campus off-grid by 2028 (Wartsila, pulse.bot); xAI's first Memphis "
        "cluster ran 300 MW within 122 days, partly on gas turbines (sfbwmag.com/a-colossal-move)",
    ),
    _p(
        "onsite_power_max_gw_per_year",
        "GW/yr",
        10.0,
        0.0,
        100.0,
        "most on-site generation labs can contract in any twelve months, all campuses together "
        "(0 = no on-site plants)",
        "assumption: about half of the ~21 GW a year of gas turbines and engines suited to "
        "behind-the-meter plants in 2025, rising to ~46 GW by 2030 (Jefferies, via "
        "prometheus.org 2026-02-18); large-frame turbines are booked to 2029-30",
    ),
    _p(
        "ppa_minimum_take_share",
        "share",
        0.85,
        0.0,
        1.0,
        "share of contracted power a lab pays for even if unused (large-load tariff)",
        "AEP Ohio data-centre tariff (PUCO, July 2025): 85 % minimum demand charge",
    ),
    _p(
        "max_power_wait_months",
        "months",
        84,
        12,
        600,
        "latest energisation date, in months from signing, a lab accepts in a new PPA; a "
        "campus quoted later signs nothing and asks again each month",
        "assumption: digest B's longest lead times (grid connection over 4 years in primary "
        "markets, 72 months in grid-bottleneck; new gas ~5 years) plus two years' slack; "
        "beyond that the campus's chips would be generations old (digest B: FLOP/s per watt "
        "+30-50 %/yr)",
    ),
    _p(
        "background_load_growth_per_year",
        "1/yr",
        0.02,
        -0.05,
        0.2,
        "growth of non-data-centre peak load",
        "assumption (EIA: ~2 %/yr US load growth)",
    ),
    _p(
        "utility_allowed_return_per_year",
        "1/yr",
        0.07,
        0.0,
        0.3,
        "return regulators allow on new generation in retail rates (plus depreciation)",
        "assumption: a pre-tax cost of capital near 7 % (S&P Global RRA: authorised electric "
        "ROE ~9.7 % in 2024, with about half the rate base financed by debt at ~5 %)",
    ),
    # --- permits -----------------------------------------------------------------------------
    _p(
        "permit_approval_probability",
        "probability",
        0.85,
        0.0,
        1.0,
        "chance a permit is granted by a neutral government with no opposition",
        "assumption; digest B local opposition ($64B blocked or delayed)",
    ),
    _p(
        "permit_review_months",
        "months",
        12.0,
        0.0,
        60.0,
        "mean permit review time before opposition slows it",
        "digest B: permitting time (US) 6-18 months",
    ),
    _p(
        "opposition_sensitivity",
        "x",
        1.0,
        0.0,
        10.0,
        "how fast local opposition grows with data-centre load, power prices and water",
        "assumption",
    ),
    _p(
        "moratorium_threshold",
        "0-1",
        0.8,
        0.0,
        1.0,
        "opposition level at which a government imposes a moratorium",
        "assumption; digest B: Dublin grid moratorium",
    ),
    _p(
        "water_l_per_kwh",
        "L/kWh",
        1.0,
        0.0,
        5.0,
        "water a data centre uses per kWh",
        "digest B: water, 0.2-0.5 (best) to 1.8-4 L/kWh (evaporative)",
    ),
    # --- capital -----------------------------------------------------------------------------
    _p(
        "investor_capital_multiplier",
        "x",
        1.0,
        0.0,
        10.0,
        "scales every investor's capital pool and inflows (0 = no capital)",
        "assumption",
    ),
    _p(
        "investor_risk_appetite_multiplier",
        "x",
        1.0,
        0.0,
        5.0,
        "scales every investor's risk appetite",
        "assumption",
    ),
    _p(
        "sentiment_initial",
        "0-1",
        0.7,
        0.0,
        1.0,
        "investors' starting sentiment",
        "digest A: investor demand described as strong",
    ),
    _p(
        "sentiment_speed",
        "1/month",
        0.1,
        0.0,
        1.0,
        "how fast sentiment follows labs' revenue growth versus burn",
        "assumption",
    ),
    _p(
        "sentiment_herding",
        "1/month",
        0.2,
        0.0,
        1.0,
        "how fast an investor's sentiment moves toward the other investors'",
        "assumption",
    ),
    _p(
        "sentiment_burn_weight",
        "x",
        0.15,
        0.0,
        2.0,
        "how much investors' signal falls per unit of labs' burn multiple (burn / revenue), "
        "against revenue growth",
        "assumption",
    ),
    _p(
        "sentiment_noise",
        "0-1",
        0.02,
        0.0,
        0.5,
        "monthly random shock to each sentiment",
        "assumption",
    ),
    _p(
        "base_interest_rate",
        "1/yr",
        0.043,
        0.0,
        0.3,
        "risk-free rate debt is priced over",
        "digest B: project-finance debt priced over SOFR (~4.3 % in 2025)",
    ),
    _p(
        "debt_spread_min",
        "1/yr",
        0.02,
        0.0,
        0.3,
        "spread over the base rate for the best credit",
        "digest B: SOFR + 200-350 bp for hyperscaler-leased sites",
    ),
    _p(
        "debt_spread_max",
        "1/yr",
        0.065,
        0.0,
        0.5,
        "spread for the weakest credit lenders accept",
        "digest B: weaker credits SOFR + 350-650 bp",
    ),
    _p(
        "debt_term_months",
        "months",
        60,
        6,
        360,
        "term of new loans to labs (bullet repayment)",
        "assumption",
    ),
    _p(
        "utility_debt_term_months",
        "months",
        240,
        6,
        480,
        "term of new loans to utilities (bullet repayment): they fund 30-year plants",
        "assumption: investor-owned utilities issue first-mortgage bonds of 10-30 years; 20 as "
        "the middle",
    ),
    _p(
        "equity_revenue_multiple",
        "x",
        25.0,
        0.5,
        200.0,
        "pre-money valuation as a multiple of annualised revenue at neutral sentiment",
        "digest B: equity round ($300B on ~$13B revenue) and secondary (~$500B on ~$20B)",
    ),
    _p(
        "equity_plan_value_share",
        "share",
        0.1,
        0.0,
        1.0,
        "share of what a lab's demand would pay that equity investors price it on while it "
        "earns less than that (labs with little revenue yet raise on their plans)",
        "assumption: a tenth, so a lab with revenue is priced on it (the multiple's calibration) "
        "and one still without raises on its plan",
    ),
    _p(
        "max_debt_to_revenue",
        "x",
        3.0,
        0.0,
        50.0,
        "most debt lenders allow per unit of underwritten revenue (revenue earned, plus "
        "what capacity with power and chips due within a year will earn, plus core cash flow)",
        "assumption",
    ),
    _p(
        "default_sentiment_shock",
        "0-1",
        0.15,
        0.0,
        1.0,
        "drop in every investor's sentiment when an agent defaults",
        "assumption",
    ),
    _p(
        "fire_sale_discount",
        "share",
        0.5,
        0.0,
        0.9,
        "a defaulted lab's estate sells no campus for less than its depreciated replacement "
        "cost (today's cost of the same chips and building, less the life used up) times 1 "
        "minus this",
        "assumption, between what buyers outside the industry paid for used specialised "
        "capital, about a third of replacement cost (a discount of ~0.67), and the more buyers "
        "within it paid (Ramey & Shapiro 2001, JPE 109(5))",
    ),
    _p(
        "demand_switch_share",
        "share",
        0.8,
        0.0,
        1.0,
        "share of a defaulted lab's demand its customers take to the surviving labs (in "
        "proportion to their demand); the rest leaves the modelled market (0 = all of it)",
        "assumption: rival models are close substitutes behind similar APIs and apps, so most "
        "customers switch within months; some move to providers outside the model (which "
        "bounds the modelled labs only) or stop using AI services",
    ),
    _p(
        "market_sample_size",
        "agents",
        8,
        1,
        1000,
        "most counterparties (sites, investors, chip vendors, lessors) an agent considers in "
        "one search; worlds no larger than this see everyone",
        "assumption: search costs bound the options weighed",
    ),
    # --- technology shock --------------------------------------------------------------------
    _p(
        "efficiency_shock_month",
        "month",
        0,
        0,
        600,
        "month a far more efficient architecture arrives (0 = never)",
        "digest A: risks named, technological shifts",
    ),
    _p(
        "efficiency_shock_factor",
        "x",
        1.0,
        1.0,
        100.0,
        "by how much that architecture cuts the compute a unit of demand needs",
        "assumption",
    ),
]

#: Parameters the model reads as it goes (not only when building the world), so that a
#: ``set_parameter`` event in a scenario timeline takes effect from its month on. Cost and
#: contract terms apply to deals and campuses started after the change.
_DYNAMIC = {
    "ai_spend_max_share_of_gdp",
    "compute_demand_price_elasticity",
    "compute_max_markup",
    "ambition",
    "planning_horizon_months",
    "project_size_gw",
    "max_new_projects_per_month",
    "target_runway_months",
    "rivalry_weight",
    "lease_urgency_premium",
    "lease_term_months",
    "capex_per_gw_usd_b",
    "build_months",
    "opex_usd_b_per_gw_year",
    "chip_supply_growth_per_year",
    "chip_price_response",
    "vendor_financing_share",
    "chip_allocation_rule",
    "chip_take_or_pay_share",
    "power_scarcity_markup",
    "lab_max_power_cost_share",
    "onsite_power_cost_usd_mwh",
    "onsite_power_lead_months",
    "onsite_power_max_gw_per_year",
    "ppa_minimum_take_share",
    "max_power_wait_months",
    "background_load_growth_per_year",
    "utility_allowed_return_per_year",
    "permit_approval_probability",
    "permit_review_months",
    "opposition_sensitivity",
    "moratorium_threshold",
    "water_l_per_kwh",
    "sentiment_speed",
    "sentiment_herding",
    "sentiment_burn_weight",
    "sentiment_noise",
    "base_interest_rate",
    "debt_spread_min",
    "debt_spread_max",
    "debt_term_months",
    "utility_debt_term_months",
    "equity_revenue_multiple",
    "max_debt_to_revenue",
    "default_sentiment_shock",
    "fire_sale_discount",
    "demand_switch_share",
}

PARAMETERS: dict[str, Parameter] = {p.name: replace(p, dynamic=p.name in _DYNAMIC) for p in _WORLD}


def defaults() -> dict[str, Value]:
    return {name: p.default for name, p in PARAMETERS.items()}


def validate(values: dict[str, Any], context: str = "") -> dict[str, Value]:
    """Validate world parameters; unknown names and out-of-range values raise ValueError.

    ``context`` prefixes messages (e.g. the scenario file they came from).
    """
    out: dict[str, Value] = {}
    for name, value in values.items():
        if name not in PARAMETERS:
            raise ValueError(
                f"{context}unknown parameter {name!r}; known: {', '.join(sorted(PARAMETERS))}"
            )
        out[name] = PARAMETERS[name].validate(value, f"{context}parameter")
    if out.get("debt_spread_min", 0.0) > out.get("debt_spread_max", float("inf")):
        raise ValueError(
            f"{context}parameter 'debt_spread_min' must not exceed 'debt_spread_max' "
            f"({out['debt_spread_min']} > {out['debt_spread_max']})"
        )
    return out
