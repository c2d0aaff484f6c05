"""Backtest scoring, observed-file validation, and ABC-SMC recovering known parameter values."""

from __future__ import annotations

import argparse
import tomllib

import numpy as np
import pandas as pd
import pytest

from environment.scenario import load_scenario, month_index
from experiments.backtest import (
    Observation,
    add_backtest_parser,
    add_calibrate_parser,
    backtest,
    crps_ensemble,
    load_observed,
    run_metrics,
    score_points,
    summarise,
)
from experiments.calibrate import abc_smc as run_abc
from experiments.calibrate import calibrate, check_params, evaluator

SCENARIO = "history-2025"
HEADER = "date,metric,value,low,high,source\n"


def _obs(metric: str, value: float, low: float, high: float, date: str = "2025-12") -> Observation:
    return Observation(1, date, metric, value, low, high, "hand", month_index("2025-01", date) + 1)


def _write(tmp_path, text: str, name: str = "obs.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# --- the history scenario and the shipped observed file -------------------------------------
def test_history_scenario_starts_2025_and_observed_file_loads():
    spec = load_scenario(SCENARIO)
    assert spec["parameters"]["start_date"] == "2025-01"
    observations = load_observed("experiments/observed/end-2025.csv", SCENARIO)
    assert {o.metric for o in observations} == {
        "focal_capacity_online_gw",
        "lab_revenue_annual_usd_b",
        "lab_revenue_trailing_12m_usd_b",
        "lab_net_loss_quarter_usd_b",
    }
    # End-2025 (dated 2025-12, a month end) is step 12: the row labelled 2026-01.
    assert {o.step for o in observations if o.date == "2025-12"} == {12}


def test_trailing_revenue_is_the_sum_of_monthly_revenue():
    r = run_metrics(
        (SCENARIO, 1, 12, {}, ("lab_revenue_annual_usd_b", "lab_revenue_trailing_12m_usd_b"))
    )
    assert np.isnan(r["lab_revenue_trailing_12m_usd_b"][11])  # window would reach row 0
    assert r["lab_revenue_trailing_12m_usd_b"][12] == pytest.approx(
        r["lab_revenue_annual_usd_b"][1:13].sum() / 12
    )


# --- coverage report on a hand-built case ---------------------------------------------------
def test_coverage_report_on_hand_built_case():
    # 101 runs: values 0..100 for every point, so the 5-95 % band is exactly [5, 95].
    sims = np.tile(np.arange(101.0)[:, None], (1, 4))
    obs = [
        _obs("focal_capacity_online_gw", 50.0, 40.0, 60.0),  # inside
        _obs("lab_revenue_annual_usd_b", 95.0, 95.0, 95.0),  # on the edge: inside
        _obs("lab_cash_usd_b", 120.0, 90.0, 130.0),  # above, but its band overlaps
        _obs("lab_debt_usd_b", 2.0, 1.0, 3.0),  # below, no overlap
    ]
    points = score_points(sims, obs)
    assert points["sim_q05"].tolist() == [5.0] * 4
    assert points["sim_median"].tolist() == [50.0] * 4
    assert points["sim_q95"].tolist() == [95.0] * 4
    assert points["inside"].tolist() == [True, True, False, False]
    assert points["band_overlap"].tolist() == [True, True, True, False]
    # Interval score (alpha 0.1): width 90, plus 20 x the distance outside.
    assert points["interval_score"].tolist() == pytest.approx([90, 90, 90 + 20 * 25, 90 + 20 * 3])
    summary = summarise(points)
    assert summary["coverage"] == 0.5 and summary["inside"] == 2 and summary["points"] == 4


def test_crps_matches_its_definition_and_skips_undefined_runs():
    x = np.array([1.0, 2.0, 4.0, np.nan])
    y = 2.5
    finite = x[:3]
    brute = np.mean(np.abs(finite - y)) - 0.5 * np.mean(np.abs(finite[:, None] - finite[None, :]))
    assert crps_ensemble(x, y) == pytest.approx(brute)
    assert crps_ensemble(np.array([3.0]), 1.0) == pytest.approx(2.0)  # point forecast: |error|
    points = score_points(x[:, None], [_obs("lab_cash_usd_b", y, y, y)])
    assert points["n_runs"].item() == 3


# --- bad observed files ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2025-12,no_such_metric,1,,,x\n", "field 'metric' = 'no_such_metric' is unknown"),
        ("2025-12,focal_capacity_online_gw,abc,,,x\n", "field 'value' = 'abc' is not a"),
        ("2025-12,focal_capacity_online_gw,1.9,1.7,x2,x\n", "field 'high' = 'x2'"),
        ("2025-12,focal_capacity_online_gw,nan,,,x\n", "not a finite number"),
        ("2025-12,focal_capacity_online_gw,,,,x\n", "field 'value' is missing"),
        ("2025-13,focal_capacity_online_gw,1.9,,,x\n", "field 'date' = '2025-13'"),
        ("2040-01,focal_capacity_online_gw,1.9,,,x\n", "'2040-01' is outside the run"),
        ("2024-06,focal_capacity_online_gw,1.9,,,x\n", "'2024-06' is outside the run"),
        ("2025-06,lab_revenue_trailing_12m_usd_b,6,,,x\n", "can be observed from 2025-12"),
        ("2025-12,focal_capacity_online_gw,1.9,2.0,2.1,x\n", "need low <= value <= high"),
    ],
)
def test_bad_observed_rows_are_named(tmp_path, body, message):
    good = "2025-12,focal_capacity_online_gw,1.9,1.7,2.1,ok\n"
    path = _write(tmp_path, HEADER + good + body)
    with pytest.raises(ValueError) as err:
        load_observed(path, SCENARIO)
    assert "row 2" in str(err.value) and message in str(err.value)


