"""Layout, seams and bands, from the figures the plot types draw in this process.

The fill rule (``plotting.layout.fill``): the union of the axes' and colour bar's extents
covers at least 85 % of the canvas width and of the height left between the credit line and
the lowest title line; a map with a fixed aspect drawn into a size that does not match it fills
the tighter direction and is centred in the other. The title is centred over the axes (within
2 % of their width) and the colour bar is as tall as they are (within 2 %).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from catalog import query
from catalog.store import Catalog
from plotting import colormaps
from plotting.basemap import LAND_COLOUR
from plotting.common import RenderContext, pick
from plotting.figure import encode
from plotting.layout import canvas_size, fill, main_axes, renderer
from plotting.types import PLOT_TYPES
from plotting.types.map import box_ratio, plot_extent
from tests.conftest import SAMPLES

FILLED = 0.85
PLOTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "map-ersst-global": ("map", "ersst-v5", {}),
    "map-ersst-800x600": ("map", "ersst-v5", {"width": 800, "height": 600}),
    "map-glorys-2400x1800": ("map", "glorys", {"width": 2400, "height": 1800}),
    "map-wcofs": ("map", "wcofs", {}),
    "map-wcofs-800x600": ("map", "wcofs", {"width": 800, "height": 600}),
    "transect-glorys": ("transect", "glorys", {"path": "-15,48;5,62"}),
    "hovmoller-ersst": ("hovmoller", "ersst-v5", {"path": "-170,0;-100,0"}),
    "profile-glorys": ("profile", "glorys", {"lon": [-10.0], "lat": [50.0]}),
    "timeseries-ersst": ("timeseries", "ersst-v5", {"lon": -140.0, "lat": 0.0}),
    "stick-wcofs": ("stick", "wcofs", {"lon": [-124.8], "lat": [44.6]}),
    "stick-wcofs-rows": (
        "stick",
        "wcofs",
        {"lon": [-124.8, -124.5, -125.0], "lat": [44.6, 44.3, 44.1]},
    ),
    "ts-glorys": ("ts", "glorys", {"lon": [-17.0, 2.0], "lat": [50.0, 66.0]}),
    "ts-glorys-mesh-box": ("ts", "glorys-mesh", {"bbox": "-16,54,-8,60"}),
    "soundspeed-glorys": ("soundspeed", "glorys", {"lon": [-17.0, 2.0], "lat": [50.0, 66.0]}),
}


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    yield Catalog(Path(SAMPLES / "catalog.yaml"))


def render(catalog: Catalog, kind: str, dataset: str, **params: Any) -> Figure:
    plot_type = PLOT_TYPES[kind]
    with catalog.reading(dataset) as opened:
        return plot_type.render(
            RenderContext(opened, 2_000_000), plot_type.params.model_validate(params)
        )


def pixels(fig: Figure) -> np.ndarray:
    """The PNG the service sends, decoded to RGB (rows top down)."""
    return np.asarray(Image.open(io.BytesIO(encode(fig, "png"))).convert("RGB"), dtype=int)


def drawn_margins(fig: Figure) -> tuple[float, float, float, float]:
    """Blank canvas left, right, below and above the axes with their decorations (pixels)."""
    fig.draw_without_rendering()
    r = renderer(fig)
    boxes = [a.get_tightbbox(r) for a in fig.axes]
    x0 = min(b.x0 for b in boxes if b is not None)
    x1 = max(b.x1 for b in boxes if b is not None)
    y0 = min(b.y0 for b in boxes if b is not None)
    y1 = max(b.y1 for b in boxes if b is not None)
    return x0, fig.bbox.width - x1, y0, fig.bbox.height - y1


@pytest.mark.parametrize("case", list(PLOTS))
def test_axes_and_colour_bar_fill_the_canvas(catalog: Catalog, case: str) -> None:
    kind, dataset, params = PLOTS[case]
    fig = render(catalog, kind, dataset, **params)
    measured = fill(fig)
    assert measured.title_offset <= 0.02, measured
    assert measured.bar_height == pytest.approx(1.0, abs=0.02), measured
    ax = main_axes(fig)
    fixed = ax.get_aspect() != "auto"
    if not fixed or ("width" not in params and "height" not in params):
        # free plots, and maps whose height follows their box: filled both ways
        assert measured.width >= FILLED and measured.height >= FILLED, measured
        return
    # a fixed aspect in a size that does not match it: the tighter direction is filled and
    # the plot centred in the other (the credit line at the bottom left aside)
    assert max(measured.width, measured.height) >= FILLED, measured
    left, right, _, _ = drawn_margins(fig)
    if measured.width < FILLED:
        assert abs(left - right) <= 0.02 * fig.bbox.width, (left, right)
    box = ax.get_window_extent(renderer(fig))
    assert box.height / box.width == pytest.approx(ax.get_aspect() * _data_ratio(ax), rel=0.01)


def _data_ratio(ax: Any) -> float:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return abs(y1 - y0) / abs(x1 - x0)


@pytest.mark.parametrize("given", ["width", "height"])
def test_one_side_given_the_map_follows_its_box(catalog: Catalog, given: str) -> None:
    size = {"width": 800} if given == "width" else {"height": 600}
    fig = render(catalog, "map", "ersst-v5", **size)
    with catalog.reading("ersst-v5") as opened:
        assert opened.bbox is not None
        box = box_ratio(plot_extent(opened.bbox))
    assert box == pytest.approx(176 / 360)  # ERSST: -180..180, -88..88, centred on the equator
    width, height = round(fig.bbox.width), round(fig.bbox.height)
    assert (width, height) == canvas_size(size.get("width"), size.get("height"), 100, box)
    assert {"width": width, "height": height}[given] == size[given]
    if given == "width":  # the map's own height plus the title, colour bar and credit allowance
        assert 800 * box < height < 800 * box + 120, height
    measured = fill(fig)
    assert measured.axes_ratio == pytest.approx(box, rel=0.02)
    assert measured.width >= FILLED and measured.height >= FILLED, measured


@pytest.mark.parametrize("kind", ["transect", "profile"])
def test_one_side_given_other_plots_keep_four_to_three(catalog: Catalog, kind: str) -> None:
    params = PLOTS[f"{kind}-glorys"][2]
    wide = render(catalog, kind, "glorys", width=1000, **params)
    tall = render(catalog, kind, "glorys", height=300, **params)
    assert (wide.bbox.width, wide.bbox.height) == (1000, 750)
    assert (tall.bbox.width, tall.bbox.height) == (400, 300)
    measured = fill(wide)
    assert measured.width >= FILLED and measured.height >= FILLED, measured


def test_the_size_limit_counts_the_derived_side(client: TestClient) -> None:
    url = "/api/v1/datasets/ersst-v5/plots/map"
    with_height = client.get(url, params={"width": 4096})  # 4096 x 2040: over 8,000,000
    assert with_height.status_code == 400, with_height.text
    (problem,) = with_height.json()["invalid_params"]
    assert problem["name"] == "width"
    assert "4096 x 20" in problem["reason"] and "at most 8,000,000" in problem["reason"]
    fits = client.get(url, params={"width": 600, "f": "png"})
    assert fits.status_code == 200
    image = Image.open(io.BytesIO(fits.content))
    box = box_ratio((-180.0, 180.0, -88.0, 88.0))
    assert image.size == canvas_size(600, None, 100, box)


# ----------------------------------------------------------------------------- the seam at 180°


def thermal(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """The RGB the map's colour map (cmocean thermal) gives these values on low..high."""
    rgba = colormaps.get("thermal")(Normalize(low, high)(values))
    return (np.asarray(rgba)[..., :3] * 255).round().astype(int)


