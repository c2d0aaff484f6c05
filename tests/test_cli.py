"""The gigawatt command line: a real run writes its tables; bad input leaves nothing behind."""

import pandas as pd

from environment.model import AGENT_COLUMNS, MODEL_COLUMNS
from experiments.cli import main


def test_run_writes_tables_and_prints_summary(tmp_path, capsys):
    out = tmp_path / "runs" / "baseline"
    assert main(["run", "baseline", "--seed", "1", "--out", str(out), "--months", "24"]) == 0
    text = capsys.readouterr().out
    for needle in ("2026-01", "2028-01", "peak funding gap", "defaults:", "binding bottleneck"):
        assert needle in text
    model = pd.read_csv(out / "model.csv")
    agents = pd.read_csv(out / "agents.csv")
    contracts = pd.read_csv(out / "contracts.csv")
    assert list(model.columns) == ["step", *MODEL_COLUMNS] and len(model) == 25
    assert set(AGENT_COLUMNS) <= set(agents.columns)
    assert len(agents) == 25 * agents["agent_id"].nunique()
    assert {"payer", "payee", "kind", "size", "price", "signed", "start", "end", "status"} <= set(
        contracts.columns
    )
    assert {"lease", "chip_supply", "ppa"} <= set(contracts["kind"])


def test_overrides_reach_the_model(tmp_path):
    out = tmp_path / "x"
    assert (
        main(
            [
                "run",
                "baseline",
                "--seed",
                "1",
                "--out",
                str(out),
                "--months",
                "12",
                "--set",
                "chip_supply_multiplier=0",
            ]
        )
        == 0
    )
    model = pd.read_csv(out / "model.csv")
    assert model["capacity_online_gw"].max() <= model["capacity_online_gw"].iloc[0] + 1e-9


def test_bad_parameter_value_fails_before_any_output(tmp_path, capsys):
    out = tmp_path / "never"
    assert (
        main(["run", "baseline", "--out", str(out), "--set", "permit_approval_probability=1.5"])
        == 2
    )
    assert (
        "'permit_approval_probability' = 1.5 is invalid: allowed [0, 1]" in capsys.readouterr().err
    )
    assert not out.exists()


def test_scenarios_and_params_listings(capsys):
    assert main(["scenarios"]) == 0
    assert "baseline" in capsys.readouterr().out
    assert main(["params"]) == 0
    assert "capex_per_gw_usd_b" in capsys.readouterr().out
