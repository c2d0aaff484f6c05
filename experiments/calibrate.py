"""Calibration: fit named parameters to observed points by ABC-SMC.

Method: approximate Bayesian computation with sequential Monte Carlo (population Monte Carlo,
Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96:983), implemented here with numpy. The
maintained ABC libraries did not fit: pyabc 0.13 pulls in redis, SQLAlchemy, scikit-learn and
ipykernel and keeps its state in a database, and its parallel samplers do not make a run
reproducible from one seed; ELFI 0.8 pins matplotlib < 3.9 and needs GPy; sbi needs torch.

- Prior: uniform on each parameter's documented range (``PARAMETERS[name].low/high``).
- Simulator: one model run per proposal, with its own seed, to the last observed month; the
  stochasticity of the model is part of the likelihood ABC approximates.
- Distance: root mean square over observed points of (simulated - observed) / scale, where the
  scale is half the observed low-high band (10 % of the value when no band is given), so a
  distance of 1 means "typically at the edge of the observed band". A run where an observed
  metric is undefined (NaN, e.g. the focal lab defaulted) is rejected.
- Generation 0 draws ``particles`` prior samples; each later generation sets its tolerance to the
  ``quantile`` of the previous generation's distances, proposes by resampling particles by
  weight and perturbing them with a Gaussian kernel truncated to the prior box (per-parameter
  variance = twice the weighted particle variance), and keeps proposals within the tolerance
  until it has ``particles``. Weights are prior / sum_j w_j K(theta | theta_j), with the
  truncated kernel's normaliser. Integer parameters are rounded after perturbation.
- Reproducible: proposals are drawn in fixed-size batches by one generator seeded with
  ``seed``; each batch is evaluated in parallel but accepted in proposal order, so the result
  does not depend on the number of workers.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from environment.parameters import PARAMETERS
from environment.scenario import scenario_path
from experiments.backtest import (
    Mapper,
    Observation,
    evaluator,
    load_observed,
    run_metrics,
    scenario_window,
)
from experiments.options import (
    MAX_SEED,
    at_least_one,
    fraction_type,
    integer_type,
    scenario_type,
    seed_type,
    whole,
)
from experiments.run import check_out_dir

#: Parameters that set the run window itself and so cannot be fitted.
NOT_FITTABLE = ("start_date", "horizon_months")


@dataclass
class Posterior:
    """The last completed ABC-SMC generation and the history of tolerances."""

    names: list[str]
    particles: np.ndarray  # particles x parameters
    weights: np.ndarray  # normalised
    distances: np.ndarray
    seeds: np.ndarray
    simulated: np.ndarray  # particles x observations
    generations: list[dict[str, float]] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """Weighted mean and 5/50/95 % quantiles per parameter, with the prior range."""
        rows = []
        for i, name in enumerate(self.names):
            q05, q50, q95 = weighted_quantile(self.particles[:, i], self.weights, [0.05, 0.5, 0.95])
            p = PARAMETERS[name]
            rows.append(
                {
                    "parameter": name,
                    "mean": float(np.sum(self.weights * self.particles[:, i])),
                    "median": q50,
                    "q05": q05,
                    "q50": q50,
                    "q95": q95,
                    "prior_low": p.low,
                    "prior_high": p.high,
                    "default": p.default,
                }
            )
        return pd.DataFrame(rows)

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights**2))


def weighted_quantile(x: np.ndarray, w: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample (interpolated on the mid-points of cumulative weight)."""
    order = np.argsort(x)
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / np.sum(w)
    return [float(np.interp(q, cdf, x)) for q in qs]


def check_params(names: Sequence[str]) -> list[str]:
    """Validate the parameters to fit: known, numeric with a range, not the run window."""
    if not names:
        raise ValueError("name at least one parameter to calibrate")
    out: list[str] = []
    for name in names:
        p = PARAMETERS.get(name)
        if p is None:
            raise ValueError(f"unknown parameter {name!r}; see 'gigawatt params' for the list")
        if name in NOT_FITTABLE or p.kind not in (int, float) or p.low is None:
            raise ValueError(f"parameter {name!r} cannot be calibrated: it is not a ranged number")
        if name in out:
            raise ValueError(f"parameter {name!r} named twice")
        out.append(name)
    return out


def distances(simulated: np.ndarray, observations: Sequence[Observation]) -> np.ndarray:
    """RMS of (simulated - observed) / scale per run; inf where any metric is undefined."""
    obs = np.array([o.value for o in observations])
    scale = np.array([o.scale for o in observations])
    d = np.sqrt(np.mean(((simulated - obs) / scale) ** 2, axis=1))
    return np.where(np.isfinite(d), d, np.inf)


