"""Study scripts and seed ranges: bad options are refused by name before any work starts."""

from __future__ import annotations

import importlib

import pytest

from experiments.cli import main

STUDIES = "experiments.studies."


@pytest.fixture
def no_work(monkeypatch):
    """Make the studies' work fail the test: the refusal must come before it."""

    def work(*args, **kwargs):
        raise AssertionError("the study started working before its options were checked")

    for module, names in {
        "gigawatt_a_week": ["run_experiment"],
        "scenario_comparison": ["run_experiment"],
        "prim_focal_default": ["build_model", "lhs_scenarios", "DaskEvaluator"],
        "default_recoveries": ["BuildoutModel"],
    }.items():
        for name in names:
            monkeypatch.setattr(importlib.import_module(STUDIES + module), name, work)


@pytest.mark.parametrize(
    ("study", "argv", "needle"),
    [
        ("prim_focal_default", ["--horizon", "0"], "argument --horizon: '0' is invalid"),
        ("prim_focal_default", ["--horizon", "601"], "allowed [1, 600] months"),
        ("prim_focal_default", ["--threshold", "1.5"], "allowed a number 0 < x <= 1"),
        ("prim_focal_default", ["--threshold", "0"], "argument --threshold: '0' is invalid"),
        ("prim_focal_default", ["--replications", "0"], "argument --replications: '0'"),
        ("prim_focal_default", ["--experiments", "0"], "argument --experiments: '0'"),
        ("prim_focal_default", ["--seed", "-1"], "argument --seed: '-1' is invalid"),
        ("gigawatt_a_week", ["--replications", "0"], "allowed an integer >= 1"),
        ("gigawatt_a_week", ["--workers", "0"], "argument --workers: '0' is invalid"),
        ("gigawatt_a_week", ["--out", "/proc/gigawatt-out"], "argument --out:"),
        ("scenario_comparison", ["nosuch"], "argument scenarios: unknown scenario 'nosuch'"),
        ("scenario_comparison", ["x.toml"], "scenario file 'x.toml' not found"),
        ("scenario_comparison", ["--replications", "0"], "argument --replications: '0'"),
        ("scenario_comparison", ["baseline", "baseline"], "baseline given twice"),
        ("default_recoveries", ["nosuch"], "argument scenarios: unknown scenario 'nosuch'"),
        ("default_recoveries", ["--replications", "0"], "argument --replications: '0'"),
        ("default_recoveries", ["lab-default", "lab-default"], "lab-default given twice"),
    ],
)
def test_study_options_are_refused_by_name_before_any_work(capsys, no_work, study, argv, needle):
    module = importlib.import_module(STUDIES + study)
    with pytest.raises(SystemExit) as exit_:
        module.main(argv)
    assert exit_.value.code == 2
    assert needle in capsys.readouterr().err


def test_backtest_seeds_beyond_int64_are_refused_by_option(tmp_path, capsys, monkeypatch):
    from environment.model import BuildoutModel

    monkeypatch.setattr(BuildoutModel, "step", lambda self: pytest.fail("a model was stepped"))
    argv = ["backtest", "history-2025", "--observed", "experiments/observed/end-2025.csv"]
    assert main([*argv, "--seeds", "2", "--first-seed", str(2**63 - 1)]) == 2
    assert "--first-seed = 9223372036854775807 is invalid" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*argv, "--first-seed", "-1"])
    assert "argument --first-seed: '-1' is invalid" in capsys.readouterr().err
