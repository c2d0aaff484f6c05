"""Make Solara's offline CDN cache serve the unpinned Vega URLs that Altair charts ask for.

Solara's front end loads ``vega@5``, ``vega-lite@5`` and ``vega-embed@6`` from its CDN proxy. On
machines that reach package registries only, the proxy cannot fetch them, and the
``solara-assets`` package ships only exact versions (``vega@5.21.0`` ...). An alias folder per
major version, pointing at the shipped exact version, makes the charts render offline. This runs
at app start-up so a fresh virtualenv needs no manual step.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from pathlib import Path

log = logging.getLogger(__name__)

#: package -> major version the Solara front end requests (solara/widgets/vue/vegalite.vue).
ALIASES: dict[str, int] = {"vega": 5, "vega-lite": 5, "vega-embed": 6}


def cdn_dir() -> Path:
    """Solara's CDN cache folder (its setting if the server is importable, else the default)."""
    try:
        from solara.server import settings

        return Path(settings.assets.proxy_cache_dir)
    except Exception:  # pragma: no cover - solara-server missing or misconfigured
        return Path(sys.prefix) / "share" / "solara" / "cdn"


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", folder.name.split("@", 1)[1]))


def ensure_cdn_aliases(root: Path | None = None) -> dict[str, Path]:
    """Create ``<pkg>@<major>`` alias folders next to the shipped exact versions; idempotent.

    Returns the alias paths that exist afterwards. Missing source versions are logged, not
    raised: the page still works where the real CDN is reachable.
    """
    root = cdn_dir() if root is None else Path(root)
    made: dict[str, Path] = {}
    for package, major in ALIASES.items():
        alias = root / f"{package}@{major}"
        if alias.exists():
            made[package] = alias
            continue
        candidates = sorted(
            (p for p in root.glob(f"{package}@{major}.*") if p.is_dir()), key=_version_key
        )
        if not candidates:
            log.warning("no %s@%d.x under %s; charts need the online CDN", package, major, root)
            continue
        source = candidates[-1]
        try:
            if alias.is_symlink():  # dangling link from an older install
                alias.unlink()
            os.symlink(source.name, alias, target_is_directory=True)
        except FileExistsError:  # another process made it meanwhile
            pass
        except OSError:  # file systems without symlinks: copy instead
            shutil.copytree(source, alias, dirs_exist_ok=True)
        made[package] = alias
    return made
