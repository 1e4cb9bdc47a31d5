"""Data answers say which cell, depth and time they used: every row of a point, time series,
profile or transect carries the grid cell's position (``cell_longitude``/``cell_latitude``),
the level used (``depth``) and the step used (``time``) beside the position asked for; NetCDF
keeps a single level as a scalar depth coordinate; EDR ``position`` is placed at the cell; and
``time=`` picks the step whose period holds the instant on monthly axes.

Every expected number is computed here from the sample file opened with xarray, not by the
service's code: the nearest cell by xarray's ``sel(method="nearest")`` on the regular grid, by
the smallest great-circle distance over the 2-D coordinates of a curvilinear grid or over a
mesh's nodes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from matplotlib.text import Text

from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.types import map as map_type
from tests.conftest import SAMPLES

D = "/api/v1/datasets"


@pytest.fixture(scope="module")
def ersst() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        yield ds


@pytest.fixture(scope="module")
def glorys() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        yield ds


def csv(client: TestClient, url: str, **params: Any) -> pd.DataFrame:
    response = client.get(url, params={**params, "f": "csv"})
    assert response.status_code == 200, response.text
    table = pd.read_csv(io.StringIO(response.text))
    table.columns = [c.split(" [")[0] for c in table.columns]
    return table


def wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def great_circle_argmin(lon: np.ndarray, lat: np.ndarray, x: float, y: float) -> Any:
    """Index of the coordinate nearest to (x, y) on the sphere (haversine), any shape."""
    phi, phi0 = np.radians(lat), np.radians(y)
    dphi, dlam = phi - phi0, np.radians(lon - x)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi) * np.cos(phi0) * np.sin(dlam / 2) ** 2
    h = np.where(np.isfinite(h), h, np.inf)
    return np.unravel_index(int(np.argmin(h)), np.shape(lon))


# ----------------------------------------------------------------------------- the cell


def test_ersst_point_rows_carry_xarrays_nearest_cell(client: TestClient, ersst: xr.Dataset) -> None:
    lon, lat = -140.3, 0.7
    cell = ersst.sst.sel(lat=lat, lon=lon % 360, method="nearest").sel(time="2015-06-01")
    table = csv(client, f"{D}/ersst-v5/data/point", lon=lon, lat=lat, time="2015-06-01")
    (row,) = table.to_dict("records")
    assert (row["longitude"], row["latitude"]) == (lon, lat)  # the position asked for
    assert row["cell_longitude"] == pytest.approx(wrap(float(cell.lon)))
    assert row["cell_latitude"] == pytest.approx(float(cell.lat))
    assert row["cell_longitude"] != lon and row["cell_latitude"] != lat
    assert row["sst"] == pytest.approx(float(cell))
    assert row["time"] == "2015-06-01T00:00:00Z"

    body = client.get(
        f"{D}/ersst-v5/data/point", params={"lon": lon, "lat": lat, "time": "2015-06-01"}
    ).json()
    coords = body["coords"]
    assert coords["cell_longitude"]["values"] == pytest.approx(wrap(float(cell.lon)))
    assert coords["cell_latitude"]["values"] == pytest.approx(float(cell.lat))
    assert coords["cell_longitude"]["units"] == "degrees_east"
    assert coords["longitude"]["values"] == lon


def test_linear_rows_carry_the_point_interpolated_to(client: TestClient) -> None:
    table = csv(client, f"{D}/ersst-v5/data/point", lon=-140.3, lat=0.7, interp="linear")
    (row,) = table.to_dict("records")
    assert (row["cell_longitude"], row["cell_latitude"]) == (-140.3, 0.7)


def test_timeseries_rows_carry_the_cell(client: TestClient, ersst: xr.Dataset) -> None:
    lon, lat = 160.9, -20.2
    cell = ersst.sst.sel(lat=lat, lon=lon, method="nearest").sel(time=slice("2015-01", "2015-04"))
    table = csv(
        client,
        f"{D}/ersst-v5/data/timeseries",
        lon=lon,
        lat=lat,
        start="2015-01-01",
        end="2015-04-01",
    )
    assert len(table) == 4
    assert (table["cell_longitude"] == float(cell.lon)).all()
    assert (table["cell_latitude"] == float(cell.lat)).all()
    np.testing.assert_allclose(table["sst"], cell.values)


@pytest.mark.parametrize(
    ("dataset", "variable", "lon", "lat", "file", "lon_name", "lat_name"),
    [
        ("giops", "votemper", -150.37, 10.21, "nemo_test.nc", "nav_lon", "nav_lat"),
        ("wcofs", "u_sur", -124.53, 44.47, "WCOFS_subset.nc", "lon_u", "lat_u"),
    ],
)
def test_curvilinear_rows_carry_the_cell_nearest_on_the_sphere(
    client: TestClient,
    dataset: str,
    variable: str,
    lon: float,
    lat: float,
    file: str,
    lon_name: str,
    lat_name: str,
) -> None:
    with xr.open_dataset(SAMPLES / file) as raw:
        lons, lats = raw[lon_name].values, raw[lat_name].values
        j, i = great_circle_argmin(lons, lats, lon, lat)
        da = raw[variable]
        expected = da.isel({da.dims[-2]: j, da.dims[-1]: i}).isel({da.dims[0]: -1})
        if expected.ndim:  # GIOPS: the surface level
            expected = expected.isel({expected.dims[0]: 0})
        value = float(expected)
    table = csv(client, f"{D}/{dataset}/data/point", lon=lon, lat=lat, variables=variable)
    (row,) = table.to_dict("records")
    assert row["cell_longitude"] == pytest.approx(float(lons[j, i]))
    assert row["cell_latitude"] == pytest.approx(float(lats[j, i]))
    assert row[variable] == pytest.approx(value, rel=1e-6)


def test_mesh_rows_carry_the_nearest_node(client: TestClient) -> None:
    lon, lat = -7.3, 52.9
    with xr.open_dataset(SAMPLES / "glorys_mesh.nc") as raw:
        topology = next(v for v in raw.variables.values() if v.attrs.get("cf_role"))
        x_name, y_name = topology.attrs["node_coordinates"].split()
        x, y = raw[x_name].values, raw[y_name].values
        if "lat" in x_name:
            x, y = y, x
        (k,) = great_circle_argmin(x, y, lon, lat)
        value = float(raw.thetao.isel({raw.thetao.dims[-1]: k}).isel({raw.thetao.dims[0]: 0}))
    table = csv(client, f"{D}/glorys-mesh/data/point", lon=lon, lat=lat, variables="thetao")
    (row,) = table.to_dict("records")
    assert row["cell_longitude"] == pytest.approx(float(x[k]))
    assert row["cell_latitude"] == pytest.approx(float(y[k]))
    assert row["thetao"] == pytest.approx(value)


def test_variables_on_different_cells_each_say_their_own(client: TestClient) -> None:
    """WCOFS u and v live on different points of the C-grid: each column names its variable."""
    table = csv(client, f"{D}/wcofs/data/point", lon=-124.5, lat=44.5, variables="u_sur,v_sur")
    (row,) = table.to_dict("records")
    assert "cell_longitude" not in row
    with xr.open_dataset(SAMPLES / "WCOFS_subset.nc") as raw:
        for name, suffix in (("u_sur", "u"), ("v_sur", "v")):
            lons, lats = raw[f"lon_{suffix}"].values, raw[f"lat_{suffix}"].values
            j, i = great_circle_argmin(lons, lats, -124.5, 44.5)
            assert row[f"{name}_cell_longitude"] == pytest.approx(float(lons[j, i]))
            assert row[f"{name}_cell_latitude"] == pytest.approx(float(lats[j, i]))


# ----------------------------------------------------------------------------- the depth


def deepest_wet(column: xr.DataArray) -> float:
    return float(column.dropna("depth").depth.max())


def test_bottom_csv_carries_the_depth_of_the_bottom_level(
    client: TestClient, glorys: xr.Dataset
) -> None:
    lon, lat = -10.0, 55.0
    column = glorys.thetao.sel(longitude=lon, latitude=lat, method="nearest")
    bottom = deepest_wet(column)
    assert bottom < float(glorys.depth.max())  # not simply the last level
    table = csv(
        client, f"{D}/glorys/data/point", lon=lon, lat=lat, variables="thetao", depth="bottom"
    )
    (row,) = table.to_dict("records")
    assert row["depth"] == pytest.approx(bottom)
    assert row["thetao"] == pytest.approx(float(column.sel(depth=bottom)))


def test_bottom_transect_rows_carry_each_cells_bottom(
    client: TestClient, glorys: xr.Dataset
) -> None:
    table = csv(
        client,
        f"{D}/glorys/data/transect",
        path="-12,50;-4,58",
        n=12,
        variables="thetao",
        depth="bottom",
    )
    bottoms = set()
    for row in table.to_dict("records"):
        column = glorys.thetao.sel(
            longitude=row["cell_longitude"], latitude=row["cell_latitude"], method="nearest"
        )
        assert float(column.longitude) == pytest.approx(row["cell_longitude"])
        if column.notnull().any():
            assert row["depth"] == pytest.approx(deepest_wet(column))
            bottoms.add(row["depth"])
    assert len(bottoms) > 1  # a row's own depth, not one for the whole answer


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("point", {"lon": -10, "lat": 55}),
        ("area", {"bbox": "-10,55,-8,57"}),
        ("transect", {"path": "-10,55;-8,57", "n": 5}),
    ],
)
def test_single_level_netcdf_keeps_the_depth_coordinate(
    client: TestClient, glorys: xr.Dataset, tmp_path: Path, query: str, params: dict[str, Any]
) -> None:
    level = float(glorys.depth.sel(depth=100, method="nearest"))
    response = client.get(
        f"{D}/glorys/data/{query}",
        params={**params, "variables": "thetao", "depth": 100, "f": "nc"},
    )
    assert response.status_code == 200, response.text
    (tmp_path / "answer.nc").write_bytes(response.content)
    with xr.open_dataset(tmp_path / "answer.nc") as answer:
        depth = answer["depth"]
        assert "depth" in answer.coords and depth.ndim == 0
        assert float(depth) == pytest.approx(level)
        assert depth.attrs["units"] == "m"
        assert depth.attrs["positive"] == "down"
        assert depth.attrs["standard_name"] == "depth"
    table = csv(client, f"{D}/glorys/data/{query}", **params, variables="thetao", depth=100)
    np.testing.assert_allclose(table["depth"], level)


# ----------------------------------------------------------------------------- EDR


def test_edr_position_is_placed_at_the_cell(client: TestClient, glorys: xr.Dataset) -> None:
    lon, lat = -10.2, 50.1
    cell = glorys.thetao.isel(depth=0).sel(longitude=lon, latitude=lat, method="nearest")
    url = "/edr/collections/glorys/position"
    params = {"coords": f"POINT({lon} {lat})", "parameter-name": "thetao"}
    body = client.get(url, params=params).json()
    axes = body["domain"]["axes"]
    assert axes["x"]["values"] == pytest.approx([float(cell.longitude)])
    assert axes["y"]["values"] == pytest.approx([float(cell.latitude)])
    assert axes["z"]["values"] == pytest.approx([float(glorys.depth[0])])
    assert body["ranges"]["thetao"]["values"] == pytest.approx([float(cell)])

    geo = client.get(url, params={**params, "f": "GeoJSON"}).json()
    (feature,) = geo["features"]
    assert feature["geometry"]["coordinates"] == pytest.approx(
        [float(cell.longitude), float(cell.latitude)]
    )
    assert (feature["properties"]["longitude"], feature["properties"]["latitude"]) == (lon, lat)
    table = pd.read_csv(io.StringIO(client.get(url, params={**params, "f": "CSV"}).text))
    assert table["cell_longitude [degrees_east]"].tolist() == pytest.approx([float(cell.longitude)])


# ----------------------------------------------------------------------------- the time


@pytest.mark.parametrize(
    ("instant", "month"),
    [
        ("2015-12-20", "2015-12-01"),
        ("2015-12-31T23:00:00Z", "2015-12-01"),
        ("2016-01-01", "2016-01-01"),
        ("2015-12-01", "2015-12-01"),
        ("2020-08-25", "2020-08-01"),  # the last month holds its whole month
    ],
)
def test_time_picks_the_month_holding_the_instant(
    client: TestClient, ersst: xr.Dataset, instant: str, month: str
) -> None:
    lon, lat = -140.3, 0.7
    expected = float(ersst.sst.sel(lat=lat, lon=lon % 360, method="nearest").sel(time=month))
    table = csv(client, f"{D}/ersst-v5/data/point", lon=lon, lat=lat, time=instant)
    (row,) = table.to_dict("records")
    assert row["time"] == f"{month}T00:00:00Z"
    assert row["sst"] == pytest.approx(expected)

    url = f"/edr/collections/ersst-v5/position?coords=POINT({lon} {lat})&datetime={instant}"
    body = client.get(url).json()
    assert body["domain"]["axes"]["t"]["values"] == [f"{month}T00:00:00Z"]
    assert body["ranges"]["sst"]["values"] == pytest.approx([expected])


def test_time_outside_every_month_is_a_400_naming_the_coverage(client: TestClient) -> None:
    for instant in ("2009-12-20", "2020-09-01"):
        response = client.get(
            f"{D}/ersst-v5/data/point", params={"lon": 0, "lat": 0, "time": instant}
        )
        assert response.status_code == 400
        (problem,) = response.json()["invalid_params"]
        assert problem["name"] == "time"
        assert "2010-01-01T00:00:00Z/2020-09-01T00:00:00Z" in problem["reason"]


def test_mid_month_stamps_stand_for_their_calendar_month(client: TestClient) -> None:
    """GIOPS stamps its monthly means on 2014-05-17 and 2014-06-16T12: the first hours of June
    are June's, although the May stamp is nearer."""
    params = {"lon": -150, "lat": 10, "f": "csv"}
    early_june = client.get(f"{D}/giops/data/point", params={**params, "time": "2014-06-01T03:00"})
    assert "2014-06-16T12:00:00Z" in early_june.text
    late_may = client.get(f"{D}/giops/data/point", params={**params, "time": "2014-05-31T23:00"})
    assert "2014-05-17T00:00:00Z" in late_may.text


