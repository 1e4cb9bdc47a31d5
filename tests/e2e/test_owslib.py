"""OWSLib, an OGC client as users run it, against the EDR facade of the real app over HTTP.

The app (bundled catalog, real plot process pool) runs under uvicorn on loopback; OWSLib's
``EnvironmentalDataRetrieval`` reads the landing page, conformance, collections and API
document, and queries positions and areas. The numbers it gets back must be the ones xarray
reads from the sample files for the same cells.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import numpy as np
import numpy.typing as npt
import pytest
import shapely
import xarray as xr
from openapi_spec_validator import validate
from owslib.ogcapi.edr import EnvironmentalDataRetrieval  # type: ignore[import-untyped]

from api.edr.openapi import OPENAPI_MEDIA_TYPE
from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from schemas.catalog import DERIVED_IDS
from tests.api.test_derived_everywhere import at, teos10
from tests.api.test_edr_corridor import along_path, in_order, inside, wkt
from tests.api.test_edr_observations import table
from tests.conftest import SAMPLES, profile_collections, sample_entries
from tests.e2e.live import serve

EDR_CLASSES = [
    f"http://www.opengis.net/spec/ogcapi-edr-1/1.1/conf/{name}"
    for name in ("core", "collections", "covjson", "geojson", "queries")
]
QUERY_TYPES = ["area", "cube", "position", "radius", "trajectory"]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The service root URL of the app under uvicorn."""
    with serve(create_app(Settings(catalog=DEFAULT_CATALOG))) as url:
        yield url


@pytest.fixture(scope="module")
def edr(base: str) -> Any:
    """OWSLib's client on the EDR landing page (it GETs the page on construction)."""
    return EnvironmentalDataRetrieval(f"{base}/edr/", timeout=60)


@pytest.fixture(scope="module")
def glorys() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        yield ds


@pytest.fixture(scope="module")
def ersst() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        yield ds


@pytest.fixture(scope="module")
def giops() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "nemo_test.nc") as ds:
        yield ds


def iso(instant: Any) -> str:
    """A numpy datetime64 as the API writes instants (UTC, seconds, Z)."""
    return str(np.datetime_as_string(np.datetime64(instant, "s"))) + "Z"


def values_of(coverage: dict[str, Any], parameter: str) -> npt.NDArray[np.float64]:
    """A range's values as floats in its shape, null as NaN."""
    ndarray = coverage["ranges"][parameter]
    assert ndarray["type"] == "NdArray"
    flat = [math.nan if v is None else v for v in ndarray["values"]]
    return np.asarray(flat, dtype=np.float64).reshape(ndarray["shape"])


def level_index(ds: xr.Dataset, name: str, z: float) -> int:
    """The index of the level the response reports (its value, exactly)."""
    (index,) = np.flatnonzero(ds[name].values.astype(np.float64) == z)
    return int(index)


def time_index(ds: xr.Dataset, name: str, instant: str) -> int:
    (index,) = [k for k, t in enumerate(np.atleast_1d(ds[name].values)) if iso(t) == instant]
    return index


def unit_vectors(lon: Any, lat: Any) -> npt.NDArray[np.float64]:
    lon, lat = np.radians(np.asarray(lon, np.float64)), np.radians(np.asarray(lat, np.float64))
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], -1)


# ----------------------------------------------------------------------------- metadata


def test_landing_page_links(edr: Any, base: str) -> None:
    links = {link["rel"]: link for link in edr.links}
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["service-desc"]["href"] == f"{base}/edr/api"
    assert links["conformance"]["href"] == f"{base}/edr/conformance"
    assert links["conformance"]["type"] == "application/json"
    assert links["data"]["href"] == f"{base}/edr/collections"
    assert links["data"]["type"] == "application/json"
    assert links["self"]["href"] == f"{base}/edr/"
    assert edr.response["title"]


def test_conformance_lists_the_edr_classes(edr: Any) -> None:
    classes = edr.conformance()["conformsTo"]
    assert set(EDR_CLASSES) <= set(classes)
    assert "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30" in classes


