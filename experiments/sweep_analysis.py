"""Sensitivity analysis of a finished sweep with SALib: Sobol S1/ST or Morris mu*/sigma.

Replications are averaged per design point first (the design is over parameters, the seeds are
noise). An outcome with a failed or undefined (NaN) run, or with no variance at all, cannot be
analysed; it is listed as skipped rather than given misleading indices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from SALib.analyze import morris, sobol

from experiments.sweep_spec import Design, SweepSpec

# Index column -> its confidence-interval column, per design; the first pair is plotted.
_INDICES = {
    "sobol": {"S1": "S1_conf", "ST": "ST_conf"},
    "morris": {"mu_star": "mu_star_conf", "sigma": None},
}


def sensitivity(
    spec: SweepSpec, design: Design, table: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Indices per (outcome, parameter) and the outcomes that had to be skipped."""
    means = table.groupby("point")[list(spec.outcomes)].mean()
    means = means.reindex(range(len(design.points)))  # a missing point stays NaN
    frames, skipped = [], []
    for outcome in spec.outcomes:
        y = means[outcome].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0.0:
            skipped.append(outcome)
            continue
        if spec.design == "sobol":
            res = sobol.analyze(
                design.problem, y, calc_second_order=spec.second_order, seed=spec.seed
            )
        else:
            res = morris.analyze(
                design.problem, design.samples, y, num_levels=spec.levels, seed=spec.seed
            )
        columns = [c for pair in _INDICES[spec.design].items() for c in pair if c]
        frame = pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in columns})
        frame.insert(0, "parameter", design.problem["names"])
        frame.insert(0, "outcome", outcome)
        frames.append(frame)
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), skipped


def plot_sensitivity(indices: pd.DataFrame, design: str, path: Path) -> None:
    """One horizontal bar panel per outcome, indices side by side with their CIs."""
    outcomes = list(dict.fromkeys(indices["outcome"]))
    names = list(dict.fromkeys(indices["parameter"]))
    # Figure rather than pyplot: no global backend state, safe in workers and headless runs.
    fig = Figure(figsize=(7, 0.35 * len(names) * len(outcomes) + 1.2))
    axes = fig.subplots(len(outcomes), 1, squeeze=False)
    height = 0.8 / len(_INDICES[design])
    ypos = np.arange(len(names))
    for ax, outcome in zip(axes[:, 0], outcomes, strict=True):
        rows = indices[indices["outcome"] == outcome].set_index("parameter").loc[names]
        for k, (col, conf) in enumerate(_INDICES[design].items()):
            ax.barh(
                ypos + k * height, rows[col], height, xerr=rows[conf] if conf else None, label=col
            )
        ax.set_yticks(ypos + height / 2, names)
        ax.set_title(outcome, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_sensitivity(
    spec: SweepSpec, design: Design, table: pd.DataFrame, out_dir: Path
) -> list[str]:
    """Write ``sensitivity.csv`` and ``sensitivity.png``; return the skipped outcomes."""
    indices, skipped = sensitivity(spec, design, table)
    if not indices.empty:
        indices.to_csv(out_dir / "sensitivity.csv", index=False)
        plot_sensitivity(indices, spec.design, out_dir / "sensitivity.png")
    return skipped