def test_hourly_steps_keep_the_nearest(client: TestClient) -> None:
    params = {"lon": -124.5, "lat": 44.5, "variables": "u_sur"}
    for instant, step in (("2024-10-17T02:20", "02:00"), ("2024-10-17T02:40", "03:00")):
        body = client.get(f"{D}/wcofs/data/point", params={**params, "time": instant}).json()
        assert body["coords"]["time"]["values"] == f"2024-10-17T{step}:00Z"


def test_map_draws_the_month_holding_the_instant(ersst: xr.Dataset) -> None:
    catalog = Catalog(SAMPLES / "catalog.yaml")
    params = map_type.MapParams(bbox="-150,-5,-130,5", time="2015-12-20")
    with catalog.reading("ersst-v5") as opened:
        fig = map_type.render(RenderContext(opened, 2_000_000), params)
    texts = " ".join(t.get_text() for t in fig.findobj(Text))
    assert "2015-12" in texts and "2016-01" not in texts


def test_linear_falling_back_to_one_cell_carries_that_cell(client: TestClient) -> None:
    """On a mesh's faces linear is the face holding the point: the row is that face's."""
    from matplotlib.tri import Triangulation

    lon, lat = -12.3, 50.4
    with xr.open_dataset(SAMPLES / "glorys_mesh.nc") as raw:
        topology = next(v for v in raw.variables.values() if v.attrs.get("cf_role"))
        nodes = [raw[n] for n in topology.attrs["node_coordinates"].split()]
        faces = [raw[n] for n in topology.attrs["face_coordinates"].split()]
        node_lon, node_lat = sorted(nodes, key=lambda c: c.attrs["units"] != "degrees_east")
        face_lon, face_lat = sorted(faces, key=lambda c: c.attrs["units"] != "degrees_east")
        connectivity = raw[topology.attrs["face_node_connectivity"]]
        triangles = connectivity.values - int(connectivity.attrs.get("start_index", 0))
        mesh = Triangulation(node_lon.values, node_lat.values, triangles)
        face = int(mesh.get_trifinder()(lon, lat))
        assert face >= 0
    table = csv(
        client, f"{D}/glorys-mesh/data/point", lon=lon, lat=lat, variables="sst", interp="linear"
    )
    (row,) = table.to_dict("records")
    assert row["cell_longitude"] == pytest.approx(float(face_lon[face]))
    assert row["cell_latitude"] == pytest.approx(float(face_lat[face]))