def test_collections_have_their_extents(
    edr: Any, base: str, glorys: xr.Dataset, ersst: xr.Dataset, giops: xr.Dataset
) -> None:
    listing = edr.collections()
    collections = {c["id"]: c for c in listing["collections"]}
    gridded = ["ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"]
    observed = profile_collections()
    assert "argo-5900865" in observed
    assert [c["id"] for c in listing["collections"]] == [*gridded, *observed]
    assert edr.data() == [*gridded, *observed]
    for cid in gridded:
        collection = collections[cid]
        assert collection["extent"]["spatial"]["crs"].endswith("/OGC/1.3/CRS84")
        assert collection["extent"]["temporal"]["interval"], cid
        assert sorted(collection["data_queries"]) == QUERY_TYPES, cid
        for name, query in collection["data_queries"].items():
            assert query["link"]["href"] == f"{base}/edr/collections/{cid}/{name}"

    # GLORYS: the cell centres' footprint, one day, six levels.
    (bbox,) = collections["glorys"]["extent"]["spatial"]["bbox"]
    lon, lat = glorys["longitude"].values, glorys["latitude"].values
    assert bbox == pytest.approx([lon.min(), lat.min(), lon.max(), lat.max()], abs=1e-6)
    day = iso(glorys["time"].values)
    assert collections["glorys"]["extent"]["temporal"]["interval"] == [[day, day]]
    levels = [float(v) for v in collections["glorys"]["extent"]["vertical"]["values"]]
    assert levels == pytest.approx(glorys["depth"].values.astype(float), rel=1e-5)

    # ERSST: global (its longitudes wrap), monthly 2010-01 to 2020-08, no levels.
    assert collections["ersst-v5"]["extent"]["spatial"]["bbox"] == [[-180.0, -88.0, 180.0, 88.0]]
    months = [iso(t) for t in ersst["time"].values]
    temporal = collections["ersst-v5"]["extent"]["temporal"]
    assert temporal["interval"] == [[months[0], months[-1]]]
    assert temporal["values"] == months
    assert "vertical" not in collections["ersst-v5"]["extent"]

    # GIOPS: the footprint of its 2-D longitudes and latitudes, two monthly means.
    (bbox,) = collections["giops"]["extent"]["spatial"]["bbox"]
    lon, lat = giops["nav_lon"].values, giops["nav_lat"].values
    assert bbox == pytest.approx([lon.min(), lat.min(), lon.max(), lat.max()], abs=1e-6)
    steps = [iso(t) for t in giops["time_counter"].values]
    assert collections["giops"]["extent"]["temporal"]["values"] == steps


def test_collection_describes_its_parameters(edr: Any, base: str) -> None:
    collection = edr.collection("glorys")
    assert collection["id"] == "glorys"
    stored = ["so", "thetao", "uo", "vo", "zos"]
    assert sorted(collection["parameter_names"]) == sorted([*stored, *DERIVED_IDS])
    thetao = collection["parameter_names"]["thetao"]
    assert thetao["unit"]["symbol"] == "degC"
    assert thetao["observedProperty"]["label"] == "sea_water_potential_temperature"
    assert "CoverageJSON" in collection["output_formats"]
    (self_link,) = [link for link in collection["links"] if link["rel"] == "self"]
    assert self_link["href"] == f"{base}/edr/collections/glorys"


def test_api_document_is_valid_openapi_30(edr: Any, base: str) -> None:
    document = edr.api()
    validate(document)
    assert document["openapi"].startswith("3.0.")
    served = httpx.get(f"{base}/edr/api", timeout=30)
    assert served.headers["content-type"] == OPENAPI_MEDIA_TYPE
    assert document == served.json()
    position = document["paths"]["/edr/collections/{collectionId}/position"]["get"]
    (collection_id,) = [p for p in position["parameters"] if p["name"] == "collectionId"]
    assert collection_id["schema"]["enum"] == sorted(e["id"] for e in sample_entries())


# ----------------------------------------------------------------------------- position


