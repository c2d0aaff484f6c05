"""The browser page's pieces without a browser: controls, charts, network, table, page wiring."""

from __future__ import annotations

import argparse
import io
import math
import time

import pandas as pd
import pytest

pytest.importorskip("solara")

import warnings  # noqa: E402

import ipyvuetify as v  # noqa: E402
import solara  # noqa: E402

with warnings.catch_warnings():  # Mesa 3.3's SolaraViz trips Solara's hook linter on import
    warnings.simplefilter("ignore", UserWarning)
    from mesa.visualization import SolaraViz  # noqa: E402

from conftest import step_label  # noqa: E402

from environment.contracts import BROKEN  # noqa: E402
from environment.parameters import PARAMETERS  # noqa: E402
from viz import components as C  # noqa: E402
from viz import controls  # noqa: E402
from viz import network as N  # noqa: E402
from viz.assets import ensure_cdn_aliases  # noqa: E402
from viz.serve import add_viz_parser, solara_command  # noqa: E402

MONTHS = 8

# Mesa 3.3's own SolaraViz trips Solara's hook linter; nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore:.*found despite early return:UserWarning")


@pytest.fixture(scope="module")
def stepped():
    """A baseline run a few months in (shared: tests that mutate build their own)."""
    model = controls.VizModel(**controls.initial_values())
    for _ in range(MONTHS):
        model.step()
    return model


def _chart_data(chart) -> pd.DataFrame:
    """A chart's table as the browser receives it (validating the spec on the way)."""
    spec = chart.to_dict()
    data = spec["data"]
    values = data["values"] if "values" in data else spec["datasets"][data["name"]]
    assert data["format"]["type"] == "csv"
    table = pd.read_csv(io.StringIO(values))
    assert set(data["format"]["parse"]) == set(table.columns)
    assert data["format"]["parse"]["when"] == "date"
    return table


# --- controls --------------------------------------------------------------------------------


def test_slider_ranges_come_from_the_parameter_table():
    params = controls.model_params()
    for name in controls.SLIDERS:
        spec, p = params[name], PARAMETERS[name]
        if name != "efficiency_shock_month":
            assert (spec["min"], spec["max"]) == (p.low, p.high), name
        assert spec["min"] <= spec["value"] <= spec["max"], name
        # the starting value lies on the slider's grid, so the browser can show it exactly
        steps = (spec["value"] - spec["min"]) / spec["step"]
        assert abs(steps - round(steps)) < 1e-6, name
    month = params["efficiency_shock_month"]
    assert month["min"] == 1 and month["max"] <= PARAMETERS["efficiency_shock_month"].high
    assert params["scenario_name"]["value"] in params["scenario_name"]["values"]
    assert "baseline" in params["scenario_name"]["values"]


def test_sliders_at_default_leave_the_scenario_alone_and_moved_ones_override():
    values = controls.initial_values()
    kw = controls.model_kwargs(**values)
    assert kw == {"scenario": "baseline", "seed": controls.DEFAULT_SEED}
    values["ambition"] = 0.1 * 3 * 5  # browser float noise: 1.5000000000000002
    kw = controls.model_kwargs(**values)
    assert kw["ambition"] == 1.5
    assert (
        controls.model_kwargs(**{**values, "efficiency_shock": controls.SHOCK_OFF})[
            "efficiency_shock_month"
        ]
        == 0
    )
    on = controls.model_kwargs(
        **{**values, "efficiency_shock": controls.SHOCK_ON, "efficiency_shock_month": 24}
    )
    assert on["efficiency_shock_month"] == 24 and on["efficiency_shock_factor"] > 1
    with pytest.raises(ValueError, match="unknown parameter"):
        controls.model_kwargs(no_such_knob=1)


def test_seed_text():
    assert controls.parse_seed(" 7 ") == 7
    for bad in ("abc", "-1", str(2**63), "1.5"):
        with pytest.raises(ValueError, match="seed"):
            controls.parse_seed(bad)


