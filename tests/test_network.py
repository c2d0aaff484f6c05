"""The contract network: exposures, circular financing and default cascades."""

from dataclasses import dataclass

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from environment.contagion import propagate
from environment.contracts import (
    BROKEN,
    CapacityLease,
    ChipSupplyAgreement,
    ContractBook,
    EquityStake,
    Loan,
    MoneyFlows,
)
from environment.model import BuildoutModel
from environment.network import (
    circular_financing,
    circulating_usd_b,
    exposures,
    largest_exposure_share,
    money_flows,
)


@dataclass(eq=False)
class Party:
    """A stand-in agent: a name, a loss buffer, not yet in default."""

    name: str
    buffer: float = 0.0
    defaulted: bool = False


agent = Party


def loan(book, borrower, lender, principal):
    return book.sign(
        Loan(
            payer=borrower,
            payee=lender,
            signed_month=0,
            start_month=0,
            end_month=60,
            principal_usd_b=principal,
            rate_per_year=0.05,
        )
    )


def chips(book, lab, vendor, volume_gw, price):
    return book.sign(
        ChipSupplyAgreement(
            payer=lab,
            payee=vendor,
            signed_month=0,
            start_month=0,
            end_month=12,
            volume_gw=volume_gw,
            price_usd_b_per_gw=price,
        )
    )


def lease(book, lessee, lessor, price_per_year):
    """1 GW for a year."""
    return book.sign(
        CapacityLease(
            payer=lessee,
            payee=lessor,
            signed_month=0,
            start_month=0,
            end_month=12,
            capacity_gw=1.0,
            price_usd_b_per_gw_year=price_per_year,
        )
    )


def stake(book, company, investor, amount):
    return book.sign(
        EquityStake(
            payer=company,
            payee=investor,
            signed_month=0,
            start_month=0,
            end_month=10**6,
            amount_usd_b=amount,
        )
    )


def test_cascade_propagates_exactly_the_losses_the_contracts_imply_round_by_round():
    a, b, c, d, e = (
        agent("A"),
        agent("B", buffer=5.0),
        agent("C", buffer=20.0),
        agent("D", buffer=100.0),
        agent("E", buffer=1.0),
    )
    book = ContractBook()
    loan(book, a, b, 10.0)  # A owes B 10: more than B's buffer of 5
    lease(book, a, d, 6.0)  # 6 left over a year
    loan(book, b, c, 8.0)  # B owes C 8: C survives with a buffer of 20
    loan(book, c, e, 3.0)  # never triggered: C does not default
    claims_before = exposures(book.contracts, month=0)

    cascade, fallen = propagate(
        a,
        book,
        month=0,
        buffer_of=lambda x: x.buffer,
        arrears_of=lambda x: {"construction": 1.0} if x is a else {},
    )

    assert cascade.rounds == [["A"], ["B"]]
    assert [x.name for x in fallen] == ["A", "B"]
    assert cascade.losses_usd_b == pytest.approx({"B": 10.0, "D": 6.0, "C": 8.0})
    # nothing lost or created: the write-offs are exactly the claims on the defaulted agents
    on_defaulted = claims_before[claims_before["counterparty"].isin(["A", "B"])]
    assert cascade.total_loss_usd_b == pytest.approx(on_defaulted["owed_remaining_usd_b"].sum())
    assert [con.status for con in book.contracts] == [BROKEN, BROKEN, BROKEN, "active"]


def test_a_defaulted_lessor_or_vendor_breaks_what_it_was_to_deliver():
    lab, vendor, lessor = agent("lab", 50.0), agent("vendor"), agent("lessor")
    book = ContractBook()
    supply = chips(book, lab, vendor, 1.0, 20.0)
    rent = lease(book, lab, lessor, 10.0)
    propagate(vendor, book, 0, buffer_of=lambda x: x.buffer)
    assert supply.status == BROKEN and rent.status == "active"
    cascade, _ = propagate(lessor, book, 0, buffer_of=lambda x: x.buffer)
    assert rent.status == BROKEN
    assert cascade.total_loss_usd_b == 0.0  # the lab owed nothing to deliverers that failed


def test_vendor_financing_makes_a_cycle_whose_amount_is_the_smaller_leg():
    vendor, lab = agent("vendor"), agent("lab")
    book = ContractBook()
    deal = chips(book, lab, vendor, 2.0, 30.0)
    deal.paid_usd_b = 45.0  # the lab paid 45 for chips ...
    stake(book, lab, vendor, 13.0)  # ... after the vendor invested 13
    [cycle] = circular_financing(money_flows(book.contracts))
    assert set(cycle.agents) == {"vendor", "lab"}
    assert cycle.amount_usd_b == pytest.approx(13.0)
    assert circulating_usd_b(money_flows(book.contracts)) == pytest.approx(13.0)


def test_overlapping_cycles_do_not_count_a_dollar_twice():
    vendor, lab, cloud = agent("vendor"), agent("lab"), agent("cloud")
    book = ContractBook()
    stake(book, lab, vendor, 10.0)
    for payer, payee, paid in ((lab, vendor, 6.0), (lab, cloud, 8.0), (cloud, vendor, 8.0)):
        c = lease(book, payer, payee, 1.0)
        c.paid_usd_b = paid
    cycles = circular_financing(money_flows(book.contracts))
    assert sum(c.amount_usd_b for c in cycles) == pytest.approx(10.0)  # the equity leg caps it
    assert circulating_usd_b(money_flows(book.contracts)) == pytest.approx(10.0)


