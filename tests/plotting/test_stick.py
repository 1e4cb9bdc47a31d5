"""The stick plot: where it applies, that each stick is the east/north vector the data query
and xarray give for the cell (direction north up, length on the y axis's speed scale, measured
on the drawn page), rows for several points, missing times marked, and its bad inputs.

Figures are rendered in-process (the module's render function, as a worker runs it) and their
``Quiver`` read; the app's process pool draws the same PNGs (``test_plots.py`` and below).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.quiver import Quiver, QuiverKey
from PIL import Image

from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.types import PLOT_TYPES
from plotting.types.stick import key_speed
from tests.conftest import SAMPLES, gridded_entries, write_catalog

STICK = PLOT_TYPES["stick"]
WCOFS = SAMPLES / "WCOFS_subset.nc"
PLACE = {"lon": -124.8, "lat": 44.6}
KNOT = 1852.0 / 3600.0  # m s-1


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    yield Catalog(SAMPLES / "catalog.yaml")


def render(catalog: Catalog, dataset: str, **params: Any) -> Figure:
    """The figure as a worker draws it, then drawn on its Agg canvas (the sticks' geometry)."""
    with catalog.reading(dataset) as opened:
        fig = STICK.render(RenderContext(opened, 2_000_000), STICK.params.model_validate(params))
    FigureCanvasAgg(fig).draw()
    return fig


def sticks(fig: Figure) -> list[Quiver]:
    return [c for c in fig.axes[0].collections if isinstance(c, Quiver)]


def series(client: TestClient, dataset: str, lon: float, lat: float, **extra: Any) -> Any:
    """The time-series data query's answer for the pair (itself tested against xarray)."""
    response = client.get(
        f"/api/v1/datasets/{dataset}/data/timeseries",
        params={"variables": "surface-current", "lon": lon, "lat": lat, **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()


def east_north_from_file(eta: int, xi: int) -> tuple[np.ndarray, np.ndarray]:
    """WCOFS's grid-frame u_sur/v_sur averaged to the rho point (eta, xi) and rotated by the
    grid angle to east/north, with xarray and numpy alone."""
    with xr.open_dataset(WCOFS) as ds:
        u = 0.5 * (ds.u_sur[:, eta, xi - 1].values + ds.u_sur[:, eta, xi].values)
        v = 0.5 * (ds.v_sur[:, eta - 1, xi].values + ds.v_sur[:, eta, xi].values)
        angle = float(ds.angle[eta, xi])
    return u * np.cos(angle) - v * np.sin(angle), u * np.sin(angle) + v * np.cos(angle)


def page_vectors(fig: Figure, quiver: Quiver) -> np.ndarray:
    """Each drawn stick's base-to-tip vector on the page, in pixels (x right, y up)."""
    width = quiver.width
    tips = []
    for path in quiver.get_paths():
        verts = path.vertices
        far = np.hypot(*verts.T)
        tips.append(verts[far > far.max() - 2 * width].mean(axis=0))
    return np.array(tips)


def assert_inside(fig: Figure, quiver: Quiver) -> None:
    """Every stick, base and tip, lies inside the axes (the limits leave them room)."""
    ax = fig.axes[0]
    box = ax.get_window_extent()
    bases = ax.transData.transform(np.column_stack([quiver.X, quiver.Y]))
    for end in (bases, bases + page_vectors(fig, quiver)):
        assert (end[:, 0] >= box.x0 - 0.5).all() and (end[:, 0] <= box.x1 + 0.5).all()
        assert (end[:, 1] >= box.y0 - 0.5).all() and (end[:, 1] <= box.y1 + 0.5).all()


# ----------------------------------------------------------------------------- where it applies


def pairs_with_time_steps(entry: dict[str, Any]) -> bool:
    """Whether a catalog entry has a vector pair whose components have more than one time step,
    read from the file with xarray."""
    with xr.open_dataset(SAMPLES / entry["source"]["path"]) as ds:
        for pair in entry.get("vectors", []):
            dims = [ds[pair["x"]].sizes, ds[pair["y"]].sizes]
            if all(any("time" in str(d) and n > 1 for d, n in s.items()) for s in dims):
                return True
    return False


def test_stick_applies_to_the_samples_with_a_pair_over_time(client: TestClient) -> None:
    listing = next(
        t for t in client.get("/api/v1/plot-types").json()["plot_types"] if t["name"] == "stick"
    )
    expected = [e["id"] for e in gridded_entries() if pairs_with_time_steps(e)]
    assert listing["datasets"] == expected == ["wcofs"]
    for entry in gridded_entries():
        if entry["id"] in expected:
            continue
        response = client.get(f"/api/v1/datasets/{entry['id']}/plots/stick", params=PLACE)
        assert response.status_code == 404
        problem = response.json()
        assert problem["type"] == "/problems/plot-type-not-found"
        assert "needs a vector pair with a time axis" in problem["detail"]


def test_stick_png_through_the_pool(client: TestClient) -> None:
    for size in [(400, 300), (800, 600), (1600, 500)]:
        response = client.get(
            "/api/v1/datasets/wcofs/plots/stick",
            params={**PLACE, "width": size[0], "height": size[1]},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(response.content))
        assert image.size == size
        pixels = np.asarray(image.convert("RGB"))
        stick = (pixels == (0x16, 0x36, 0x5C)).all(axis=-1)  # the sticks' colour
        assert stick.sum() > 100


# ----------------------------------------------------------------------------- the sticks


def test_sticks_are_the_cells_east_and_north(client: TestClient, catalog: Catalog) -> None:
    answer = series(client, "wcofs", **PLACE)
    east = np.array(answer["variables"]["surface-current_east"]["values"])
    north = np.array(answer["variables"]["surface-current_north"]["values"])
    index = answer["selection"]["variables"]["surface-current_east"]["cells"][0]["index"]
    file_east, file_north = east_north_from_file(index["eta_rho"], index["xi_rho"])
    np.testing.assert_allclose(east, file_east, rtol=1e-12)
    np.testing.assert_allclose(north, file_north, rtol=1e-12)

    fig = render(catalog, "wcofs", lon=[PLACE["lon"]], lat=[PLACE["lat"]])
    (quiver,) = sticks(fig)
    np.testing.assert_allclose(quiver.U, east, rtol=1e-12)
    np.testing.assert_allclose(quiver.V, north, rtol=1e-12)
    times = pd.to_datetime([t.rstrip("Z") for t in answer["coords"]["time"]["values"]])
    np.testing.assert_allclose(quiver.X, date2num(times.values))
    np.testing.assert_allclose(quiver.Y, 0.0)
    assert (quiver.angles, quiver.scale_units, quiver.scale, quiver.pivot) == (
        "uv",
        "y",
        1.0,
        "tail",
    )


@pytest.mark.parametrize("size", [(400, 300), (800, 600), (1600, 500), (500, 900)])
def test_sticks_point_north_up_at_their_speed_on_the_y_scale(
    client: TestClient, catalog: Catalog, size: tuple[int, int]
) -> None:
    """Measured on the drawn page: each stick's direction is atan2(north, east) and its length
    is the speed in y-axis units, whatever the canvas' shape."""
    answer = series(client, "wcofs", **PLACE)
    east = np.array(answer["variables"]["surface-current_east"]["values"])
    north = np.array(answer["variables"]["surface-current_north"]["values"])
    fig = render(
        catalog, "wcofs", lon=[PLACE["lon"]], lat=[PLACE["lat"]], width=size[0], height=size[1]
    )
    ax = fig.axes[0]
    (quiver,) = sticks(fig)
    drawn = page_vectors(fig, quiver)
    y0, y1 = ax.get_ylim()
    pixels_per_unit = ax.get_window_extent().height / (y1 - y0)
    np.testing.assert_allclose(
        np.hypot(*drawn.T), np.hypot(east, north) * pixels_per_unit, rtol=0.005
    )
    angles = np.degrees(np.arctan2(drawn[:, 1], drawn[:, 0]))
    np.testing.assert_allclose(angles, np.degrees(np.arctan2(north, east)), atol=0.5)
    # the y axis reads in the same units: a tick's step is that many pixels per m s-1
    ticks = ax.get_yticks()
    assert ticks.min() < 0 < ticks.max() and 0.0 in ticks
    assert ax.get_ylabel() == "Northward (m s⁻¹)"
    assert_inside(fig, quiver)


def test_the_key_is_a_round_speed_in_the_plot_units(client: TestClient, catalog: Catalog) -> None:
    answer = series(client, "wcofs", **PLACE)
    speed = np.array(answer["variables"]["surface-current_speed"]["values"])
    fig = render(catalog, "wcofs", lon=[PLACE["lon"]], lat=[PLACE["lat"]], units="knot")
    ax = fig.axes[0]
    (quiver,) = sticks(fig)
    np.testing.assert_allclose(np.hypot(quiver.U, quiver.V), speed / KNOT, rtol=1e-9)
    (key,) = [a for a in ax.get_children() if isinstance(a, QuiverKey)]
    assert key.U == key_speed(float(speed.max() / KNOT)) == 0.2  # largest: 0.416 knot
    assert key.text.get_text() == "0.2 kn"
    assert ax.get_ylabel() == "Northward (kn)"
    title = fig.get_suptitle()
    assert title == "Surface sea water velocity"


@pytest.mark.parametrize(
    ("largest", "key"),
    [(0.214, 0.2), (0.416, 0.2), (0.05, 0.05), (1.0, 1.0), (7.3, 5.0), (0.0, 1.0), (np.nan, 1.0)],
)
def test_key_speed(largest: float, key: float) -> None:
    assert key_speed(largest) == pytest.approx(key)


def test_one_row_per_point(client: TestClient, catalog: Catalog) -> None:
    lons, lats = [-124.8, -124.5, -125.0], [44.6, 44.3, 44.1]
    fig = render(catalog, "wcofs", lon=lons, lat=lats)
    ax = fig.axes[0]
    rows = sticks(fig)
    assert len(rows) == 3
    baselines = [float(np.unique(q.Y)[0]) for q in rows]
    assert baselines[0] == 0.0 and baselines[0] > baselines[1] > baselines[2]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["44.6°N\n124.8°W", "44.3°N\n124.5°W", "44.1°N\n125°W"]
    largest = 0.0
    for quiver, lon, lat in zip(rows, lons, lats, strict=True):
        assert_inside(fig, quiver)
        answer = series(client, "wcofs", lon, lat)
        east = answer["variables"]["surface-current_east"]["values"]
        north = answer["variables"]["surface-current_north"]["values"]
        np.testing.assert_allclose(quiver.U, east, rtol=1e-12)
        np.testing.assert_allclose(quiver.V, north, rtol=1e-12)
        largest = max(largest, float(np.max(np.hypot(east, north))))
    # rows are as far apart as the longest stick is long, and no farther than 2.2 times
    gap = baselines[0] - baselines[1]
    assert 2 * largest < gap < 2.2 * largest


def test_one_time_step_is_one_stick(catalog: Catalog) -> None:
    fig = render(
        catalog, "wcofs", lon=[-124.8], lat=[44.6], start="2024-10-17T02:00", end="2024-10-17T02:00"
    )
    (quiver,) = sticks(fig)
    assert quiver.U.size == 1
    x0, x1 = fig.axes[0].get_xlim()
    assert x0 < float(quiver.X[0]) < x1
    assert "2024-10-17 02:00 UTC" in fig.axes[0].get_title()
    assert " to " not in fig.axes[0].get_title()


def test_land_says_no_data(catalog: Catalog) -> None:
    fig = render(catalog, "wcofs", lon=[-123.5], lat=[44.6])  # inland Oregon
    ax = fig.axes[0]
    assert sticks(fig) == []
    assert any("No data at 44.6°N 123.5°W" in t.get_text() for t in ax.texts)
    marks = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(marks) == 1 and len(marks[0].get_xdata()) == 4


# ----------------------------------------------------------------------------- levels, gaps


@pytest.fixture(scope="module")
def moored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalog, xr.Dataset]:
    """A small earth-frame current on a regular grid with two levels and five daily steps, the
    third step missing at every cell: the pair plays a mooring's record."""
    folder = tmp_path_factory.mktemp("moored")
    rng = np.random.default_rng(21)
    shape = (5, 2, 4, 5)  # time, depth, lat, lon
    coords = {
        "time": pd.date_range("2023-03-01", periods=5, freq="D"),
        "depth": ("depth", [5.0, 50.0], {"units": "m", "positive": "down", "axis": "Z"}),
        "lat": ("lat", [40.0, 40.5, 41.0, 41.5], {"units": "degrees_north"}),
        "lon": ("lon", [-70.0, -69.5, -69.0, -68.5, -68.0], {"units": "degrees_east"}),
    }
    u = rng.normal(0, 0.3, shape)
    v = rng.normal(0, 0.3, shape)
    u[2], v[2] = np.nan, np.nan
    attrs = {"units": "m s-1"}
    ds = xr.Dataset(
        {
            "uo": (
                ("time", "depth", "lat", "lon"),
                u,
                {**attrs, "standard_name": "eastward_sea_water_velocity"},
            ),
            "vo": (
                ("time", "depth", "lat", "lon"),
                v,
                {**attrs, "standard_name": "northward_sea_water_velocity"},
            ),
        },
        coords=coords,
    )
    ds.to_netcdf(folder / "moored.nc")
    entry = {
        "id": "moored",
        "title": "A synthetic mooring",
        "summary": "Random currents at two depths over five days, the third missing.",
        "attribution": "Made by the test",
        "licence": "CC0 1.0",
        "source": {"path": "moored.nc"},
        "vectors": [{"id": "current", "title": "Current", "x": "uo", "y": "vo", "frame": "earth"}],
    }
    return Catalog(write_catalog(folder, [entry])), ds


def test_depth_and_missing_times(moored: tuple[Catalog, xr.Dataset]) -> None:
    catalog, ds = moored
    fig = render(catalog, "moored", lon=[-69.0], lat=[40.5], depth="50")
    ax = fig.axes[0]
    (quiver,) = sticks(fig)
    cell = ds.sel(lon=-69.0, lat=40.5, depth=50.0)
    drawn = [0, 1, 3, 4]
    np.testing.assert_allclose(quiver.U, cell.uo.values[drawn], rtol=1e-12)
    np.testing.assert_allclose(quiver.V, cell.vo.values[drawn], rtol=1e-12)
    np.testing.assert_allclose(quiver.X, date2num(ds.time.values[drawn]))
    # the missing day: a mark on the baseline, and a legend saying how many
    marks = [line for line in ax.get_lines() if line.get_marker() == "x"]
    assert len(marks) == 1
    np.testing.assert_allclose(marks[0].get_xdata(), date2num(ds.time.values[[2]]))
    np.testing.assert_allclose(marks[0].get_ydata(), [0.0])
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["no data (1 of 5)"]
    assert isinstance(legend.legend_handles[0], Line2D)
    assert "depth 50 m" in ax.get_title()
    assert_inside(fig, quiver)
    x0, x1 = ax.get_xlim()  # the room left for the end sticks does not squeeze the times
    assert (quiver.X.max() - quiver.X.min()) / (x1 - x0) > 0.5
    surface = sticks(render(catalog, "moored", lon=[-69.0], lat=[40.5]))[0]
    np.testing.assert_allclose(surface.U, ds.sel(lon=-69.0, lat=40.5, depth=5.0).uo.values[drawn])


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("dataset", "params", "status", "problem", "names"),
    [
        ("wcofs", {"variable": "u_sur"}, 400, "invalid-parameters", ["variable"]),
        ("wcofs", {"variable": "nope"}, 404, "variable-not-found", []),
        ("wcofs", {"lat": 44.6, "lon": None}, 400, "invalid-parameters", ["lon"]),
        ("wcofs", {"lon": [-124.8, -124.5]}, 400, "invalid-parameters", ["lat"]),
        (
            "wcofs",
            {"lon": [-124.8] * 5, "lat": [44.6] * 5},
            400,
            "invalid-parameters",
            ["lon", "lat"],
        ),
        ("wcofs", {"lat": 95}, 400, "invalid-parameters", ["lat"]),
        (
            "wcofs",
            {"start": "2024-10-17T03:00", "end": "2024-10-17T02:00"},
            400,
            "invalid-parameters",
            ["start", "end"],
        ),
        ("wcofs", {"units": "degC"}, 400, "invalid-parameters", ["units"]),
        ("wcofs", {"start": "soon"}, 400, "invalid-parameters", ["start"]),
        ("glorys", {"variable": "current"}, 400, "invalid-parameters", ["variable"]),
        ("glorys", {}, 404, "plot-type-not-found", []),
    ],
)
def test_bad_input(
    client: TestClient,
    dataset: str,
    params: dict[str, Any],
    status: int,
    problem: str,
    names: list[str],
) -> None:
    query = {k: v for k, v in {**PLACE, **params}.items() if v is not None}
    response = client.get(f"/api/v1/datasets/{dataset}/plots/stick", params=query)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"/problems/{problem}"
    assert [p["name"] for p in body.get("invalid_params", [])] == names
    if params.get("variable") == "u_sur":
        assert "choose from: surface-current" in body["detail"]
    if dataset == "glorys" and params:  # a pair, but GLORYS has a single day
        assert body["detail"].endswith(
            "'current' is not a vector pair with a time axis, and dataset 'glorys' has none "
            "for a stick plot."
        )