def test_bad_observed_files(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_observed(tmp_path / "missing.csv", SCENARIO)
    with pytest.raises(ValueError, match="unknown \\['units'\\]"):
        load_observed(
            _write(tmp_path, "date,metric,value,units\n2025-12,lab_cash_usd_b,1,x\n"), SCENARIO
        )
    with pytest.raises(ValueError, match="no observations"):
        load_observed(_write(tmp_path, HEADER), SCENARIO)
    with pytest.raises(ValueError, match=".csv or .toml"):
        load_observed(_write(tmp_path, "x", "obs.json"), SCENARIO)
    toml = '[[observation]]\ndate = "2025-12"\nmetric = "lab_cash_usd_b"\nvalue = "lots"\n'
    with pytest.raises(ValueError, match="field 'value' = 'lots' is not a number"):
        load_observed(_write(tmp_path, toml, "obs.toml"), SCENARIO)


def test_bad_file_fails_before_any_run_or_output(tmp_path):
    path = _write(tmp_path, HEADER + "2025-12,bogus,1,,,x\n")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="bogus"):
        backtest(SCENARIO, path, seeds=5, out=out)
    with pytest.raises(ValueError, match="bogus"):
        calibrate(SCENARIO, path, ["ambition"], out=out)
    good = _write(tmp_path, HEADER + "2025-12,lab_cash_usd_b,1,,,x\n", "good.csv")
    for settings, message in [
        ({"particles": 50, "max_simulations": 10}, "max_simulations = 10"),
        ({"quantile": 1.0}, "quantile = 1.0"),
        ({"generations": 0}, "generations"),
    ]:
        with pytest.raises(ValueError, match=message):  # before any worker or Dask client
            calibrate(
                SCENARIO, good, ["ambition"], out=out, scheduler="tcp://0.0.0.0:1", **settings
            )
    with pytest.raises(ValueError, match="unknown parameter 'nope'"):
        check_params(["nope"])
    with pytest.raises(ValueError, match="cannot be calibrated"):
        check_params(["chip_allocation_rule"])
    assert not out.exists()


# --- command line ---------------------------------------------------------------------------
def test_parsers_register_commands():
    parser = argparse.ArgumentParser(prog="gigawatt")
    sub = parser.add_subparsers(dest="command", required=True)
    add_backtest_parser(sub)
    add_calibrate_parser(sub)
    args = parser.parse_args(["backtest", SCENARIO, "--observed", "f.csv", "--seeds", "7"])
    assert args.seeds == 7 and callable(args.func)
    args = parser.parse_args(
        ["calibrate", SCENARIO, "--observed", "f.csv", "--params", "ambition", "utilization"]
    )
    assert args.params == ["ambition", "utilization"] and callable(args.func)


