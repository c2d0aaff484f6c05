"""The agents table's revenue column: every seller reports what it is paid for its product."""

from collections import defaultdict

import pytest

from environment.model import BuildoutModel

#: What each kind is paid for its product, by ledger purpose.
PRODUCT_SALES = {
    "vendor": ("chip purchase", "chip take-or-pay prepayment"),
    "utility": ("power", "retail rates"),
}


def test_vendors_and_utilities_report_the_month_s_sales_annualised_as_labs_do():
    """A vendor's reported revenue is its chip sales, a utility's its power sales: the month's
    payments for them in the ledger times 12 (a lab's is its month's revenue times 12)."""
    model = BuildoutModel(seed=1)
    model.run(12)
    paid: dict[tuple[str, str], float] = defaultdict(float)
    transfer = model.ledger.transfer

    def recording_transfer(payer, payee, amount_usd_b, purpose):
        paid[getattr(payee, "name", payee), purpose] += amount_usd_b
        return transfer(payer, payee, amount_usd_b, purpose)

    model.ledger.transfer = recording_transfer
    model.step()
    table = model.datacollector.get_agent_vars_dataframe().xs(13, level="Step")
    checked = defaultdict(int)
    for _, row in table.iterrows():
        if row["kind"] in PRODUCT_SALES:
            sales = sum(paid[row["name"], purpose] for purpose in PRODUCT_SALES[row["kind"]])
            assert row["revenue_annual_usd_b"] == pytest.approx(12.0 * sales, rel=1e-12)
            checked[row["kind"]] += sales > 0
        elif row["kind"] in ("investor", "government"):
            assert row["revenue_annual_usd_b"] == 0.0  # they sell nothing
    assert checked["vendor"] >= 1 and checked["utility"] >= 1