def test_position_is_the_nearest_cell_at_the_surface(edr: Any, glorys: xr.Dataset) -> None:
    coverage = edr.query_data(
        "glorys", "position", coords="POINT(-10 50)", parameter_names=["thetao"]
    )
    assert coverage["type"] == "Coverage"
    assert coverage["domain"]["domainType"] == "Point"
    axes = coverage["domain"]["axes"]
    # The place: the point asked for or the centre of its cell (2/3 degree spacing).
    assert axes["x"]["values"] == [pytest.approx(-10.0, abs=1 / 3)]
    assert axes["y"]["values"] == [pytest.approx(50.0, abs=1 / 3)]
    (z,) = axes["z"]["values"]
    (t,) = axes["t"]["values"]
    assert level_index(glorys, "depth", z) == 0  # the default level is the surface
    assert t == iso(glorys["time"].values)
    cell = glorys["thetao"].isel(depth=0).sel(longitude=-10, latitude=50, method="nearest")
    expected = float(cell.values)
    assert 10 < expected < 20
    assert list(coverage["parameters"]) == ["thetao"]
    assert coverage["ranges"]["thetao"]["values"] == [pytest.approx(expected, rel=1e-12)]

    # The same place in EPSG:4326 (lat, lon) is the same cell.
    swapped = edr.query_data(
        "glorys", "position", coords="POINT(50 -10)", crs="EPSG:4326", parameter_names=["thetao"]
    )
    assert swapped["ranges"]["thetao"]["values"] == [pytest.approx(expected, rel=1e-12)]


def test_position_over_an_interval_is_a_series_of_xarray_values(
    edr: Any, ersst: xr.Dataset
) -> None:
    coverage = edr.query_data(
        "ersst-v5",
        "position",
        coords="POINT(-140 0)",
        datetime_="2015-10-01T00:00:00Z/2016-03-01T00:00:00Z",
        parameter_names=["sst"],
    )
    assert coverage["domain"]["domainType"] == "PointSeries"
    series = ersst["sst"].sel(lon=220, lat=0).sel(time=slice("2015-10-01", "2016-03-01"))
    assert series.sizes["time"] == 6
    assert coverage["domain"]["axes"]["t"]["values"] == [iso(t) for t in series["time"].values]
    got = values_of(coverage, "sst")
    assert coverage["ranges"]["sst"]["axisNames"] == ["t"]
    assert np.all(np.isfinite(series.values))
    assert got == pytest.approx(series.values.astype(np.float64), rel=1e-12)
    assert got.max() > 28  # the 2015/16 El Niño in the equatorial Pacific


def test_position_on_the_curvilinear_grid_is_the_nearest_cell_on_the_sphere(
    edr: Any, base: str, giops: xr.Dataset
) -> None:
    coverage = edr.query_data("giops", "position", coords="POINT(-150 10)")
    axes = coverage["domain"]["axes"]
    (z,), (t,) = axes["z"]["values"], axes["t"]["values"]
    level = level_index(giops, "deptht", z)
    step = time_index(giops, "time_counter", t)
    assert level == 0
    assert step == giops.sizes["time_counter"] - 1  # the default instant is the latest
    # The nearest centre by chord length between unit vectors (what a KD-tree on the sphere
    # finds), searched by brute force over the 2-D longitudes and latitudes.
    lon, lat = giops["nav_lon"].values, giops["nav_lat"].values
    distance = np.linalg.norm(unit_vectors(lon, lat) - unit_vectors(-150.0, 10.0), axis=-1)
    j, i = (int(k) for k in np.unravel_index(np.nanargmin(distance), distance.shape))
    native = httpx.get(
        f"{base}/api/v1/datasets/giops/data/point", params={"lon": -150, "lat": 10}, timeout=60
    ).json()
    (cell,) = native["selection"]["variables"]["votemper"]["cells"]
    assert cell["index"] == {"y": j, "x": i}
    expected = float(giops["votemper"].isel(time_counter=step, deptht=level, y=j, x=i).values)
    assert 290 < expected < 310  # Kelvin, tropical surface water
    assert coverage["ranges"]["votemper"]["values"] == [pytest.approx(expected, rel=1e-12)]


# ----------------------------------------------------------------------------- area

TRIANGLE = "POLYGON((-12 48, -8 48, -12 52, -12 48))"


