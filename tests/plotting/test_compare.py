"""Difference plots (compare_time, compare_dataset): through the app and its real pool, and
rendered here to read the numbers drawn in the A − B panel."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from api.settings import DEFAULT_CATALOG
from catalog.sources import SourceVersion
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.compare import REGRIDDED, onto_cells, onto_levels
from plotting.types import PLOT_TYPES
from plotting.worker import RenderJob
from tests.plotting.test_plots import decode

SAMPLES = DEFAULT_CATALOG.parent


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    """The bundled catalog, opened here for renders in this process."""
    opened = Catalog(DEFAULT_CATALOG, check_seconds=None)
    yield opened
    opened.close()


def render(catalog: Catalog, plot_type: str, dataset: str, **params: Any) -> Figure:
    """A plot drawn in this process as a worker draws it (validated first, as the API does)."""
    kind = PLOT_TYPES[plot_type]
    p = kind.params.model_validate(params)
    opened = catalog.dataset(dataset)
    others = {d: catalog.dataset(d) for d in p.other_datasets().values() if d != dataset}
    kind.validate(opened, p, others)
    return kind.render(RenderContext(opened, 10_000_000, others), p)


def panel(fig: Figure, name: str) -> Axes:
    """The panel labelled 'A', 'B' or 'difference'."""
    return next(ax for ax in fig.axes if ax.get_label() == name)


def drawn(ax: Axes) -> np.ndarray:
    """The values a map or section panel colours (NaN where nothing is drawn)."""
    mappable: Any = ax.images[0] if ax.images else ax.collections[0]
    return np.ma.filled(np.ma.asarray(mappable.get_array(), dtype=np.float64), np.nan)


def image_value(ax: Axes, lon: float, lat: float) -> float:
    """The value of the image cell at a place (a regular grid's map is an image)."""
    image = ax.images[0]
    assert isinstance(image, AxesImage)
    x0, x1, y0, y1 = image.get_extent()
    values = drawn(ax)
    row = int((lat - y0) / (y1 - y0) * values.shape[0])
    column = int((lon - x0) / (x1 - x0) * values.shape[1])
    return float(values[row, column])


def titles(fig: Figure) -> list[str]:
    return [panel(fig, name).get_title() for name in ("A", "B", "difference")]


@pytest.mark.parametrize(
    ("plot_type", "dataset", "params"),
    [
        ("map", "ersst-v5", {"time": "2015-12-01", "compare_time": "2015-12-01"}),
        ("map", "giops", {"compare_dataset": "giops"}),
        ("transect", "giops", {"path": "-160,5;-140,15", "compare_time": "2014-06-16"}),
    ],
)
def test_a_field_less_itself_is_zero_everywhere(
    catalog: Catalog, plot_type: str, dataset: str, params: dict[str, Any]
) -> None:
    fig = render(catalog, plot_type, dataset, **params)
    a, difference = drawn(panel(fig, "A")), drawn(panel(fig, "difference"))
    assert np.isfinite(a).sum() > 100
    assert np.array_equal(np.isfinite(difference), np.isfinite(a))
    assert np.all(difference[np.isfinite(difference)] == 0.0)
    assert REGRIDDED not in titles(fig)[1]  # the same cells: nothing moved


def test_compare_time_difference_is_xarrays_at_a_cell(catalog: Catalog) -> None:
    fig = render(
        catalog,
        "map",
        "ersst-v5",
        bbox="-170,-20,-100,20",
        time="2015-12-01",
        compare_time="2010-12-01",
    )
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        cell = ds["sst"].sel(lon=220.0, lat=0.0)  # 140°W on the equator
        a = float(cell.sel(time="2015-12-01"))
        b = float(cell.sel(time="2010-12-01"))
        box = ds["sst"].sel(lon=slice(190, 260), lat=slice(20, -20))
        expected = (box.sel(time="2015-12-01") - box.sel(time="2010-12-01")).values
    assert image_value(panel(fig, "A"), -140.0, 0.0) == pytest.approx(a, abs=1e-5)
    assert image_value(panel(fig, "B"), -140.0, 0.0) == pytest.approx(b, abs=1e-5)
    got = image_value(panel(fig, "difference"), -140.0, 0.0)
    assert got == pytest.approx(a - b, abs=1e-5)
    assert a - b > 2  # the 2015 El Niño against La Niña 2010
    # the difference's colour scale is symmetric, ±max|A − B| over the box
    low, high = panel(fig, "difference").images[0].get_clim()
    assert low == -high
    assert high == pytest.approx(np.nanmax(np.abs(expected)), abs=1e-5)
    assert titles(fig)[:2] == ["A: ersst-v5 · 2015-12", "B: ersst-v5 · 2010-12"]


def test_a_dataset_against_another_grid_is_regridded_by_nearest(catalog: Catalog) -> None:
    # glorys-mesh's nodes are the GLORYS wet cells: B moved onto A's cells is A itself
    fig = render(catalog, "map", "glorys", variable="thetao", compare_dataset="glorys-mesh")
    a, b, difference = (drawn(panel(fig, name)) for name in ("A", "B", "difference"))
    wet = np.isfinite(a)
    assert wet.sum() > 500
    assert np.isfinite(b[wet]).mean() > 0.99
    assert np.nanmax(np.abs(difference)) < 1e-5
    assert REGRIDDED in titles(fig)[1]
    assert "glorys-mesh" in titles(fig)[1]


def test_sst_of_the_mesh_against_ersst(catalog: Catalog) -> None:
    """glorys-mesh sst (ERSST on the mesh's faces) against ERSST itself: by id, at A's time."""
    fig = render(
        catalog,
        "map",
        "glorys-mesh",
        variable="sst",
        time="2015-12-01",
        compare_dataset="ersst-v5",
    )
    difference = drawn(panel(fig, "difference"))
    finite = difference[np.isfinite(difference)]
    assert finite.size > 1000
    # each face took its nearest ERSST cell when the mesh was made: most agree exactly
    assert np.mean(finite == 0.0) > 0.8
    assert titles(fig)[1].startswith("B: ersst-v5 · 2015-12")


@pytest.mark.parametrize(
    ("plot_type", "params"),
    [
        ("map", {"variable": "thetao", "depth": "100"}),
        ("map", {"variable": "sigma0"}),
        ("profile", {"variable": "thetao", "lon": [-10, -12], "lat": [50, 60]}),
        ("profile", {"variable": "sigma0", "lon": -12, "lat": 60}),
        ("transect", {"variable": "thetao", "path": "-15,48;5,62"}),
        ("transect", {"variable": "so", "path": "-20,60;5,60"}),
    ],
)
def test_glorys_against_glorys_mesh_through_the_pool(
    client: TestClient, plot_type: str, params: dict[str, Any]
) -> None:
    response = client.get(
        f"/api/v1/datasets/glorys/plots/{plot_type}",
        params={**params, "compare_dataset": "glorys-mesh", "width": 720, "height": 540},
    )
    assert response.status_code == 200, response.text
    pixels = decode(response.content)
    assert pixels.shape == (540, 720, 3)
    assert pixels.std() > 20


def test_compare_time_on_giops_through_the_pool(client: TestClient) -> None:
    for plot_type, where in [
        ("map", {}),
        ("profile", {"lon": -150, "lat": 10}),
        ("transect", {"path": "-160,5;-140,15"}),
    ]:
        response = client.get(
            f"/api/v1/datasets/giops/plots/{plot_type}",
            params={**where, "time": "2014-06-16", "compare_time": "2014-05-17"},
        )
        assert response.status_code == 200, (plot_type, response.text)
        assert decode(response.content).std() > 20


def test_a_difference_map_takes_its_size_from_three_panels(client: TestClient) -> None:
    wide = client.get("/api/v1/datasets/ersst-v5/plots/map", params={"compare_time": "2010-01-01"})
    tall = client.get(
        "/api/v1/datasets/glorys/plots/map", params={"compare_dataset": "glorys-mesh"}
    )
    assert wide.status_code == tall.status_code == 200
    height, width, _ = decode(wide.content).shape
    assert width == 800 and height > 1000  # a global map: three stacked
    height, width, _ = decode(tall.content).shape
    assert width == 800 and 450 < height < 700  # a tall box: three side by side


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        # B's units do not convert to A's (salinity against temperature)
        ("glorys/plots/map", {"variable": "thetao", "compare_variable": "so"}, "compare_variable"),
        # no variable of the same standard name (or id) in B
        ("ersst-v5/plots/map", {"compare_dataset": "glorys"}, "compare_dataset"),
        ("glorys/plots/map", {"compare_variable": "nope"}, "compare_variable"),
        ("glorys/plots/map", {"compare_dataset": "nope"}, "compare_dataset"),
        # no overlap: the glorys-mesh sst is in the North-East Atlantic
        (
            "ersst-v5/plots/map",
            {"bbox": "-170,-20,-100,20", "compare_dataset": "glorys-mesh"},
            "compare_dataset",
        ),
        (
            "glorys/plots/profile",
            {
                "variable": "thetao",
                "lon": -10,
                "lat": 50,
                "compare_dataset": "giops",
                "compare_variable": "votemper",
            },
            "compare_dataset",
        ),
        # the compare_time is not in the dataset; B without a time axis
        ("ersst-v5/plots/map", {"compare_time": "1990-01-01"}, "compare_time"),
        ("ersst-v5/plots/map", {"compare_time": "not a time"}, "compare_time"),
        (
            "glorys-mesh/plots/map",
            {"variable": "thetao", "compare_time": "2021-06-29"},
            "compare_time",
        ),
        # what a difference map does not draw
        (
            "ersst-v5/plots/map",
            {"compare_time": "2010-01-01", "projection": "robinson"},
            "projection",
        ),
        ("glorys/plots/map", {"compare_dataset": "glorys-mesh", "quiver": "current"}, "quiver"),
        ("ersst-v5/plots/map", {"compare_time": "2010-01-01", "diff_scale": "0"}, "diff_scale"),
    ],
)
def test_bad_comparisons_are_400_naming_the_parameter(
    client: TestClient, path: str, params: dict[str, Any], name: str
) -> None:
    response = client.get(f"/api/v1/datasets/{path}", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert [p["name"] for p in problem["invalid_params"]] == [name]


def test_levels_are_moved_to_the_nearest_and_not_beyond_the_last() -> None:
    values = np.array([[1.0, 1.5], [2.0, 2.5], [3.0, 3.5]])  # (level, place)
    moved, changed = onto_levels(values, [0.0, 10.0, 20.0], [1.0, 9.0, 16.0, 24.0, 40.0])
    assert changed
    expected = [[1.0, 1.5], [2.0, 2.5], [3.0, 3.5], [3.0, 3.5], [np.nan, np.nan]]
    np.testing.assert_array_equal(moved, expected)  # 24 m: within half a level of 20 m
    same, changed = onto_levels(values, [0.0, 10.0, 20.0], [0.0, 10.0, 20.0])
    assert not changed and same is values


def test_cells_take_their_nearest_within_reach() -> None:
    """B on a 1° grid moved onto A's 0.5° cells: each takes the nearest B cell; beyond B's
    coverage by more than REACH spacings, nothing."""
    lon_b, lat_b = np.arange(0.0, 5.0), np.arange(0.0, 3.0)
    b = xr.DataArray(
        lon_b[None, :] * 10 + lat_b[:, None],
        dims=("y", "x"),
        coords={"longitude": ("x", lon_b), "latitude": ("y", lat_b)},
    )
    lon_a, lat_a = np.array([0.2, 2.9, 4.2, 9.0]), np.array([1.1])
    a = xr.DataArray(
        np.zeros((1, 4)),
        dims=("y", "x"),
        coords={"longitude": ("x", lon_a), "latitude": ("y", lat_a)},
    )
    moved, changed = onto_cells(a, b)
    assert changed
    np.testing.assert_array_equal(moved, [[1.0, 31.0, 41.0, np.nan]])
    itself, changed = onto_cells(b, b)
    assert not changed
    np.testing.assert_array_equal(itself, b.values)


def test_the_cache_key_follows_the_version_of_b() -> None:
    """An image drawn against an old opening of compare_dataset is not served for a new one."""
    kind = PLOT_TYPES["map"]
    p = kind.params.model_validate({"variable": "thetao", "compare_dataset": "glorys-mesh"})
    first = RenderJob(
        "map", kind.render, "glorys", p, others=(("glorys-mesh", SourceVersion(1, None)),)
    )
    again = RenderJob(
        "map", kind.render, "glorys", p, others=(("glorys-mesh", SourceVersion(1, None)),)
    )
    newer = RenderJob(
        "map", kind.render, "glorys", p, others=(("glorys-mesh", SourceVersion(2, None)),)
    )
    assert first.key == again.key != newer.key


def chroma(pixels: np.ndarray) -> np.ndarray:
    """How coloured each pixel is (0 for greys): the spread of its red, green and blue."""
    rgb = pixels.astype(int)
    return np.asarray(rgb.max(axis=-1) - rgb.min(axis=-1))


def test_the_difference_panel_of_a_field_less_itself_is_the_zero_colour(
    client: TestClient, catalog: Catalog
) -> None:
    params = {"time": "2015-12-01", "compare_time": "2015-12-01", "bbox": "-180,-60,-60,60"}
    response = client.get("/api/v1/datasets/ersst-v5/plots/map", params=params)
    assert response.status_code == 200
    pixels = decode(response.content)
    fig = render(catalog, "map", "ersst-v5", **params)  # the same layout, to find the panels
    fig.canvas.draw()  # type: ignore[no-untyped-call]
    height = pixels.shape[0]

    def inside(name: str) -> np.ndarray:
        box = panel(fig, name).get_window_extent()
        rows = slice(int(height - box.y1) + 3, int(height - box.y0) - 3)
        return pixels[rows, int(box.x0) + 3 : int(box.x1) - 3]

    assert np.percentile(chroma(inside("A")), 90) > 100  # the thermal colours of the SST
    # the ocean in balance's middle colour, land and graticule grey: nothing blue or red
    assert chroma(inside("difference")).max() < 40


ERSST_YEAR = {"time": "2020-08-01", "compare_time": "2019-08-01"}


@pytest.mark.parametrize(
    ("dataset", "params", "width", "arranged"),
    [
        # the explorer's box panel (560 px): three narrow columns
        ("ersst-v5", {"bbox": "-163.3,1.3,-148.7,12.6", **ERSST_YEAR}, 560, "columns"),
        ("ersst-v5", {"bbox": "-163.3,1.3,-148.7,12.6", **ERSST_YEAR}, 800, "columns"),
        (
            "glorys",
            {"bbox": "-15,45,0,62", "variable": "thetao", "compare_dataset": "glorys-mesh"},
            560,
            "columns",
        ),
        ("ersst-v5", {"bbox": "-180,-20,-80,20", **ERSST_YEAR}, 560, "rows"),
    ],
)
def test_the_panels_longitude_labels_do_not_overlap(
    catalog: Catalog, dataset: str, params: dict[str, Any], width: int, arranged: str
) -> None:
    """Side by side, a panel is a third of the width: it has as many longitude labels as fit
    (one at least), none running into the next or into the neighbouring panel's."""
    fig = render(catalog, "map", dataset, width=width, **params)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    three = [panel(fig, name) for name in ("A", "B", "difference")]
    across = len({round(ax.get_position().x0, 3) for ax in three})
    assert across == (3 if arranged == "columns" else 1)
    boxes = []
    for ax in three:
        if not ax.xaxis.get_tick_params()["labelbottom"]:
            continue  # stacked: the bottom panel's labels serve all three
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        assert len(labels) >= 1, ax.get_label()
        boxes.extend(t.get_window_extent(renderer) for t in labels)
    assert len(boxes) >= (3 if arranged == "columns" else 2)
    boxes.sort(key=lambda b: b.x0)
    for a, b in pairwise(boxes):
        assert a.x1 + 2 <= b.x0, (a, b)
