"""``gigawatt viz``: serve the SolaraViz page on localhost."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from experiments.options import port_type

APP = Path(__file__).with_name("app.py")


def solara_command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The ``solara run`` command line for the app (production mode: no file watcher)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def solara_env() -> dict[str, str]:
    """Environment for the server: the repo importable, no telemetry calls to the internet."""
    env = dict(os.environ)
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    return env


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the page until interrupted; returns the server's exit code."""
    from viz.assets import ensure_cdn_aliases

    ensure_cdn_aliases()  # also done by the app; here so a broken install fails early and loudly
    print(f"Gigawatt viz on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        return subprocess.call(solara_command(host, port), env=solara_env())
    except KeyboardInterrupt:
        return 0


def _run(args: argparse.Namespace) -> int:
    return serve(args.host, args.port)


def add_viz_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``viz`` on the CLI's sub-parsers (``experiments/cli.py`` calls this)."""
    parser = subparsers.add_parser(
        "viz", help="open the SolaraViz browser page on localhost", description=__doc__
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_type, default=8765, help="port to listen on, 1-65535")
    parser.set_defaults(func=_run)
    return parser


if __name__ == "__main__":  # pragma: no cover
    cli = argparse.ArgumentParser(prog="python -m viz.serve")
    add_viz_parser(cli.add_subparsers(required=True))
    ns = cli.parse_args(["viz", *sys.argv[1:]])
    sys.exit(ns.func(ns))
