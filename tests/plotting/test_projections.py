"""Maps in each projection, through the app and the real process pool: the PNG has the size
asked for, and land (Natural Earth, ``basemap.LAND_COLOUR``) is where land is, water where
water is. Where a place falls in the PNG comes from the same map drawn in process: the axes'
projection and transform say which pixel shows a longitude and latitude."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from matplotlib.figure import Figure
from PIL import Image

from catalog.store import Catalog
from plotting import projected
from plotting.basemap import LAND_COLOUR
from plotting.common import RenderContext
from plotting.figure import encode
from plotting.layout import fill
from plotting.projections import LONLAT, NAMES
from plotting.types import map as map_type
from tests.conftest import SAMPLES

PROJECTED = [name for name in NAMES if name != "plate-carree"]
LAND = np.array(Image.new("RGB", (1, 1), LAND_COLOUR).getpixel((0, 0)))
BACKGROUND = np.array([242, 242, 242])  # the axes' face: no data there
# (dataset, projection, width, height): the views the issue asks to look right
VIEWS = [("ersst-v5", name, 800, 400) for name in ("mercator", "robinson")]
VIEWS += [("ersst-v5", name, 600, 600) for name in ("north-polar-stereo", "south-polar-stereo")]
VIEWS += [("glorys", name, 640, 640) for name in PROJECTED]
# A place on land far from any coast, and one in the water, seen in each view.
PLACES = {
    ("ersst-v5", "mercator"): ((134.0, -25.0), (-140.0, 0.0)),  # central Australia; Pacific
    ("ersst-v5", "robinson"): ((134.0, -25.0), (-140.0, 0.0)),
    ("ersst-v5", "north-polar-stereo"): ((-40.0, 73.0), (-30.0, 55.0)),  # Greenland; Atlantic
    ("ersst-v5", "south-polar-stereo"): ((30.0, -77.0), (20.0, -55.0)),  # Antarctica; Southern
}
GLORYS_PLACES = ((-1.5, 52.5), (-12.0, 50.0))  # the English Midlands; the Celtic Sea


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(Path(SAMPLES / "catalog.yaml"))


def in_process(catalog: Catalog, dataset: str, **params: Any) -> tuple[Figure, np.ndarray]:
    with catalog.reading(dataset) as opened:
        fig = map_type.render(RenderContext(opened, 2_000_000), map_type.MapParams(**params))
    return fig, decode(encode(fig, "png"))


def decode(body: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"), dtype=int)


def around(fig: Figure, pixels: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """The 5 x 5 pixels around where (lon, lat) is drawn on the map's axes."""
    ax = fig.axes[0]
    x, y = ax.projection.transform_point(lon, lat, LONLAT)
    col, row = ax.transData.transform((x, y))
    c, r = round(col - 0.5), pixels.shape[0] - 1 - round(row - 0.5)
    assert 2 <= c < pixels.shape[1] - 2 and 2 <= r < pixels.shape[0] - 2, (lon, lat)
    return pixels[r - 2 : r + 3, c - 2 : c + 3].reshape(-1, 3)


def share(patch: np.ndarray, rgb: np.ndarray) -> float:
    return float((np.abs(patch - rgb).max(axis=1) <= 2).mean())