def test_area_on_a_regular_grid_is_the_xarray_box_clipped_to_the_polygon(
    edr: Any, glorys: xr.Dataset
) -> None:
    coverage = edr.query_data("glorys", "area", coords=TRIANGLE, parameter_names=["thetao"])
    assert coverage["domain"]["domainType"] == "Grid"
    axes = coverage["domain"]["axes"]
    level = level_index(glorys, "depth", axes["z"]["values"][0])
    box = glorys["thetao"].isel(depth=level).sel(longitude=slice(-12, -8), latitude=slice(48, 52))
    box = box.transpose("latitude", "longitude")
    assert axes["x"]["values"] == [float(v) for v in box["longitude"].values]
    assert axes["y"]["values"] == [float(v) for v in box["latitude"].values]
    assert coverage["ranges"]["thetao"]["axisNames"] == ["y", "x"]
    lon, lat = np.meshgrid(box["longitude"].values, box["latitude"].values)
    inside = shapely.intersects_xy(shapely.from_wkt(TRIANGLE), lon, lat)  # boundary included
    assert 0 < inside.sum() < inside.size
    expected = np.where(inside, box.values.astype(np.float64), np.nan)
    assert np.isfinite(expected).sum() >= 10
    assert values_of(coverage, "thetao") == pytest.approx(expected, rel=1e-12, nan_ok=True)


def test_derived_sigma0_is_a_parameter_and_answers_the_gsw_value(
    edr: Any, glorys: xr.Dataset
) -> None:
    """σ0, a TEOS-10 derived variable, as OWSLib sees it: a parameter of the collection with its
    unit, and position and area answers equal to gsw from the file's thetao and so."""
    sigma0 = edr.collection("glorys")["parameter_names"]["sigma0"]
    assert sigma0["unit"]["symbol"] == "kg m-3"
    assert sigma0["observedProperty"]["label"] == "sea_water_sigma_theta"
    truth = teos10(glorys.load())
    point = edr.query_data(
        "glorys", "position", coords="POINT(-12 56)", z="100", parameter_names=["sigma0"]
    )
    assert point["parameters"]["sigma0"]["unit"]["symbol"] == "kg m-3"
    axes = point["domain"]["axes"]
    place = axes["x"]["values"][0], axes["y"]["values"][0]
    expected = at(truth, "sigma0", *place, axes["z"]["values"][0])[:, 0]
    assert 27 < expected[0] < 28
    assert values_of(point, "sigma0").ravel() == pytest.approx(expected, rel=1e-9)
    area = edr.query_data("glorys", "area", coords=TRIANGLE, parameter_names=["sigma0"])
    axes = area["domain"]["axes"]
    lon, lat = np.meshgrid(axes["x"]["values"], axes["y"]["values"])
    inside = shapely.intersects_xy(shapely.from_wkt(TRIANGLE), lon, lat)
    field = at(truth, "sigma0", lon.ravel(), lat.ravel(), axes["z"]["values"][0])[0]
    expected = np.where(inside, field.reshape(lon.shape), np.nan)
    assert np.isfinite(expected).sum() >= 10
    assert values_of(area, "sigma0") == pytest.approx(expected, rel=1e-9, nan_ok=True)


def test_area_resolution_thins_the_grid(edr: Any, glorys: xr.Dataset) -> None:
    square = "POLYGON((-12 48, -8 48, -8 52, -12 52, -12 48))"
    coverage = edr.query_data(
        "glorys", "area", coords=square, parameter_names=["zos"], resolution_x=3, resolution_y=3
    )
    axes = coverage["domain"]["axes"]
    box = glorys["zos"].sel(longitude=slice(-12, -8), latitude=slice(48, 52))
    assert box.shape == (6, 6)
    assert 0 < len(axes["x"]["values"]) <= 3
    assert 0 < len(axes["y"]["values"]) <= 3
    picked = box.sel(longitude=axes["x"]["values"], latitude=axes["y"]["values"])
    expected = picked.transpose("latitude", "longitude").values.astype(np.float64)
    assert values_of(coverage, "zos") == pytest.approx(expected, rel=1e-12, nan_ok=True)


