"""Every plot type on every sample it applies to, through the app and the real process pool."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from PIL import Image

from api.settings import DEFAULT_CATALOG
from plotting.basemap import LAND_COLOUR
from plotting.layout import canvas_size
from plotting.types import PLOT_TYPES
from plotting.types.map import box_ratio, plot_extent
from tests.conftest import gridded_entries, sample_entries

SAMPLES = DEFAULT_CATALOG.parent
DATASETS = ["ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"]

# Places in the water of each sample (checked against the files below).
PLACES: dict[str, dict[str, Any]] = {
    "ersst-v5": {"point": (-140.0, 0.0), "path": "-170,0;-100,0", "file": "sst.mnmean.nc"},
    "glorys": {"point": (-10.0, 50.0), "path": "-15,48;5,62", "file": "GLORYS_coarse_test_data.nc"},
    "wcofs": {
        "point": (-124.8, 44.6),
        "path": "-125,44;-124.2,44.5",
        "file": "WCOFS_subset.nc",
    },
    "giops": {"point": (-150.0, 10.0), "path": "-160,5;-140,15", "file": "nemo_test.nc"},
    "glorys-mesh": {"point": (-10.0, 50.0), "path": "-15,48;5,62", "file": "glorys_mesh.nc"},
}


def location(plot_type: str, dataset: str) -> dict[str, Any]:
    """The location parameters a plot type takes, for a place in the water of the dataset."""
    kind = PLOT_TYPES[plot_type].location
    lon, lat = PLACES[dataset]["point"]
    if plot_type == "matchup":  # the observations it compares with, inside the GLORYS day
        return {"observations": "glorys-matchup"}
    if kind == "path":
        return {"path": PLACES[dataset]["path"]}
    if kind == "points":
        return {"lon": lon, "lat": lat}
    return {}


def decode(body: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def depth_or_time(dataset: str) -> tuple[bool, bool]:
    """(has depth levels, has more than one time step), read with xarray from the file."""
    with xr.open_dataset(SAMPLES / PLACES[dataset]["file"]) as ds:
        has_depth = any(d in ds.dims for d in ("depth", "deptht", "lev", "z"))
        times = [d for d in ds.dims if "time" in str(d)]
        has_times = any(ds.sizes[d] > 1 for d in times)
    return has_depth, has_times


def pair_over_time(dataset: str) -> bool:
    """Whether both components of a vector pair of the dataset have more than one time step,
    read with xarray."""
    entry = next(e for e in sample_entries() if e["id"] == dataset)
    with xr.open_dataset(SAMPLES / PLACES[dataset]["file"]) as ds:
        steps = {n: max([ds.sizes[d] for d in ds[n].dims if "time" in str(d)] or [0]) for n in ds}
    vectors = entry.get("vectors", [])
    return any(steps[pair["x"]] > 1 and steps[pair["y"]] > 1 for pair in vectors)


def temperature_and_salinity(dataset: str) -> bool:
    """Whether the file has a sea water temperature and salinity with depth levels (by CF
    standard name): what the TEOS-10 variables, so the T-S and sound-speed plots, need."""
    with xr.open_dataset(SAMPLES / PLACES[dataset]["file"]) as ds:
        names = {
            str(v.attrs.get("standard_name"))
            for v in ds.data_vars.values()
            if any(d in v.dims for d in ("depth", "deptht"))
        }
    return "sea_water_potential_temperature" in names and "sea_water_salinity" in names


def test_plot_types_list_where_each_applies(client: TestClient) -> None:
    listing = {t["name"]: t for t in client.get("/api/v1/plot-types").json()["plot_types"]}
    assert list(listing) == list(PLOT_TYPES)
    for dataset in DATASETS:
        has_depth, has_times = depth_or_time(dataset)
        assert (dataset in listing["transect"]["datasets"]) is has_depth
        assert (dataset in listing["profile"]["datasets"]) is has_depth
        assert (dataset in listing["hovmoller"]["datasets"]) is has_times
        assert (dataset in listing["timeseries"]["datasets"]) is has_times
        assert (dataset in listing["stick"]["datasets"]) is pair_over_time(dataset)
        assert dataset in listing["map"]["datasets"]
        teos10 = temperature_and_salinity(dataset)
        assert (dataset in listing["ts"]["datasets"]) is teos10
        assert (dataset in listing["soundspeed"]["datasets"]) is teos10
    observed = [  # the collections of profiles (ersst-series: CF time series only)
        e["id"]
        for e in sample_entries()
        if e not in gridded_entries() and e["id"] != "ersst-series"
    ]
    assert listing["ts"]["datasets"] == ["glorys", "glorys-mesh", *observed]  # and profiles
    # Matched by CF standard name: GIOPS's temperature has none.
    assert listing["matchup"]["datasets"] == ["glorys", "glorys-mesh"]
    assert "width" in listing["map"]["parameters"]["properties"]


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("plot_type", list(PLOT_TYPES))
def test_every_plot_type_on_every_sample(client: TestClient, plot_type: str, dataset: str) -> None:
    applies = dataset in next(
        t["datasets"]
        for t in client.get("/api/v1/plot-types").json()["plot_types"]
        if t["name"] == plot_type
    )
    params = {**location(plot_type, dataset), "width": 640, "height": 480}
    response = client.get(f"/api/v1/datasets/{dataset}/plots/{plot_type}", params=params)
    if not applies:
        assert response.status_code == 404
        assert response.json()["type"] == "/problems/plot-type-not-found"
        return
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    pixels = decode(response.content)
    assert pixels.shape == (480, 640, 3)
    assert pixels.std() > 20  # not blank
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # a colour ramp, not two tones


@pytest.mark.parametrize(
    ("bbox", "land_expected"),
    [("15,0,30,15", True), ("-150,-10,-130,10", False)],  # central Africa; open Pacific
)
def test_land_is_drawn_where_there_is_land(
    client: TestClient, bbox: str, land_expected: bool
) -> None:
    response = client.get("/api/v1/datasets/ersst-v5/plots/map", params={"bbox": bbox})
    assert response.status_code == 200
    pixels = decode(response.content)
    land = np.array(Image.new("RGB", (1, 1), LAND_COLOUR).getpixel((0, 0)))
    share = (pixels == land).all(axis=-1).mean()
    assert (share > 0.2) if land_expected else (share < 0.005), share


def test_map_across_the_antimeridian_has_data_on_both_sides(client: TestClient) -> None:
    whole = client.get(
        "/api/v1/datasets/ersst-v5/plots/map", params={"bbox": "160,-20,-160,20", "width": 400}
    )
    assert whole.status_code == 200
    pixels = decode(whole.content)
    # the height follows the box: 40 x 40 degrees at the equator, and room for the decorations
    box = box_ratio(plot_extent((160.0, -20.0, -160.0, 20.0)))
    assert box == pytest.approx(1.0)
    assert pixels.shape[:2] == canvas_size(400, None, 100, box)[::-1]
    middle = pixels[pixels.shape[0] // 2 - 50 : pixels.shape[0] // 2 + 50]
    left, right = middle[:, 60:150], middle[:, 200:300]
    assert left.std() > 5 and right.std() > 5


def test_map_overlays_and_units(client: TestClient) -> None:
    response = client.get(
        "/api/v1/datasets/glorys/plots/map",
        params={"variable": "thetao", "quiver": "current", "contour": "so", "units": "degF"},
    )
    assert response.status_code == 200
    height, width, _ = decode(response.content).shape
    assert width == 800 and height > 1000  # GLORYS's box, 25.6 x 24 degrees around 58 N
    rotated = client.get(
        "/api/v1/datasets/wcofs/plots/map",
        params={"variable": "surface-current", "quiver": "surface-current", "units": "knot"},
    )
    assert rotated.status_code == 200


def test_svg_and_pdf(client: TestClient) -> None:
    svg = client.get("/api/v1/datasets/ersst-v5/plots/map", params={"f": "svg"})
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content[:500] and svg.content.rstrip().endswith(b"</svg>")
    pdf = client.get(
        "/api/v1/datasets/glorys/plots/profile", params={"lon": -10, "lat": 50, "f": "pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and b"%%EOF" in pdf.content[-32:]


def test_etag_cache_control_and_304(client: TestClient) -> None:
    url = "/api/v1/datasets/ersst-v5/plots/map"
    params = {"bbox": "-60,-10,-20,30", "time": "2015-06-01"}
    first = client.get(url, params=params)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age=" in first.headers["cache-control"]
    again = client.get(url, params=params)
    assert again.content == first.content and again.headers["etag"] == etag
    assert again.headers["server-timing"] == 'cache;desc="hit"'
    not_modified = client.get(url, params=params, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    other = client.get(url, params={**params, "time": "2016-06-01"})
    assert other.headers["etag"] != etag


def test_profile_overlays_several_points(client: TestClient) -> None:
    response = client.get(
        "/api/v1/datasets/glorys/plots/profile",
        params=[("lon", -10), ("lat", 50), ("lon", -5), ("lat", 60), ("variable", "so")],
    )
    assert response.status_code == 200, response.text


def test_timeseries_at_several_depths(client: TestClient) -> None:
    response = client.get(
        "/api/v1/datasets/giops/plots/timeseries",
        params=[("lon", -150), ("lat", 10), ("depth", "surface"), ("depth", "100")],
    )
    assert response.status_code == 200, response.text


def test_colormap_listing_and_preview(client: TestClient) -> None:
    names = [c["name"] for c in client.get("/api/v1/colormaps").json()["colormaps"]]
    assert names[:3] == ["algae", "amp", "balance"] and "viridis" in names
    sources = [c["source"] for c in client.get("/api/v1/colormaps").json()["colormaps"]]
    assert sources.index("matplotlib") > sources.count("cmocean") - 1
    preview = client.get("/api/v1/colormaps/thermal_r")
    assert preview.status_code == 200
    assert decode(preview.content).shape == (20, 256, 3)
    assert client.get("/api/v1/colormaps/nope").status_code == 404


BAD = [
    ("ersst-v5/plots/map?width=5000", "width"),
    ("ersst-v5/plots/map?width=4000&height=4000", "height"),
    ("ersst-v5/plots/map?dpi=10", "dpi"),
    ("ersst-v5/plots/map?f=gif", "f"),
    ("ersst-v5/plots/map?colormap=rainbowz", "colormap"),
    ("ersst-v5/plots/map?scale=5", "scale"),
    ("ersst-v5/plots/map?scale=10,2", "scale"),
    ("ersst-v5/plots/map?bbox=0,0,10", "bbox"),
    ("ersst-v5/plots/map?quiver=current", "quiver"),
    ("glorys/plots/map?contour=temp", "contour"),
    ("ersst-v5/plots/map?time=1850-01-01", "time"),
    ("ersst-v5/plots/map?units=m", "units"),
    ("ersst-v5/plots/map?variables=sst", "variables"),
    ("glorys/plots/transect", "path"),
    ("glorys/plots/transect?path=1,2", "path"),
    ("glorys/plots/transect?path=-15,48;5,62&variable=zos", "variable"),
    ("glorys/plots/profile?lon=-10&lat=50&lat=51", "lat"),
    ("glorys/plots/profile?lon=-10&lat=95", "lat"),
    ("ersst-v5/plots/timeseries?lon=-140&lat=0&depth=-5", "depth"),
    ("ersst-v5/plots/hovmoller?path=-170,0;-100,0&start=2030-01-01", "start"),
]


@pytest.mark.parametrize(("query", "name"), BAD)
def test_bad_plot_parameters_are_400_naming_the_parameter(
    client: TestClient, query: str, name: str
) -> None:
    response = client.get(f"/api/v1/datasets/{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert name in [p["name"] for p in problem["invalid_params"]], problem
    assert all(p["reason"] for p in problem["invalid_params"])


def test_unknown_dataset_variable_and_plot_type_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/datasets/nope/plots/map").json()["type"] == (
        "/problems/dataset-not-found"
    )
    assert client.get("/api/v1/datasets/ersst-v5/plots/map?variable=temp").json()["type"] == (
        "/problems/variable-not-found"
    )
    problem = client.get("/api/v1/datasets/ersst-v5/plots/contourf").json()
    assert problem["type"] == "/problems/plot-type-not-found"
    assert problem["valid_values"] == sorted(PLOT_TYPES)
