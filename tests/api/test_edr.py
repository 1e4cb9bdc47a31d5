"""The OGC API - EDR facade: metadata against the files, values against xarray, formats,
status codes and problems."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from covjson_pydantic.coverage import Coverage, CoverageCollection
from fastapi.testclient import TestClient
from geojson_pydantic import FeatureCollection
from openapi_spec_validator import validate
from pyproj import Geod

from schemas.catalog import DERIVED_IDS
from tests.conftest import SAMPLES, gridded_entries, profile_collections, sample_entries

E = "/edr"
GLORYS = SAMPLES / "GLORYS_coarse_test_data.nc"
ERSST = SAMPLES / "sst.mnmean.nc"
BOX = "POLYGON((-12 48,-8 48,-8 52,-12 52,-12 48))"
TRIANGLE = "POLYGON((-12 48,-6 48,-12 54,-12 48))"


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{E}{path}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def floats(values: list[Any]) -> Any:
    """JSON numbers as a float array, null as NaN."""
    return np.array(values, dtype=float)


def nearest(values: Any, target: float) -> int:
    return int(np.argmin(np.abs(np.asarray(values) - target)))


@pytest.fixture(scope="module")
def glorys() -> xr.Dataset:
    return xr.open_dataset(GLORYS)


@pytest.fixture(scope="module")
def ersst() -> xr.Dataset:
    return xr.open_dataset(ERSST)


# ----------------------------------------------------------------------------- metadata


def test_landing_page_links_what_clients_follow(client: TestClient) -> None:
    for path in ("/edr/", "/edr"):
        body = client.get(path).json()
        links = {link["rel"]: link for link in body["links"]}
        desc = links["service-desc"]
        assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
        assert desc["href"] == "http://testserver/edr/api"
        assert links["service-doc"]["href"] == "http://testserver/docs"
        assert "ReDoc" in client.get("/docs").text
        assert links["conformance"]["href"] == "http://testserver/edr/conformance"
        assert links["data"]["href"] == "http://testserver/edr/collections"
        assert all(link["href"].startswith("http://testserver/") for link in body["links"])


def test_conformance_lists_the_edr_classes(client: TestClient) -> None:
    classes = set(get(client, "/conformance")["conformsTo"])
    for name in ("core", "collections", "json", "geojson", "covjson", "html", "oas30", "queries"):
        assert f"http://www.opengis.net/spec/ogcapi-edr-1/1.1/conf/{name}" in classes
    assert "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections" in classes


@pytest.mark.parametrize("path", ["/", "/conformance", "/collections", "/collections/glorys"])
def test_pages_answer_html_to_browsers_and_json_otherwise(client: TestClient, path: str) -> None:
    html = client.get(f"{E}{path}", headers={"Accept": "text/html,application/xhtml+xml"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<h1>" in html.text and "Ocean Data API" in html.text
    assert client.get(f"{E}{path}", params={"f": "html"}).text == html.text
    plain = client.get(f"{E}{path}")
    assert plain.headers["content-type"] == "application/json"
    assert plain.json() == client.get(f"{E}{path}", params={"f": "json"}).json()
    assert "Accept" in plain.headers["vary"]


def test_collections_html_names_every_dataset(client: TestClient) -> None:
    text = client.get(f"{E}/collections", params={"f": "html"}).text
    for dataset_id in ("ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"):
        assert f"<code>{dataset_id}</code>" in text


def test_collection_metadata_matches_the_file(client: TestClient, glorys: xr.Dataset) -> None:
    body = get(client, "/collections/glorys")
    west, south, east, north = body["extent"]["spatial"]["bbox"][0]
    assert south == pytest.approx(float(glorys.latitude.min()), abs=0.5)
    assert north == pytest.approx(float(glorys.latitude.max()), abs=0.5)
    assert west <= float(glorys.longitude.min()) + 1e-4 and float(glorys.longitude.max()) <= east
    assert body["extent"]["spatial"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    levels = [float(v) for v in body["extent"]["vertical"]["values"]]
    assert levels == pytest.approx(glorys.depth.values.tolist(), rel=1e-5)
    times = body["extent"]["temporal"]["values"]
    assert times == [pd.Timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ") for t in [glorys.time.values]]
    params = body["parameter_names"]
    assert set(params) == {"thetao", "so", "uo", "vo", "zos", *DERIVED_IDS}
    assert params["thetao"]["unit"]["symbol"] == "degC"
    assert params["thetao"]["unit"]["label"] == "degC"
    assert params["thetao"]["observedProperty"]["id"].endswith("/sea_water_potential_temperature/")
    queries = body["data_queries"]
    assert set(queries) == {"position", "area", "cube", "trajectory", "radius"}
    for name, query in queries.items():
        link = query["link"]
        assert link["href"] == f"http://testserver/edr/collections/glorys/{name}"
        assert link["variables"]["output_formats"] == ["CoverageJSON", "GeoJSON", "CSV", "NetCDF"]
        assert {c["crs"] for c in link["variables"]["crs_details"]} == {"CRS84", "EPSG:4326"}
    assert queries["radius"]["link"]["variables"]["within_units"] == ["km", "m", "mi", "nmi"]
    rels = [(link["rel"], link.get("type")) for link in body["links"]]
    assert ("self", "application/json") in rels and ("alternate", "text/html") in rels


def test_ersst_temporal_extent_lists_every_step(client: TestClient, ersst: xr.Dataset) -> None:
    temporal = get(client, "/collections/ersst-v5")["extent"]["temporal"]
    assert len(temporal["values"]) == ersst.sizes["time"] == 128
    assert temporal["interval"] == [["2010-01-01T00:00:00Z", "2020-08-01T00:00:00Z"]]
    listed = {c["id"] for c in get(client, "/collections")["collections"]}
    gridded = {e["id"] for e in gridded_entries()}
    assert listed == gridded | set(profile_collections())  # the collections of profiles too


def test_edr_openapi_is_valid_30_and_declares_what_the_routes_use(client: TestClient) -> None:
    response = client.get(f"{E}/api")
    assert response.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = response.json()
    assert doc["openapi"] == "3.0.3"
    validate(doc)  # openapi-spec-validator, OpenAPI 3.0 rules
    queries = [f"/edr/collections/{{collectionId}}/{q}" for q in ("position", "area", "cube")]
    queries += [
        f"/edr/collections/{{collectionId}}/{q}" for q in ("trajectory", "corridor", "radius")
    ]
    pages = ["/edr/", "/edr/conformance", "/edr/api", "/edr/collections"]
    observations = [f"/edr/collections/{{collectionId}}/{q}" for q in ("locations", "items")]
    observations += [f"{observations[0]}/{{locId}}", f"{observations[1]}/{{itemId}}"]
    assert set(doc["paths"]) == {
        *pages,
        "/edr/collections/{collectionId}",
        *queries,
        *observations,
    }
    for name in ("position", "area", "cube", "trajectory", "corridor", "radius"):
        operation = doc["paths"][f"/edr/collections/{{collectionId}}/{name}"]["get"]
        declared = {p["name"] for p in operation["parameters"]}
        assert {"collectionId", "z", "datetime", "parameter-name", "crs", "f"} <= declared
        assert {"200", "204", "400", "404", "413", "503"} <= set(operation["responses"])
        collection = next(p for p in operation["parameters"] if p["name"] == "collectionId")
        assert collection["schema"]["enum"] == sorted(e["id"] for e in sample_entries())
    text = json.dumps(doc)
    assert '"type": "null"' not in text and "prefixItems" not in text


# ----------------------------------------------------------------------------- values


def coverage(client: TestClient, collection: str, query: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{E}/collections/{collection}/{query}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/prs.coverage+json"
    body: dict[str, Any] = response.json()
    model = CoverageCollection if body["type"] == "CoverageCollection" else Coverage
    model.model_validate(body)  # covjson-pydantic checks the domain type's axes too
    return body


def test_position_is_the_nearest_cell_at_the_nearest_level(
    client: TestClient, glorys: xr.Dataset
) -> None:
    body = coverage(
        client,
        "glorys",
        "position",
        coords="POINT(-10 50)",
        z="100",
        **{"parameter-name": "thetao"},
    )
    axes = body["domain"]["axes"]
    assert body["domain"]["domainType"] == "Point"
    assert axes["z"]["values"] == [pytest.approx(91.9214, abs=1e-3)]
    assert axes["t"]["values"] == ["2021-06-29T00:00:00Z"]
    expected = glorys.thetao.isel(
        depth=nearest(glorys.depth, 100),
        latitude=nearest(glorys.latitude, 50),
        longitude=nearest(glorys.longitude, -10),
    )
    assert body["ranges"]["thetao"]["values"] == [pytest.approx(float(expected))]
    assert body["parameters"]["thetao"]["unit"]["symbol"] == "degC"
    assert body["parameters"]["thetao"]["description"] == {"en": "Temperature"}


def test_position_over_an_interval_is_a_point_series(client: TestClient, ersst: xr.Dataset) -> None:
    body = coverage(
        client,
        "ersst-v5",
        "position",
        coords="POINT(-140 0)",
        datetime="2019-01-01T00:00:00Z/2019-06-01T00:00:00Z",
    )
    assert body["domain"]["domainType"] == "PointSeries"
    cell = ersst.sst.sel(lat=0, lon=220, method="nearest").sel(time=slice("2019-01", "2019-06"))
    assert body["domain"]["axes"]["t"]["values"] == [
        pd.Timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ") for t in cell.time.values
    ]
    assert body["ranges"]["sst"]["values"] == pytest.approx(cell.values.tolist())
    assert body["ranges"]["sst"]["axisNames"] == ["t"]
    open_end = coverage(
        client, "ersst-v5", "position", coords="POINT(-140 0)", datetime="2020-05/.."
    )
    assert len(open_end["domain"]["axes"]["t"]["values"]) == 4  # May to August 2020


@pytest.mark.parametrize(
    ("z", "expected_levels"),
    [("0/100", [0, 1, 2]), ("10,90,400", [0, 2, 3]), ("R3/0/400", [0, 3]), ("1400/4000", [4, 5])],
)
def test_position_over_several_z_is_a_profile(
    client: TestClient, glorys: xr.Dataset, z: str, expected_levels: list[int]
) -> None:
    body = coverage(
        client, "glorys", "position", coords="POINT(-10 50)", z=z, parameter_names="thetao"
    )
    assert body["domain"]["domainType"] == "VerticalProfile"
    levels = glorys.depth.values[expected_levels]
    assert body["domain"]["axes"]["z"]["values"] == pytest.approx(levels.tolist())
    column = glorys.thetao.isel(
        latitude=nearest(glorys.latitude, 50), longitude=nearest(glorys.longitude, -10)
    )
    expected = column.isel(depth=expected_levels).values
    got = np.array(body["ranges"]["thetao"]["values"], dtype=float)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_multipoint_gives_one_coverage_per_place(client: TestClient, glorys: xr.Dataset) -> None:
    body = coverage(
        client,
        "glorys",
        "position",
        coords="MULTIPOINT((-10 50),(-5 55))",
        **{"parameter-name": "so"},
    )
    assert body["type"] == "CoverageCollection" and len(body["coverages"]) == 2
    for item, (lon, lat) in zip(body["coverages"], [(-10, 50), (-5, 55)], strict=True):
        expected = glorys.so.isel(
            depth=0,
            latitude=nearest(glorys.latitude, lat),
            longitude=nearest(glorys.longitude, lon),
        )
        assert item["ranges"]["so"]["values"] == [pytest.approx(float(expected))]


def test_crs_epsg4326_takes_latitude_first(client: TestClient) -> None:
    lonlat = coverage(client, "glorys", "position", coords="POINT(-10 50)")
    latlon = coverage(client, "glorys", "position", coords="POINT(50 -10)", crs="EPSG:4326")
    assert latlon["ranges"] == lonlat["ranges"]
    (spatial, *_) = latlon["domain"]["referencing"]
    assert spatial["coordinates"] == ["y", "x"]
    assert spatial["system"]["id"] == "http://www.opengis.net/def/crs/EPSG/0/4326"


def test_cube_is_the_grid_of_cells_in_the_box(client: TestClient, glorys: xr.Dataset) -> None:
    body = coverage(client, "glorys", "cube", bbox="-12,48,-8,52", z="0/30", f="CoverageJSON")
    assert body["domain"]["domainType"] == "Grid"
    axes = body["domain"]["axes"]
    box = glorys.sel(latitude=slice(48, 52), longitude=slice(-12, -8)).isel(depth=[0, 1])
    assert axes["x"]["values"] == pytest.approx(box.longitude.values.tolist())
    assert axes["y"]["values"] == pytest.approx(box.latitude.values.tolist())
    assert axes["z"]["values"] == pytest.approx(box.depth.values.tolist())
    thetao = body["ranges"]["thetao"]
    assert thetao["axisNames"] == ["z", "y", "x"]
    assert thetao["shape"] == [2, box.sizes["latitude"], box.sizes["longitude"]]
    expected = box.thetao.transpose("depth", "latitude", "longitude").values.ravel()
    got = floats(thetao["values"])
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_cube_over_an_interval_stacks_time_steps(client: TestClient, ersst: xr.Dataset) -> None:
    body = coverage(
        client, "ersst-v5", "cube", bbox="-150,-5,-130,5", datetime="2019-01-01/2019-03-31"
    )
    sst = body["ranges"]["sst"]
    assert sst["axisNames"] == ["t", "y", "x"] and sst["shape"] == [3, 5, 11]
    box = ersst.sst.sel(time=slice("2019-01", "2019-03"), lat=slice(5, -5), lon=slice(210, 230))
    np.testing.assert_allclose(np.array(sst["values"], dtype=float), box.values.ravel(), rtol=1e-6)


def test_area_keeps_the_cells_inside_the_polygon(client: TestClient, glorys: xr.Dataset) -> None:
    body = coverage(client, "glorys", "area", coords=TRIANGLE, **{"parameter-name": "thetao"})
    axes = body["domain"]["axes"]
    lon, lat = np.meshgrid(axes["x"]["values"], axes["y"]["values"])
    inside = (lon >= -12) & (lat >= 48) & (lon - -12 + lat - 48 <= 6)
    values = floats(body["ranges"]["thetao"]["values"]).reshape(lon.shape)
    assert inside.sum() > 10 and (~inside).sum() > 10
    assert np.all(np.isnan(values[~inside]))
    expected = (
        glorys.thetao.isel(depth=0)
        .sel(latitude=axes["y"]["values"])
        .sel(longitude=axes["x"]["values"])
    )
    np.testing.assert_allclose(values[inside], expected.values[inside], rtol=1e-6)


def test_radius_keeps_the_cells_within_the_distance(client: TestClient) -> None:
    body = coverage(
        client,
        "glorys",
        "radius",
        coords="POINT(-10 50)",
        within="150",
        **{"within-units": "km", "parameter-name": "thetao"},
    )
    axes = body["domain"]["axes"]
    lon, lat = np.meshgrid(axes["x"]["values"], axes["y"]["values"])
    _, _, distance = Geod(ellps="WGS84").inv(
        np.full(lon.shape, -10.0), np.full(lat.shape, 50.0), lon, lat
    )
    values = floats(body["ranges"]["thetao"]["values"]).reshape(lon.shape)
    assert np.array_equal(np.isfinite(values), distance <= 150_000)
    miles = coverage(
        client,
        "glorys",
        "radius",
        coords="POINT(-10 50)",
        within="81",
        **{"within-units": "nmi", "parameter-name": "thetao"},
    )
    assert miles["ranges"]["thetao"]["values"] == body["ranges"]["thetao"]["values"]  # 150 km


def test_trajectory_samples_the_line(client: TestClient, glorys: xr.Dataset) -> None:
    body = coverage(
        client, "glorys", "trajectory", coords="LINESTRING(-15 48,5 62)", parameter_names="thetao"
    )
    composite = body["domain"]["axes"]["composite"]
    assert body["domain"]["domainType"] == "Trajectory"
    assert composite["coordinates"] == ["t", "x", "y"] and len(composite["values"]) == 100
    assert composite["values"][0] == ["2021-06-29T00:00:00Z", -15.0, 48.0]
    assert composite["values"][-1][1:] == pytest.approx([5.0, 62.0])
    first = glorys.thetao.isel(
        depth=0, latitude=nearest(glorys.latitude, 48), longitude=nearest(glorys.longitude, -15)
    )
    assert body["ranges"]["thetao"]["values"][0] == pytest.approx(float(first))


def test_curvilinear_area_is_a_multipoint(client: TestClient) -> None:
    body = coverage(client, "giops", "cube", bbox="-150,5,-148,7")
    assert body["domain"]["domainType"] == "MultiPoint"
    composite = body["domain"]["axes"]["composite"]
    assert composite["coordinates"] == ["x", "y", "z"]
    values = body["ranges"]["votemper"]["values"]
    assert len(values) == len(composite["values"]) and any(v is not None for v in values)
    for (lon, lat, _), value in zip(composite["values"], values, strict=True):
        if value is not None:
            assert -150 <= lon <= -148 and 5 <= lat <= 7


# ----------------------------------------------------------------------------- formats


def test_geojson_csv_and_netcdf_hold_the_same_values(client: TestClient, tmp_path: Path) -> None:
    params = {"bbox": "-12,48,-8,52", "parameter-name": "thetao,so"}
    grid = coverage(client, "glorys", "cube", **params)
    expected = floats(grid["ranges"]["thetao"]["values"])

    geo = client.get(f"{E}/collections/glorys/cube", params={**params, "f": "GeoJSON"})
    assert geo.headers["content-type"] == "application/geo+json"
    features = FeatureCollection.model_validate(geo.json()).features
    assert len(features) == expected.size
    got = floats([f.properties["thetao"] for f in features])  # type: ignore[index]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert features[0].properties["depth"] == pytest.approx(6.0541, abs=1e-3)  # type: ignore[index]

    csv = client.get(f"{E}/collections/glorys/cube", params={**params, "f": "CSV"})
    table = pd.read_csv(io.StringIO(csv.text))
    assert "thetao [degC]" in table.columns and len(table) == expected.size
    np.testing.assert_allclose(table["thetao [degC]"].to_numpy(), expected, rtol=1e-6)

    nc = client.get(
        f"{E}/collections/glorys/cube", headers={"Accept": "application/x-netcdf"}, params=params
    )
    assert nc.headers["content-type"] == "application/x-netcdf"
    path = tmp_path / "cube.nc"
    path.write_bytes(nc.content)
    with xr.open_dataset(path) as data:
        np.testing.assert_allclose(data.thetao.values.ravel(), expected, rtol=1e-6)
        assert data.thetao.attrs["units"] == "degC"


# ----------------------------------------------------------------------------- errors

# Bad parameters: tests/api/test_bad_input.py.


def test_unknown_collection_is_404_listing_the_collections(client: TestClient) -> None:
    for url in ("/edr/collections/argo", "/edr/collections/argo/position?coords=POINT(0 0)"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["valid_values"] == [
            "ersst-v5",
            "giops",
            "glorys",
            "glorys-mesh",
            "wcofs",
        ]


def test_too_much_data_is_413_with_the_limit(client: TestClient) -> None:
    response = client.get(
        f"{E}/collections/ersst-v5/cube", params={"bbox": "-180,-90,180,90", "datetime": "../.."}
    )
    assert response.status_code == 413
    problem = response.json()
    assert problem["limit"] == 2_000_000 and problem["estimate"] > problem["limit"]
    assert "resolution-x" in problem["detail"] and "datetime" in problem["detail"]
    thinned = client.get(
        f"{E}/collections/ersst-v5/cube",
        params={
            "bbox": "-180,-90,180,90",
            "datetime": "2019-01-01/2019-12-31",
            "resolution-x": "45",
            "resolution-y": "45",
        },
    )
    assert thinned.status_code == 200
    # 89 x 180 cells, at most 45 along x: every 4th cell along both axes.
    assert thinned.json()["ranges"]["sst"]["shape"] == [12, 23, 45]


def test_a_shape_holding_no_cell_is_204(client: TestClient) -> None:
    for url in (
        "/edr/collections/glorys/area?coords=POLYGON((100 0,101 0,101 1,100 0))",
        "/edr/collections/ersst-v5/radius?coords=POINT(-139 1)&within=10&within-units=km",
    ):
        response = client.get(url)
        assert response.status_code == 204 and response.content == b""