def test_area_across_the_antimeridian(edr: Any, ersst: xr.Dataset) -> None:
    polygon = "POLYGON((170 -10, 190 -10, 180 10, 170 -10))"  # drawn past 180 degrees east
    coverage = edr.query_data("ersst-v5", "area", coords=polygon, datetime_="2015-12-01T00:00:00Z")
    assert coverage["domain"]["domainType"] == "Grid"
    assert coverage["domain"]["axes"]["t"]["values"] == ["2015-12-01T00:00:00Z"]
    month = ersst["sst"].sel(time="2015-12-01", lat=slice(10, -10))
    box = month.isel(lon=(month["lon"] >= 170) & (month["lon"] <= 190))
    axes = coverage["domain"]["axes"]
    assert axes["x"]["values"] == [170.0, 172.0, 174.0, 176.0, 178.0, *range(-180, -169, 2)]
    assert axes["y"]["values"] == [float(v) for v in box["lat"].values]
    lon, lat = np.meshgrid(box["lon"].values, box["lat"].values)
    inside = shapely.intersects_xy(shapely.from_wkt(polygon), lon, lat)
    expected = np.where(inside, box.transpose("lat", "lon").values.astype(np.float64), np.nan)
    assert np.isfinite(expected).sum() > 30
    assert values_of(coverage, "sst") == pytest.approx(expected, rel=1e-12, nan_ok=True)


def test_area_on_a_curvilinear_grid_is_a_multipoint_of_the_cells_inside(
    edr: Any, giops: xr.Dataset
) -> None:
    polygon = "POLYGON((-150 8, -146 8, -148 12, -150 8))"
    coverage = edr.query_data("giops", "area", coords=polygon)
    domain = coverage["domain"]
    assert domain["domainType"] == "MultiPoint"
    composite = domain["axes"]["composite"]
    assert composite["coordinates"] == ["x", "y", "z"]
    step = time_index(giops, "time_counter", domain["axes"]["t"]["values"][0])
    values = values_of(coverage, "votemper")
    assert values.shape == (len(composite["values"]),)

    lon = giops["nav_lon"].values.astype(np.float64)
    lat = giops["nav_lat"].values.astype(np.float64)
    field = giops["votemper"].isel(time_counter=step).values.astype(np.float64)
    inside = shapely.intersects_xy(shapely.from_wkt(polygon), lon, lat)
    expected = {
        (float(lon[j, i]), float(lat[j, i])): field[0, j, i]
        for j, i in zip(*np.nonzero(inside), strict=True)
    }
    assert len(expected) > 20
    got: dict[tuple[float, float], float] = {}
    for (x, y, z), value in zip(composite["values"], values, strict=True):
        assert level_index(giops, "deptht", z) == 0
        if math.isnan(value):
            assert (x, y) not in expected or math.isnan(expected[(x, y)])
        else:
            got[(x, y)] = value
    finite = {k: v for k, v in expected.items() if math.isfinite(v)}
    assert got == pytest.approx(finite, rel=1e-12)


# ----------------------------------------------------------------------------- observations

ARGO = "argo-5900865"


@pytest.fixture(scope="module")
def argo() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "5900865_prof.nc") as ds:
        yield ds.load()


def adjusted(ds: xr.Dataset, row: int, var: str) -> npt.NDArray[np.float64]:
    """A profile's adjusted values at its levels, NaN where the flag is not good (1, 2, 5, 8)."""
    levels = np.isfinite(ds["PRES"].values[row])
    values = ds[f"{var}_ADJUSTED"].values[row][levels].astype(np.float64)
    flags = ds[f"{var}_ADJUSTED_QC"].values[row][levels].astype(str)
    return np.where(np.isin(flags, ["1", "2", "5", "8"]), values, np.nan)


