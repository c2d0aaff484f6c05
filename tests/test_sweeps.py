"""Sweep machinery (issue 6): batch_run, spec validation, Sobol, resume, failures, Dask, EMA."""

from __future__ import annotations

import gc
import itertools
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from environment.model import BuildoutModel
from experiments import sweep_exec
from experiments.outcomes import OUTCOMES, SERIES_COLUMNS, simulate
from experiments.sweep import run_sweep
from experiments.sweep_spec import (
    MAX_RUNS,
    build_design,
    count_runs,
    load_spec,
    parse_spec,
    plan_runs,
)

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "experiments" / "specs" / "tiny.toml"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}


def write_spec(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Bit-for-bit equal tables; series cells (arrays) are compared as tuples."""
    series = [c for c in a.columns if c in SERIES_COLUMNS]
    pd.testing.assert_frame_equal(
        a.assign(**{c: a[c].map(tuple) for c in series}),
        b.assign(**{c: b[c].map(tuple) for c in series}),
        check_exact=True,
    )


@pytest.fixture(scope="module")
def tiny_reference(tmp_path_factory) -> pd.DataFrame:
    """The tiny spec run in this process: the table every other executor must reproduce."""
    return run_sweep(TINY, tmp_path_factory.mktemp("reference"), progress=False)


def test_batch_run_returns_one_row_per_agent_of_each_run():
    # Seeds as a parameter ("rng" is the model's alias of seed): the one form that both Mesa
    # 3.3 and 3.5 take without a warning (3.5 deprecates ``iterations``).
    params = {"ambition": [0.5, 1.0], "capex_per_gw_usd_b": [40, 60], "rng": [0, 1]}
    rows = pd.DataFrame(
        mesa.batch_run(
            BuildoutModel,
            params,
            max_steps=12,
            number_processes=1,
            display_progress=False,
        )
    )
    model = BuildoutModel(seed=0)
    collector = model.datacollector
    # batch_run merges agent columns over model columns of the same name: there must be none,
    # so every model column carries the model's value, repeated on each agent's row.
    assert not set(collector.model_reporters) & set(collector.agent_reporters)
    model_only = sorted(collector.model_reporters)
    runs = rows.groupby("RunId")
    assert list(runs.groups) == list(range(8))
    assert (runs.size() == len(model.agents)).all()  # agent reporters: one row per agent
    assert (runs["AgentID"].nunique() == len(model.agents)).all()
    assert (runs[model_only].nunique() == 1).all().all()
    combos = runs[["rng", "ambition", "capex_per_gw_usd_b"]].first()
    assert sorted(map(tuple, combos.to_numpy().tolist())) == sorted(
        itertools.product([0, 1], [0.5, 1.0], [40, 60])
    )
    # Mesa 3.3.1 steps max_steps + 1 times and reports the collected row at index max_steps.
    assert set(rows["Step"]) == {12}
    assert (rows["date"] == "2027-01").all()
    assert np.isfinite(rows[[c for c in model_only if c != "date"]].to_numpy(float)).all()


def test_simulate_refuses_bools_strings_and_fractions_but_takes_what_samplers_give():
    """int() would run some other seed or horizon than the one asked for; numpy integers and
    integral floats (what samplers and data frames hand over) are still taken."""
    for seed, horizon, needle in [
        (True, 12, "seed = True is invalid"),
        ("3", 12, "seed = '3' is invalid"),
        (1.9, 12, "seed = 1.9 is invalid"),
        (1, 12.7, "'horizon_months' = 12.7 is invalid"),
        (1, "12", "'horizon_months' = '12' is invalid"),
        (1, False, "'horizon_months' = False is invalid"),
    ]:
        with pytest.raises(ValueError, match=re.escape(needle)):
            simulate({}, seed, horizon)
    want = simulate({}, 3, 6)
    for seed, horizon in [(np.int64(3), np.int32(6)), (3.0, 6.0), (np.float64(3.0), 6)]:
        assert simulate({}, seed, horizon) == want


def test_ema_model_refuses_a_zero_horizon_and_no_replications():
    """0 used to read as "the default horizon" (120 months) instead of being refused."""
    from experiments.ema_adapter import build_model

    with pytest.raises(ValueError, match=r"'horizon_months' = 0 is invalid: allowed \[1, 600\]"):
        build_model({"ambition": [0.5, 2.0]}, horizon_months=0)
    with pytest.raises(ValueError, match="replications = 0 is invalid: allowed an integer >= 1"):
        build_model({"ambition": [0.5, 2.0]}, replications=0)
    assert build_model({"ambition": [0.5, 2.0]}).constants["horizon_months"].value == 120


def test_simulate_is_pure_and_reports_every_outcome():
    a = simulate({"ambition": 1.5}, seed=3, horizon_months=24, series=True)
    b = simulate({"ambition": 1.5}, seed=3, horizon_months=24, series=True)
    assert not set(OUTCOMES) & set(SERIES_COLUMNS)
    assert set(OUTCOMES) | set(SERIES_COLUMNS) == set(a)
    assert math.isnan(a["capacity_online_gw_year5"])  # month 60 lies beyond a 24-month run
    assert len(a["capacity_online_gw"]) == 25  # months 0 .. 24
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ("ambition = [0.5, 9.0]", r"'ambition' range \[0.5, 9\] .*allowed \[0, 5\]"),
        ("capex_per_gw_usd_b = [60, 40]", r"'capex_per_gw_usd_b' range \[60, 40\]"),
        ("chip_allocation_rule = ['pro_rata', 'lottery']", r"'chip_allocation_rule'.*'lottery'"),
        ("ambitions = [0.5, 1.0]", r"unknown sweep parameter 'ambitions'"),
        ("debt_spread_min = [0.0, 0.2]\ndebt_spread_max = 0.05", r"'debt_spread_min'"),
        # only one side swept: the other is the default (0.065), so most points break the rule
        (
            "debt_spread_min = [0.0, 0.3]",
            r"design point \d+ \{'debt_spread_min': .*\}.*'debt_spread_min' must not exceed "
            r"'debt_spread_max'",
        ),
        ("ambition = [true, 2.0]", r"'ambition' = True is invalid: allowed \[0, 5\]"),
    ],
)
def test_bad_spec_raises_before_any_output(tmp_path, parameters, message):
    text = f'design = "lhs"\nsamples = 50\n[parameters]\n{parameters}\n'
    spec = write_spec(tmp_path / "bad.toml", text)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        run_sweep(spec, out, progress=False)
    assert not out.exists()


@pytest.mark.parametrize(
    ("design", "size", "points"),
    [
        ("grid", {"levels": 3}, 3 * 3 * 2),
        ("lhs", {"samples": 7}, 7),
        ("sobol", {"samples": 8}, 8 * (2 * 3 + 2)),
        ("morris", {"samples": 5}, 5 * (3 + 1)),
    ],
)
def test_design_sizes_and_types(design, size, points):
    spec = parse_spec(
        {
            "design": design,
            **size,
            "replications": 2,
            "parameters": {
                "ambition": [0.5, 2.0],
                "build_months": [6, 24],
                "chip_allocation_rule": ["pro_rata", "strategic_first"],
            },
        }
    )
    design_points = build_design(spec).points
    assert len(design_points) == points
    assert count_runs(spec) == len(plan_runs(spec, build_design(spec))) == 2 * points
    assert all(
        isinstance(p["build_months"], int) and 6 <= p["build_months"] <= 24 for p in design_points
    )
    assert {p["chip_allocation_rule"] for p in design_points} == {"pro_rata", "strategic_first"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("outcomes = 5", r"'outcomes' = 5 is invalid: allowed a list of names from "),
        ("outcomes = []", r"'outcomes' = \[\] is invalid: name at least one"),
        ('series = "capacity_online_gw"', r"'series' = 'capacity_online_gw' is invalid"),
        ("levels = 1", r"'levels' = 1 is invalid: allowed an integer >= 2"),
        ('design = "morris"\nlevels = 1', r"'levels' = 1 is invalid: allowed an integer >= 2"),
        ('design = "morris"\nlevels = 3', r"'levels' = 3 is invalid: .*even for morris"),
        ("parameters = 5", r"'parameters' = 5 is invalid: allowed a \[parameters\] table"),
        ("[parameters]\nambition = {values = 5}", r"'ambition': a table must be \{values = "),
        ('design = "grid', r"sweep spec '.*spec.toml': not valid TOML"),
    ],
)
def test_malformed_spec_is_a_value_error_naming_the_field(tmp_path, text, message):
    """Each of these raised TypeError, AttributeError or ZeroDivisionError, or quietly ran."""
    body = text if "parameters" in text else f"{text}\n[parameters]\nambition = [0.5, 1.5]"
    head = "" if "design" in text else 'design = "grid"\n'
    spec = write_spec(tmp_path / "spec.toml", head + body + "\n")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=message):
        run_sweep(spec, out, progress=False)
    assert not out.exists()


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_spec_file_that_cannot_be_read_is_named(tmp_path, kind):
    spec = tmp_path / "spec.toml"
    if kind == "folder":
        spec.mkdir()
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=r"sweep spec '.*spec.toml': .*allowed a TOML file"):
        run_sweep(spec, out, progress=False)
    assert not out.exists()


def test_sweep_over_the_run_cap_is_refused_before_the_design_is_sampled(tmp_path, monkeypatch):
    def sample(spec):
        raise AssertionError("the design was sampled")

    monkeypatch.setattr("experiments.sweep.build_design", sample)
    spec = write_spec(
        tmp_path / "huge.toml",
        'design = "grid"\nlevels = 100000\nreplications = 100000\n'
        "[parameters]\nambition = [0.5, 1.5]\n",
    )
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=rf"10,000,000,000 runs .*at most {MAX_RUNS:,}"):
        run_sweep(spec, out, progress=False)
    assert not out.exists()


@pytest.mark.parametrize(
    ("scenario_change", "swept", "needle"),
    [
        (  # its debt_spread_max of 0.02 rules out a swept debt_spread_min of up to 0.03
            lambda text: text.replace("[parameters]\n", "[parameters]\ndebt_spread_max = 0.02\n"),
            "debt_spread_min = [0.0, 0.03]\n",
            r"point 1 .*tight.toml.*must not exceed 'debt_spread_max'",
        ),
        (  # it lowers debt_spread_max to 0.1 in 2027-01: a swept debt_spread_min of 0.2 is
            # valid at the start, but every run would be refused at that event
            lambda text: (
                text + '\n[[events]]\ndate = "2027-01"\nkind = "set_parameter"\n'
                'parameter = "debt_spread_max"\nvalue = 0.1\n'
            ),
            "debt_spread_max = 0.3\ndebt_spread_min = [0.0, 0.2]\n",
            r"point 1 .*event set_parameter on 2027-01.*must not",
        ),
    ],
    ids=["scenario_parameters", "later_scenario_event"],
)
def test_point_breaking_a_rule_of_the_scenario_is_refused(tmp_path, scenario_change, swept, needle):
    """The scenario's parameters and timeline are what a run sees: a point that breaks a rule
    against them is refused before the sweep starts, although each value is within range."""
    baseline = (REPO / "environment" / "scenarios" / "baseline.toml").read_text()
    scenario = tmp_path / "tight.toml"
    scenario.write_text(scenario_change(baseline))
    spec = write_spec(
        tmp_path / "spec.toml",
        f'design = "grid"\nlevels = 2\nscenario = "{scenario}"\n[parameters]\n{swept}',
    )
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=needle):
        run_sweep(spec, out, progress=False)
    assert not out.exists()


def test_point_is_checked_once_a_months_events_have_all_landed(tmp_path):
    """capital-crunch lowers debt_spread_max to 0.1 in 2027-01 and, in the same month,
    debt_spread_min to 0.035: a swept debt_spread_min of 0.2 passes through no state any agent
    sees that breaks the rule, so the point is accepted (it was refused once)."""
    spec = load_spec(
        write_spec(
            tmp_path / "spec.toml",
            'design = "grid"\nlevels = 2\nscenario = "capital-crunch"\n'
            "[parameters]\ndebt_spread_max = 0.3\ndebt_spread_min = [0.0, 0.2]\n",
        )
    )
    design = build_design(spec)
    assert sorted(point["debt_spread_min"] for point in design.points) == [0.0, 0.2]


@pytest.mark.parametrize("address", ["bogus", "closed-port"])
def test_unusable_scheduler_is_refused_and_leaves_nothing(tmp_path, monkeypatch, address):
    monkeypatch.setattr(sweep_exec, "CONNECT_TIMEOUT_S", 1)  # 20 s in use; nothing listens here
    if address == "closed-port":
        address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=rf"--scheduler '{address}' cannot be used .*allowed"):
        run_sweep(TINY, out, progress=False, scheduler=address)
    assert not out.exists()


def test_a_failed_connection_leaves_no_client_for_the_garbage_collector(monkeypatch):
    """A half-started Client left for the collector closed itself inside the next Client's
    start and deadlocked CI (distributed's loop lock); connect collects it at once."""
    from distributed import Client

    def clients() -> int:
        return sum(isinstance(o, Client) for o in gc.get_objects())

    monkeypatch.setattr(sweep_exec, "CONNECT_TIMEOUT_S", 1)
    gc.collect()
    before = clients()
    gc.disable()  # only connect may collect
    try:
        with pytest.raises(ValueError, match="cannot be used"):
            sweep_exec.connect(f"tcp://127.0.0.1:{free_port()}")
        assert clients() == before
    finally:
        gc.enable()


#: The Ishigami inputs as a sweep spec's tail (the fourth is the dummy).
ISHIGAMI_INPUTS = """outcomes = ["capacity_online_gw_final"]
[parameters]
ambition = [0.0, 5.0]
rivalry_weight = [0.0, 5.0]
lease_urgency_premium = [0.0, 3.0]
sentiment_noise = [0.0, 0.5]
"""


def ishigami(params, seed, horizon_months=None, scenario="baseline", series=False):
    """Ishigami function of three model parameters rescaled to [-pi, pi]; the fourth swept
    input (sentiment_noise) is a dummy it ignores. Analytic S1 = (0.314, 0.442, 0),
    ST = (0.558, 0.442, 0.244)."""
    x1 = -math.pi + 2 * math.pi * params["ambition"] / 5.0
    x2 = -math.pi + 2 * math.pi * params["rivalry_weight"] / 5.0
    x3 = -math.pi + 2 * math.pi * params["lease_urgency_premium"] / 3.0
    value = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)
    return dict.fromkeys(OUTCOMES, value)


def test_sobol_analysis_recovers_ishigami_indices_and_a_dummy_gets_zero(tmp_path):
    """The analysis wrapper on a function with known indices (not the model): full pipeline
    from spec to sensitivity.csv/png, with a dummy input whose total index must vanish."""
    spec = write_spec(
        tmp_path / "ishigami.toml",
        """
design = "sobol"
samples = 1024
second_order = false
"""
        + ISHIGAMI_INPUTS,
    )
    table = run_sweep(spec, tmp_path / "out", progress=False, fn=ishigami)
    assert len(table) == 1024 * (4 + 2)
    indices = pd.read_csv(tmp_path / "out" / "sensitivity.csv").set_index("parameter")
    assert list(indices.columns) == ["outcome", "S1", "S1_conf", "ST", "ST_conf"]
    expected_s1 = [0.314, 0.442, 0.0, 0.0]
    expected_st = [0.558, 0.442, 0.244, 0.0]
    np.testing.assert_allclose(indices["S1"], expected_s1, atol=0.03)
    np.testing.assert_allclose(indices["ST"], expected_st, atol=0.03)
    assert indices.loc["sentiment_noise", "ST"] < 0.005
    assert (tmp_path / "out" / "sensitivity.png").stat().st_size > 10_000


def test_morris_screening_gives_the_dummy_no_effect(tmp_path):
    spec = write_spec(
        tmp_path / "morris.toml",
        """
design = "morris"
samples = 20
levels = 4
"""
        + ISHIGAMI_INPUTS,
    )
    table = run_sweep(spec, tmp_path / "out", progress=False, fn=ishigami)
    assert len(table) == 20 * (4 + 1)
    indices = pd.read_csv(tmp_path / "out" / "sensitivity.csv").set_index("parameter")
    assert list(indices.columns) == ["outcome", "mu_star", "mu_star_conf", "sigma"]
    assert indices.loc["sentiment_noise", "mu_star"] == 0.0
    assert (indices.drop(index="sentiment_noise")["mu_star"] > 0.5).all()


def test_real_sobol_sweep_shapes_and_ignored_parameter(tiny_reference, tmp_path):
    """The tiny spec sweeps efficiency_shock_factor while the shock never arrives: with common
    seeds no outcome can change with it, so its total index is zero."""
    out = tmp_path / "again"
    table = run_sweep(TINY, out, progress=False)
    assert_same_table(table, tiny_reference)
    assert len(table) == 4 * (3 + 2) * 2 and table["error"].isna().all()
    assert all(len(s) == 25 for s in table["capacity_online_gw"])
    indices = pd.read_csv(out / "sensitivity.csv")
    assert indices.shape == (3 * 3, 6)
    ignored = indices[indices["parameter"] == "efficiency_shock_factor"]
    np.testing.assert_allclose(ignored["ST"], 0.0, atol=1e-12)


def test_failed_runs_are_recorded_and_not_rerun(tmp_path):
    calls = []

    def fragile(params, seed, **kwargs):
        calls.append(params["ambition"])
        if params["ambition"] > 1.5:
            raise RuntimeError("ambition too high for this test")
        return dict.fromkeys(OUTCOMES, params["ambition"])

    spec = write_spec(
        tmp_path / "s.toml",
        """
design = "grid"
levels = 4
replications = 2
outcomes = ["capacity_online_gw_final"]
[parameters]
ambition = [0.0, 3.0]
""",
    )
    table = run_sweep(spec, tmp_path / "out", progress=False, fn=fragile)
    failed = table[table["error"].notna()]
    assert list(failed["ambition"]) == [2.0, 2.0, 3.0, 3.0]
    assert (
        failed["error"]
        .str.fullmatch(r"RuntimeError: ambition too high for this test \(at test_sweeps.py:\d+\)")
        .all()
    )
    assert failed["capacity_online_gw_final"].isna().all()
    assert list(table.loc[table["error"].isna(), "capacity_online_gw_final"]) == [0, 0, 1, 1]
    assert len(calls) == 8
    again = run_sweep(spec, tmp_path / "out", progress=False, fn=fragile)
    assert len(calls) == 8  # nothing recomputed, failures included
    assert_same_table(again, table)


def zeros(params, seed, **kwargs):
    return dict.fromkeys(OUTCOMES, 0.0)


def test_changed_spec_refuses_an_old_output_dir(tmp_path):
    text = 'design = "lhs"\nsamples = 2\n[parameters]\nambition = [0.5, 1.0]\n'
    spec = write_spec(tmp_path / "s.toml", text)
    run_sweep(spec, tmp_path / "out", progress=False, fn=zeros)
    spec.write_text(spec.read_text().replace("samples = 2", "samples = 3"))
    with pytest.raises(ValueError, match="different sweep spec"):
        run_sweep(spec, tmp_path / "out", progress=False, fn=zeros)


@pytest.mark.slow
def test_sigkilled_sweep_resumes_to_the_uninterrupted_table(tiny_reference, tmp_path):
    out = tmp_path / "out"
    one_run_per_chunk = TINY.read_text().replace("batch_size = 4", "batch_size = 1")
    spec = write_spec(tmp_path / "tiny.toml", one_run_per_chunk)
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.sweep", str(spec), "--out", str(out), "--no-progress"],
        env=ENV,
        cwd=REPO,
    )
    deadline = time.monotonic() + 60
    while len(list(out.glob("runs/part-*.parquet"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    survivors = {p.name: p.stat().st_mtime_ns for p in out.glob("runs/part-*.parquet")}
    assert 5 <= len(survivors) < len(tiny_reference), "the sweep was not interrupted mid-way"
    table = run_sweep(spec, out, progress=False)
    assert_same_table(table, tiny_reference)
    kept = {name: (out / "runs" / name).stat().st_mtime_ns for name in survivors}
    assert kept == survivors  # finished chunks were neither recomputed nor rewritten


@pytest.mark.slow
def test_process_pool_and_dask_local_cluster_match_in_process(tiny_reference, tmp_path):
    processes = run_sweep(TINY, tmp_path / "processes", workers=2, progress=False)
    dask_local = run_sweep(TINY, tmp_path / "dask", workers=2, scheduler="local", progress=False)
    assert_same_table(processes, tiny_reference)
    assert_same_table(dask_local, tiny_reference)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_sweep_through_external_dask_scheduler(tiny_reference, tmp_path):
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    scheduler = subprocess.Popen(
        [
            dask,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
        ],
        env=ENV,
        cwd=tmp_path,
    )
    worker = subprocess.Popen(
        [
            dask,
            "worker",
            address,
            "--host",
            "127.0.0.1",
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
        ],
        env=ENV,
        cwd=tmp_path,
    )
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "experiments.sweep",
                str(TINY),
                "--out",
                str(tmp_path / "out"),
                "--scheduler",
                address,
                "--no-progress",
            ],
            env=ENV,
            cwd=REPO,
            check=True,
            timeout=120,
        )
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)
    table = run_sweep(TINY, tmp_path / "out", progress=False)  # everything finished: just reads
    assert_same_table(table, tiny_reference)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:ipyparallel not installed")
