"""Build bigger worlds from the baseline scenario, for benchmarks and tests of scale.

``scaled_scenario(copies)`` replicates every jurisdiction (with its utility), every rival lab,
chip vendor and investor ``copies`` times with unique names (``texas-3``, ``ercot-utility-3``,
``cloud-a-3``), while keeping exactly one focal lab; timeline events follow (see
``_scaled_events``). Each copy carries its own share of the
starting state: rival labs' campuses sit in their own copy's jurisdictions, and contracts
between rivals and vendors are re-signed inside each copy. The focal lab's campuses and
contracts stay in copy 1, so the focal lab itself is not scaled, only the world around it.
A world of ``copies`` = 10 has 18·10 + 1 = 181 agents against the baseline's 19 (×9.5).

    python -m benchmarks.scaled_world 10 /tmp/x10.toml    # write a scaled scenario file

``write_scenario`` is a small TOML writer for scenario dictionaries (the standard library reads
TOML but does not write it), also used by the tests to build edge worlds.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from environment.scenario import SCENARIO_DIR

BASELINE = SCENARIO_DIR / "baseline.toml"


def read_scenario(path: Path = BASELINE) -> dict[str, Any]:
    """The raw (unvalidated) tables of a scenario file, ready to edit and write back."""
    return tomllib.loads(Path(path).read_text())


def _suffix(name: str, k: int) -> str:
    """Copy 1 keeps the original names so it is the baseline itself; later copies get ``-k``."""
    return name if k == 1 else f"{name}-{k}"


def scale_raw(raw: dict[str, Any], copies: int) -> dict[str, Any]:
    """A scenario with every non-focal agent replicated ``copies`` times (see module doc)."""
    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    focal = [lab["name"] for lab in raw.get("labs", []) if lab.get("focal")]
    if len(focal) != 1:
        raise ValueError("the scenario to scale must have exactly one focal lab")
    focal_name = focal[0]
    out: dict[str, Any] = {
        "name": f"{raw.get('name', 'scenario')}-x{copies}",
        "description": f"{raw.get('description', '')} (non-focal agents replicated x{copies})",
        "parameters": dict(raw.get("parameters", {})),
        "generation_kinds": copy.deepcopy(raw.get("generation_kinds", [])),
    }
    for section in ("jurisdictions", "labs", "vendors", "investors", "projects", "contracts"):
        out[section] = []
    for k in range(1, copies + 1):
        for j in raw.get("jurisdictions", []):
            row = dict(j)
            row["name"] = _suffix(j["name"], k)
            row["utility"] = _suffix(j["utility"], k)
            out["jurisdictions"].append(row)
        for lab in raw.get("labs", []):
            if lab["name"] == focal_name and k > 1:
                continue
            out["labs"].append({**lab, "name": _suffix(lab["name"], 1 if lab.get("focal") else k)})
        for section in ("vendors", "investors"):
            for agent in raw.get(section, []):
                out[section].append({**agent, "name": _suffix(agent["name"], k)})
        for pr in raw.get("projects", []):
            if pr["owner"] == focal_name and k > 1:
                continue
            owner = pr["owner"] if pr["owner"] == focal_name else _suffix(pr["owner"], k)
            out["projects"].append(
                {**pr, "owner": owner, "jurisdiction": _suffix(pr["jurisdiction"], k)}
            )
        for c in raw.get("contracts", []):
            if focal_name in (c["buyer"], c["seller"]):
                if k == 1:
                    out["contracts"].append(dict(c))
                continue
            out["contracts"].append(
                {**c, "buyer": _suffix(c["buyer"], k), "seller": _suffix(c["seller"], k)}
            )
    out["events"] = _scaled_events(raw.get("events", []), copies)
    return out


def _scaled_events(events: list[dict[str, Any]], copies: int) -> list[dict[str, Any]]:
    """The timeline of the scaled world: a world-wide event (a parameter change, a shock, or
    one naming every jurisdiction with ``*``) happens once; one naming a jurisdiction happens
    in every copy of it, and an entrant enters once per copy."""
    out = []
    for event in events:
        if event.get("jurisdiction", "*") != "*":
            out += [
                {**event, "jurisdiction": _suffix(event["jurisdiction"], k)}
                for k in range(1, copies + 1)
            ]
        elif "agent" in event:
            out += [
                {**event, "agent": {**event["agent"], "name": _suffix(event["agent"]["name"], k)}}
                for k in range(1, copies + 1)
            ]
        else:
            out.append(dict(event))
    return out


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, dict):  # an inline table (an entrant's ``agent``)
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} {v!r} to a scenario file")


def dumps(raw: dict[str, Any]) -> str:
    """TOML text for a scenario dictionary: top-level keys, ``[parameters]``, arrays of tables."""
    lines = [f"{key} = {_value(raw[key])}" for key in ("name", "description") if key in raw]
    if raw.get("parameters"):
        lines += ["", "[parameters]"]
        lines += [f"{k} = {_value(v)}" for k, v in raw["parameters"].items()]
    for section, rows in raw.items():
        if section in ("name", "description", "parameters"):
            continue
        for row in rows:
            lines += ["", f"[[{section}]]"]
            lines += [f"{k} = {_value(v)}" for k, v in row.items()]
    return "\n".join(lines) + "\n"


def write_scenario(raw: dict[str, Any], path: Path | str) -> Path:
    path = Path(path)
    path.write_text(dumps(raw))
    return path


def scaled_scenario(copies: int, path: Path | str | None = None, base: Path = BASELINE) -> Path:
    """Write the baseline scaled ``copies`` times to ``path`` (a temp file if None); return it.

    The result loads with ``BuildoutModel(scenario=str(path))``.
    """
    if path is None:
        with tempfile.NamedTemporaryFile(
            prefix=f"gigawatt-x{copies}-", suffix=".toml", delete=False
        ) as f:
            path = f.name
    return write_scenario(scale_raw(read_scenario(base), copies), path)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(scaled_scenario(n, sys.argv[2] if len(sys.argv) > 2 else None))
