"""pygeoapi, as installed, serving the samples through integrations.pygeoapi_edr.

Its answers must be the query engine's (``catalog.query.shapes``, as the service computes them) and
hold the values xarray reads from the sample files for the same cells.
"""

from __future__ import annotations

import io
import json
import math
import os
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import pytest
import shapely
import xarray as xr
import yaml
from pygeoapi.config import validate_config
from pygeoapi.provider.base import ProviderGenericError
from pyproj import Geod

from catalog.formats import write
from catalog.query import QueryResult, shapes
from catalog.store import Catalog
from integrations.pygeoapi_edr import OceanDataEDRProvider
from schemas.catalog import DERIVED_IDS
from schemas.params import parse_datetime, parse_z
from tests.api.test_derived_everywhere import at, teos10
from tests.conftest import sample_entries, write_catalog
from tests.e2e.live import free_port, wait_until_up

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "samples"
BIN = Path(sys.executable).parent  # the virtualenv's scripts: pygeoapi, uvicorn


def to_covjson(result: QueryResult) -> Any:
    """The result as the service's CoverageJSON encoder writes it, parsed."""
    sink = io.BytesIO()
    write(result, "covjson", sink)
    return json.loads(sink.getvalue())


# The pygeoapi configuration (the README shows it); $port and $catalog are filled in.
CONFIG = string.Template("""\
server:
  bind:
    host: 127.0.0.1
    port: $port
  url: http://127.0.0.1:$port
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits:
    default_items: 10
    max_items: 50
  map:
    url: https://tile.openstreetmap.org/{z}/{x}/{y}.png
    attribution: '&copy; OpenStreetMap contributors'
logging:
  level: ERROR
metadata:
  identification:
    title: Ocean Data API samples
    description: The Ocean Data API's sample datasets through pygeoapi
    keywords: [ocean]
    url: http://127.0.0.1:$port
    terms_of_service: https://www.apache.org/licenses/LICENSE-2.0
  license:
    name: Apache-2.0 (the software; each dataset has its own licence)
    url: https://www.apache.org/licenses/LICENSE-2.0
  provider:
    name: Ocean Data API
  contact:
    name: Ocean Data API
resources:
  glorys:
    type: collection
    title: Copernicus GLORYS12 reanalysis, coarsened, North-East Atlantic (2021-06-29)
    description: Temperature, salinity, currents and sea surface height on 6 levels
    keywords: [ocean, temperature, salinity, currents]
    extents:
      spatial:
        bbox: [-17.625, 46.375, 7.709, 70.375]
        crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
      temporal:
        begin: 2021-06-29T00:00:00Z
        end: 2021-06-29T00:00:00Z
    providers:
      - type: edr
        name: integrations.pygeoapi_edr.OceanDataEDRProvider
        data: $catalog
        dataset: glorys
  ersst-v5:
    type: collection
    title: NOAA ERSST v5 global monthly sea surface temperature (2010-01 to 2020-08)
    description: Extended Reconstructed Sea Surface Temperature v5, monthly, 2 degrees
    keywords: [ocean, sea surface temperature]
    extents:
      spatial:
        bbox: [-180, -88, 180, 88]
        crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
      temporal:
        begin: 2010-01-01T00:00:00Z
        end: 2020-08-01T00:00:00Z
    providers:
      - type: edr
        name: integrations.pygeoapi_edr.OceanDataEDRProvider
        data: $catalog
        dataset: ersst-v5
  glorys-capped:
    type: collection
    title: GLORYS with a read limit of 100 values
    description: The glorys dataset with max_values set low, to show the size guard
    keywords: [ocean]
    extents:
      spatial:
        bbox: [-17.625, 46.375, 7.709, 70.375]
    providers:
      - type: edr
        name: integrations.pygeoapi_edr.OceanDataEDRProvider
        data: $catalog
        dataset: glorys
        max_values: 100
""")


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""