def test_a_blank_seed_is_drawn_shown_and_repeats_the_run():
    drawn = controls.VizModel(**{**controls.initial_values(), "seed": " "})
    assert isinstance(drawn.viz_seed, int) and f"seed {drawn.viz_seed}" in C.run_summary(drawn)
    again = controls.VizModel(**{**controls.initial_values(), "seed": str(drawn.viz_seed)})
    for model in (drawn, again):
        model.run(12)
    pd.testing.assert_frame_equal(
        drawn.datacollector.get_model_vars_dataframe(),
        again.datacollector.get_model_vars_dataframe(),
    )


def test_viz_model_applies_the_page_inputs():
    values = {
        **controls.initial_values(),
        "ambition": 2.0,
        "seed": "5",
        "efficiency_shock": controls.SHOCK_ON,
        "efficiency_shock_month": 12,
    }
    model = controls.VizModel(**values)
    assert model.p.ambition == 2.0
    assert model.p.efficiency_shock_month == 12
    assert model.viz_seed == 5
    assert "ambition = 2" in C.run_summary(model)


# --- charts ----------------------------------------------------------------------------------


def test_charts_carry_the_collected_series(stepped):
    df = stepped.datacollector.get_model_vars_dataframe()
    for name, builder in C.CHARTS.items():
        data = _chart_data(builder(stepped))
        assert len(data) == MONTHS + 1 and data["when"].is_unique, name
        assert data.drop(columns="when").notna().all().all(), name
    cap = _chart_data(C.capacity_chart(stepped))
    for column, label in {**C.GATES, **C.ONLINE}.items():
        assert cap[label].tolist() == pytest.approx(df[column].tolist(), rel=1e-5), column
    fin = _chart_data(C.finance_chart(stepped))
    assert set(fin.columns) == {"when", "cash", "debt", "funding gap"}
    assert fin["cash"].tolist() == pytest.approx(df["lab_cash_usd_b"].tolist(), rel=1e-5)
    # every series a chart folds is in its data, so none silently draws nothing
    for name, builder in C.CHARTS.items():
        spec = builder(stepped).to_dict()
        data = _chart_data(builder(stepped))
        folded = [
            f
            for layer in spec["layer"]
            for t in layer.get("transform", [])
            for f in t.get("fold", [])
        ]
        assert folded and set(folded) <= set(data.columns), name


def test_charts_redraw_after_a_step():
    model = controls.VizModel(**controls.initial_values())
    before = C.capacity_chart(model).to_dict()
    model.step()
    after = C.capacity_chart(model).to_dict()
    assert before != after
    assert len(_chart_data(C.risk_chart(model))) == 2


# --- contract network ------------------------------------------------------------------------


def test_network_has_every_agent_and_each_live_contract(stepped):
    g = N.contract_graph(stepped)
    assert set(g.nodes) == {a.unique_id for a in stepped.agents}
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"lab", "vendor", "utility", "investor", "government"} <= kinds
    month = stepped.month
    live = [c for c in stepped.contracts.contracts if c.status == "active" and c.end_month > month]
    assert live, "a baseline run signs contracts within months"
    for c in live:
        assert g.has_edge(c.payer.unique_id, c.payee.unique_id)
    assert sum(d["count"] for _, _, d in g.edges(data=True)) == len(live)
    total = sum(max(0.0, c.remaining_value_usd_b(month)) for c in live)
    assert sum(d["value"] for _, _, d in g.edges(data=True)) == pytest.approx(total)
    for a in stepped.agents:
        assert g.nodes[a.unique_id]["size"] == pytest.approx(a.balance_sheet_usd_b())


