"""Plots along a path: the x axis says where the samples are (longitude along a parallel, latitude
along a meridian, else distance), the subtitle says how the vertices were joined, and a transect
has a locator map of its path beside the section."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.transforms import Bbox

from api.settings import DEFAULT_CATALOG
from catalog.query import sample_path
from catalog.store import Catalog
from plotting.basemap import LAND_COLOUR
from plotting.common import RenderContext
from plotting.types import PLOT_TYPES

D = "/api/v1/datasets"
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(client: TestClient, url: str, **params: Any) -> tuple[list[str], list[str]]:
    """A plot drawn by the worker pool as SVG (text kept as text): the main axes' x axis texts
    (tick labels, then its label) and every text of the figure."""
    response = client.get(url, params={**params, "f": "svg"})
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    main = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "axes_1")
    x_axis = next(g for g in main.iter(f"{SVG}g") if g.get("id") == "matplotlib.axis_1")
    axis = [t.text or "" for t in x_axis.iter(f"{SVG}text")]
    return axis, [t.text or "" for t in root.iter(f"{SVG}text")]


def test_hovmoller_along_the_equator_has_a_longitude_axis(client: TestClient) -> None:
    url = f"{D}/ersst-v5/plots/hovmoller"
    axis, texts = svg_texts(client, url, path="140,0;-80,0")  # across 180, eastward
    *ticks, label = axis
    assert label == "Longitude"
    assert ticks[0] == "140°E" and ticks[-1] == "80°W", ticks  # continuous across 180
    assert any(t.endswith("°E") for t in ticks) and any(t.endswith("°W") for t in ticks)
    assert any(re.search(r"rhumb line, 15,58\d km", t) for t in texts), texts


def test_a_geodesic_off_the_parallel_keeps_the_distance_axis(client: TestClient) -> None:
    url = f"{D}/ersst-v5/plots/hovmoller"
    axis, texts = svg_texts(client, url, path="140,30;-120,30", path_type="geodesic")
    assert axis[-1] == "Distance along path (km)"
    assert any(re.search(r"geodesic, 9,2\d\d km", t) for t in texts), texts
    axis, texts = svg_texts(client, url, path="140,30;-120,30")  # rhumb: the parallel
    assert axis[-1] == "Longitude"
    assert any(re.search(r"rhumb line, 9,6\d\d km", t) for t in texts), texts


def test_meridian_transect_has_a_latitude_axis(client: TestClient) -> None:
    axis, texts = svg_texts(client, f"{D}/glorys/plots/transect", path="-10,47;-10,62")
    *ticks, label = axis
    assert label == "Latitude"
    assert ticks and all(t.endswith("°N") for t in ticks), ticks
    assert "Path" in texts  # the locator map's title


# ----------------------------------------------------------------------------- figure geometry


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    opened = Catalog(DEFAULT_CATALOG)
    opened.open_all()
    return opened


def render(catalog: Catalog, dataset: str, plot_type: str, **params: Any) -> Figure:
    """The figure as a worker draws it, laid out and drawn on an Agg canvas."""
    kind = PLOT_TYPES[plot_type]
    fig = kind.render(
        RenderContext(catalog.dataset(dataset), 2_000_000), kind.params.model_validate(params)
    )
    FigureCanvasAgg(fig).draw()
    return fig


def overlap(a: Any, b: Any) -> bool:
    return bool(a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


@pytest.mark.parametrize(
    ("dataset", "path", "ends"),
    [
        ("glorys", "-15,48;5,62", ["● 15°W, 48°N", "→ 5°E, 62°N"]),
        ("giops", "-160,5;-140,15", ["● 160°W, 5°N", "→ 140°W, 15°N"]),
        ("glorys", "-15,55;5,55", ["● 15°W, 55°N", "→ 5°E, 55°N"]),
    ],
)
def test_transect_has_a_locator_map_beside_the_section(
    catalog: Catalog, dataset: str, path: str, ends: list[str]
) -> None:
    fig = render(catalog, dataset, "transect", path=path, width=800, height=600)
    section, colorbar = fig.axes  # the section and its colour bar
    (locator,) = colorbar.child_axes  # the locator map, an inset beside the bar
    assert locator.get_title() == "Path"
    (written,) = (t.get_text() for t in locator.texts)  # start and end, under the map
    assert written.splitlines() == ends
    assert isinstance(fig.canvas, FigureCanvasAgg)
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    boxes = {a: a.get_tightbbox(renderer) for a in (section, locator)}
    bar_labels = colorbar.yaxis.get_tightbbox(renderer)  # the bar's own tight box holds its inset
    boxes[colorbar] = Bbox.union([colorbar.get_window_extent(), bar_labels])
    assert not overlap(boxes[locator], boxes[section])
    assert not overlap(boxes[locator], boxes[colorbar])
    assert boxes[locator].x0 > boxes[colorbar].x1  # beside the colour bar, right of the data
    map_box = locator.get_window_extent()
    assert page.x0 <= map_box.x0 and map_box.x1 <= page.x1 and map_box.y1 <= page.y1
    assert map_box.width > 0.1 * page.width  # big enough to read
    # the drawn path is the plot's 200 rhumb samples, its start marked
    vertices = [vertex(v) for v in path.split(";")]
    sample_lons, sample_lats, _ = sample_path(vertices, 200, "rhumb")
    line, start = (a for a in locator.get_children() if isinstance(a, Line2D))
    lons, lats = line.get_data()
    samples = np.unwrap(sample_lons, period=360)
    np.testing.assert_allclose(np.asarray(lons) - lons[0], samples - samples[0], atol=1e-9)
    np.testing.assert_allclose(lats, sample_lats, atol=1e-9)
    assert start.get_data()[0][0] == lons[0] and start.get_data()[1][0] == lats[0]
    # inside the map's extent, with land from the Natural Earth layer around it
    x0, x1 = locator.get_xlim()
    y0, y1 = locator.get_ylim()
    assert x0 < min(lons) and max(lons) < x1 and y0 < min(lats) and max(lats) < y1
    land = [a for a in locator.get_children() if isinstance(a, PathPatch)]
    assert land and land[0].get_facecolor()[:3] == pytest.approx(hex_rgb(LAND_COLOUR))


def vertex(text: str) -> tuple[float, float]:
    lon, lat = text.split(",")
    return float(lon), float(lat)


def hex_rgb(colour: str) -> tuple[float, ...]:
    return tuple(int(colour[k : k + 2], 16) / 255 for k in (1, 3, 5))


def test_parallel_transect_axis_reads_west_to_east_in_longitude(catalog: Catalog) -> None:
    fig = render(catalog, "glorys", "transect", path="-15,55;5,55")
    section: Axes = fig.axes[0]
    assert section.get_xlabel() == "Longitude"
    assert section.get_xlim() == pytest.approx((-15.0, 5.0))
    labels = [t.get_text() for t in section.get_xticklabels()]
    assert "15°W" in labels and "5°E" in labels and "0°" in labels, labels