def check_settings(
    particles: int, generations: int, quantile: float, max_simulations: int, seed: int
) -> tuple[int, int, int, int]:
    """The ABC-SMC settings, checked (callers run it before starting any worker)."""
    particles = whole("particles", particles, low=2)
    generations = whole("generations", generations, low=1)
    if isinstance(quantile, bool) or not 0 < quantile < 1:  # (NaN fails too)
        raise ValueError(f"quantile = {quantile!r} is invalid: allowed a number 0 < x < 1")
    max_simulations = whole("max_simulations", max_simulations, low=particles)
    return particles, generations, max_simulations, whole("seed", seed, high=MAX_SEED)


def abc_smc(
    scenario: str | Path,
    observations: Sequence[Observation],
    names: Sequence[str],
    mapper: Mapper,
    particles: int = 200,
    generations: int = 4,
    quantile: float = 0.5,
    max_simulations: int = 20_000,
    seed: int = 0,
    fixed: dict[str, Any] | None = None,
    batch_size: int | None = None,
) -> Posterior:
    """Run ABC-SMC (module docstring) and return the last completed generation.

    Stops after ``generations`` generations or when the next one would exceed
    ``max_simulations`` model runs in total; ``fixed`` are overrides held constant.
    """
    names = check_params(names)
    particles, generations, max_simulations, seed = check_settings(
        particles, generations, quantile, max_simulations, seed
    )
    rng = np.random.default_rng(seed)
    low = np.array([float(PARAMETERS[n].low) for n in names])
    high = np.array([float(PARAMETERS[n].high) for n in names])
    is_int = np.array([PARAMETERS[n].kind is int for n in names])
    months = max(o.step for o in observations)
    metrics = tuple(dict.fromkeys(o.metric for o in observations))
    batch = batch_size or particles
    fixed = dict(fixed or {})
    used = 0

    def evaluate(thetas: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        tasks = [
            (str(scenario), int(s), months, {**fixed, **_as_params(names, t, is_int)}, metrics)
            for t, s in zip(thetas, seeds, strict=True)
        ]
        results = mapper(run_metrics, tasks)
        return np.array([[r[o.metric][o.step] for o in observations] for r in results])

    post: Posterior | None = None
    for gen in range(generations):
        if post is None:
            epsilon = np.inf
        else:
            epsilon = weighted_quantile(post.distances, post.weights, [quantile])[0]
            sigma = np.sqrt(2.0 * _weighted_var(post.particles, post.weights))
            sigma = np.maximum(sigma, 1e-6 * (high - low))
        kept: list[tuple[np.ndarray, int, float, np.ndarray]] = []
        proposed = 0
        while len(kept) < particles:
            if used + batch > max_simulations:
                break
            if post is None:
                thetas = low + rng.random((batch, len(names))) * (high - low)
            else:
                thetas = _perturb(rng, post, sigma, low, high, batch)
            thetas = np.where(is_int, np.round(thetas), thetas)
            seeds = rng.integers(0, 2**31 - 1, size=batch)
            sims = evaluate(thetas, seeds)
            used += batch
            proposed += batch
            d = distances(sims, observations)
            for i in np.flatnonzero(d <= epsilon):
                if len(kept) < particles and np.isfinite(d[i]):
                    kept.append((thetas[i], int(seeds[i]), float(d[i]), sims[i]))
        if len(kept) < particles:
            break  # budget exhausted: keep the last completed generation
        theta = np.array([k[0] for k in kept])
        if post is None:
            weights = np.full(particles, 1.0 / particles)
        else:
            weights = 1.0 / _kernel_mixture(theta, post, sigma, low, high)
            weights /= weights.sum()
        post = Posterior(
            list(names),
            theta,
            weights,
            np.array([k[2] for k in kept]),
            np.array([k[1] for k in kept]),
            np.array([k[3] for k in kept]),
            [*(post.generations if post else [])],
        )
        post.generations.append(
            {
                "generation": gen,
                "epsilon": float(epsilon),
                "proposed": proposed,
                "acceptance_rate": particles / proposed,
                "simulations_total": used,
                "ess": post.ess,
                "median_distance": float(np.median(post.distances)),
            }
        )
    if post is None:
        raise ValueError(
            f"max_simulations={max_simulations} too small to complete generation 0 "
            f"({particles} particles, batches of {batch})"
        )
    return post


def _as_params(names: Sequence[str], theta: np.ndarray, is_int: np.ndarray) -> dict[str, Any]:
    return {n: int(v) if i else float(v) for n, v, i in zip(names, theta, is_int, strict=True)}


def _weighted_var(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    mean = np.sum(w[:, None] * x, axis=0)
    return np.sum(w[:, None] * (x - mean) ** 2, axis=0)


def _perturb(rng, post: Posterior, sigma, low, high, n: int) -> np.ndarray:
    """Resample particles by weight and perturb, redrawing any coordinate outside the box."""
    idx = rng.choice(len(post.weights), size=n, p=post.weights)
    centre = post.particles[idx]
    out = centre + rng.normal(size=centre.shape) * sigma
    bad = (out < low) | (out > high)
    while bad.any():
        redraw = centre + rng.normal(size=centre.shape) * sigma
        out = np.where(bad, redraw, out)
        bad = (out < low) | (out > high)
    return out


def _kernel_mixture(theta: np.ndarray, post: Posterior, sigma, low, high) -> np.ndarray:
    """sum_j w_j K(theta_i | theta_j) for the box-truncated, per-coordinate Gaussian kernel."""
    prev = post.particles  # j x d
    z = (theta[:, None, :] - prev[None, :, :]) / sigma  # i x j x d
    mass = _normal_cdf((high - prev) / sigma) - _normal_cdf((low - prev) / sigma)  # j x d
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2.0 * math.pi)
    dens = np.prod(pdf / (sigma * mass[None, :, :]), axis=2)  # i x j
    return dens @ post.weights


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF (numpy has no erf; SciPy is not a dependency of the project)."""
    return 0.5 * (1.0 + np.vectorize(math.erf)(np.asarray(x) / math.sqrt(2.0)))


# --- outputs --------------------------------------------------------------------------------
def fitted_scenario_text(source: str, values: dict[str, Any], note: str) -> str:
    """The scenario text with ``values`` written into its [parameters] table, each line
    commented with ``note``; other lines are kept verbatim."""
    lines = source.splitlines()
    for i, s in enumerate(lines):  # rename, so that the fitted copy is told apart when listed
        m = re.match(r'name\s*=\s*"([^"]*)"', s)
        if m:
            lines[i] = f'name = "{m.group(1)}-calibrated"  # fitted copy, see [parameters]'
            break
        if s.lstrip().startswith("["):
            break
    header = next((i for i, s in enumerate(lines) if s.strip() == "[parameters]"), None)
    if header is None:  # put a new table before the first table of the file
        first = next((i for i, s in enumerate(lines) if s.lstrip().startswith("[")), len(lines))
        lines[first:first] = ["[parameters]", ""]
        header = first
    end = next(
        (i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")),
        len(lines),
    )
    todo = dict(values)
    for i in range(header + 1, end):
        m = re.match(r"\s*([A-Za-z0-9_]+)\s*=", lines[i])
        if m and m.group(1) in todo:
            lines[i] = _toml_line(m.group(1), todo.pop(m.group(1)), note)
    keys = [i for i in range(header + 1, end) if re.match(r"\s*[A-Za-z0-9_]+\s*=", lines[i])]
    last = keys[-1] if keys else header
    lines[last + 1 : last + 1] = [_toml_line(k, v, note) for k, v in todo.items()]
    return "\n".join(lines) + "\n"


def _toml_line(name: str, value: Any, note: str) -> str:
    text = str(int(value)) if isinstance(value, int) else f"{float(value):.6g}"
    if "." not in text and "e" not in text and isinstance(value, float):
        text += ".0"
    return f"{name} = {text}  # {note}"


def calibrate(
    scenario: str | Path,
    observed_path: str | Path,
    params: Sequence[str],
    out: str | Path | None = None,
    particles: int = 200,
    generations: int = 4,
    quantile: float = 0.5,
    max_simulations: int = 20_000,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
) -> Posterior:
    """Fit ``params`` to the observed file by ABC-SMC; with ``out``, write accepted.csv,
    posterior.csv, generations.csv, calibration.json and ``<scenario>-calibrated.toml``
    (only after the fit has finished). All inputs are validated before any run."""
    names = check_params(params)
    source = scenario_path(scenario)
    observations = load_observed(observed_path, scenario)
    scenario_window(scenario)
    check_settings(particles, generations, quantile, max_simulations, seed)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    check_out_dir(out, "out")
    with evaluator(workers, scheduler) as mapper:
        post = abc_smc(
            scenario,
            observations,
            names,
            mapper,
            particles=particles,
            generations=generations,
            quantile=quantile,
            max_simulations=max_simulations,
            seed=seed,
        )
    if out is not None:
        write_outputs(
            post,
            observations,
            source,
            Path(out),
            {
                "scenario": str(scenario),
                "observed": str(observed_path),
                "params": names,
                "particles": particles,
                "generations": generations,
                "quantile": quantile,
                "max_simulations": max_simulations,
                "seed": seed,
            },
        )
    return post


def write_outputs(
    post: Posterior,
    observations: Sequence[Observation],
    source: Path,
    out: Path,
    settings: dict[str, Any],
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    accepted = pd.DataFrame(post.particles, columns=post.names)
    accepted["weight"] = post.weights
    accepted["distance"] = post.distances
    accepted["seed"] = post.seeds
    for j, o in enumerate(observations):
        accepted[f"sim:{o.metric}@{o.date}"] = post.simulated[:, j]
    accepted.to_csv(out / "accepted.csv", index=False)
    summary = post.summary()
    summary.to_csv(out / "posterior.csv", index=False)
    pd.DataFrame(post.generations).to_csv(out / "generations.csv", index=False)
    (out / "calibration.json").write_text(
        json.dumps(
            {**settings, "ess": post.ess, "generations_done": len(post.generations)}, indent=2
        )
        + "\n"
    )
    medians = {
        r.parameter: (int(round(r.median)) if PARAMETERS[r.parameter].kind is int else r.median)
        for r in summary.itertuples()
    }
    note = (
        f"calibrated: posterior median, gigawatt calibrate {settings['scenario']} --observed "
        f"{settings['observed']} --seed {settings['seed']} (ABC-SMC, {settings['particles']} "
        f"particles, {len(post.generations)} generations; see {out.name}/posterior.csv)"
    )
    text = fitted_scenario_text(source.read_text(), medians, note)
    target = out / f"{source.stem}-calibrated.toml"
    target.write_text(text)


# --- command line ---------------------------------------------------------------------------
def cmd_calibrate(args: argparse.Namespace) -> int:
    if args.max_simulations < args.particles:  # before any worker starts or folder is written
        raise ValueError(
            f"--max-simulations = {args.max_simulations} is invalid with --particles "
            f"{args.particles}: allowed an integer >= {args.particles} (generation 0 alone "
            "runs --particles models)"
        )
    post = calibrate(
        args.scenario,
        args.observed,
        args.params,
        out=args.out,
        particles=args.particles,
        generations=args.generations,
        quantile=args.quantile,
        max_simulations=args.max_simulations,
        seed=args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    print(f"ABC-SMC on {args.scenario}: {len(post.generations)} generations")
    print(pd.DataFrame(post.generations).to_string(index=False, float_format="%.3g"))
    print()
    print(post.summary().to_string(index=False, float_format="%.4g"))
    if args.out:
        print(
            f"\nwrote accepted.csv, posterior.csv, generations.csv, calibration.json and the "
            f"calibrated scenario to {args.out}"
        )
    return 0


def add_calibrate_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``gigawatt calibrate`` on a subparsers object (``func=`` set)."""
    p = subparsers.add_parser("calibrate", help="fit parameters to observed points by ABC-SMC")
    p.add_argument(
        "scenario",
        type=scenario_type,
        help="scenario name (see 'gigawatt scenarios') or a .toml path",
    )
    p.add_argument("--observed", required=True, help="observed points: date,metric,value,...")
    p.add_argument(
        "--params",
        nargs="+",
        required=True,
        metavar="NAME",
        help="parameters to fit within their ranges (see 'gigawatt params')",
    )
    p.add_argument("--out", default=None, help="folder for the posterior and fitted scenario")
    p.add_argument("--particles", type=integer_type(2), default=200, help="particles (default 200)")
    p.add_argument("--generations", type=at_least_one, default=4, help="generations (default 4)")
    p.add_argument(
        "--quantile",
        type=fraction_type(),
        default=0.5,
        help="tolerance = this quantile of the last distances (default 0.5)",
    )
    p.add_argument(
        "--max-simulations",
        type=at_least_one,
        default=20_000,
        help="model-run budget, at least --particles (default 20000)",
    )
    p.add_argument("--seed", type=seed_type, default=0, help="calibration seed (default 0)")
    p.add_argument("--workers", type=at_least_one, default=1, help="local processes (default 1)")
    p.add_argument(
        "--scheduler", default=None, help="run on Dask instead: 'local' or a scheduler address"
    )
    p.set_defaults(func=cmd_calibrate)
    return p
