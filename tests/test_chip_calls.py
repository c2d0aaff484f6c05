"""Chip calls and chip orders follow the campuses that can take the chips: a call goes to a deal
delivering now, and chips are ordered for a campus only once its power has a date."""

import pytest

from environment.contracts import ChipSupplyAgreement
from environment.model import BuildoutModel


def _world_with_a_dark_campus() -> tuple[BuildoutModel, object, object]:
    """Baseline at month 0 with cloud-a's first campus built and energised but its chips gone:
    it is ready for 3 GW of chips now."""
    model = BuildoutModel(seed=1, record_agents=False)
    lab = next(lab for lab in model.labs if lab.name == "cloud-a")
    campus = lab.projects[0]
    campus.chips_installed_gw = 0.0
    return model, lab, campus


def _deal(model, lab, start_month: int, volume_gw: float) -> ChipSupplyAgreement:
    return model.contracts.sign(
        ChipSupplyAgreement(
            payer=lab,
            payee=model.vendors[0],
            signed_month=model.month,
            start_month=start_month,
            end_month=start_month + 12,
            volume_gw=volume_gw,
            price_usd_b_per_gw=1.0,
        )
    )


def test_calls_go_to_deals_delivering_now_not_to_deals_not_yet_started():
    """Finding (a): an older deal whose window opens in years took the whole call, the vendor
    delivered nothing on it, and the deal delivering now was called for nothing."""
    model, lab, campus = _world_with_a_dark_campus()
    later = _deal(model, lab, start_month=30, volume_gw=3.0)  # older: signed first
    now = _deal(model, lab, start_month=0, volume_gw=3.0)
    assert campus.ready_for_chips(model.month, 3)
    lab.plan_chip_calls()
    assert lab.chip_call_gw(later) == 0.0
    assert lab.chip_call_gw(now) == pytest.approx(3.0)