def test_variables_on_different_steps_each_say_their_own(client: TestClient) -> None:
    """On the mesh, SST (faces, monthly) beside temperature (nodes, one day)."""
    with xr.open_dataset(SAMPLES / "glorys_mesh.nc") as raw:
        last = pd.Timestamp(raw.time.values[-1]).strftime("%Y-%m-%dT%H:%M:%SZ")
    table = csv(client, f"{D}/glorys-mesh/data/point", lon=-7.3, lat=52.9, variables="thetao,sst")
    (row,) = table.to_dict("records")
    assert row["sst_time"] == last
    assert "time" not in row and "thetao_time" not in row  # the nodes' data have no time
    assert row["thetao_cell_longitude"] != row["sst_cell_longitude"]


def test_edr_position_on_different_cells_is_placed_where_asked(client: TestClient) -> None:
    params = {"coords": "POINT(-124.5 44.5)", "parameter-name": "u_sur,v_sur"}
    body = client.get("/edr/collections/wcofs/position", params=params).json()
    assert body["domain"]["axes"]["x"]["values"] == [-124.5]
    assert body["domain"]["axes"]["y"]["values"] == [44.5]


def test_time_ranges_take_the_steps_stamped_within(client: TestClient) -> None:
    table = csv(
        client,
        f"{D}/ersst-v5/data/timeseries",
        lon=-140,
        lat=0,
        start="2015-12-20",
        end="2016-02-15",
    )
    assert table["time"].tolist() == ["2016-01-01T00:00:00Z", "2016-02-01T00:00:00Z"]
