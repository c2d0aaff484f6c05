"""The SolaraViz page in a real headless Chromium: it loads, draws, steps, resets, takes inputs.

Server-side rendering tests cannot see front-end failures (a blank plot area, missing offline
assets), so this drives Debian's Chromium with Playwright against ``solara run viz/app.py``.
It takes a full-page screenshot; with ``GIGAWATT_UPDATE_SCREENSHOT=1`` it writes it to
``docs/screenshot.png`` for the README (otherwise to a temporary folder, so a test run leaves the
checkout clean). Skipped only when Chromium is missing outside CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import step_label

from viz.serve import solara_command, solara_env

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
README_SCREENSHOT = ROOT / "docs" / "screenshot.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHARTS = 5  # Altair charts on the page (viz.components.CHARTS)


def _require(what: str) -> None:
    """Skip outside CI; under CI a missing browser is a broken setup, so fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI (.ci/run installs it)")
    pytest.skip(f"{what} not installed; this test fails instead of skipping when CI is set")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        _require("Debian's chromium (apt-get install -y chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """``solara run viz/app.py`` on a free localhost port; yields (url, log file)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("solara") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            solara_command("127.0.0.1", port),
            cwd=ROOT,
            env=solara_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"solara exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"solara not ready after 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser(chromium: str):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require("the playwright Python package (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def _wait_for(predicate, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _canvases(page) -> list[str]:
    """Pixels of every chart canvas (as data URLs): they differ when a chart redraws."""
    return page.eval_on_selector_all(
        "canvas", "els => els.filter(c => c.width > 100 && c.height > 100).map(c => c.toDataURL())"
    )


def _network_src(page) -> str:
    return page.locator("img").first.get_attribute("src") or ""


def _step_counter(page, n: int) -> None:
    page.get_by_text(step_label(n), exact=True).wait_for(timeout=15_000)


def test_page_renders_steps_resets_and_takes_inputs(browser, server, tmp_path):
    url, log = server
    update_readme = os.environ.get("GIGAWATT_UPDATE_SCREENSHOT") == "1"
    screenshot = README_SCREENSHOT if update_readme else tmp_path / "screenshot.png"
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    button = page.get_by_role("button", name="Step")
    button.wait_for(timeout=30_000)

    # Reset first: the module-level model is shared by every session.
    page.get_by_role("button", name="Reset").click()
    _step_counter(page, 0)

    # Every chart and the network are drawn with real size.
    _wait_for(lambda: len(_canvases(page)) >= CHARTS, f"{CHARTS} chart canvases")
    for box in (page.locator("canvas").nth(i).bounding_box() for i in range(CHARTS)):
        assert box and box["width"] > 250 and box["height"] > 150, box
    network = page.locator("img").first
    network.wait_for()
    box = network.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 200, box
    assert page.evaluate("img => img.naturalWidth", network.element_handle()) > 300
    assert page.locator("table.gigawatt-agents tbody tr").count() >= 5

    # Step: the counter, the charts and the network follow.
    charts_before, network_before = _canvases(page), _network_src(page)
    round_trips = []
    for n in (1, 2, 3):
        t0 = time.perf_counter()
        button.click()
        _step_counter(page, n)
        round_trips.append(time.perf_counter() - t0)
    _wait_for(lambda: _canvases(page)[0] != charts_before[0], "the capacity chart to redraw")
    _wait_for(lambda: _network_src(page) != network_before, "the network to redraw")
    assert "(month 3," in page.locator("body").inner_text()
    print(f"browser step round trips: {', '.join(f'{t * 1000:.0f} ms' for t in round_trips)}")
    assert max(round_trips) < 3.0, f"step round trips {round_trips}"

    # A slider (keyboard) then Reset: the new run uses the moved value.
    slider = page.locator(".v-input", has_text="ambition (").get_by_role("slider")
    start = float(slider.get_attribute("aria-valuenow"))
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
    moved = float(slider.get_attribute("aria-valuenow"))
    assert moved > start
    page.get_by_role("button", name="Reset").click()
    _step_counter(page, 0)
    run = page.locator(".gigawatt-run")
    _wait_for(lambda: f"ambition = {moved:g}" in run.inner_text(), f"ambition = {moved:g}")
    for _ in range(3):
        slider.press("ArrowLeft")
    page.get_by_role("button", name="Reset").click()
    _wait_for(lambda: f"ambition = {start:g}" in run.inner_text(), "ambition back at start")

    # Play a couple of simulated years for the screenshot, then pause.
    page.get_by_role("button", name="▶").click()
    _wait_for(
        lambda: page.get_by_text(step_label(24), exact=True).count(),
        "24 months of play",
        timeout=30,
    )
    page.get_by_role("button", name="❚❚").click()
    # Solara scrolls inside its layout, so a full-page shot needs a viewport the page fits in.
    page.set_viewport_size({"width": 1500, "height": 1750})
    page.wait_for_timeout(1500)  # let the last redraw and the reflow land
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 50_000

    assert not errors, f"JavaScript errors: {errors}"
    server_log = log.read_text()
    assert "Traceback" not in server_log, server_log[-3000:]
    page.close()
