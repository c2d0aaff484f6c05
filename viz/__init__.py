"""Gigawatt's browser page: a Mesa SolaraViz app (``solara run viz/app.py`` or ``gigawatt viz``)."""
