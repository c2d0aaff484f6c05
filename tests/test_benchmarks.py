"""The benchmark scripts still run and report what their README says (a few months each; the
figures themselves are measured on an idle machine, never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from environment.model import BuildoutModel

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_bench_model_reports_every_phase_against_the_yardstick():
    done = bench("-m", "benchmarks.bench_model", "--phases", "1", "--months", "3", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[2:]}
    for phase in BuildoutModel.PHASES:
        seconds, share, us, times_boltzmann = rows[phase][1:]
        assert float(seconds) >= 0 and share.endswith("%") and float(times_boltzmann) >= 0
    assert rows["all"][1] == "phases" and rows["all"][3] == "100%"


def test_bench_model_table_and_verdicts():
    done = bench("-m", "benchmarks.bench_model", "--scales", "1", "--months", "3", "--repeats", "1")
    assert done.returncode == 0, done.stderr
    assert "x1            19      3" in done.stdout
    # the 10-year target is judged only on a 10-year run; the per-agent-step one on any
    assert "baseline 10-year run" not in done.stdout
    assert "baseline cost per agent-step" in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("-m", "benchmarks.bench_model", "--scales", "1,0"),
        ("-m", "benchmarks.bench_model", "--months", "-5"),
        ("-m", "benchmarks.bench_sweep", "--runs", "0"),
        ("benchmarks/bench_viz.py", "--months", "zero"),
    ],
)
def test_benchmarks_refuse_bad_sizes_by_name(args):
    done = bench(*args)
    assert done.returncode == 2
    flag = next(a for a in args if a.startswith("--"))
    assert flag in done.stderr and "allowed an integer >= 1" in done.stderr
    assert done.stdout == ""  # refused before any measuring started


@pytest.mark.slow
def test_bench_viz_steps_the_real_page():
    done = bench("benchmarks/bench_viz.py", "--months", "2")
    assert done.returncode == 0, done.stderr
    assert "step + redraw over 2 months" in done.stdout
    for part in ("model.step", "chart capacity", "network png", "agent table"):
        assert part in done.stdout
