"""Server-side cost of one Step on the browser page: model step plus redraw of every component.

Renders the real SolaraViz page with ``solara.render`` (no browser), clicks Step through a whole
run and reports per-click times, then times each component's builder at the final month.

    python benchmarks/bench_viz.py [--months 120]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from experiments.options import at_least_one  # noqa: E402  (after the path is set)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=at_least_one, default=120)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*found despite early return")

    import ipyvuetify as v
    import solara
    from mesa.visualization import SolaraViz

    from viz import components as C
    from viz import network as N
    from viz.controls import VizModel, initial_values, model_params

    model = VizModel(**initial_values())
    page = SolaraViz(model, components=list(C.COMPONENTS), model_params=model_params())
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    times = []
    for _ in range(args.months):
        if not model.running:
            break
        t0 = time.perf_counter()
        step.click()
        times.append(time.perf_counter() - t0)
    ms = sorted(t * 1000 for t in times)
    result = {
        "steps": len(ms),
        "mean_ms": statistics.fmean(ms),
        "median_ms": statistics.median(ms),
        "p95_ms": ms[int(0.95 * (len(ms) - 1))],
        "max_ms": ms[-1],
    }
    print(
        f"step + redraw over {len(ms)} months: mean {result['mean_ms']:.0f} ms, "
        f"median {result['median_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
        f"max {result['max_ms']:.0f} ms"
    )

    # Where the time goes at the last month (builders plus the serialisation Solara does).
    parts: dict[str, float] = {}
    t0 = time.perf_counter()
    model.step()
    parts["model.step"] = time.perf_counter() - t0
    for name, builder in C.CHARTS.items():
        t0 = time.perf_counter()
        builder(model).to_dict()
        parts[f"chart {name}"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    N.network_figure(model).savefig(io.BytesIO(), format="png")
    parts["network png"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    C.agent_table_html(C.agent_table(model))
    parts["agent table"] = time.perf_counter() - t0
    for name, seconds in parts.items():
        print(f"  {name:<22} {seconds * 1000:6.1f} ms")
    rc.close()
    return result


if __name__ == "__main__":
    main()
