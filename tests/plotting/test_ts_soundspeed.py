"""The T-S diagram and the sound-speed profile: what they draw is TEOS-10 computed from the
file's thetao and so at the cell (checked with gsw here, independently of catalog.derived),
where they apply, and how they find the sonic layer and the sound channel axis."""

from __future__ import annotations

import io
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gsw
import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from api.settings import DEFAULT_CATALOG
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.types import PLOT_TYPES
from plotting.types.soundspeed import SoundChannel, sound_channel
from tests.conftest import SAMPLES, sample_entries, write_catalog

D = "/api/v1/datasets"
FILES = {"glorys": "GLORYS_coarse_test_data.nc", "glorys-mesh": "glorys_mesh.nc"}
POINTS = [(-17.0, 50.0), (2.0, 66.0), (-12.0, 57.0)]
"""An abyssal plain column (all six levels), the Norwegian Sea, the Rockall Trough."""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    opened = Catalog(DEFAULT_CATALOG)
    opened.open_all()
    return opened


def render(catalog: Catalog, dataset: str, plot_type: str, **params: Any) -> Figure:
    """The figure as a worker draws it, laid out on an Agg canvas."""
    kind = PLOT_TYPES[plot_type]
    parsed = kind.params.model_validate(params)
    opened = catalog.dataset(dataset)
    kind.validate(opened, parsed)
    fig = kind.render(RenderContext(opened, 2_000_000), parsed)
    FigureCanvasAgg(fig).draw()  # type: ignore[no-untyped-call]
    return fig


def column(dataset: str, lon: float, lat: float) -> xr.Dataset:
    """The file's nearest column to (lon, lat): the grid cell, or the mesh node nearest on
    the sphere."""
    ds = xr.open_dataset(SAMPLES / FILES[dataset])
    if dataset == "glorys":
        return ds.sel(longitude=lon, latitude=lat, method="nearest").load()
    nlon, nlat = (np.radians(ds[n].values) for n in ("mesh_node_lon", "mesh_node_lat"))
    x, y = math.radians(lon), math.radians(lat)
    cos = np.sin(y) * np.sin(nlat) + np.cos(y) * np.cos(nlat) * np.cos(nlon - x)
    node = ds.isel(node=int(np.argmax(cos))).load()
    return node.assign_coords(
        longitude=node["mesh_node_lon"], latitude=node["mesh_node_lat"]
    ).squeeze(drop=True)


def teos10(cell: xr.Dataset) -> dict[str, np.ndarray]:
    """SA, CT and sound speed of a column from its potential temperature and practical
    salinity: p_from_z, SA_from_SP, CT_from_pt, sound_speed."""
    lon, lat = float(cell["longitude"]), float(cell["latitude"])
    depth = cell["depth"].values.astype(np.float64)
    p = gsw.p_from_z(-depth, lat)
    sa = gsw.SA_from_SP(cell["so"].values.astype(np.float64), p, lon, lat)
    ct = gsw.CT_from_pt(sa, cell["thetao"].values.astype(np.float64))
    return {"depth": depth, "sa": sa, "ct": ct, "c": gsw.sound_speed(sa, ct, p)}


def main_axes(fig: Figure) -> Any:
    return fig.axes[0]


def texts_of(fig: Figure) -> list[str]:
    """Every text of the figure: title, subtitle, labels, legend, annotations."""
    return [t.get_text() for t in fig.findobj(Text)]


# ----------------------------------------------------------------------------- detection

MUNK_AXIS = 1300.0


def munk(depth: np.ndarray) -> np.ndarray:
    """Munk's canonical deep-water profile: its minimum, the channel axis, at 1300 m."""
    eta = 2 * (depth - MUNK_AXIS) / 1300.0
    return 1500.0 * (1 + 0.00737 * (eta - 1 + np.exp(-eta)))


LEVELS = np.array([0, 10, 20, 30, 50, 75, 100, 200, 500, 1000, 1300, 1600, 2500, 4000.0])


@pytest.mark.parametrize(
    ("speed", "expected"),
    [
        # Munk alone: falls from the surface to the axis, rises below
        (munk(LEVELS), SoundChannel(None, MUNK_AXIS)),
        # a surface duct: rising through a mixed layer to 50 m, then Munk's profile
        (
            np.where(LEVELS <= 50, 1550.0 + 0.017 * LEVELS, munk(LEVELS)),
            SoundChannel(50.0, MUNK_AXIS),
        ),
        # falling all the way down: the minimum is the deepest level, no channel within
        (1540.0 - 0.01 * LEVELS, SoundChannel(None, None)),
        # rising all the way down (a polar winter column): no maximum, no minimum inside
        (1450.0 + 0.017 * LEVELS, SoundChannel(None, None)),
        # a duct over a column that keeps falling to the bottom: a sonic layer, no axis
        (
            np.where(LEVELS <= 30, 1530.0 + 0.017 * LEVELS, 1530.0 - 0.005 * LEVELS),
            SoundChannel(30.0, None),
        ),
    ],
    ids=["munk", "duct-over-munk", "falling", "rising", "duct-no-axis"],
)
def test_sound_channel_of_synthetic_profiles(speed: np.ndarray, expected: SoundChannel) -> None:
    assert sound_channel(LEVELS, speed) == expected


