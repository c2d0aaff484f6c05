"""The Gigawatt SolaraViz page: ``solara run viz/app.py`` (or ``gigawatt viz``).

Sidebar: Mesa's step/play/reset, the scenario, seed and the most-turned parameters (changes apply
on Reset). Main area: capacity and pipeline by gate, the contract network, focal-lab finance,
prices, grid and sentiment, risk counters and the agent table.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `solara run viz/app.py` puts viz/ on the path, not the repo root; without an editable install
# the project's packages would not import.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from mesa.visualization import SolaraViz  # noqa: E402

from viz.assets import ensure_cdn_aliases  # noqa: E402
from viz.components import COMPONENTS  # noqa: E402
from viz.controls import VizModel, initial_values, model_params  # noqa: E402

# Before any chart is served: Altair's front end asks for vega@5 etc., which offline installs
# only have under exact versions.
ensure_cdn_aliases()

# Shared by every browser session until someone presses Reset (Mesa's design).
model = VizModel(**initial_values())

page = SolaraViz(
    model,
    components=list(COMPONENTS),
    model_params=model_params(),
    name="Gigawatt: the AI-infrastructure build-out",
    play_interval=150,
)
page  # noqa: B018
