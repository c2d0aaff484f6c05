"""The labs' planning shortcuts skip work whose result would not be used, and what they still
work out is, bit for bit, what the general rules give."""

from __future__ import annotations

import itertools
from math import fsum

import pytest

from agents.lab import AILab
from environment.contracts import ChipSupplyAgreement
from environment.model import BuildoutModel
from environment.projects import APPROVED, PIPELINE, DataCenterProject


@pytest.fixture
def model():
    return BuildoutModel(scenario="baseline", seed=1)


def cash_need_by_the_general_rule(lab: AILab) -> float:
    """``cash_need_usd_b`` as written before the shortcuts: every campus's construction as the
    least of what remains and the runway's payments, and the campuses' chip need always read."""
    model, months = lab.model, lab.model.p.target_runway_months
    deficit = max(0.0, lab.outflows_month_usd_b - lab.revenue_month_usd_b) * months
    construction = fsum(
        min(pr.remaining_construction_usd_b, pr.monthly_construction_usd_b * months)
        for pr in lab.projects
        if pr.status == PIPELINE and pr.permit == APPROVED
    )
    agreements = model.contracts.of(lab, ChipSupplyAgreement)
    due_gw = fsum(min(c.unpaid_gw, c.scheduled_gw(model.month) * months) for c in agreements)
    usable_gw = min(due_gw, fsum(pr.chips_needed_gw for pr in lab.projects))
    committed_gw = fsum(
        min(c.committed_unpaid_gw, c.minimum_due_gw(model.month) * months) for c in agreements
    )
    price = max((c.price_usd_b_per_gw for c in agreements), default=0.0)
    chips = max(usable_gw, committed_gw) * price
    maturing = lab.maturing_principal_usd_b(months)
    return deficit + construction + chips + maturing + lab.arrears_total_usd_b


def test_cash_need_is_the_general_rule_every_month(model):
    """Every live lab's need equals the general rule's at the end of every month of a run, in
    months with chips due and months without."""
    months_without_chips_due = 0
    for _ in range(model.p.horizon_months):
        model.step()
        for lab in model.labs:
            if lab.defaulted:
                continue
            assert lab.cash_need_usd_b() == cash_need_by_the_general_rule(lab)
            agreements = model.contracts.of(lab, ChipSupplyAgreement)
            months_without_chips_due += not any(c.scheduled_gw(model.month) for c in agreements)
    assert months_without_chips_due > 0


@pytest.mark.parametrize("months", [0, 1, 6, 18, 17.5, 40])
def test_construction_due_is_the_least_of_remaining_and_the_runway(model, months):
    """One evaluation of the payment gives what the least of the two products gives, at every
    stage of the build (a payment is never negative, and rounding keeps the order)."""
    lab = model.labs[0]
    for size_gw, build_months in itertools.product([1.0, 0.3, 1 / 3, 2.7], [1, 7, 24, 30]):
        pr = DataCenterProject(lab, model.governments[0], size_gw, 0, build_months, 11.3, 0.37)
        for done in range(build_months + 2):
            pr.build_months_done = done
            general = min(pr.remaining_construction_usd_b, pr.monthly_construction_usd_b * months)
            assert pr.construction_due_usd_b(months) == general


def test_campuses_for_a_gap_never_grow_as_the_gap_shrinks(model):
    """The shortcut's premise: funding only lowers the gap, so it never adds a campus."""
    lab = model.labs[0]
    gaps = [-3.0, -0.1, 0.0, 0.2, 0.5, 0.50001, 0.9, 1.0, 1.5, 2.49, 7.0, 100.0]
    for gap, fundable in itertools.product(gaps, gaps):
        assert lab.campuses_for_gw(min(gap, fundable)) <= lab.campuses_for_gw(gap)


def test_no_lessor_leaves_the_random_stream_where_the_shuffle_leaves_it(model, monkeypatch):
    """With no lab's capacity to spare, the lease market skips the labs' needs, but the labs
    are still shuffled, so the random stream is where it would be."""
    monkeypatch.setattr(AILab, "spare_gw", lambda self: 0.0)
    state = model.random.getstate()
    model._negotiate_leases()
    model.random.setstate(state)
    model._active_labs_shuffled()
    after_shuffle = model.random.getstate()
    model.random.setstate(state)
    model._negotiate_leases()
    assert model.random.getstate() == after_shuffle