def test_backtest_end_to_end_writes_table_and_plot(tmp_path):
    points = backtest(SCENARIO, "experiments/observed/end-2025.csv", seeds=4, out=tmp_path)
    assert len(points) == 4 and points["n_runs"].min() >= 1
    assert (points["sim_q05"] <= points["sim_median"]).all()
    written = pd.read_csv(tmp_path / "backtest.csv")
    assert written["inside"].tolist() == points["inside"].tolist()
    assert (tmp_path / "backtest.png").stat().st_size > 10_000
    again = backtest(SCENARIO, "experiments/observed/end-2025.csv", seeds=4)
    pd.testing.assert_frame_equal(points, again)  # fully determined by the seeds


# --- calibration ----------------------------------------------------------------------------
def _synthetic_observed(tmp_path, true: dict[str, float], points: list[tuple[str, str]]):
    """Observed points made by the model itself at ``true``: the median over 10 seeds, with a
    +-5 % band."""
    metrics = tuple(dict.fromkeys(m for _, m in points))
    runs = [run_metrics((SCENARIO, s, 12, true, metrics)) for s in range(100, 110)]
    rows = []
    for date, metric in points:
        k = month_index("2025-01", date) + 1
        v = float(np.median([r[metric][k] for r in runs]))
        rows.append(f"{date},{metric},{v},{0.95 * v},{1.05 * v},synthetic\n")
    return _write(tmp_path, HEADER + "".join(rows))


def test_abc_smc_is_independent_of_worker_count(tmp_path):
    path = _synthetic_observed(tmp_path, {}, [("2025-12", "lab_revenue_annual_usd_b")])
    observations = load_observed(path, SCENARIO)
    results = []
    for workers in (1, 2):
        with evaluator(workers) as mapper:
            results.append(
                run_abc(
                    SCENARIO,
                    observations,
                    ["revenue_per_gw_year_usd_b"],
                    mapper,
                    particles=8,
                    generations=2,
                    seed=5,
                )
            )
    np.testing.assert_array_equal(results[0].particles, results[1].particles)
    np.testing.assert_array_equal(results[0].seeds, results[1].seeds)


@pytest.mark.slow
def test_calibration_recovers_known_values(tmp_path):
    true = {"revenue_per_gw_year_usd_b": 16.0, "fixed_costs_usd_b_per_year_per_revenue": 1.5}
    path = _synthetic_observed(
        tmp_path,
        true,
        [
            ("2025-06", "lab_revenue_annual_usd_b"),
            ("2025-12", "lab_revenue_annual_usd_b"),
            ("2025-09", "lab_net_loss_quarter_usd_b"),
            ("2025-12", "lab_net_loss_quarter_usd_b"),
        ],
    )
    out = tmp_path / "fit"
    post = calibrate(
        SCENARIO, path, list(true), out=out, particles=50, generations=6, seed=1, workers=2
    )
    summary = post.summary().set_index("parameter")
    for name, value in true.items():
        row = summary.loc[name]
        assert row["q05"] <= value <= row["q95"], (name, row.to_dict())
        # and it learned something: the 90 % interval is at most half the prior range
        assert row["q95"] - row["q05"] < 0.5 * (row["prior_high"] - row["prior_low"])
    fitted = tomllib.loads((out / "history-2025-calibrated.toml").read_text())
    assert fitted["parameters"]["revenue_per_gw_year_usd_b"] == pytest.approx(
        summary.loc["revenue_per_gw_year_usd_b", "median"], rel=1e-5
    )
    assert fitted["name"] == "history-2025-calibrated"
    load_scenario(out / "history-2025-calibrated.toml")  # a valid scenario
    accepted = pd.read_csv(out / "accepted.csv")
    assert len(accepted) == 50 and accepted["weight"].sum() == pytest.approx(1.0)
    assert set(pd.read_csv(out / "posterior.csv").columns) >= {"mean", "median", "q05", "q95"}
