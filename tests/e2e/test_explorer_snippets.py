"""The curl lines and Python snippets the explorer shows under each plot and value work as
they are: copied from the page (their rendered text), run in a fresh Python process against
the live server, they write the same image the page shows and open the data with xarray, with
the values the file has at that cell."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx2 as httpx
import numpy as np
import pytest
import xarray as xr
from playwright.sync_api import expect

from tests.conftest import SAMPLES
from tests.e2e import test_docs_browser, test_explorer
from tests.e2e.test_docs_browser import Watched

browser = test_docs_browser.browser
watched = test_docs_browser.watched
base = test_explorer.base  # the app under uvicorn on loopback, serving the built explorer

LON, LAT = -10.0, 55.0  # west of Ireland: sea at every GLORYS level down to 1,400 m


def run_python(code: str, folder: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{code}\n---\n{done.stderr}"
    return done.stdout


def test_the_snippets_shown_run_as_they_are(base: str, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    page.goto(f"{base}/?dataset=glorys&variable=thetao&point={LON:g},{LAT:g}")
    panel = page.locator(".panel[data-kind=point]")
    figure = panel.locator('figure[data-plot="profile"]')
    expect(figure.locator("img")).to_have_attribute("data-state", "loaded")
    for summary in panel.locator("details.snippets > summary").all():
        summary.click()

    # The profile plot: curl and Python fetch the image the page shows.
    shown = figure.locator("a.api-url").inner_text()
    assert figure.locator("img").get_attribute("src") == shown
    curl = figure.locator("code.curl").inner_text()
    assert re.fullmatch(r'curl -fo (\S+)\.png "(.+)"', curl).group(2) == shown  # type: ignore[union-attr]
    code = figure.locator("code.python").first.inner_text()
    run_python(code, tmp_path)
    written = list(tmp_path.glob("*.png"))
    assert len(written) == 1
    assert written[0].read_bytes() == httpx.get(shown, timeout=60).content

    # The value: its Python opens the NetCDF answer with xarray; the value is the file's.
    block = panel.locator(".value-block")
    data_url = block.locator("a.api-url").inner_text()
    assert f"lon={LON:g}" in data_url and f"lat={LAT:g}" in data_url
    printed = run_python(block.locator("code.python").inner_text(), tmp_path)
    assert "thetao" in printed
    (saved,) = tmp_path.glob("*.nc")
    got = xr.open_dataset(saved)
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    cell = raw["thetao"].isel(depth=0).sel(longitude=LON, latitude=LAT, method="nearest")
    assert float(got["thetao"]) == pytest.approx(float(cell), rel=1e-6)
    shown_value = float(panel.locator("p.value").get_attribute("data-value") or "nan")
    assert shown_value == pytest.approx(float(cell), rel=1e-6)
    assert np.isfinite(shown_value)


def test_a_vector_pair_is_a_variable_whose_value_is_its_speed_and_direction(
    base: str, watched: Watched
) -> None:
    """WCOFS's surface current (u_sur, v_sur on a rotated C-grid) is offered as one choice;
    the point panel shows the speed and direction the API answers for the pair, which are the
    components' magnitude and bearing."""
    page = watched.page
    page.goto(f"{base}/?dataset=wcofs&variable=surface-current&point=-124.5,44.8")
    value = page.locator(".panel[data-kind=point] p.value")
    expect(value).to_have_attribute("data-value", re.compile(r"^\d"))
    options = page.locator("#variable option").evaluate_all("os => os.map(o => o.value)")
    assert options[-1] == "surface-current" and {"u_sur", "v_sur"} <= set(options)
    url = page.locator(".panel[data-kind=point] .value-block a.api-url").inner_text()
    answer = httpx.get(url, timeout=60).json()["variables"]
    east, north = (answer[f"surface-current_{c}"]["values"] for c in ("east", "north"))
    speed = answer["surface-current_speed"]["values"]
    direction = answer["surface-current_direction"]["values"]
    assert speed == pytest.approx(np.hypot(east, north), rel=1e-9)
    assert direction == pytest.approx(np.degrees(np.arctan2(east, north)) % 360, abs=1e-6)
    assert float(value.get_attribute("data-value") or "nan") == pytest.approx(speed, rel=1e-9)
    assert value.inner_text().startswith(f"{speed:.5g} m/s towards {round(direction)}°")
    legend = page.locator("#legend")
    expect(legend).to_have_attribute("data-state", "loaded")
    assert "variable=surface-current" in (legend.get_attribute("src") or "")