@pytest.fixture(scope="module")
def pygeoapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """pygeoapi's Starlette app under uvicorn on loopback, over the bundled catalog."""
    work = tmp_path_factory.mktemp("pygeoapi")
    port = free_port()
    config = work / "pygeoapi-config.yml"
    config.write_text(CONFIG.substitute(port=port, catalog=SAMPLES / "catalog.yaml"))
    openapi = work / "pygeoapi-openapi.yml"
    # No PYTHONPATH, another folder: pygeoapi imports the provider from the installed project.
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        "PYGEOAPI_CONFIG": str(config),
        "PYGEOAPI_OPENAPI": str(openapi),
    }
    generated = subprocess.run(
        [BIN / "pygeoapi", "openapi", "generate", config, "--output-file", openapi],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr[-4000:]
    log = work / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                BIN / "uvicorn",
                "pygeoapi.starlette_app:APP",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(
            f"{base}/collections/glorys",
            lambda: None if process.poll() is None else f"pygeoapi exited:\n{tail(log)}",
            hint=lambda: tail(log),
        )
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    """The same catalog opened in this process, to ask the engine directly."""
    opened = Catalog(SAMPLES / "catalog.yaml")
    yield opened
    opened.close()


def get(base: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{base}{path}", params={"f": "json", **params}, timeout=30)


def covjson(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    assert document["type"] == "Coverage"
    return document


def cells(
    values: list[float | None], expected: np.ndarray, inside: np.ndarray | None = None
) -> None:
    """CoverageJSON values equal xarray's (NaN as null), and null outside ``inside``."""
    want = np.asarray(expected, dtype=np.float64).ravel()
    keep = np.ones(want.shape, bool) if inside is None else np.asarray(inside).ravel()
    assert len(values) == want.size
    for got, value, kept in zip(values, want, keep, strict=True):
        if not kept or not math.isfinite(value):
            assert got is None
        else:
            assert got == float(value)


def test_configuration_is_valid_for_pygeoapi() -> None:
    text = CONFIG.substitute(port=5000, catalog=SAMPLES / "catalog.yaml")
    assert validate_config(yaml.safe_load(text))


def test_collection_lists_the_variables_and_query_types(pygeoapi: str) -> None:
    collection = get(pygeoapi, "/collections/glorys").json()
    names = collection["parameter_names"]
    assert sorted(names) == sorted(["so", "thetao", "uo", "vo", "zos", *DERIVED_IDS])
    assert names["thetao"]["name"] == "Potential temperature"
    assert names["thetao"]["unit"]["symbol"]["value"] == "degC"
    assert sorted(collection["data_queries"]) == [
        "area",
        "cube",
        "position",
        "radius",
        "trajectory",
    ]


def test_position_glorys_is_the_xarray_cell_and_the_engine_answer(
    pygeoapi: str, catalog: Catalog
) -> None:
    document = covjson(
        get(
            pygeoapi,
            "/collections/glorys/position",
            coords="POINT(-10 50)",
            **{"parameter-name": "thetao", "z": "100"},
        )
    )
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        level = int(np.argmin(np.abs(ds["depth"].values - 100)))
        cell = ds["thetao"].isel(depth=level).sel(longitude=-10, latitude=50, method="nearest")
        expected = float(cell.values)
        depth = float(ds["depth"].values[level])
        day = np.datetime_as_string(ds["time"].values, unit="s") + "Z"
    assert math.isfinite(expected)
    assert depth == pytest.approx(91.9214)
    assert document["ranges"]["thetao"]["values"] == [expected]
    assert document["domain"]["axes"]["z"]["values"] == [depth]
    assert document["domain"]["axes"]["t"]["values"] == [day]
    assert list(document["parameters"]) == ["thetao"]
    engine = shapes.position(
        catalog.dataset("glorys"), ["thetao"], -10.0, 50.0, levels=parse_z("100")
    )
    assert document == to_covjson(engine)  # the service's own encoder


def test_position_ersst_is_the_xarray_cell_at_the_asked_month(
    pygeoapi: str, catalog: Catalog
) -> None:
    document = covjson(
        get(
            pygeoapi,
            "/collections/ersst-v5/position",
            coords="POINT(-140 0)",
            datetime="2015-12-01T00:00:00Z",
            **{"parameter-name": "sst"},
        )
    )
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        cell = ds["sst"].sel(time="2015-12-01", lon=220, lat=0)
        expected = float(cell.values)
    assert 25 < expected < 32  # El Niño 2015: a warm equatorial Pacific
    assert document["ranges"]["sst"]["values"] == [expected]
    assert document["domain"]["axes"]["t"]["values"] == ["2015-12-01T00:00:00Z"]
    engine = shapes.position(
        catalog.dataset("ersst-v5"), ["sst"], -140.0, 0.0, parse_datetime("2015-12-01T00:00:00Z")
    )
    assert document == to_covjson(engine)  # the service's own encoder


def test_derived_sigma0_is_listed_and_answers_the_gsw_value(
    pygeoapi: str, catalog: Catalog
) -> None:
    """σ0 (TEOS-10, derived from thetao and so) through pygeoapi: a field with its unit, and a
    position answer equal to gsw at the cell and to the engine's own CoverageJSON."""
    field = get(pygeoapi, "/collections/glorys").json()["parameter_names"]["sigma0"]
    assert field["unit"]["symbol"]["value"] == "kg m-3"
    document = covjson(
        get(
            pygeoapi,
            "/collections/glorys/position",
            coords="POINT(-12 56)",
            **{"parameter-name": "sigma0", "z": "100"},
        )
    )
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        truth = teos10(ds.load())
    axes = document["domain"]["axes"]
    place = axes["x"]["values"][0], axes["y"]["values"][0]
    (expected,) = at(truth, "sigma0", *place, axes["z"]["values"][0])[:, 0]
    assert 27 < expected < 28
    assert document["ranges"]["sigma0"]["values"] == [pytest.approx(expected, rel=1e-9)]
    assert document["parameters"]["sigma0"]["unit"]["symbol"] == "kg m-3"
    engine = shapes.position(
        catalog.dataset("glorys"), ["sigma0"], -12.0, 56.0, levels=parse_z("100")
    )
    assert document == to_covjson(engine)


def test_cube_holds_every_xarray_cell_of_the_box(pygeoapi: str) -> None:
    document = covjson(
        get(
            pygeoapi,
            "/collections/glorys/cube",
            bbox="-12,48,-8,52",
            z="100",
            **{"parameter-name": "thetao"},
        )
    )
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        box = ds["thetao"].sel(depth=100, method="nearest")
        box = box.sel(longitude=slice(-12, -8), latitude=slice(48, 52))
        lons, lats = box["longitude"].values, box["latitude"].values
        expected = box.transpose("latitude", "longitude").values
    assert expected.shape == (6, 6)
    axes = document["domain"]["axes"]
    assert axes["x"]["values"] == [float(v) for v in lons]
    assert axes["y"]["values"] == [float(v) for v in lats]
    thetao = document["ranges"]["thetao"]
    assert thetao["shape"] == [6, 6]
    cells(thetao["values"], expected)


def test_cube_across_the_antimeridian(pygeoapi: str) -> None:
    document = covjson(
        get(
            pygeoapi,
            "/collections/ersst-v5/cube",
            bbox="170,-10,-170,10",
            datetime="2015-12-01T00:00:00Z",
        )
    )
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        month = ds["sst"].sel(time="2015-12-01", lat=slice(10, -10))
        box = month.isel(lon=(month["lon"] >= 170) & (month["lon"] <= 190))
        lats = [float(v) for v in box["lat"].values]
        expected = box.transpose("lat", "lon").values
    assert expected.shape == (11, 11)
    axes = document["domain"]["axes"]
    assert axes["x"]["values"] == [170.0, 172.0, 174.0, 176.0, 178.0, *range(-180, -169, 2)]
    assert axes["y"]["values"] == lats
    cells(document["ranges"]["sst"]["values"], expected)


def test_area_keeps_only_the_cells_inside_the_polygon(pygeoapi: str) -> None:
    triangle = "POLYGON((-12 48, -8 48, -12 52, -12 48))"
    document = covjson(
        get(
            pygeoapi,
            "/collections/glorys/area",
            coords=triangle,
            z="100",
            **{"parameter-name": "thetao"},
        )
    )
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        box = ds["thetao"].sel(depth=100, method="nearest")
        box = box.sel(longitude=slice(-12, -8), latitude=slice(48, 52))
        lon, lat = np.meshgrid(box["longitude"].values, box["latitude"].values)
        inside = shapely.intersects_xy(shapely.from_wkt(triangle), lon, lat)
        expected = box.transpose("latitude", "longitude").values
    assert 0 < inside.sum() < inside.size
    values = document["ranges"]["thetao"]["values"]
    cells(values, expected, inside)
    assert sum(v is not None for v in values) == int((inside & np.isfinite(expected)).sum())


def test_radius_keeps_the_cells_within_the_distance(pygeoapi: str) -> None:
    document = covjson(
        get(
            pygeoapi,
            "/collections/glorys/radius",
            coords="POINT(-10 50)",
            within="100",
            **{"within-units": "km", "parameter-name": "zos"},
        )
    )
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        lon, lat = np.meshgrid(ds["longitude"].values, ds["latitude"].values)
        _, _, metres = Geod(ellps="WGS84").inv(
            np.full(lon.shape, -10.0), np.full(lat.shape, 50.0), lon, lat
        )
        near = (metres <= 100_000) & np.isfinite(ds["zos"].values)
        expected = sorted(float(v) for v in ds["zos"].values[near])
    got = sorted(v for v in document["ranges"]["zos"]["values"] if v is not None)
    assert len(got) == int(near.sum()) > 4
    assert got == expected


def test_trajectory_starts_at_the_first_vertex(pygeoapi: str) -> None:
    document = covjson(
        get(
            pygeoapi,
            "/collections/glorys/trajectory",
            coords="LINESTRING(-15 50, -5 50)",
            **{"parameter-name": "zos"},
        )
    )
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        first = float(ds["zos"].sel(longitude=-15, latitude=50, method="nearest").values)
    values = document["ranges"]["zos"]["values"]
    assert len(values) == shapes.TRAJECTORY_SAMPLES
    assert values[0] == first


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("glorys/position", {"coords": "POINT(-10 50)", "parameter-name": "nope"}, 400, None),
        (
            "glorys/position",
            {"coords": "POINT(-10 50)", "parameter-name": "thetao,nope"},
            400,
            "no variable or vector pair 'nope'",
        ),
        ("glorys/position", {"coords": "POINT(-10 50)", "z": "deep"}, 400, "'z'"),
        ("glorys/position", {"coords": "POINT(100 0)"}, 400, "outside the grid's footprint"),
        ("glorys/position", {"coords": "POLYGON((0 0, 1 0, 1 1, 0 0))"}, 400, "'coords'"),
        ("glorys/position", {"coords": "POINT(-10"}, 400, None),
        ("glorys/position", {"coords": "POINT(-10 50)", "f": "csv"}, 400, "'f'"),
        ("ersst-v5/position", {"coords": "POINT(0 0)", "datetime": "2030-01-01"}, 400, None),
        ("glorys/cube", {}, 400, None),
        ("glorys/cube", {"bbox": "-12,48,0,-8,52,100", "z": "5"}, 400, "z"),
        ("glorys-capped/cube", {"bbox": "-12,48,-8,52"}, 413, "the limit is 100"),
        ("glorys/radius", {"coords": "POINT(-10 50)", "within": "far"}, 400, "'within'"),
        ("glorys/corridor", {"coords": "LINESTRING(-15 50, -5 50)"}, 400, None),
    ],
)
def test_bad_input_is_a_client_error(
    pygeoapi: str, path: str, params: dict[str, str], status: int, message: str | None
) -> None:
    response = get(pygeoapi, f"/collections/{path}", **params)
    assert response.status_code == status, response.text
    if message is not None:
        assert message in response.json()["description"]


def test_a_box_between_cell_centres_is_no_content(pygeoapi: str) -> None:
    response = get(pygeoapi, "/collections/glorys/cube", bbox="-10.2,50.0,-10.0,50.2")
    assert response.status_code == 204


def test_an_unreadable_dataset_is_unavailable_not_an_error(tmp_path: Path) -> None:
    entries = sample_entries()[1:2]
    entries[0]["source"]["path"] = str(tmp_path / "missing.nc")
    provider = OceanDataEDRProvider(
        {
            "type": "edr",
            "name": "integrations.pygeoapi_edr.OceanDataEDRProvider",
            "data": str(write_catalog(tmp_path, entries)),
            "dataset": "glorys",
        }
    )
    assert provider.get_fields() == {}
    with pytest.raises(ProviderGenericError) as raised:
        provider.query(query_type="position", wkt=shapely.Point(-10, 50), format_="json")
    assert raised.value.http_status_code == 503
    assert "Dataset 'glorys' is unavailable" in raised.value.message
