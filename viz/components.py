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
import networkx as nx
import pandas as pd
import solara
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization.utils import update_counter

#: Agent kinds in the order the network rings and the table list them, with their colours.
KIND_COLOURS: dict[str, str] = {
    "lab": "#1f77b4",
    "vendor": "#ff7f0e",
    "utility": "#2ca02c",
    "investor": "#9467bd",
    "government": "#7f7f7f",
}
OTHER_COLOUR = "#bcbd22"

#: Pipeline gates in the order a project passes them (bottom of the stack first).
GATES: dict[str, str] = {
    "bottleneck_permit_gw": "waiting: permit",
    "bottleneck_power_gw": "waiting: power",
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


def _long(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    present = {c: label for c, label in columns.items() if c in df.columns}
    long = df[["when", *present]].melt("when", var_name="series", value_name="value")
    long["series"] = long["series"].map(present)
    return long


def _tooltip() -> list:
    return [alt.Tooltip("when", title="date"), "series:N", alt.Tooltip("value:Q", format=".3g")]


def _lines(
    df: pd.DataFrame, columns: dict[str, str], y_title: str, dash: bool = False
) -> alt.Chart:
    # Points while there are too few months for a line to show.
    chart = alt.Chart(_long(df, columns)).mark_line(
        strokeDash=[5, 3] if dash else [1, 0], point=len(df) < 3
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
) -> alt.TopLevelMixin:
    """Lines on a left axis and, where units differ, dashed lines on an independent right axis."""
    chart: alt.TopLevelMixin = _lines(df, left, left_title)
    if right:
        right_chart = _lines(df, right, right_title, dash=True).encode(
            y=alt.Y("value:Q", title=right_title, axis=alt.Axis(orient="right"))
        )
        chart = alt.layer(chart, right_chart).resolve_scale(y="independent")
    return chart.properties(title=title, width=CHART_WIDTH, height=CHART_HEIGHT)


def capacity_chart(model: Any) -> alt.TopLevelMixin:
    """Capacity online over the pipeline stacked by the gate each project waits at."""
    df = model_frame(model)
    stacked = (
        alt.Chart(_long(df, GATES))
        .mark_area(opacity=0.75)
        .encode(
            x=_x(df),
            y=alt.Y("value:Q", stack="zero", title="GW"),
            color=alt.Color("series:N", title=None, sort=list(GATES.values()),
                            legend=alt.Legend(orient="bottom", columns=3)),
            order=alt.Order("gate_order:Q"),
            tooltip=_tooltip(),
        )
        .transform_calculate(
            gate_order=" + ".join(
                f"(datum.series == '{label}') * {i}" for i, label in enumerate(GATES.values())
            )
        )
    )
    online = _lines(df, {"capacity_online_gw": "online (all labs)",
                         "focal_capacity_online_gw": "online (focal lab)"}, "GW")
    online = online.mark_line(strokeWidth=2.5, point=len(df) < 3)
    return alt.layer(stacked, online).properties(
        title="Capacity online and pipeline by gate", width=CHART_WIDTH, height=CHART_HEIGHT
    )


def finance_chart(model: Any) -> alt.TopLevelMixin:
    return _panel(
        model_frame(model),
        "Focal lab: cash, debt, funding gap",
        {"lab_cash_usd_b": "cash", "lab_debt_usd_b": "debt", "funding_gap_usd_b": "funding gap"},
        "USD bn",
    )


def prices_chart(model: Any) -> alt.TopLevelMixin:
    return _panel(
        model_frame(model),
        "Chip and power prices",
        {"chip_price_usd_b_per_gw": "chips (USD bn/GW)"},
        "USD bn per GW",
        {"power_price_usd_mwh": "power (USD/MWh, dashed)"},
        "USD/MWh",
    )


def grid_sentiment_chart(model: Any) -> alt.TopLevelMixin:
    return _panel(
        model_frame(model),
        "Grid reserve margin and investor sentiment",
        {"grid_reserve_margin": "grid reserve margin"},
        "reserve margin",
        {"investor_sentiment": "investor sentiment (dashed)"},
        "sentiment (0-1)",
    )


def risk_chart(model: Any) -> alt.TopLevelMixin:
    return _panel(
        model_frame(model),
        "Risk counters",
        {"defaults_cumulative": "defaults", "permits_denied_cumulative": "permits denied"},
        "count (cumulative)",
        {"stranded_gw": "stranded GW (dashed)"},
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
# contract network


def _month(model: Any) -> int:
    return int(getattr(model, "month", getattr(model, "steps", 0)))


def _balance_sheet(agent: Any) -> float:
    size = getattr(agent, "balance_sheet_usd_b", None)
    value = size() if callable(size) else getattr(agent, "cash_usd_b", 0.0)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def _kind_rank(kind: str) -> int:
    kinds = list(KIND_COLOURS)
    return kinds.index(kind) if kind in kinds else len(kinds)


def _agents(model: Any) -> list[Any]:
    """Agents in a stable order (by kind, then creation) so the layout does not jump."""
    return sorted(model.agents, key=lambda a: (_kind_rank(getattr(a, "kind", "")), a.unique_id))


def contract_graph(model: Any) -> nx.DiGraph:
    """Who owes whom: one node per agent, one edge per payer -> payee pair with contracts.

    Nodes carry ``kind``, ``name``, ``size`` (balance sheet, USD bn), ``defaulted`` and
    ``distress``. Edges carry ``value`` (remaining USD bn across the pair's active contracts),
    ``count``, ``kinds`` and ``broken`` (True if the pair has broken contracts and no live one,
    so a deal's collapse stays visible). Live = active and not past its end month. Built from
    the model's contract book, the single source of truth for who owes whom.
    """
    month = _month(model)
    g = nx.DiGraph()
    for agent in _agents(model):
        g.add_node(
            agent.unique_id,
            kind=getattr(agent, "kind", "?"),
            name=str(getattr(agent, "name", agent.unique_id)),
            size=_balance_sheet(agent),
            defaulted=bool(getattr(agent, "defaulted", False)),
            distress=bool(getattr(agent, "in_distress", False)),
        )
    contracts: Iterable[Any] = getattr(getattr(model, "contracts", None), "contracts", ())
    for c in contracts:
        live = c.status == "active" and c.end_month > month  # past its end = expired
        if not live and c.status != "broken":
            continue
        u, v = c.payer.unique_id, c.payee.unique_id
        if u not in g or v not in g:  # a party removed from the model
            continue
        data = g.get_edge_data(u, v)
        if data is None:
            g.add_edge(u, v, value=0.0, count=0, kinds=set(), broken=True, broken_count=0)
            data = g.edges[u, v]
        if live:
            data["value"] += max(0.0, float(c.remaining_value_usd_b(month)))
            data["count"] += 1
            data["kinds"].add(str(getattr(c, "kind", "contract")))
            data["broken"] = False
        else:
            data["broken_count"] += 1
    return g


def _layout(g: nx.DiGraph) -> dict[Any, tuple[float, float]]:
    """Labs on the inner ring, everyone else on the outer ring grouped by kind: stable per step."""
    labs = [n for n, d in g.nodes(data=True) if d["kind"] == "lab"]
    others = [n for n, d in g.nodes(data=True) if d["kind"] != "lab"]
    shells = [s for s in (labs, others) if s]
    if len(g) <= 1 or len(shells) < 2:
        return nx.circular_layout(g) if len(g) else {}
    return nx.shell_layout(g, nlist=shells, rotate=0.3)


def network_figure(model: Any, graph: nx.DiGraph | None = None) -> Figure:
    """The contract network: colour = agent kind, area = balance sheet, edge width = exposure.

    Broken deals are red dashed edges; a defaulted agent is drawn as a black-rimmed cross and an
    agent in distress gets an orange rim.
    """
    g = contract_graph(model) if graph is None else graph
    fig = Figure(figsize=(5.2, 3.9), dpi=90, layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    month = _month(model)
    active = sum(1 for _, _, d in g.edges(data=True) if not d["broken"])
    broken = sum(1 for _, _, d in g.edges(data=True) if d["broken"])
    ax.set_title(f"Contract network, month {month}: {active} live links, {broken} broken",
                 fontsize=9)
    if not len(g):
        ax.text(0.5, 0.5, "no agents", ha="center", va="center", transform=ax.transAxes)
        return fig
    pos = _layout(g)
    big = max((max(d["size"], 0.0) for _, d in g.nodes(data=True)), default=0.0) or 1.0
    top = max((d["value"] for _, _, d in g.edges(data=True)), default=0.0) or 1.0

    live = [(u, v) for u, v, d in g.edges(data=True) if not d["broken"]]
    dead = [(u, v) for u, v, d in g.edges(data=True) if d["broken"]]
    widths = [0.5 + 3.5 * math.sqrt(g.edges[e]["value"] / top) for e in live]
    nx.draw_networkx_edges(g, pos, edgelist=live, width=widths, edge_color="#555555", alpha=0.45,
                           arrows=True, arrowsize=7, connectionstyle="arc3,rad=0.08", ax=ax)
    nx.draw_networkx_edges(g, pos, edgelist=dead, width=1.2, edge_color="#d62728", style="dashed",
                           alpha=0.8, arrows=False, ax=ax)

    for marker, select in (("o", lambda d: not d["defaulted"]), ("X", lambda d: d["defaulted"])):
        nodes = [n for n, d in g.nodes(data=True) if select(d)]
        if not nodes:
            continue
        data = [g.nodes[n] for n in nodes]
        nx.draw_networkx_nodes(
            g, pos, nodelist=nodes, ax=ax, node_shape=marker,
            node_size=[40 + 900 * math.sqrt(max(d["size"], 0.0) / big) for d in data],
            node_color=[KIND_COLOURS.get(d["kind"], OTHER_COLOUR) for d in data],
            edgecolors=["black" if d["defaulted"] else "#ff7f0e" if d["distress"] else "white"
                        for d in data],
            linewidths=[2.0 if d["defaulted"] or d["distress"] else 0.8 for d in data],
        )
    labels = {n: d["name"] for n, d in g.nodes(data=True) if d["kind"] == "lab" or len(g) <= 25}
    nx.draw_networkx_labels(g, pos, labels=labels, font_size=6, ax=ax)

    kinds = sorted({d["kind"] for _, d in g.nodes(data=True)}, key=_kind_rank)
    handles = [Line2D([], [], marker="o", ls="", color=KIND_COLOURS.get(k, OTHER_COLOUR), label=k)
               for k in kinds]
    handles.append(Line2D([], [], color="#d62728", ls="--", label="broken"))
    ax.legend(handles=handles, fontsize=6, loc="lower left", frameon=False,
              bbox_to_anchor=(-0.02, -0.04))
    return fig


# --------------------------------------------------------------------------------------------
# agent table


def agent_table(model: Any) -> pd.DataFrame:
    """One row per agent: kind, name, cash, capacity online (labs), distress flag."""
    rows = []
    for a in _agents(model):
        kind = getattr(a, "kind", "?")
        capacity = getattr(a, "capacity_online_gw", None) if kind == "lab" else None
        state = ("defaulted" if getattr(a, "defaulted", False)
                 else "distress" if getattr(a, "in_distress", False) else "")
        rows.append({
            "kind": kind,
            "name": str(getattr(a, "name", a.unique_id)),
            "cash (USD bn)": float(getattr(a, "cash_usd_b", float("nan"))),
            "capacity (GW)": float(capacity) if capacity is not None else float("nan"),
            "distress": state,
        })
    return pd.DataFrame(rows, columns=["kind", "name", "cash (USD bn)", "capacity (GW)",
                                       "distress"])


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
        'width:100%"><thead><tr>' + head + "</tr></thead><tbody>" + "".join(body)
        + "</tbody></table>"
    )


def run_summary(model: Any, names: Iterable[str] | None = None) -> str:
    """The scenario, seed and slider parameters the shown run actually uses (from ``model.p``).

    Sliders take effect only on Reset; this line says what the charts are showing.
    """
    if names is None:
        from viz.controls import SLIDERS as names
    p = getattr(model, "p", None)
    parts = [f"scenario {getattr(model, 'scenario', '?')}",
             f"seed {getattr(model, 'viz_seed', 'n/a')}"]
    for name in names:
        value = getattr(p, name, None)
        if value is not None:
            parts.append(f"{name} = {value:g}" if isinstance(value, int | float) else
                         f"{name} = {value}")
    return " · ".join(parts)


# --------------------------------------------------------------------------------------------
# Solara components (SolaraViz re-renders them after every step through ``update_counter``)


def _chart_component(builder, name: str):
    @solara.component
    def Chart(model: Any):
        update_counter.get()
        return solara.FigureAltair(builder(model))

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
        solara.HTML(tag="div", unsafe_innerHTML="<b>Run</b>: " + html.escape(run_summary(model)),
                    classes=["gigawatt-run"], style="font-size:12px")
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>Agents</b> (month {_month(model)}, "
                    f"{len(df)} agents)")
        solara.HTML(tag="div", unsafe_innerHTML=agent_table_html(df),
                    style="max-height:330px;overflow-y:auto;width:100%")
    return main


#: Components in page order, as SolaraViz takes them.
COMPONENTS = [CapacityPlot, ContractNetwork, FinancePlot, PricesPlot, GridSentimentPlot,
              RiskPlot, AgentTable]