def test_sound_channel_ignores_the_levels_below_the_sea_floor() -> None:
    c = munk(LEVELS)
    c[LEVELS > MUNK_AXIS] = np.nan  # the floor at 1300 m: the minimum is the deepest wet level
    assert sound_channel(LEVELS, c) == SoundChannel(None, None)
    c = munk(LEVELS)
    c[LEVELS > 2500] = np.nan  # the floor at 2500 m: the axis is inside the column
    assert sound_channel(LEVELS, c) == SoundChannel(None, MUNK_AXIS)
    order = np.random.default_rng(1).permutation(LEVELS.size)  # levels in any order
    assert sound_channel(LEVELS[order], munk(LEVELS)[order]).channel_axis == MUNK_AXIS
    assert sound_channel([0.0, 10.0], [1500.0, 1490.0]) == SoundChannel(None, None)


# ----------------------------------------------------------------------------- values drawn


@pytest.mark.parametrize("dataset", list(FILES))
def test_ts_points_are_gsw_of_the_file_at_the_cell(catalog: Catalog, dataset: str) -> None:
    lons, lats = [p[0] for p in POINTS], [p[1] for p in POINTS]
    fig = render(catalog, dataset, "ts", lon=lons, lat=lats)
    ax = main_axes(fig)
    lines = {line.get_label(): line for line in ax.get_lines()}
    dots = next(c for c in ax.collections if isinstance(c, PathCollection))
    offsets = np.ma.getdata(dots.get_offsets())
    depths = np.asarray(dots.get_array())
    for k, (lon, lat) in enumerate(POINTS):
        expected = teos10(column(dataset, lon, lat))
        name = f"{abs(lat):g}°N {abs(lon):g}°{'W' if lon < 0 else 'E'}"
        line = lines[name]
        np.testing.assert_allclose(line.get_xdata(), expected["sa"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(line.get_ydata(), expected["ct"], rtol=0, atol=1e-9)
        # the dots: level by level, the columns in the order asked; coloured by the depth
        mine = slice(k, None, len(POINTS))
        np.testing.assert_allclose(offsets[mine, 0], expected["sa"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(offsets[mine, 1], expected["ct"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(depths[mine], expected["depth"], rtol=1e-6)
    assert np.isfinite(offsets[:, 0]).sum() == 6 + 6 + 5  # the Rockall column ends at 1410 m
    texts = texts_of(fig)
    assert "T–S diagram" in texts  # noqa: RUF001
    assert any("6 levels, 6 to 3,840 m" in t for t in texts), texts
    assert "Depth (m)" in [a.get_ylabel() for a in fig.axes]


def test_ts_isopycnals_are_sigma0_labelled_in_kg_m3(catalog: Catalog) -> None:
    fig = render(catalog, "glorys", "ts", lon=[-17], lat=[50])
    ax = main_axes(fig)
    contours = next(c for c in ax.collections if hasattr(c, "levels"))
    labels = [float(t.get_text()) for t in contours.labelTexts]
    assert labels and set(labels) <= {round(float(v), 2) for v in contours.levels}
    # each contour line lies on its σ0: gsw.sigma0 at its vertices is its level
    for level, path in zip(contours.levels, contours.get_paths(), strict=True):
        vertices = path.vertices
        if vertices.size:
            sigma = gsw.sigma0(vertices[:, 0], vertices[:, 1])
            np.testing.assert_allclose(sigma, level, atol=0.02)
    expected = teos10(column("glorys", -17, 50))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < expected["sa"].min() and expected["sa"].max() < x1
    assert y0 < expected["ct"].min() and expected["ct"].max() < y1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "σ₀ isopycnals (kg m⁻³)" in legend


def test_ts_over_a_box_draws_the_thinned_columns(catalog: Catalog) -> None:
    bbox, budget = (-15.0, 50.0, 0.0, 65.0), 600
    fig = render(catalog, "glorys", "ts", bbox=",".join(f"{v:g}" for v in bbox), max_points=budget)
    ds = xr.open_dataset(SAMPLES / FILES["glorys"]).load()
    inside = ds.sel(longitude=slice(bbox[0], bbox[2]), latitude=slice(bbox[1], bbox[3]))
    cells = inside.sizes["longitude"] * inside.sizes["latitude"]
    stride = math.ceil(math.sqrt(cells / (budget // 6)))
    assert stride == 3  # 22 x 23 cells, 100 columns allowed: 8 x 8 kept
    kept = inside.isel(longitude=slice(None, None, stride), latitude=slice(None, None, stride))
    lat, lon = xr.broadcast(kept["latitude"], kept["longitude"])
    p = gsw.p_from_z(-kept["depth"], lat)
    sa = gsw.SA_from_SP(kept["so"], p, lon, lat)
    ct = gsw.CT_from_pt(sa, kept["thetao"])
    wet = sa.notnull().any("depth").values.ravel()
    ax = main_axes(fig)
    (columns,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    drawn = columns.get_segments()
    assert len(drawn) == int(wet.sum()) <= budget // 6
    top_sa = np.sort([segment[0, 0] for segment in drawn])
    top_ct = np.sort([segment[0, 1] for segment in drawn])
    np.testing.assert_allclose(top_sa, np.sort(sa.isel(depth=0).values.ravel()[wet]), atol=1e-9)
    np.testing.assert_allclose(top_ct, np.sort(ct.isel(depth=0).values.ravel()[wet]), atol=1e-9)
    texts = texts_of(fig)
    said = f"{int(wet.sum())} columns in 15°W to 0°, 50°N to 65°N, every 3rd cell each way"
    assert any(said in t for t in texts), texts


def test_ts_over_a_mesh_box_says_every_nth_node(catalog: Catalog) -> None:
    fig = render(catalog, "glorys-mesh", "ts", bbox="-15,50,0,65", max_points=600)
    texts = " ".join(texts_of(fig))
    stride = re.search(r"every (\d+)th node", texts)
    assert stride is not None, texts
    drawn = next(c for c in main_axes(fig).collections if isinstance(c, LineCollection))
    assert 0 < len(drawn.get_segments()) <= 100


@pytest.mark.parametrize("dataset", list(FILES))
def test_sound_speed_is_gsw_of_the_file_with_its_channel_axis(
    catalog: Catalog, dataset: str
) -> None:
    fig = render(catalog, dataset, "soundspeed", lon=[-17, 2], lat=[50, 66])
    ax = main_axes(fig)
    profiles = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    marks = {
        line.get_marker(): line
        for line in ax.get_lines()
        if line.get_label().startswith("_") and line.get_marker() in ("v", "D")
    }
    assert "v" not in marks  # June: sound speed falls from the surface at both
    axes_at = sorted(
        float(line.get_ydata()[0]) for line in ax.get_lines() if line.get_marker() == "D"
    )
    expected_axes: list[float] = []
    for line, (lon, lat) in zip(profiles, [(-17, 50), (2, 66)], strict=True):
        expected = teos10(column(dataset, lon, lat))
        np.testing.assert_allclose(line.get_xdata(), expected["c"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(line.get_ydata(), expected["depth"], rtol=1e-6)
        found = sound_channel(expected["depth"], expected["c"])
        assert found.channel_axis is not None
        expected_axes.append(found.channel_axis)
    # 50°N 17°W: the minimum at 1410 m; 66°N 2°E (Norwegian Sea): at 376 m
    assert expected_axes == pytest.approx([1409.6, 376.4], abs=0.1)
    assert axes_at == pytest.approx(sorted(expected_axes))
    labels = [t.get_text() for t in ax.texts]
    assert sorted(labels) == ["1,410 m", "376 m"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["50°N 17°W", "66°N 2°E", "Sound channel axis"]
    texts = texts_of(fig)
    assert any("no sonic layer at any point" in t for t in texts), texts


@pytest.fixture
def mixed_catalog(tmp_path: Path) -> Path:
    """GLORYS with its top three levels mixed (the 92 m temperature and salinity above it):
    sound speed rises with pressure down to 92 m, the sonic layer depth."""
    shutil.copy(SAMPLES / FILES["glorys"], tmp_path / "source.nc")
    with xr.open_dataset(tmp_path / "source.nc") as ds:
        mixed = ds.load()
    for name in ("thetao", "so"):
        mixed[name][0:3] = mixed[name][2].values
    mixed.to_netcdf(tmp_path / "mixed.nc")
    entry = next(e for e in sample_entries() if e["id"] == "glorys")
    entry["source"]["path"] = "mixed.nc"
    return write_catalog(tmp_path, [entry])


def test_sound_speed_marks_the_sonic_layer_of_a_mixed_column(mixed_catalog: Path) -> None:
    catalog = Catalog(mixed_catalog)
    catalog.open_all()
    fig = render(catalog, "glorys", "soundspeed", lon=[-17], lat=[50])
    ax = main_axes(fig)
    marked = {
        line.get_marker(): float(line.get_ydata()[0])
        for line in ax.get_lines()
        if line.get_marker() in ("v", "D")
    }
    assert marked == pytest.approx({"v": 91.92, "D": 1409.61}, abs=0.01)
    assert sorted(t.get_text() for t in ax.texts) == ["1,410 m", "92 m"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["50°N 17°W", "Sonic layer depth", "Sound channel axis"]


# ----------------------------------------------------------------------------- through the app


@pytest.mark.parametrize(
    ("dataset", "plot_type", "params"),
    [
        ("glorys", "ts", {"lon": [-17, 2], "lat": [50, 66]}),
        ("glorys", "ts", {"bbox": "-20,45,10,72"}),
        ("glorys-mesh", "ts", {"lon": -12, "lat": 57}),
        ("glorys-mesh", "ts", {"bbox": "-20,45,10,72", "max_points": 2000}),
        ("glorys", "soundspeed", {"lon": [-17, 2], "lat": [50, 66]}),
        ("glorys-mesh", "soundspeed", {"lon": -12, "lat": 57, "width": 400, "height": 300}),
    ],
)
def test_renders_through_the_pool(
    client: TestClient, dataset: str, plot_type: str, params: dict[str, Any]
) -> None:
    response = client.get(f"{D}/{dataset}/plots/{plot_type}", params=params)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (params.get("width", 800), params.get("height", 600))
    pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.mark.parametrize("dataset", ["ersst-v5", "wcofs", "giops"])
@pytest.mark.parametrize("plot_type", ["ts", "soundspeed"])
def test_refused_where_there_is_no_salinity(
    client: TestClient, dataset: str, plot_type: str
) -> None:
    response = client.get(f"{D}/{dataset}/plots/{plot_type}", params={"lon": -150, "lat": 10})
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == "/problems/plot-type-not-found"
    assert f"Dataset '{dataset}' has no sea water temperature or salinity" in problem["detail"]
    assert f"so no '{plot_type}' plot" in problem["detail"]


def test_refused_where_the_derived_variables_are_switched_off(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    entries = sample_entries()
    glorys = next(e for e in entries if e["id"] == "glorys")
    glorys["source"]["path"] = str(SAMPLES / glorys["source"]["path"])
    glorys["derived"] = {"enabled": False}
    client = make_client(write_catalog(tmp_path, [glorys]))
    listing = {t["name"]: t for t in client.get("/api/v1/plot-types").json()["plot_types"]}
    assert listing["ts"]["datasets"] == [] and listing["profile"]["datasets"] == ["glorys"]
    response = client.get(f"{D}/glorys/plots/ts", params={"lon": -17, "lat": 50})
    assert response.status_code == 404
    assert "switches the derived variables off" in response.json()["detail"]


BAD = [
    ("glorys/plots/ts?lon=-17&lat=50&variable=thetao", "variable"),
    ("glorys/plots/ts?lon=-17&lat=50&units=degF", "units"),
    ("glorys/plots/ts", "lon"),
    ("glorys/plots/ts?lon=-17", "lat"),
    ("glorys/plots/ts?lon=-17&lat=50&bbox=-20,45,10,72", "bbox"),
    ("glorys/plots/ts?bbox=-20,45,10", "bbox"),
    ("glorys/plots/ts?bbox=-20,45,10,72&max_points=10", "max_points"),
    ("glorys/plots/ts?lon=-17&lat=50&depth_min=5000", "depth_min"),
    ("glorys/plots/ts?lon=-17&lat=50&depth_min=500&depth_max=100", "depth_min"),
    ("glorys/plots/ts?lon=-17&lat=50&colormap=nope", "colormap"),
    ("glorys/plots/ts?lon=-40&lat=50", "lon"),
    ("glorys/plots/soundspeed?lon=-17&lat=50&variable=so", "variable"),
    ("glorys/plots/soundspeed?lon=-17&lat=50&lat=51", "lat"),
    ("glorys/plots/soundspeed?lon=-17&lat=95", "lat"),
    ("glorys/plots/soundspeed?lon=-17&lat=50&units=degC", "units"),
    ("glorys/plots/soundspeed?lon=-17&lat=50&time=1990-01-01", "time"),
]


@pytest.mark.parametrize(("query", "name"), BAD)
def test_bad_parameters_are_400_naming_the_parameter(
    client: TestClient, query: str, name: str
) -> None:
    response = client.get(f"{D}/{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert name in [p["name"] for p in problem["invalid_params"]], problem
