"""A data-centre campus moving through its gates: permit, power, chips, capital, build.

A project comes online only when every gate is met: a granted permit, finished construction
(paid month by month: no money, no progress), an energised power contract, and installed
accelerators (capacity comes online as chips are installed in a finished, energised building).
Each month the model asks which gate it is waiting on: the one whose completion lies furthest
ahead on its critical path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from environment.markets.power import is_on_site

if TYPE_CHECKING:
    from agents.government import Government
    from agents.lab import AILab
    from environment.contracts import PowerPurchaseAgreement

#: "power" is the grid (no contract, or one not yet energised); "onsite_power" a plant of the
#: campus's own under construction.
GATES = ("permit", "power", "onsite_power", "chips", "capital", "build")

PIPELINE, ONLINE, CANCELLED, RETIRED = "pipeline", "online", "cancelled", "retired"
#: Campuses that will never run again: given up before coming online, or closed after.
CLOSED = (CANCELLED, RETIRED)
NOT_APPLIED, PENDING, APPROVED, DENIED = "not_applied", "pending", "approved", "denied"

#: Months assumed left on a gate that has no date in sight (no contract, no supply).
OPEN_ENDED_MONTHS = 999.0
#: Years over which a campus building is written off (digest B: facility ~14 years).
FACILITY_LIFE_MONTHS = 168


@dataclass(eq=False)
class DataCenterProject:
    owner: AILab
    government: Government
    size_gw: float
    started_month: int
    build_months: int
    capex_per_gw_usd_b: float  # facility (non-IT) part is paid to construction while building
    facility_cost_share: float
    id: int = -1
    permit: str = NOT_APPLIED
    ppa: PowerPurchaseAgreement | None = None
    build_months_done: int = 0
    chips_installed_gw: float = 0.0
    chips_installed_month: int = -1
    efficiency_index: float = 1.0  # compute per watt of installed chips, 2026 = 1
    stalled_on_capital: bool = False
    status: str = PIPELINE
    online_month: int | None = None  # when it first came online (a chip refresh keeps it)
    waiting_on: str | None = field(default=None)

    @property
    def utility(self):
        """Its jurisdiction's grid utility (whether or not it runs on a plant of its own)."""
        return self.government.utility

    @property
    def supplied_share(self) -> float:
        """Share of its load its power contract serves this month: all of it from its own
        plant, which grid load shedding does not reach; else its utility's ``dc_supply_share``."""
        ppa = self.ppa
        if ppa is not None and is_on_site(ppa):
            return 1.0
        return self.government.utility.dc_supply_share

    def release_grid(self, ppa: PowerPurchaseAgreement) -> None:
        """Free what a power contract that ended or broke held on the grid: nothing for one
        with its own plant, which never was on the grid."""
        if not is_on_site(ppa):
            self.government.utility.release(ppa)

    @property
    def built(self) -> bool:
        return self.build_months_done >= self.build_months

    def energised(self, month: int) -> bool:
        """Power flows under a PPA from its start to its end (a renewal replaces it)."""
        return self.ppa is not None and self.ppa.start_month <= month < self.ppa.end_month

    def capacity_online_gw(self, month: int) -> float:
        """Its installed chips, if it runs: open, built and energised. A campus without chips
        has none online whatever its state, so it is answered first: half of all campuses in a
        run are waiting on a permit, the building or chips."""
        if self.chips_installed_gw == 0.0:
            return 0.0
        if self.status in CLOSED or not (self.built and self.energised(month)):
            return 0.0
        return self.chips_installed_gw

    @property
    def chips_needed_gw(self) -> float:
        """Chips still to install in an open, permitted campus. Read some 37,000 times a run,
        so it compares instead of calling ``max`` (the same value: 0.0 unless positive)."""
        if self.status in CLOSED or self.permit != APPROVED:
            return 0.0
        missing_gw = self.size_gw - self.chips_installed_gw
        return missing_gw if missing_gw > 0.0 else 0.0

    @property
    def chips_missing_gw(self) -> float:
        """Chips still to install, permitted or not (what the campus will cost in IT)."""
        return 0.0 if self.status in CLOSED else max(0.0, self.size_gw - self.chips_installed_gw)

    def months_until_ready(self, month: int) -> float:
        """Months until the building is finished and its power flows: open-ended without a
        power contract, whose date only the utility's quote fixes (in a congested grid it can
        come years after the building)."""
        if self.ppa is None:
            return OPEN_ENDED_MONTHS
        return float(max(self.build_months - self.build_months_done, self.ppa.start_month - month))

    def months_to_chips_end_of_life(self, month: int, life_months: int) -> float:
        """Months until its installed chips reach the end of their life and must be replaced
        (open-ended for a closed campus or one without chips: nothing to refresh)."""
        if self.chips_installed_gw == 0.0 or self.status in CLOSED:
            return OPEN_ENDED_MONTHS
        return float(self.chips_installed_month + life_months - month)

    def ready_for_chips(self, month: int, lead_months: int) -> bool:
        """Chips are called just in time: within ``lead_months`` of a finished building with
        power under contract, so they do not age in a dark campus."""
        return (
            self.chips_needed_gw > 1e-12
            and self.ppa is not None
            and self.months_until_ready(month) <= lead_months
        )

    @property
    def working(self) -> bool:
        """Built and equipped: it runs as soon as it has power (what a buyer would take on)."""
        return self.status not in CLOSED and self.built and self.chips_installed_gw > 0

    def replacement_value_usd_b(
        self,
        month: int,
        chips_usd_b_per_gw: float,
        building_usd_b_per_gw: float,
        chip_life_months: int,
    ) -> tuple[float, float]:
        """Its chips and its building at what the same would cost today (``chips_usd_b_per_gw``
        for chips of its efficiency), less the life each has used up (straight line): its
        depreciated replacement cost, the basis on which an estate sells it."""
        chips_left = 1.0 - (month - self.chips_installed_month) / chip_life_months
        in_use_since = self.online_month if self.online_month is not None else month
        building_left = 1.0 - (month - in_use_since) / FACILITY_LIFE_MONTHS
        return (
            self.chips_installed_gw * chips_usd_b_per_gw * min(1.0, max(0.0, chips_left)),
            self.size_gw * building_usd_b_per_gw * min(1.0, max(0.0, building_left)),
        )

    @property
    def monthly_construction_usd_b(self) -> float:
        return self.size_gw * self.capex_per_gw_usd_b * self.facility_cost_share / self.build_months

    @property
    def remaining_construction_usd_b(self) -> float:
        return self.monthly_construction_usd_b * max(0, self.build_months - self.build_months_done)

    def construction_due_usd_b(self, months: float) -> float:
        """Construction still to pay within ``months``, what a cash runway must cover: the
        least of ``remaining_construction_usd_b`` and ``months`` payments (the same figure, the
        payment never being negative, for one evaluation of the payment instead of two)."""
        months_left = max(0, self.build_months - self.build_months_done)
        return self.monthly_construction_usd_b * min(months_left, months)

    def binding_gate(self, month: int, chip_months_ahead: float) -> str | None:
        """The gate this project waits on now, or None once it is fully online."""
        if self.status != PIPELINE:
            return None
        if self.permit != APPROVED:
            return "permit"
        if self.stalled_on_capital:
            return "capital"
        # the furthest-off of power, chips and build (the first listed wins a tie); power is
        # the grid's, or a plant of its own under construction, a gate of its own
        ppa = self.ppa
        gate = "onsite_power" if ppa is not None and is_on_site(ppa) else "power"
        months_left = (ppa.start_month - month) if ppa is not None else OPEN_ENDED_MONTHS
        chips = chip_months_ahead if self.chips_needed_gw > 1e-9 else 0.0
        if chips > months_left:
            gate, months_left = "chips", chips
        build = float(self.build_months - self.build_months_done)
        if build > months_left:
            gate, months_left = "build", build
        return gate if months_left > 0 else "build"

    def install_chips(self, gw: float, efficiency_index: float, month: int) -> None:
        """Install delivered chips; the project's efficiency is the capacity-weighted mean."""
        total = self.chips_installed_gw + gw
        if total > 0:
            self.efficiency_index = (
                self.efficiency_index * self.chips_installed_gw + efficiency_index * gw
            ) / total
        self.chips_installed_gw = total
        self.chips_installed_month = month

    def pipeline_gw(self, month: int) -> float:
        if self.status != PIPELINE:
            return 0.0
        return self.size_gw - self.capacity_online_gw(month)
