"""The gigawatt command line: a real run writes its tables; bad input leaves nothing behind."""

import argparse
from pathlib import Path

import pandas as pd
import pytest

from environment.model import AGENT_COLUMNS, MODEL_COLUMNS, BuildoutModel
from environment.parameters import PARAMETERS, Parameter
from experiments.cli import _parse_override, main


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


# --- bad input is refused before any simulation, and leaves nothing behind --------------------
OBSERVED = "experiments/observed/end-2025.csv"
#: One command line per sub-command that writes an --out folder (the folder is appended).
OUT_COMMANDS = {
    "run": ["run", "baseline", "--months", "2", "--out"],
    "sweep": ["sweep", "experiments/specs/tiny.toml", "--no-progress", "--out"],
    "experiment": ["experiment", "baseline", "--replications", "2", "--workers", "1", "--out"],
    "backtest": ["backtest", "history-2025", "--observed", OBSERVED, "--seeds", "2", "--out"],
    "calibrate": [
        "calibrate",
        "history-2025",
        "--observed",
        OBSERVED,
        "--params",
        "ambition",
        "--out",
    ],
}


@pytest.fixture
def no_simulation(monkeypatch):
    """Make any model step fail the test: the refusal must come before any work."""

    def step(self):
        raise AssertionError("a model was stepped before the input was checked")

    monkeypatch.setattr(BuildoutModel, "step", step)


def bad_out(tmp_path: Path, kind: str) -> str:
    """An --out that cannot be a results folder: an existing file, a path under a file, a
    place nobody may create folders in, or nothing at all."""
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    return {
        "file": str(afile),
        "under-file": str(afile / "sub"),
        "proc": "/proc/gigawatt-out",
        "empty": "",
    }[kind]


@pytest.mark.parametrize("kind", ["file", "under-file", "proc", "empty"])
@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_bad_out_is_refused_before_any_work(
    tmp_path, monkeypatch, capsys, no_simulation, command, kind
):
    if kind == "proc" and not Path("/proc").is_dir():
        pytest.skip("needs Linux /proc")
    out = bad_out(tmp_path, kind)
    before = sorted(tmp_path.iterdir())
    repo = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(tmp_path)  # so that an empty --out writing into "." would show
    argv = [str(repo / a) if a.startswith("experiments/") else a for a in OUT_COMMANDS[command]]
    assert main([*argv, out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gigawatt: error: --out") and "allowed" in err
    assert sorted(tmp_path.iterdir()) == before
    assert not Path("/proc/gigawatt-out").exists()


def test_calibrate_from_python_checks_its_out_folder_first(tmp_path, no_simulation):
    from experiments.calibrate import calibrate

    repo = Path(__file__).resolve().parents[1]
    with pytest.raises(ValueError, match="out .*exists and is not a folder"):
        calibrate("history-2025", repo / OBSERVED, ["ambition"], out=bad_out(tmp_path, "file"))
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


def test_seed_must_be_a_non_negative_integer(tmp_path, capsys, no_simulation):
    out = tmp_path / "never"
    for seed in ("-1", "one"):
        with pytest.raises(SystemExit) as exit_:
            main(["run", "baseline", "--seed", seed, "--out", str(out)])
        assert exit_.value.code == 2
        assert f"argument --seed: {seed!r} is invalid: allowed an integer >= 0" in (
            capsys.readouterr().err
        )
    assert not out.exists()


def test_boolean_override_accepts_only_true_false_words(monkeypatch):
    # The table has no true/false parameter today; a made-up one exercises the rule.
    flag = Parameter("test_flag", "", False, None, None, "a made-up switch", "test")
    monkeypatch.setitem(PARAMETERS, "test_flag", flag)
    for text, value in [("TRUE", True), ("yes", True), ("1", True), ("No", False), ("0", False)]:
        assert _parse_override(f"test_flag={text}") == ("test_flag", value)
    for text in ("maybe", "", "2", "on"):
        with pytest.raises(argparse.ArgumentTypeError, match=r"'test_flag' = .* true/1/yes/false"):
            _parse_override(f"test_flag={text}")


def test_months_and_set_horizon_together_are_refused(tmp_path, capsys, no_simulation):
    out = tmp_path / "never"
    argv = ["run", "baseline", "--out", str(out), "--months", "5", "--set", "horizon_months=3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--months 5" in err and "horizon_months" in err and "give one of them" in err
    assert not out.exists()