def test_ema_dask_evaluator_matches_sequential_and_simulate():
    from ema_workbench import SequentialEvaluator

    from experiments.ema_adapter import DaskEvaluator, build_model, lhs_scenarios
    from experiments.sweep_spec import replication_seed

    ranges = {"ambition": [0.5, 2.0], "chip_allocation_rule": None}
    model = build_model(
        ranges,
        outcomes=["capacity_online_gw_final", "focal_defaulted"],
        series=["capacity_online_gw"],
        replications=2,
        seed=5,
        horizon_months=24,
    )
    scenarios = lhs_scenarios(
        {"ambition": [0.5, 2.0], "chip_allocation_rule": ["pro_rata", "strategic_first"]}, 6, seed=1
    )
    with SequentialEvaluator(model) as evaluator:
        seq_x, seq_y = evaluator.perform_experiments(scenarios)
    with DaskEvaluator(model, n_workers=2, batch_size=2) as evaluator:
        dask_x, dask_y = evaluator.perform_experiments(scenarios)
    pd.testing.assert_frame_equal(seq_x, dask_x)
    for name in seq_y:
        np.testing.assert_array_equal(seq_y[name], dask_y[name])
    assert seq_y["capacity_online_gw"].shape == (6, 2, 25)
    first = {k: scenarios[0][k] for k in ("ambition", "chip_allocation_rule")}
    direct = [
        simulate(first, replication_seed(5, r), 24)["capacity_online_gw_final"] for r in range(2)
    ]
    assert seq_y["capacity_online_gw_final"][0] == pytest.approx(np.mean(direct))