@pytest.mark.parametrize(("dataset", "projection", "width", "height"), VIEWS)
def test_each_projection_has_land_where_land_is(
    client: TestClient, catalog: Catalog, dataset: str, projection: str, width: int, height: int
) -> None:
    params = {"projection": projection, "width": width, "height": height}
    response = client.get(f"/api/v1/datasets/{dataset}/plots/map", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    pixels = decode(response.content)
    assert pixels.shape == (height, width, 3)
    fig, drawn = in_process(catalog, dataset, **params)
    assert type(fig.axes[0]).__name__ == "GeoAxes"
    assert (drawn == pixels).all()  # the pool draws what the same code draws here
    land, water = PLACES.get((dataset, projection), GLORYS_PLACES)
    assert share(around(fig, pixels, *land), LAND) >= 0.6
    wet = around(fig, pixels, *water)
    assert share(wet, LAND) == 0 and share(wet, BACKGROUND) == 0
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # a colour ramp, not two tones


def test_polar_views_have_no_hole_at_the_pole_nor_a_seam(catalog: Catalog) -> None:
    """ERSST's northernmost row (88°N) reaches the pole, and the cells either side of 180°
    are drawn: no background along the meridian where the data has values."""
    fig, pixels = in_process(
        catalog, "ersst-v5", projection="north-polar-stereo", width=600, height=600
    )
    assert share(around(fig, pixels, 0.0, 90.0), BACKGROUND) == 0
    assert share(around(fig, pixels, 0.0, 89.5), LAND) == 0
    for lat in (46.0, 50.0, 54.0):  # the Pacific along 180°
        assert share(around(fig, pixels, 180.0, lat), BACKGROUND) == 0, lat


def test_a_box_across_the_antimeridian_is_drawn_whole(catalog: Catalog) -> None:
    fig, pixels = in_process(
        catalog, "ersst-v5", projection="robinson", bbox="100,-60,-60,60", width=800, height=400
    )
    for lon in (150.0, 179.0, 180.0, -179.0, -150.0):
        patch = around(fig, pixels, lon, 0.0)
        assert share(patch, BACKGROUND) == 0 and share(patch, LAND) == 0, lon


def test_mesh_and_curvilinear_grids_are_projected(catalog: Catalog) -> None:
    fig, pixels = in_process(catalog, "glorys-mesh", projection="mercator", variable="thetao")
    assert share(around(fig, pixels, -12.0, 50.0), BACKGROUND) == 0
    assert share(around(fig, pixels, -1.5, 52.5), LAND) >= 0.6
    fig, pixels = in_process(catalog, "giops", projection="robinson")
    assert share(around(fig, pixels, -150.0, 10.0), BACKGROUND) == 0


def test_overlays_are_projected(client: TestClient, catalog: Catalog) -> None:
    params = {
        "projection": "north-polar-stereo",
        "variable": "thetao",
        "quiver": "current",
        "contour": "thetao",
    }
    response = client.get("/api/v1/datasets/glorys/plots/map", params=params)
    assert response.status_code == 200, response.text
    with catalog.reading("glorys") as opened:  # no size given: 800 wide, the view's shape
        width, height = map_type.size(opened, map_type.MapParams.model_validate(params))
    assert width == 800 and height > 800  # the projected box is taller than wide
    assert decode(response.content).shape == (height, width, 3)


def test_a_projected_map_given_one_side_follows_its_projected_shape(catalog: Catalog) -> None:
    """Width alone: the height follows the view's shape (a polar disc: about square plus the
    title and credit line), and the map's axes keep that shape."""
    fig, pixels = in_process(catalog, "ersst-v5", projection="north-polar-stereo", width=600)
    assert pixels.shape[1] == 600
    used = fill(fig)
    assert used.axes_ratio == pytest.approx(1.0, rel=0.02)
    assert used.height >= 0.85 and used.bar_height == pytest.approx(1.0, rel=0.02)
    assert used.title_offset <= 0.02


def test_plate_carree_is_the_default_and_stays_on_plain_axes(
    client: TestClient, catalog: Catalog
) -> None:
    url = "/api/v1/datasets/ersst-v5/plots/map"
    default = client.get(url, params={"title": "same"})
    explicit = client.get(url, params={"title": "same", "projection": "plate-carree"})
    assert default.status_code == explicit.status_code == 200
    assert default.content == explicit.content
    fig, _ = in_process(catalog, "ersst-v5")
    assert type(fig.axes[0]).__name__ == "Axes"


def test_an_unknown_projection_is_a_400_listing_the_valid_ones(client: TestClient) -> None:
    response = client.get("/api/v1/datasets/ersst-v5/plots/map", params={"projection": "x"})
    assert response.status_code == 400
    problem = response.json()
    assert [p["name"] for p in problem["invalid_params"]] == ["projection"]
    reason = problem["invalid_params"][0]["reason"]
    assert all(name in reason for name in NAMES), reason


def test_cartopy_downloads_nothing(catalog: Catalog) -> None:
    """Land and coastlines are the bundled shapes: cartopy's data folder stays unmade."""
    for name in PROJECTED:
        in_process(catalog, "ersst-v5", projection=name, width=300, height=200)
    assert not Path(projected.cartopy.config["data_dir"]).exists()
