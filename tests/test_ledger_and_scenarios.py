"""The ledger's books, scenario files and their validation, and the parameter table."""

import re
from types import SimpleNamespace

import pytest

from environment.ledger import Ledger
from environment.parameters import PARAMETERS
from environment.scenario import (
    list_scenarios,
    load_scenario,
    month_index,
    month_label,
    scenario_path,
)


def test_ledger_balances_and_records_arrears():
    ledger = Ledger()
    a, b = SimpleNamespace(cash_usd_b=5.0), SimpleNamespace(cash_usd_b=1.0)
    ledger.open_account(a)
    ledger.open_account(b)
    ledger.transfer("end_customers", a, 3.0, "revenue")
    ledger.transfer(a, b, 2.0, "rent")
    unpaid = ledger.pay_what_is_affordable(b, "construction", 10.0, "build")
    assert unpaid == pytest.approx(7.0)
    assert (a.cash_usd_b, b.cash_usd_b) == (6.0, 0.0)
    assert ledger.outside["end_customers"] == -3.0 and ledger.outside["construction"] == 3.0
    assert ledger.imbalance_usd_b() == pytest.approx(0.0)
    with pytest.raises(KeyError, match="unknown outside account"):
        ledger.transfer(a, "nowhere", 1.0, "x")
    with pytest.raises(ValueError):
        ledger.transfer(a, b, -1.0, "x")


def test_every_parameter_is_sourced_and_its_default_is_allowed():
    for p in PARAMETERS.values():
        assert p.source and p.meaning, p.name
        assert p.validate(p.default) == p.default


def test_every_scenario_loads():
    assert "baseline" in list_scenarios()
    for name in list_scenarios():
        spec = load_scenario(name)
        assert spec["description"]
        assert sum(lab["focal"] for lab in spec["labs"]) == 1


def test_month_arithmetic():
    assert month_index("2026-01", "2027-03") == 14
    assert month_label("2026-01", 14) == "2027-03"
    assert month_label("2025-12", 1) == "2026-01"


BAD_FILES = [
    ("[parameters]\ncapex_per_gw_usd_b = -1\n", "'capex_per_gw_usd_b' = -1"),
    ("[parameters]\nwarp_drive = 1\n", "mine.toml: unknown parameter 'warp_drive'"),
    ('[[labs]]\nname = "x"\ncash_usd_b = 1.0\n', "missing field 'demand_gw'"),
    (
        '[[labs]]\nname = "x"\ncash_usd_b = 1.0\ndemand_gw = 1.0\nspeed = 2\n',
        "unknown field(s) ['speed']",
    ),
    (
        '[[investors]]\nname="i"\nstyle="magic"\ncapital_usd_b=1.0\ninflow_usd_b_per_year=0.0\n'
        "risk_appetite=0.5\nrequired_return=0.1\nmax_deal_share=0.1\n",
        "'style' = 'magic'",
    ),
    ("[spaceships]\n", "unknown section"),
    ("not toml ===", "scenario file"),
    # found by fuzzing: these once passed as numbers, or crashed with a TypeError
    ('[[labs]]\nname = "x"\ncash_usd_b = true\ndemand_gw = 1.0\n', "'cash_usd_b' = True"),
    ('[[labs]]\nname = "x"\ncash_usd_b = "17.5"\ndemand_gw = 1.0\n', "'cash_usd_b' = '17.5'"),
    ("parameters = [1]\n", "[parameters] must be a table"),
    ("labs = 5\n", "labs must be an array of tables"),
    ("events = [1]\n", "events[0]: 1 is not a table"),
    ('[[events]]\ndate = "2027-01"\nkind = ["x"]\n', "kind ['x'] is invalid"),
    (
        '[[events]]\ndate = "2027-01"\nkind = "set_parameter"\nparameter = ["ambition"]\n'
        "value = 1.0\n",
        "parameter ['ambition'] cannot change mid-run",
    ),
    ('[[events]]\ndate = "2027-01"\nkind = "new_lab"\nagent = 5\n', "agent: 5 is not a table"),
    (
        '[[events]]\ndate = "2027-01"\nkind = "moratorium"\njurisdiction = "texas"\n'
        'until = "2026-06"\n',
        "until 2026-06 must come after the date 2027-01",
    ),
]


@pytest.mark.parametrize(("text", "needle"), BAD_FILES)
def test_bad_scenario_files_are_refused_with_the_field_named(tmp_path, text, needle):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as err:
        load_scenario(path)
    assert needle in str(err.value)


@pytest.mark.parametrize(
    ("field", "allowed"),
    [("power_price_usd_mwh", "allowed [1, 10000]"), ("volume_gw", "allowed [0.001, 10000]")],
)
def test_a_zero_tariff_or_an_empty_contract_is_refused(tmp_path, field, allowed):
    """Found by fuzzing: both were in range and crashed the run with a bare ZeroDivisionError
    (sites are ranked by tariff ratios; a lease's income is pro rata its GW)."""
    path = tmp_path / "zero.toml"
    text = scenario_path("baseline").read_text()
    path.write_text(re.sub(rf"^{field} = [0-9.]+", f"{field} = 0.0", text, count=1, flags=re.M))
    with pytest.raises(ValueError, match=rf"'{field}' = 0.0 is invalid: {re.escape(allowed)}"):
        load_scenario(path)


def test_unknown_scenario_name_and_missing_scenario_file_are_told_apart(tmp_path):
    with pytest.raises(ValueError, match="^unknown scenario 'atlantis'; available: .*baseline"):
        load_scenario("atlantis")
    for path in (tmp_path / "atlantis.toml", str(tmp_path / "sub" / "atlantis"), "atlantis.toml"):
        with pytest.raises(ValueError) as err:
            load_scenario(path)
        assert str(err.value) == f"scenario file {str(path)!r} not found"
    notes = tmp_path / "notes.txt"
    notes.write_text(scenario_path("baseline").read_text())
    with pytest.raises(ValueError, match="is not a .toml file"):
        load_scenario(notes)


def test_user_scenario_copied_from_baseline_runs(tmp_path):
    from environment.model import BuildoutModel
    from environment.scenario import scenario_path

    text = (
        scenario_path("baseline")
        .read_text()
        .replace('start_date = "2026-01"', 'start_date = "2027-01"')
    )
    path = tmp_path / "later.toml"
    path.write_text(text)
    model = BuildoutModel(scenario=str(path), seed=1, horizon_months=12)
    model.run()
    assert model.datacollector.get_model_vars_dataframe()["date"].iloc[-1] == "2028-01"


def test_a_lab_leasing_to_itself_is_refused(tmp_path):
    from environment.model import BuildoutModel
    from environment.scenario import scenario_path

    lease = (
        '\n[[contracts]]\nkind = "lease"\nbuyer = "cloud-a"\nseller = "cloud-a"\n'
        'volume_gw = 0.5\nprice = 10.0\nstart = "2026-01"\nend = "2028-01"\n'
    )
    path = tmp_path / "self_lease.toml"
    path.write_text(scenario_path("baseline").read_text() + lease)
    with pytest.raises(ValueError, match="cloud-a->cloud-a.*cannot lease capacity to itself"):
        BuildoutModel(scenario=str(path), seed=1)
