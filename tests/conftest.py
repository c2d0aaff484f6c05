"""Shared fixtures: a baseline run reused by tests that only read it."""

import pytest

from environment.model import BuildoutModel


def run_model(months: int | None = None, seed: int = 1, **overrides) -> BuildoutModel:
    model = BuildoutModel(seed=seed, **overrides)
    model.run(months)
    return model


@pytest.fixture(scope="session")
def baseline() -> BuildoutModel:
    return run_model()