def circulating_by_definition(flows) -> float:
    """The circular-financing figure read straight off its definition, every agent tried as
    the intermediary of every financing leg: the oracle for the indexed version."""
    names = sorted({name for pair in flows for name in pair})

    def paid(src: str, dst: str) -> float:
        return flows[(src, dst)]["commercial"] if (src, dst) in flows else 0.0

    returned: dict[str, float] = {}
    for (funder, company), legs in flows.items():
        back = paid(company, funder) + sum(
            min(paid(company, m), paid(m, funder)) for m in names if m not in (funder, company)
        )
        returned[funder] = returned.get(funder, 0.0) + min(legs["financing"], back)
    return sum(min(v, sum(paid(p, f) for p in names)) for f, v in returned.items())


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # few agents: self-payments and loops come up often
            st.integers(0, 3),
            st.sampled_from(["financing", "commercial"]),
            st.integers(0, 20).map(float),  # whole amounts: sums exact in any order
        ),
        max_size=40,
    )
)
def test_circulating_money_is_what_its_definition_says(moves):
    """Random money-flow networks, self-payments and zero amounts included."""
    flows = MoneyFlows()
    for src, dst, leg, amount in moves:
        flows.add(f"a{src}", f"a{dst}", leg, amount)
    assert circulating_usd_b(flows) == circulating_by_definition(flows)


def test_money_flows_refuse_negative_or_unknown_legs():
    flows = MoneyFlows()
    with pytest.raises(ValueError, match="financing or commercial"):
        flows.add("a", "b", "commercial", -1.0)
    with pytest.raises(ValueError, match="financing or commercial"):
        flows.add("a", "b", "gift", 1.0)
    assert len(flows) == 0


def test_largest_exposure_share_is_the_biggest_debtors_share():
    a, b, c = agent("A"), agent("B"), agent("C")
    book = ContractBook()
    loan(book, a, c, 30.0)
    repaid = loan(book, b, c, 50.0)
    loan(book, b, c, 10.0)
    book.close(repaid, "completed", 0)  # an ended contract is no longer a claim
    assert largest_exposure_share(book, 0) == pytest.approx(0.75)


def test_model_network_and_columns_without_defaults():
    model = BuildoutModel(seed=1, horizon_months=24)
    model.run()
    graph = model.contract_network()
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_edges() == len(model.contracts.contracts)
    assert set(graph.nodes) == {a.name for a in model.agents}
    edge = next(iter(graph.edges(data=True)))[2]
    assert {"kind", "notional_usd_b", "monthly_obligation_usd_b", "start", "end", "status"} <= set(
        edge
    )
    df = model.datacollector.get_model_vars_dataframe()
    assert df["defaults_cumulative"].iloc[-1] == 0
    assert [e for e in model.events if e["kind"] == "cascade"] == []
    assert df["cascade_losses_cumulative_usd_b"].iloc[-1] == 0
    assert df["circular_financing_usd_b"].iloc[-1] > 0  # the gpu-leader finances its buyers
    assert 0 < df["largest_exposure_share"].iloc[-1] <= 1
    assert 0 < df["capacity_hhi"].iloc[-1] <= 1 and 0 < df["chip_supply_hhi"].iloc[-1] <= 1
    recomputed = money_flows(model.contracts.contracts)  # the book keeps the same figures
    assert set(model.contracts.flows) == set(recomputed)
    for pair, legs in recomputed.items():
        assert model.contracts.flows[pair] == pytest.approx(legs)
    table = model.exposures()
    focal = table[(table["agent"] == "cloud-b") & (table["counterparty"] == "focal-lab")]
    assert focal["owed_remaining_usd_b"].iloc[0] > 0  # the Oracle-like lease


def test_lab_default_scenario_cascades_and_creditors_lose_their_exposure():
    model = BuildoutModel(scenario="lab-default", seed=1)
    seen = []
    cascade_of = model.default

    def spy(trigger):
        seen.append((trigger.name, model.exposures(), dict(trigger.arrears_usd_b)))
        return cascade_of(trigger)

    model.default = spy
    model.run()
    assert model.focal_lab.defaulted
    name, claims, arrears = next(s for s in seen if s[0] == "focal-lab")
    cascade = next(c for c in model.cascades if c.trigger == "focal-lab")
    on_focal = claims[claims["counterparty"] == "focal-lab"].set_index("agent")
    matched = [
        creditor
        for creditor, loss in cascade.losses_usd_b.items()
        if creditor in on_focal.index
        and loss > 0
        and loss
        == pytest.approx(
            on_focal.loc[creditor, "owed_remaining_usd_b"]
            + sum(v for k, v in arrears.items() if getattr(k, "name", k) == creditor)
        )
    ]
    assert matched
    assert model.events and any(
        e["kind"] == "cascade" and e["trigger"] == "focal-lab" for e in model.events
    )
    assert model.cascade_losses_cumulative_usd_b >= cascade.total_loss_usd_b > 0