def test_the_argo_collection_through_owslib(edr: Any, base: str, argo: xr.Dataset) -> None:
    """OWSLib 0.35's EnvironmentalDataRetrieval has no locations or items method of its own:
    ``query_data(id, "locations")`` builds the path /collections/{id}/locations (and
    ``"locations/{locId}"`` one location), and the client inherits OGC API - Features'
    ``collection_items`` and ``collection_item``, which is how it pages items."""
    collection = edr.collection(ARGO)
    assert sorted(collection["data_queries"]) == [
        "area",
        "corridor",
        "cube",
        "items",
        "locations",
        "radius",
        "trajectory",
    ]
    assert (
        collection["data_queries"]["items"]["link"]["href"]
        == f"{base}/edr/collections/{ARGO}/items"
    )

    (platform,) = edr.query_data(ARGO, "locations")["features"]
    assert platform["id"] == "5900865" and platform["properties"]["profile_count"] == 80
    (track,) = platform["geometry"]["coordinates"]
    order = np.argsort(argo["JULD"].values, kind="stable")
    lon, lat = argo["LONGITUDE"].values[order], argo["LATITUDE"].values[order]
    assert track == [pytest.approx([x, y]) for x, y in zip(lon, lat, strict=True)]

    profiles = edr.query_data(
        ARGO,
        "locations/5900865",
        datetime_="2005-08-01T00:00:00Z/2005-09-30T00:00:00Z",
        parameter_names=["temperature"],
    )
    assert profiles["type"] == "CoverageCollection"
    rows = [int(k) for k in order[:4]]  # the first four profiles, August and September 2005
    assert [c["id"] for c in profiles["coverages"]] == [
        f"5900865_{int(argo.CYCLE_NUMBER.values[r]):03d}" for r in rows
    ]
    for coverage, row in zip(profiles["coverages"], rows, strict=True):
        assert coverage["domain"]["domainType"] == "VerticalProfile"
        assert list(coverage["ranges"]) == ["temperature"]
        got = values_of(coverage, "temperature")
        np.testing.assert_allclose(got, adjusted(argo, row, "TEMP"), rtol=1e-12)

    seen: list[str] = []
    for offset in range(0, 80, 30):
        page = edr.collection_items(ARGO, limit=30, offset=offset)
        assert page["numberMatched"] == 80
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == len(set(seen)) == 80

    flagged = int(np.nonzero(argo.TEMP_ADJUSTED_QC.values == b"4")[0][0])
    item_id = f"5900865_{int(argo.CYCLE_NUMBER.values[flagged]):03d}"
    feature = edr.collection_item(ARGO, item_id)
    assert feature["id"] == item_id
    got = np.array([np.nan if v is None else v for v in feature["properties"]["temperature"]])
    np.testing.assert_allclose(got, adjusted(argo, flagged, "TEMP"), rtol=1e-12)
    assert np.isnan(got).any()  # the flagged values are null

    square = "POLYGON((113 -12,117 -12,117 -9,113 -9,113 -12))"
    area = edr.query_data(ARGO, "area", coords=square, z="0/50", parameter_names=["salinity"])
    inside = shapely.intersects_xy(shapely.from_wkt(square), lon, lat)
    assert len(area["coverages"]) == int(inside.sum()) > 0


def test_the_profiles_along_a_path_through_owslib(edr: Any, argo: xr.Dataset) -> None:
    """``query_data(id, "trajectory")`` as OWSLib sends it (coords, and its corridor_width and
    width_units keywords as corridor-width, width-units): the profiles within the corridor,
    ordered along the path, as the independent computation of tests/api finds them, their
    values the file's."""
    files = table(argo)
    path = [(106.0, -9.0), (110.0, -11.5), (114.0, -10.0), (116.0, -13.0)]
    measured = along_path(files, path, "rhumb")
    for keywords, half_width in (
        ({}, 25_000),
        ({"corridor_width": 130, "width_units": "km"}, 65_000),
    ):
        want = inside(measured, half_width)
        got = edr.query_data(
            ARGO, "trajectory", coords=wkt(path), parameter_names=["temperature"], **keywords
        )
        assert got["type"] == "CoverageCollection"
        ids = [c["id"] for c in got["coverages"]]
        in_order(ids, want, measured)
        rows = measured.set_index("profile_id").loc[ids, "row"]
        for coverage, row in zip(got["coverages"], rows, strict=True):
            assert list(coverage["ranges"]) == ["temperature"]
            values = values_of(coverage, "temperature")
            np.testing.assert_allclose(values, adjusted(argo, int(row), "TEMP"), rtol=1e-12)
