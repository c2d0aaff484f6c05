"""The gigawatt command line: a real run writes its tables; bad input leaves nothing behind."""

import argparse
import re
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


def test_seed0_beyond_int64_is_refused_before_any_run(tmp_path, capsys, no_simulation):
    """Tables store seeds as int64: a bigger last seed used to crash pyarrow after every run."""
    out = tmp_path / "never"
    argv = ["experiment", "baseline", "--replications", "2", "--months", "2", "--out", str(out)]
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--seed0", "99999999999999999999999"])
    assert exit_.value.code == 2
    assert "argument --seed0:" in capsys.readouterr().err
    assert main([*argv, "--seed0", str(2**63 - 1)]) == 2  # the last seed, 2**63, is one too many
    err = capsys.readouterr().err
    assert "--seed0 = 9223372036854775807 is invalid" in err and "2**63 - 1" in err
    assert not out.exists()


def test_run_without_seed_draws_one_prints_it_and_it_repeats_the_run(tmp_path, capsys):
    assert main(["run", "baseline", "--months", "3", "--out", str(tmp_path / "a")]) == 0
    match = re.search(r"seed (\d+) \(drawn", capsys.readouterr().out)
    assert match, "the drawn seed is printed"
    argv = ["run", "baseline", "--months", "3", "--seed", match.group(1)]
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    for name in ("model.csv", "agents.csv", "contracts.csv"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_viz_port_outside_1_to_65535_is_refused_before_serving(monkeypatch, capsys):
    import viz.serve

    def serve(host, port):
        raise AssertionError(f"served on port {port}")

    monkeypatch.setattr(viz.serve, "serve", serve)
    for port in ("99999", "0", "http"):
        with pytest.raises(SystemExit) as exit_:
            main(["viz", "--port", port])
        assert exit_.value.code == 2
        assert f"argument --port: {port!r} is invalid: allowed an integer >= 1 and <= 65535" in (
            capsys.readouterr().err
        )


def test_missing_scenario_file_is_reported_as_a_missing_file(tmp_path, capsys, no_simulation):
    out = tmp_path / "never"
    for path in (str(tmp_path / "doesnotexist.toml"), str(tmp_path / "sub" / "x")):
        with pytest.raises(SystemExit):
            main(["run", path, "--seed", "1", "--out", str(out)])
        err = capsys.readouterr().err
        assert f"scenario file {path!r} not found" in err and "unknown scenario" not in err
    assert not out.exists()


def test_set_of_one_parameter_twice_is_refused(tmp_path, capsys, no_simulation):
    out = tmp_path / "never"
    argv = ["run", "baseline", "--seed", "1", "--out", str(out), "--months", "2"]
    assert main([*argv, "--set", "ambition=1", "--set", "ambition=2"]) == 2
    err = capsys.readouterr().err
    assert "'ambition' is given twice" in err and "ambition=1.0" in err and "ambition=2.0" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "allowed"),
    [
        ("--quantile", "1.5", "allowed a number 0 < x < 1"),
        ("--quantile", "0", "allowed a number 0 < x < 1"),
        ("--seed", "-1", "allowed an integer >= 0 and <= 2**63 - 1"),
        ("--particles", "1", "allowed an integer >= 2"),
    ],
)
def test_calibrate_names_the_bad_option(tmp_path, capsys, no_simulation, option, value, allowed):
    out = tmp_path / "never"
    argv = ["calibrate", "history-2025", "--observed", OBSERVED, "--params", "ambition"]
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--out", str(out), option, value])
    assert exit_.value.code == 2
    assert f"argument {option}: {value!r} is invalid: {allowed}" in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_budget_below_particles_is_refused_before_any_worker(
    tmp_path, monkeypatch, capsys, no_simulation
):
    import experiments.calibrate

    def evaluator(*args, **kwargs):
        raise AssertionError("the workers started before the options were checked")

    monkeypatch.setattr(experiments.calibrate, "evaluator", evaluator)
    out = tmp_path / "never"
    argv = ["calibrate", "history-2025", "--observed", OBSERVED, "--params", "ambition"]
    assert main([*argv, "--out", str(out), "--particles", "50", "--max-simulations", "10"]) == 2
    err = capsys.readouterr().err
    assert "--max-simulations = 10 is invalid with --particles 50: allowed an integer >= 50" in err
    assert not out.exists()


def test_run_summary_ends_with_the_last_month_of_a_part_year(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--seed", "1", "--months", "18", "--out", str(out)]) == 0
    table = capsys.readouterr().out.split("\n\n")[1].splitlines()
    assert [line.split()[0] for line in table[1:]] == ["2026-01", "2027-01", "2027-07"]
    last = pd.read_csv(out / "model.csv").iloc[-1]
    assert table[-1].split()[1] == f"{last['capacity_online_gw']:.1f}"
