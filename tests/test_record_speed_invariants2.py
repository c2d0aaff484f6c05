"""The recording and settling shortcuts give what the general rules they replace gave: the same
agents table as Mesa's attribute-name reporters, the same error for an unknown account."""

import mesa
import pandas as pd
import pytest

from environment.ledger import Ledger
from environment.model import AGENT_REPORTERS, BuildoutModel


def test_agents_table_is_mesas_attribute_reporters():
    """The collector's C attribute readers record what Mesa's attribute-name reporters do,
    for every agent every month (a run with a default, distress and debt)."""
    model = BuildoutModel(scenario="lab-default", seed=7)
    by_name = mesa.DataCollector(agent_reporters=AGENT_REPORTERS)
    by_name.collect(model)  # the month the model recorded as it was built
    model.datacollector.collect = by_name_too(model.datacollector.collect, by_name)
    model.run()
    ours = model.datacollector.get_agent_vars_dataframe()
    general = by_name.get_agent_vars_dataframe()
    # only the lab pipeline column differs in how it is read: the scan _record took
    pd.testing.assert_frame_equal(
        ours.drop(columns="own_pipeline_gw"), general.drop(columns="own_pipeline_gw")
    )
    assert ours["defaulted"].any() and ours["debt_usd_b"].gt(0).any()


def by_name_too(collect, other: mesa.DataCollector):
    def both(model):
        collect(model)
        other.collect(model)

    return both


def test_transfer_to_or_from_an_unknown_outside_account():
    """An unknown outside account is named in the error; from one, nothing moves."""
    ledger = Ledger()
    with pytest.raises(KeyError, match="unknown outside account 'nowhere'"):
        ledger.transfer("nowhere", "construction", 1.0, "x")
    assert ledger.outside["construction"] == 0.0 and not ledger.flows_usd_b
    ledger.transfer("end_customers", "construction", 1.0, "x")
    assert (ledger.outside["end_customers"], ledger.outside["construction"]) == (-1.0, 1.0)
