"""PNG plots of a Monte Carlo experiment, meant to be read at a glance.

Each function takes the tidy long table of :mod:`experiments.experiment` (``scenario, seed,
date, metric, value``) or its summaries, draws one figure with titles, units, dated x axes and
legends, and saves it as a PNG. Lines are medians over seeds; shaded bands span 5-95 %.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed in workers, CI or servers

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from environment.projects import GATES  # noqa: E402

BAND = (0.05, 0.95)
GATE_COLOURS = {
    "permit": "#8c6bb1",
    "power": "#e6550d",
    "onsite_power": "#fdae6b",
    "chips": "#3182bd",
    "capital": "#de2d26",
    "build": "#969696",
}


def _colours(scenarios: list[str]) -> dict[str, str]:
    cmap = plt.get_cmap("tab10")
    return {s: cmap(i % 10) for i, s in enumerate(scenarios)}


def _monthly(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Median and band by scenario and month for one metric (dates as timestamps)."""
    rows = table[table["metric"] == metric]
    stats = (
        rows.groupby(["scenario", "date"], sort=False)["value"]
        .quantile([BAND[0], 0.5, BAND[1]])
        .unstack()
        .reset_index()
        .rename(columns={BAND[0]: "low", 0.5: "median", BAND[1]: "high"})
    )
    stats["when"] = pd.to_datetime(stats["date"])
    return stats.sort_values(["scenario", "when"])


def _dates(ax: plt.Axes) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(alpha=0.3)


def _band_panel(
    ax: plt.Axes, table: pd.DataFrame, metric: str, colours: dict[str, str], title: str, unit: str
) -> None:
    stats = _monthly(table, metric)
    for scenario, colour in colours.items():
        s = stats[stats["scenario"] == scenario]
        ax.fill_between(s["when"], s["low"], s["high"], color=colour, alpha=0.15, linewidth=0)
        ax.plot(s["when"], s["median"], color=colour, label=scenario, linewidth=1.8)
    ax.set_title(title)
    ax.set_ylabel(unit)
    _dates(ax)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _order(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["scenario"]))


def _runs(table: pd.DataFrame) -> int:
    return int(table.groupby("scenario")["seed"].nunique().min())


def plot_capacity(table: pd.DataFrame, path: Path) -> Path:
    """World and focal-lab capacity online, median and 5-95 % band, with the 10/30 GW marks."""
    colours = _colours(_order(table))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    for ax, metric, who in zip(
        axes,
        ("capacity_online_gw", "focal_capacity_online_gw"),
        ("World", "Focal lab"),
        strict=True,
    ):
        _band_panel(ax, table, metric, colours, f"{who}: capacity online", "GW")
        for level in (10, 30):
            ax.axhline(level, color="black", linestyle=":", linewidth=0.8)
            ax.annotate(
                f"{level} GW",
                (0.01, level),
                xycoords=("axes fraction", "data"),
                va="bottom",
                fontsize=8,
            )
    axes[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"Capacity online: median and 5-95 % band over {_runs(table)} seeds")
    return _save(fig, path)


def plot_pipeline_by_gate(table: pd.DataFrame, path: Path) -> Path:
    """Pipeline waiting on each gate, stacked; means over seeds, so the layers add up."""
    scenarios = _order(table)
    cols = min(3, len(scenarios))
    rows = -(-len(scenarios) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False, sharey=True
    )
    gate_rows = table[table["metric"].str.startswith("bottleneck_")]
    means = gate_rows.groupby(["scenario", "date", "metric"])["value"].mean().unstack("metric")
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        m = means.loc[scenario]
        when = pd.to_datetime(m.index)
        ax.stackplot(
            when,
            *(m[f"bottleneck_{g}_gw"] for g in GATES),
            labels=list(GATES),
            colors=[GATE_COLOURS[g] for g in GATES],
            alpha=0.85,
        )
        ax.set_title(scenario)
        ax.set_ylabel("GW waiting")
        _dates(ax)
    for ax in list(axes.flat)[len(scenarios) :]:
        ax.axis("off")
    axes.flat[0].legend(loc="upper right", fontsize=8, title="waiting on")
    fig.suptitle(f"Pipeline by the gate it waits on (mean over {_runs(table)} seeds)")
    fig.tight_layout()
    return _save(fig, path)