def test_broken_deal_shows_as_a_broken_edge():
    model = controls.VizModel(**controls.initial_values())
    for _ in range(3):
        model.step()
    pair_live = {}
    for c in model.contracts.contracts:
        if c.status == "active" and c.end_month > model.month:
            pair_live.setdefault((c.payer.unique_id, c.payee.unique_id), []).append(c)
    (u, w), contracts = next(iter(pair_live.items()))
    for c in contracts:
        model.contracts.close(c, BROKEN, model.month)
    g = N.contract_graph(model)
    assert g.edges[u, w]["broken"] and g.edges[u, w]["broken_count"] == len(contracts)


def test_network_figure_draws_nodes_and_renders(stepped):
    fig = N.network_figure(stepped)
    ax = fig.axes[0]
    drawn = sum(
        len(col.get_offsets())
        for col in ax.collections
        if col.get_offsets() is not None
        and len(col.get_offsets())
        and type(col).__name__ == "PathCollection"
    )
    assert drawn == len(stepped.agents)
    assert f"month {stepped.month}" in ax.get_title()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n" and len(buf.getvalue()) > 10_000


# --- agent table -----------------------------------------------------------------------------


def test_agent_table(stepped):
    table = C.agent_table(stepped)
    assert len(table) == len(stepped.agents)
    assert list(table.columns) == ["kind", "name", "cash (USD bn)", "capacity (GW)", "distress"]
    by_name = {a.name: a for a in stepped.agents}
    for row in table.itertuples(index=False):
        agent = by_name[row.name]
        assert row._2 == pytest.approx(agent.cash_usd_b)
        if agent.kind == "lab":
            assert row._3 == pytest.approx(agent.capacity_online_gw)
        else:
            assert math.isnan(row._3)
        assert row.distress == (
            "defaulted" if agent.defaulted else "distress" if agent.in_distress else ""
        )
    html = C.agent_table_html(table)
    assert html.count("<tr") == len(table) + 1


# --- the page, rendered server-side ----------------------------------------------------------


def _page(model):
    """The app's page inside an AppLayout, which is what renders SolaraViz's sidebar controls."""
    page = SolaraViz(
        model, components=list(C.COMPONENTS), model_params=controls.model_params(), name="test"
    )
    return solara.AppLayout(children=[page])


def test_page_steps_and_resets_without_server_errors():
    model = controls.VizModel(**controls.initial_values())
    box, rc = solara.render(_page(model), handle_error=False)
    step = rc.find(v.Btn, children=["Step"])
    step.assert_single()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        step.widget.click()
        times.append(time.perf_counter() - t0)
    rc.find(children=[step_label(3)]).assert_single()
    assert model.steps == 3
    # the network image and the table follow the model
    html = " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)
    assert "(month 3," in html
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rc.find(children=[step_label(0)]).assert_single()
    assert max(times) < 1.0, f"step + redraw took {max(times):.2f} s"
    rc.close()


# --- assets and CLI --------------------------------------------------------------------------


def test_cdn_aliases_point_at_the_newest_shipped_version(tmp_path):
    for folder in ("vega@5.9.0", "vega@5.21.0", "vega-lite@5.2.0", "vega-embed@6.20.2"):
        (tmp_path / folder / "build").mkdir(parents=True)
        (tmp_path / folder / "build" / "x.js").write_text(folder)
    made = ensure_cdn_aliases(tmp_path)
    assert set(made) == {"vega", "vega-lite", "vega-embed"}
    assert (tmp_path / "vega@5" / "build" / "x.js").read_text() == "vega@5.21.0"
    assert ensure_cdn_aliases(tmp_path) == made  # idempotent


def test_viz_subcommand():
    parser = argparse.ArgumentParser()
    add_viz_parser(parser.add_subparsers())
    ns = parser.parse_args(["viz", "--port", "9000"])
    assert (ns.host, ns.port, callable(ns.func)) == ("127.0.0.1", 9000, True)
    cmd = solara_command("127.0.0.1", 9000)
    assert cmd[-6:] == ["--host", "127.0.0.1", "--port", "9000", "--production", "--no-open"]
    assert cmd[4].endswith("app.py")
