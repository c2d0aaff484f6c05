"""EMA Workbench adapter: the model as an EMA ``ReplicatorModel``, and a Dask evaluator for EMA.

Uncertainties and levers are built from the parameter table (ranges are validated the same way
as sweep specs), outcomes are :func:`experiments.outcomes.simulate`'s named outcomes, and each
replication is a seed. EMA ships no Dask evaluator; :class:`DaskEvaluator` runs experiments on a
Dask cluster in batches, the way its ``MultiprocessingEvaluator`` runs them on a pool.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from itertools import islice
from typing import Any

import numpy as np
from ema_workbench import (
    CategoricalParameter,
    Constant,
    IntegerParameter,
    RealParameter,
    ReplicatorModel,
    ScalarOutcome,
    Scenario,
    TimeSeriesOutcome,
)
from ema_workbench.em_framework.evaluators import BaseEvaluator
from ema_workbench.em_framework.experiment_runner import ExperimentRunner
from ema_workbench.em_framework.model import AbstractModel
from ema_workbench.em_framework.points import experiment_generator
from ema_workbench.em_framework.util import NamedObjectMap

from environment.parameters import PARAMETERS
from experiments.options import MAX_SEED, whole
from experiments.outcomes import OUTCOMES, SERIES_COLUMNS, simulate
from experiments.sweep_exec import dask_client, stream_results
from experiments.sweep_spec import (
    Factor,
    build_design,
    parse_factor,
    parse_spec,
    replication_seed,
)


def run_experiment(seed: int, scenario: str, horizon_months: int, **params: Any) -> dict[str, Any]:
    """The model function EMA calls with uncertainties, levers, constants and replication."""
    return simulate(params, seed, horizon_months, scenario, series=True)


def ema_parameter(name: str, entry: Any = None) -> Any:
    """An EMA parameter for ``name``: ``entry`` is a sweep-spec range or ``{values = [...]}``;
    None means the whole allowed range (or every choice) from the parameter table."""
    p = PARAMETERS.get(name)
    if entry is None and p is not None:
        if p.kind is bool:
            entry = {"values": [False, True]}
        elif p.choices:
            entry = {"values": list(p.choices)}
        elif p.kind in (int, float):
            entry = [p.low, p.high]
    factor = parse_factor(name, entry, "EMA parameter")  # ValueError: unknown name, bad range
    if not isinstance(factor, Factor):
        raise ValueError(f"EMA parameter {name!r} = {entry!r} is fixed: give a range or values")
    if factor.values is not None:
        return CategoricalParameter(name, list(factor.values))
    if p.kind is int:
        return IntegerParameter(name, int(factor.low), int(factor.high))
    return RealParameter(name, factor.low, factor.high)


def build_model(
    uncertainties: dict[str, Any],
    levers: dict[str, Any] | None = None,
    outcomes: Sequence[str] = OUTCOMES,
    series: Sequence[str] = (),
    replications: int = 1,
    seed: int = 0,
    horizon_months: int | None = None,
    scenario: str = "baseline",
) -> ReplicatorModel:
    """The model for EMA. Scalar outcomes are averaged over the replications (so
    ``focal_defaulted`` becomes the share of seeds in which the focal lab defaults); series keep
    one row per replication. Seeds are common across experiments, as in sweeps."""
    unknown = [n for n in (*outcomes, *series) if n not in (*OUTCOMES, *SERIES_COLUMNS)]
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; known: {OUTCOMES + SERIES_COLUMNS}")
    horizon = PARAMETERS["horizon_months"]
    replications = whole("replications", replications, low=1)
    seed = whole("seed", seed, high=MAX_SEED)
    model = ReplicatorModel("gigawatt", function=run_experiment)
    model.uncertainties = [ema_parameter(n, e) for n, e in uncertainties.items()]
    model.levers = [ema_parameter(n, e) for n, e in (levers or {}).items()]
    model.constants = [
        Constant("scenario", scenario),
        Constant(  # None is the default; 0 is refused by the range, not read as "default"
            "horizon_months",
            horizon.validate(horizon.default if horizon_months is None else horizon_months, "EMA"),
        ),
    ]
    model.outcomes = [ScalarOutcome(n, function=np.mean) for n in outcomes] + [
        TimeSeriesOutcome(n) for n in series
    ]
    model.replications = [{"seed": replication_seed(seed, r)} for r in range(replications)]
    return model


def lhs_scenarios(uncertainties: dict[str, Any], n: int, seed: int) -> list[Scenario]:
    """A seeded Latin hypercube of EMA scenarios (EMA's own samplers draw from numpy's global
    random state, so their designs cannot be reproduced)."""
    spec = parse_spec({"design": "lhs", "samples": n, "seed": seed, "parameters": uncertainties})
    return [Scenario(name=i, **point) for i, point in enumerate(build_design(spec).points)]


def _run_batch(models: list[AbstractModel], experiments: list[Any]) -> list[tuple[Any, dict]]:
    """Worker side: each task gets its own unpickled models, so threads never share state.
    The runner returns the model's one outcomes dict, overwritten by the next experiment: copy."""
    msis = NamedObjectMap(AbstractModel)
    msis.extend(models)
    runner = ExperimentRunner(msis)
    return [(experiment, dict(runner.run_experiment(experiment))) for experiment in experiments]


class DaskEvaluator(BaseEvaluator):
    """Evaluate EMA experiments on Dask: ``scheduler`` is "local" (a loopback LocalCluster of
    ``n_workers`` processes) or a scheduler address. Experiments travel ``batch_size`` per task;
    as with EMA's other evaluators, a run that raises aborts the evaluation (raise
    ``ema_workbench.util.CaseError`` in the model to record NaN instead)."""

    def __init__(
        self,
        msis: AbstractModel | Iterable[AbstractModel],
        scheduler: str = "local",
        n_workers: int = 2,
        batch_size: int = 20,
    ) -> None:
        super().__init__(msis)
        self.scheduler = scheduler
        self.n_workers = n_workers
        self.batch_size = batch_size
        self._context = None
        self.client = None

    def initialize(self) -> DaskEvaluator:
        self._context = dask_client(self.scheduler, self.n_workers)
        self.client = self._context.__enter__()
        return self

    def finalize(self) -> None:
        self._context.__exit__(None, None, None)
        self.client = self._context = None

    def evaluate_experiments(self, scenarios, policies, callback, combine="factorial") -> None:
        from distributed import wait

        experiments = experiment_generator(scenarios, self._msis, policies, combine=combine)
        batches = iter(lambda: list(islice(experiments, self.batch_size)), [])
        for results in stream_results(
            partial(self.client.submit, _run_batch, list(self._msis), pure=False),
            partial(wait, return_when="FIRST_COMPLETED"),
            batches,
            2 * sum(self.client.nthreads().values()),
        ):
            for experiment, outcomes in results:
                callback(experiment, outcomes)
