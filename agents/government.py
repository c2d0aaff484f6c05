"""Governments: permits, incentives, local opposition and moratoria, one per jurisdiction."""

from __future__ import annotations

from agents.base import GigawattAgent
from environment.projects import APPROVED, CANCELLED, DENIED, PENDING, DataCenterProject


class Government(GigawattAgent):
    """Decides permit applications in its jurisdiction.

    Review takes ``permit_review_months`` on average, slowed by opposition. Approval chance
    falls with opposition and grid stress and rises with a supportive stance. Opposition drifts
    toward a level set by data-centre load (share of the grid), power prices above their base
    and water use. Above ``moratorium_threshold`` the government stops deciding (a moratorium)
    until opposition falls back a tenth below it.
    """

    kind = "government"

    def __init__(
        self,
        model,
        name: str,
        policy_stance: float,
        incentive_share: float,
        opposition: float,
        moratorium_until_month: int = 0,
        cash_usd_b: float = 0.0,
    ) -> None:
        super().__init__(model, name, cash_usd_b)
        self.policy_stance = policy_stance
        self.incentive_share = incentive_share
        self.base_opposition = opposition
        self.opposition = opposition
        self.moratorium_until_month = moratorium_until_month  # a fixed moratorium, e.g. Dublin's
        self.moratorium = moratorium_until_month > 0
        self.permit_queue: list[tuple[DataCenterProject, int]] = []  # (project, decision month)
        self.review_time_factor = 1.0  # below 1 when permits are fast-tracked
        self.permits_denied = 0
        self.permits_granted = 0
        self.utility = None  # wired by the model

    def approval_probability(self) -> float:
        p = self.model.p.permit_approval_probability
        stance = 0.5 + 0.5 * self.policy_stance
        stress = self.utility.grid_stress if self.utility else 0.0
        return min(1.0, max(0.0, p * stance * (1.0 - self.opposition) * (1.0 - 0.5 * stress)))

    def expected_review_months(self) -> float:
        p = self.model.p
        return p.permit_review_months * self.review_time_factor * (1.0 + self.opposition)

    def apply(self, project: DataCenterProject) -> None:
        """Queue an application; its review time is drawn now."""
        review = self.expected_review_months() * self.model.rng.uniform(0.5, 1.5)
        project.permit = PENDING
        self.permit_queue.append((project, self.model.month + int(round(review))))

    def decide_permits(self) -> None:
        """Decide the applications whose review is done, unless a moratorium holds them."""
        if self.moratorium:
            return
        month = self.model.month
        due = [(pr, m) for pr, m in self.permit_queue if m <= month]
        self.permit_queue = [(pr, m) for pr, m in self.permit_queue if m > month]
        for project, _ in due:
            if project.status == CANCELLED:
                continue
            if self.model.rng.random() < self.approval_probability():
                project.permit = APPROVED
                self.permits_granted += 1
            else:
                project.permit = DENIED
                self.permits_denied += 1
                project.owner.cancel(project)

    def update_opposition(self) -> None:
        """Opposition follows load share, price rises and water use; moratoria switch on/off."""
        p = self.model.p
        utility = self.utility
        load_share = utility.dc_load_gw / max(utility.load_gw, 1e-9) if utility else 0.0
        price_rise = (
            max(0.0, utility.power_price_usd_mwh() / utility.base_power_price_usd_mwh - 1.0)
            if utility
            else 0.0
        )
        water = load_share * p.water_l_per_kwh / 2.0
        target = self.base_opposition + p.opposition_sensitivity * (
            0.5 * load_share + 0.3 * price_rise + 0.2 * water
        )
        target = min(1.0, max(0.0, target - 0.5 * self.incentive_share))
        self.opposition += 0.1 * (target - self.opposition)
        if (
            self.model.month < self.moratorium_until_month
            or self.opposition >= p.moratorium_threshold
        ):
            self.moratorium = True
        elif self.opposition < 0.9 * p.moratorium_threshold:
            self.moratorium = False

    @property
    def permits_pending(self) -> int:
        return len(self.permit_queue)

    def pay_incentive(self, project: DataCenterProject) -> None:
        """Investment incentive on completion, paid from the public budget."""
        amount = (
            self.incentive_share
            * project.size_gw
            * project.capex_per_gw_usd_b
            * project.facility_cost_share
        )
        self.model.ledger.transfer("public_budget", project.owner, amount, "investment incentive")
