"""The browser page's charts, contract network and agent table.

Each view is two layers: a pure builder (model -> Altair chart, matplotlib Figure, networkx graph
or DataFrame) that unit tests and benchmarks call without a browser, and a thin Solara component
that draws the builder's output and re-renders when SolaraViz steps the model.
"""

from __future__ import annotations

import contextlib
import html
import math
import weakref
from collections.abc import Iterable
from typing import Any

import altair as alt
import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from viz.network import KIND_COLOURS, OTHER_COLOUR, agents_in_order, model_month, network_figure

#: Pipeline gates in the order a project passes them (bottom of the stack first).
GATES: dict[str, str] = {
    "bottleneck_permit_gw": "waiting: permit",
    "bottleneck_power_gw": "waiting: power",
    "bottleneck_onsite_power_gw": "waiting: own power plant",
    "bottleneck_chips_gw": "waiting: chips",
    "bottleneck_capital_gw": "waiting: capital",
    "bottleneck_build_gw": "under construction",
}

CHART_WIDTH = 380
CHART_HEIGHT = 220

# --------------------------------------------------------------------------------------------
# data


_frames: weakref.WeakKeyDictionary[Any, tuple[int, pd.DataFrame]] = weakref.WeakKeyDictionary()


def model_frame(model: Any) -> pd.DataFrame:
    """The model's time series with a ``when`` column for the x axis.

    Cached per model and step: every chart on the page reads it on each redraw, and the
    datacollector rebuilds its DataFrame from scratch on every call.
    """
    steps = int(getattr(model, "steps", 0))
    cached = _frames.get(model)
    if cached is not None and cached[0] == steps:
        return cached[1]
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    when = None
    if "date" in df.columns:
        when = pd.to_datetime(df["date"].astype(str), errors="coerce")
    df["when"] = when if when is not None and when.notna().all() else pd.RangeIndex(len(df))
    with contextlib.suppress(TypeError):  # not weak-referenceable: skip the cache
        _frames[model] = (steps, df)
    return df


def _x(df: pd.DataFrame) -> alt.X:
    if pd.api.types.is_datetime64_any_dtype(df["when"]):
        return alt.X("when:T", title=None)
    return alt.X("when:Q", title="month")


