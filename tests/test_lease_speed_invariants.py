"""The leasing shortcuts give, bit for bit, what the scans they replace would give."""

import copy
import types

import pandas as pd
import pytest
from conftest import load_scaled_world

from environment.contracts import CapacityLease
from environment.markets.leasing import negotiate_lease
from environment.model import BuildoutModel


def negotiate_leases_asking_every_lessor(model: BuildoutModel, asked_leased_out: list) -> None:
    """``_negotiate_leases`` as it was before it passed over lessors with no spare left: every
    lessor asked negotiates, its spare re-read (``asked_leased_out`` counts those with none)."""
    model._tally_leases()
    spare = {lab: lab.spare_gw() for lab in model.labs if not lab.defaulted}
    lessors = sorted((lab for lab, gw in spare.items() if gw > 0.05), key=lambda r: -spare[r])
    for lab in model._active_labs_shuffled():
        asked = [r for r in lessors if r is not lab][: model.p.market_sample_size]
        if not asked:
            continue
        need = lab.lease_need_gw()
        for lessor in asked:
            if need <= 0.05:
                break
            if lessor.spare_gw() <= 1e-6:
                asked_leased_out.append(lessor)
            lease = negotiate_lease(lab, lessor, need, model.month, model.p.lease_term_months)
            if lease is not None:
                model.contracts.sign(lease)
                lessor.leased_out_gw += lease.capacity_gw
                need -= lease.capacity_gw


@pytest.fixture(scope="module")
def x10_world(tmp_path_factory):
    path = load_scaled_world().scaled_scenario(10, tmp_path_factory.mktemp("x10") / "x10.toml")
    model = BuildoutModel(scenario=str(path), seed=1)
    model.run(12)
    return model


def test_leasing_that_passes_over_leased_out_lessors_signs_the_same_leases(x10_world):
    shortcut, reference = copy.deepcopy(x10_world), copy.deepcopy(x10_world)
    asked_leased_out: list = []
    reference._negotiate_leases = types.MethodType(
        lambda model: negotiate_leases_asking_every_lessor(model, asked_leased_out), reference
    )
    for model in (shortcut, reference):
        model.run(48)
    assert asked_leased_out  # the reference did ask lessors with nothing left to lease
    pd.testing.assert_frame_equal(shortcut.contracts_table(), reference.contracts_table())
    pd.testing.assert_frame_equal(
        shortcut.datacollector.get_model_vars_dataframe(),
        reference.datacollector.get_model_vars_dataframe(),
    )


def test_sample_top_is_the_head_of_the_filtered_ranking(x10_world):
    labs, k = x10_world.labs, x10_world.p.market_sample_size
    for exclude in (None, labs[0], labs[k - 1], labs[k], labs[-1]):
        expected = [lab for lab in labs if lab is not exclude][:k]
        assert x10_world.sample_top(labs, exclude) == expected


def test_signed_lists_every_contract_of_a_kind_in_signing_order(x10_world):
    model = copy.deepcopy(x10_world)
    model.run(36)
    book = model.contracts
    leases = [c for c in book.contracts if isinstance(c, CapacityLease)]
    assert book.signed(CapacityLease) == leases
    assert {c.status for c in leases} > {"active"}  # ended leases are listed too
    for kind in {type(c) for c in book.contracts}:
        assert book.signed(kind) == [c for c in book.contracts if type(c) is kind]
