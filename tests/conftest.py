"""Shared fixtures: a baseline run reused by tests that only read it."""

import importlib.util
import sys
from pathlib import Path

import mesa
import pytest

from environment.model import BuildoutModel


def run_model(months: int | None = None, seed: int = 1, **overrides) -> BuildoutModel:
    model = BuildoutModel(seed=seed, **overrides)
    model.run(months)
    return model


@pytest.fixture(scope="session")
def baseline() -> BuildoutModel:
    return run_model()


def step_label(n: int) -> str:
    """The step counter in Mesa's SolaraViz sidebar: "Step: n" on Mesa 3.3, "Time: n.0" on the
    Mesa versions whose models keep a ``time``."""
    return f"Time: {float(n)}" if hasattr(mesa.Model(), "time") else f"Step: {n}"


def load_scaled_world():
    """benchmarks/ is a folder of scripts, not an installed package: load the module by path."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "scaled_world.py"
    spec = importlib.util.spec_from_file_location("gigawatt_bench_scaled_world", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