def _wide(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """One row per month with the chart's series under their labels (the browser folds it)."""
    present = {c: label for c, label in columns.items() if c in df.columns}
    wide = df[["when", *present]].rename(columns=present)
    if pd.api.types.is_datetime64_any_dtype(wide["when"]):
        wide["when"] = wide["when"].dt.strftime("%Y-%m-%d")
    return wide


def _inline_csv(wide: pd.DataFrame) -> alt.InlineData:
    """The chart's table as one CSV string.

    Solara's renderer walks every value of a chart's spec several times per step; a table of
    row dicts made that walk most of a redraw, one string costs nothing to walk.
    """
    parse = {c: "number" for c in wide.columns if c != "when"}
    parse["when"] = "number" if pd.api.types.is_numeric_dtype(wide["when"]) else "date"
    return alt.InlineData(
        values=wide.to_csv(index=False, float_format="%.6g"),
        format=alt.DataFormat(type="csv", parse=parse),
    )


def _present(df: pd.DataFrame, columns: dict[str, str]) -> list[str]:
    return [label for c, label in columns.items() if c in df.columns]


def _tooltip() -> list:
    return [
        alt.Tooltip("when:T", title="date", format="%Y-%m"),
        "series:N",
        alt.Tooltip("value:Q", format=".3g"),
    ]


def _lines(
    df: pd.DataFrame, columns: dict[str, str], y_title: str, dash: bool = False
) -> alt.Chart:
    """Lines for ``columns`` (raw name -> label), drawing from the enclosing chart's data."""
    # Points while there are too few months for a line to show.
    chart = (
        alt.Chart()
        .transform_fold(_present(df, columns), as_=["series", "value"])
        .mark_line(strokeDash=[5, 3] if dash else [1, 0], point=len(df) < 3)
    )
    return chart.encode(
        x=_x(df),
        y=alt.Y("value:Q", title=y_title),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
        tooltip=_tooltip(),
    )


def _panel(
    df: pd.DataFrame,
    title: str,
    left: dict[str, str],
    left_title: str,
    right: dict[str, str] | None = None,
    right_title: str = "",
) -> alt.LayerChart:
    """Lines on a left axis and, where units differ, dashed lines on an independent right axis."""
    layers = [_lines(df, left, left_title)]
    if right:
        layers.append(
            _lines(df, right, right_title, dash=True).encode(
                y=alt.Y("value:Q", title=right_title, axis=alt.Axis(orient="right"))
            )
        )
    chart = alt.layer(*layers, data=_inline_csv(_wide(df, {**left, **(right or {})})))
    if right:
        chart = chart.resolve_scale(y="independent")
    return chart.properties(title=title, width=CHART_WIDTH, height=CHART_HEIGHT)


ONLINE = {
    "capacity_online_gw": "online (all labs)",
    "focal_capacity_online_gw": "online (focal lab)",
}


def capacity_chart(model: Any) -> alt.LayerChart:
    """Capacity online over the pipeline stacked by the gate each project waits at."""
    df = model_frame(model)
    gates = _present(df, GATES)
    stacked = (
        alt.Chart()
        .transform_fold(gates, as_=["series", "value"])
        .transform_calculate(
            gate_order=" + ".join(
                f"(datum.series == '{label}') * {i}" for i, label in enumerate(gates)
            )
        )
        .mark_area(opacity=0.75)
        .encode(
            x=_x(df),
            y=alt.Y("value:Q", stack="zero", title="GW"),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
            order=alt.Order("gate_order:Q"),
            tooltip=_tooltip(),
        )
    )
    online = _lines(df, ONLINE, "GW").mark_line(strokeWidth=2.5, point=len(df) < 3)
    return alt.layer(stacked, online, data=_inline_csv(_wide(df, {**GATES, **ONLINE}))).properties(
        title="Capacity online and pipeline by gate", width=CHART_WIDTH, height=CHART_HEIGHT
    )


def finance_chart(model: Any) -> alt.LayerChart:
    return _panel(
        model_frame(model),
        "Focal lab: cash, debt, funding gap",
        {"lab_cash_usd_b": "cash", "lab_debt_usd_b": "debt", "funding_gap_usd_b": "funding gap"},
        "USD bn",
    )


def prices_chart(model: Any) -> alt.LayerChart:
    return _panel(
        model_frame(model),
        "Chip and power prices",
        {"chip_price_usd_b_per_gw": "chips USD bn/GW"},
        "USD bn per GW",
        {"power_price_usd_mwh": "power USD/MWh (dashed)"},
        "USD/MWh",
    )


def grid_sentiment_chart(model: Any) -> alt.LayerChart:
    return _panel(
        model_frame(model),
        "Grid reserve margin and investor sentiment",
        {"grid_reserve_margin": "grid reserve margin", "tightest_reserve_margin": "tightest grid"},
        "reserve margin",
        {"investor_sentiment": "investor sentiment (dashed)"},
        "sentiment (0-1)",
    )


def risk_chart(model: Any) -> alt.LayerChart:
    return _panel(
        model_frame(model),
        "Risk counters",
        {"defaults_cumulative": "defaults", "permits_denied_cumulative": "permits denied"},
        "count (cumulative)",
        {"stranded_gw": "stranded GW (dashed)", "load_shed_gw": "load shed GW (dashed)"},
        "GW",
    )


#: The time-series charts on the page, in reading order.
CHARTS = {
    "capacity": capacity_chart,
    "finance": finance_chart,
    "prices": prices_chart,
    "grid_sentiment": grid_sentiment_chart,
    "risk": risk_chart,
}

# --------------------------------------------------------------------------------------------
# agent table (the contract network's builders live in viz/network.py)


def agent_table(model: Any) -> pd.DataFrame:
    """One row per agent: kind, name, cash, capacity online (labs), distress flag."""
    rows = []
    for a in agents_in_order(model):
        kind = getattr(a, "kind", "?")
        capacity = getattr(a, "capacity_online_gw", None) if kind == "lab" else None
        state = (
            "defaulted"
            if getattr(a, "defaulted", False)
            else "distress"
            if getattr(a, "in_distress", False)
            else ""
        )
        rows.append(
            {
                "kind": kind,
                "name": str(getattr(a, "name", a.unique_id)),
                "cash (USD bn)": float(getattr(a, "cash_usd_b", float("nan"))),
                "capacity (GW)": float(capacity) if capacity is not None else float("nan"),
                "distress": state,
            }
        )
    return pd.DataFrame(
        rows, columns=["kind", "name", "cash (USD bn)", "capacity (GW)", "distress"]
    )


def agent_table_html(df: pd.DataFrame) -> str:
    """A compact HTML table; distress rows tinted so trouble is visible at a glance."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        kind, name, cash, cap, state = row
        tint = {"defaulted": "#f8d7da", "distress": "#fff3cd"}.get(state, "")
        style = f' style="background:{tint}"' if tint else ""
        cells = [
            f'<td><span style="color:{KIND_COLOURS.get(kind, OTHER_COLOUR)}">&#9679;</span> '
            f"{html.escape(kind)}</td>",
            f"<td>{html.escape(name)}</td>",
            f'<td align="right">{cash:,.1f}</td>',
            f'<td align="right">{"" if math.isnan(cap) else f"{cap:,.2f}"}</td>',
            f"<td>{html.escape(state)}</td>",
        ]
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    return (
        '<table class="gigawatt-agents" style="border-collapse:collapse;font-size:12px;'
        'width:100%"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def run_summary(model: Any, names: Iterable[str] | None = None) -> str:
    """The scenario, seed and slider parameters the shown run actually uses (from ``model.p``).

    Sliders take effect only on Reset; this line says what the charts are showing.
    """
    if names is None:
        from viz.controls import SLIDERS as names
    p = getattr(model, "p", None)
    parts = [
        f"scenario {getattr(model, 'scenario_name', '?')}",
        f"seed {getattr(model, 'viz_seed', 'n/a')}",
    ]
    for name in names:
        value = getattr(p, name, None)
        if value is not None:
            parts.append(
                f"{name} = {value:g}" if isinstance(value, int | float) else f"{name} = {value}"
            )
    return " · ".join(parts)


# --------------------------------------------------------------------------------------------
# Solara components (SolaraViz re-renders them after every step through ``update_counter``)


def vega_element(chart: alt.TopLevelMixin):
    """What ``solara.FigureAltair`` makes, minus its JSON-schema validation on every redraw.

    The unit tests validate every chart's spec once; the page only serialises it.
    """
    return solara.widgets.VegaLite.element(
        spec=chart.to_dict(validate=False), listen_to_click=False, listen_to_hover=False
    )


def _chart_component(builder, name: str):
    @solara.component
    def Chart(model: Any):
        update_counter.get()
        return vega_element(builder(model))

    Chart.__name__ = name
    return Chart


CapacityPlot = _chart_component(capacity_chart, "CapacityPlot")
FinancePlot = _chart_component(finance_chart, "FinancePlot")
PricesPlot = _chart_component(prices_chart, "PricesPlot")
GridSentimentPlot = _chart_component(grid_sentiment_chart, "GridSentimentPlot")
RiskPlot = _chart_component(risk_chart, "RiskPlot")


@solara.component
def ContractNetwork(model: Any):
    update_counter.get()
    fig = network_figure(model)
    return solara.FigureMatplotlib(fig, format="png", dependencies=[model, model.steps])


@solara.component
def AgentTable(model: Any):
    update_counter.get()
    df = agent_table(model)
    with solara.Column(style={"width": "100%"}) as main:
        # Not solara.Markdown: it pulls KaTeX from the internet.
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<b>Run</b>: " + html.escape(run_summary(model)),
            classes=["gigawatt-run"],
            style="font-size:12px",
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>Agents</b> (month {model_month(model)}, {len(df)} agents)",
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=agent_table_html(df),
            style="max-height:330px;overflow-y:auto;width:100%",
        )
    return main


#: Components in page order, as SolaraViz takes them.
COMPONENTS = [
    CapacityPlot,
    ContractNetwork,
    FinancePlot,
    PricesPlot,
    GridSentimentPlot,
    RiskPlot,
    AgentTable,
]