def _two_bands(
    table: pd.DataFrame, path: Path, panels: list[tuple[str, str, str]], title: str, legend_at: str
) -> Path:
    """Two side-by-side band panels, each (metric, title, unit)."""
    colours = _colours(_order(table))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, (metric, panel_title, unit) in zip(axes, panels, strict=True):
        _band_panel(ax, table, metric, colours, panel_title, unit)
    axes[0].legend(loc=legend_at, fontsize=8)
    fig.suptitle(f"{title}: median and 5-95 % band over {_runs(table)} seeds")
    return _save(fig, path)


def plot_funding(table: pd.DataFrame, path: Path) -> Path:
    """Focal lab's unmet funding need and its cash, median and band."""
    return _two_bands(
        table,
        path,
        [
            ("funding_gap_usd_b", "Focal lab: funding need left unmet this month", "USD bn"),
            ("lab_cash_usd_b", "Focal lab: cash", "USD bn"),
        ],
        "Funding gap and cash",
        "upper left",
    )


def plot_prices(table: pd.DataFrame, path: Path) -> Path:
    """Chip list price per GW and power tariff, median and band."""
    return _two_bands(
        table,
        path,
        [
            ("chip_price_usd_b_per_gw", "Chip price (supply-weighted list price)", "USD bn per GW"),
            ("power_price_usd_mwh", "Power price (load-weighted tariff)", "USD/MWh"),
        ],
        "Prices",
        "upper right",
    )


def plot_risk(risk: pd.DataFrame, path: Path) -> Path:
    """By year: probability the focal lab has defaulted, and of reaching 10 and 30 GW."""
    scenarios = list(dict.fromkeys(risk["scenario"]))
    colours = _colours(scenarios)
    panels = [
        ("p_focal_default", "Focal lab has defaulted"),
        ("p_world_10gw", "World has reached 10 GW"),
        ("p_world_30gw", "World has reached 30 GW"),
        ("p_focal_10gw", "Focal lab has reached 10 GW"),
        ("p_focal_30gw", "Focal lab has reached 30 GW"),
    ]
    fig, grid = plt.subplots(2, 3, figsize=(14, 7.5), sharey=True)
    axes = list(grid.flat)
    for ax, (column, title) in zip(axes, panels, strict=False):
        for scenario in scenarios:
            r = risk[risk["scenario"] == scenario]
            ax.plot(
                r["year"],
                r[column],
                marker="o",
                markersize=3,
                color=colours[scenario],
                label=scenario,
            )
        ax.set_title(title, fontsize=10)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("by the end of year")
        ax.set_ylabel("probability over seeds")
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    axes[-1].axis("off")
    axes[-1].legend(handles, labels, loc="center", title="scenario")
    fig.suptitle(f"Risks and milestones by year ({int(risk['runs'].min())} seeds per scenario)")
    fig.tight_layout()
    return _save(fig, path)


def plot_gates(gates: pd.DataFrame, path: Path) -> Path:
    """Median GW-months lost waiting on each gate, per scenario: what binds most."""
    scenarios = list(dict.fromkeys(gates["scenario"]))
    pivot = gates.pivot(index="scenario", columns="gate", values="gw_months_median")
    pivot = pivot.loc[scenarios, list(GATES)]
    fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(scenarios)), 4.5))
    pivot.plot.bar(ax=ax, color=[GATE_COLOURS[g] for g in GATES], width=0.8)
    ax.set_ylabel("GW-months waiting (median over seeds)")
    ax.set_xlabel("")
    ax.set_title("Which gate costs the most: GW-months of pipeline waiting on it over the run")
    ax.tick_params(axis="x", rotation=20)
    ax.legend(title="gate", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def plot_all(
    table: pd.DataFrame, risk: pd.DataFrame, gates: pd.DataFrame, out_dir: str | Path
) -> list[Path]:
    """Every plot, as PNGs in ``out_dir``; returns their paths."""
    out = Path(out_dir)
    return [
        plot_capacity(table, out / "capacity.png"),
        plot_pipeline_by_gate(table, out / "pipeline_by_gate.png"),
        plot_funding(table, out / "funding.png"),
        plot_prices(table, out / "prices.png"),
        plot_risk(risk, out / "risk.png"),
        plot_gates(gates, out / "gates.png"),
    ]