def column_colours(
    fig: Figure, image: np.ndarray, x: float, lat: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Whether the pixel at (x, half a degree north of each latitude) has the colour of its
    value (within 6)."""
    transform = main_axes(fig).transData
    xy = transform.transform(np.column_stack([np.full(lat.size, x), lat + 0.5]))
    rows = image.shape[0] - 1 - np.floor(xy[:, 1]).astype(int)
    col = int(np.floor(xy[0, 0]))
    found = image[rows, col]
    return np.abs(found - thermal(values, -2, 32)).max(axis=1) <= 6


def test_no_blank_column_at_the_antimeridian(catalog: Catalog) -> None:
    fig = render(catalog, "map", "ersst-v5", time="2020-08-01", width=1600)  # 4 px a degree
    image = pixels(fig)
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        sst = ds.sst.sel(time="2020-08-01").sel(lon=180.0).values
        lat = ds.lat.values
    # pixels 0.8° (3 pixels clear of the frame) inside the edges, in the cell centred on 180°
    # (it covers both), half a degree off the cells' middles (graticule lines run there)
    wet = np.isfinite(sst) & (np.abs(lat) < 80)
    assert wet.sum() > 60
    for x in (-179.2, 179.2):
        matches = column_colours(fig, image, x, lat[wet], sst[wet])
        assert matches.mean() > 0.9, (x, matches.mean())


def test_no_seam_on_a_box_across_the_antimeridian(catalog: Catalog) -> None:
    fig = render(catalog, "map", "ersst-v5", time="2020-08-01", bbox="170,-30,-170,30", width=800)
    image = pixels(fig)
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        near = ds.sst.sel(time="2020-08-01", lat=slice(28, -28))
        lat = near.lat.values
    for x, lon in ((170.3, 170.0), (179.7, 180.0), (180.3, 180.0), (189.7, 190.0)):
        values = near.sel(lon=lon).values
        wet = np.isfinite(values)
        matches = column_colours(fig, image, x, lat[wet], values[wet])
        assert matches.mean() > 0.9, (x, matches.mean())


# ----------------------------------------------------------------------------- the WCOFS band


def modal_fraction(colours: np.ndarray) -> float:
    """The share of these RGB colours equal to the commonest one."""
    if len(colours) == 0:
        return 0.0
    _, counts = np.unique(colours, axis=0, return_counts=True)
    return float(counts.max() / len(colours))


@pytest.mark.parametrize("variable", ["u_sur", "v_sur", "surface-current"])
@pytest.mark.parametrize("bbox", [None, "-125.5,44,-124,46"])
def test_no_row_of_one_colour_where_the_data_vary(
    catalog: Catalog, variable: str, bbox: str | None
) -> None:
    """For each pixel row across the data: the share of its data pixels (those of a colour
    the colour map gives) that have the row's commonest colour, beside the same share among
    the colours of the cells (as the area query returns them) centred within half a cell of
    the row's latitude. A row of one colour (share > 0.6) where those cells vary (share
    < 0.3) is drawn wrong: the band once seen at 45.72°N."""
    extra = {} if bbox is None else {"bbox": bbox}
    fig = render(catalog, "map", "wcofs", variable=variable, **extra)
    image = pixels(fig)
    ax = main_axes(fig)
    mesh = ax.collections[0]
    with catalog.reading("wcofs") as opened:
        box = opened.bbox if bbox is None else tuple(map(float, bbox.split(",")))
        result = query.area(opened, [variable], box, max_values=2_000_000)  # type: ignore[arg-type]
    field = pick(result.data, variable)
    lat = field.latitude.values.ravel()
    values = field.values.ravel()
    wet = np.isfinite(values)
    lat, colours = lat[wet], rgb(mesh.get_cmap()(mesh.norm(values[wet])))
    lut = rgb(mesh.get_cmap()(np.linspace(0, 1, 256)))
    extent = ax.get_window_extent(renderer(fig))
    height = image.shape[0]
    step = float(np.median(np.abs(np.diff(field.latitude.values, axis=0))))
    checked = 0
    for row in range(height - int(extent.y1) + 2, height - int(extent.y0) - 2):
        strip = image[row, int(extent.x0) + 2 : int(extent.x1) - 2]
        distance = np.abs(strip[:, None, :] - lut[None, :, :]).max(axis=2).min(axis=1)
        data = strip[distance <= 2]
        if len(data) < 20:
            continue
        row_lat = float(ax.transData.inverted().transform((extent.x0, height - row - 0.5))[1])
        expected = colours[np.abs(lat - row_lat) <= step / 2]
        if len(expected) < 10 or modal_fraction(expected) >= 0.3:
            continue
        checked += 1
        assert modal_fraction(data) <= 0.6, (row, row_lat, modal_fraction(data))
    assert checked > 100, checked


def rgb(rgba: Any) -> np.ndarray:
    """0..255 integer RGB of matplotlib RGBA floats."""
    return (np.asarray(rgba)[..., :3] * 255).round().astype(int)


def test_land_is_still_drawn(catalog: Catalog) -> None:
    image = pixels(render(catalog, "map", "wcofs"))
    land = np.array([int(LAND_COLOUR[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(image - land).max(axis=2) <= 2).mean() > 0.1


@pytest.mark.parametrize("dataset", ["wcofs", "giops"])
def test_a_dataset_extent_holds_every_cell(catalog: Catalog, dataset: str) -> None:
    """The default map's box (the footprint, in micro-degrees) leaves out no cell at its edges:
    GIOPS's northern row and WCOFS's westernmost cell were once rounded off it."""
    with catalog.reading(dataset) as opened:
        grids = {id(i.grid): i.grid for i in opened.variables.values()}.values()
    for grid in grids:
        bbox = grid.bbox()
        inside = grid.inside(bbox, grid.box(bbox))
        lat = grid.lat  # type: ignore[attr-defined]
        assert inside is not None
        assert inside.sum() == np.isfinite(lat).sum(), (bbox, inside.shape, lat.shape)
