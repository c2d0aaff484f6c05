"""The contract network as a picture: matplotlib only, so a run can save it without the
browser stack (``gigawatt run`` writes it as network.png; the browser page shows it live)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from environment.ledger import keeps_books

#: Agent kinds in the order the network rings and the table list them, with their colours.
KIND_COLOURS: dict[str, str] = {
    "lab": "#1f77b4",
    "vendor": "#ff7f0e",
    "utility": "#2ca02c",
    "investor": "#9467bd",
    "government": "#7f7f7f",
}
OTHER_COLOUR = "#bcbd22"


def model_month(model: Any) -> int:
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


def agents_in_order(model: Any) -> list[Any]:
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
    month = model_month(model)
    g = nx.DiGraph()
    for agent in agents_in_order(model):
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
        if not keeps_books(c.payee):  # an outside supplier: no agent, not drawn
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
    fig = Figure(figsize=(5.2, 3.9), dpi=90)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.91))
    ax.set_axis_off()
    month = model_month(model)
    active = sum(1 for _, _, d in g.edges(data=True) if not d["broken"])
    broken = sum(1 for _, _, d in g.edges(data=True) if d["broken"])
    ax.set_title(
        f"Contract network, month {month}: {active} live links, {broken} broken", fontsize=9
    )
    if not len(g):
        ax.text(0.5, 0.5, "no agents", ha="center", va="center", transform=ax.transAxes)
        return fig
    pos = _layout(g)
    big = max((max(d["size"], 0.0) for _, d in g.nodes(data=True)), default=0.0) or 1.0
    top = max((d["value"] for _, _, d in g.edges(data=True)), default=0.0) or 1.0

    live = [(u, v) for u, v, d in g.edges(data=True) if not d["broken"]]
    dead = [(u, v) for u, v, d in g.edges(data=True) if d["broken"]]
    widths = [0.5 + 3.5 * math.sqrt(g.edges[e]["value"] / top) for e in live]
    # Straight lines without arrow heads: one LineCollection instead of a patch per edge keeps
    # the redraw fast (payer -> payee direction is in the graph, not the picture).
    nx.draw_networkx_edges(
        g, pos, edgelist=live, width=widths, edge_color="#555555", alpha=0.45, arrows=False, ax=ax
    )
    nx.draw_networkx_edges(
        g,
        pos,
        edgelist=dead,
        width=1.2,
        edge_color="#d62728",
        style="dashed",
        alpha=0.8,
        arrows=False,
        ax=ax,
    )

    for marker, select in (("o", lambda d: not d["defaulted"]), ("X", lambda d: d["defaulted"])):
        nodes = [n for n, d in g.nodes(data=True) if select(d)]
        if not nodes:
            continue
        data = [g.nodes[n] for n in nodes]
        nx.draw_networkx_nodes(
            g,
            pos,
            nodelist=nodes,
            ax=ax,
            node_shape=marker,
            node_size=[40 + 900 * math.sqrt(max(d["size"], 0.0) / big) for d in data],
            node_color=[KIND_COLOURS.get(d["kind"], OTHER_COLOUR) for d in data],
            edgecolors=[
                "black" if d["defaulted"] else "#ff7f0e" if d["distress"] else "white" for d in data
            ],
            linewidths=[2.0 if d["defaulted"] or d["distress"] else 0.8 for d in data],
        )
    labels = {n: d["name"] for n, d in g.nodes(data=True) if d["kind"] == "lab" or len(g) <= 25}
    nx.draw_networkx_labels(g, pos, labels=labels, font_size=6, ax=ax)

    kinds = sorted({d["kind"] for _, d in g.nodes(data=True)}, key=_kind_rank)
    handles = [
        Line2D([], [], marker="o", ls="", color=KIND_COLOURS.get(k, OTHER_COLOUR), label=k)
        for k in kinds
    ]
    handles.append(Line2D([], [], color="#d62728", ls="--", label="broken"))
    ax.legend(
        handles=handles, fontsize=6, loc="lower left", frameon=False, bbox_to_anchor=(-0.02, 0.0)
    )
    return fig


def save_network_png(model: Any, path) -> None:
    """Write the network picture at the end of a run."""
    fig = network_figure(model)
    fig.set_size_inches(9, 7)
    fig.savefig(path, dpi=120)
