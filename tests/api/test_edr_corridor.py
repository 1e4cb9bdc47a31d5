"""EDR trajectory and corridor over the Argo sample: the profiles within a corridor of a path,
ordered along it, as an independent computation finds them (the path densified with pyproj's
``Geod.npts`` for geodesics, straight in Mercator for rhumb lines; each profile's distance
measured with shapely in an azimuthal equidistant projection centred on it), on the sample and
on a copy moved across 180°; their values the file's; bad input 4xx naming the parameter."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from fastapi.testclient import TestClient
from pyproj import Geod, Proj, Transformer

from tests.api.test_edr_observations import C, expected, get, ids_of, numbers, table
from tests.conftest import SAMPLES, sample_entries, sample_entry, write_catalog

GEOD = Geod(ellps="WGS84")
MERCATOR = Proj(proj="merc", ellps="WGS84", over=True)  # longitudes past 180° kept


@pytest.fixture(scope="module")
def argo() -> xr.Dataset:
    with xr.open_dataset(SAMPLES / "5900865_prof.nc") as ds:
        return ds.load()


def dense(vertices: list[tuple[float, float]], path_type: str) -> np.ndarray:
    """(lon, lat) points along the path, about 200 m apart: geodesic legs by Geod.npts, rhumb
    legs as straight lines in Mercator (longitudes unwrapped: a leg crosses 180° the short
    way)."""
    points: list[tuple[float, float]] = [vertices[0]]
    for (x1, y1), (x2, y2) in itertools.pairwise(vertices):
        x2 = x1 + (x2 - x1 + 180.0) % 360.0 - 180.0
        _, _, metres = GEOD.inv(x1, y1, x2, y2)
        n = int(metres // 200) + 1
        if path_type == "geodesic":
            points += [tuple(p) for p in GEOD.npts(x1, y1, x2, y2, n)]
        else:
            (mx1, mx2), (my1, my2) = MERCATOR([x1, x2], [y1, y2])
            share = np.arange(1, n + 1) / (n + 1)
            lon, lat = MERCATOR(mx1 + share * (mx2 - mx1), my1 + share * (my2 - my1), inverse=True)
            points += list(zip(lon, lat, strict=True))
        points.append((x2, y2))
    return np.array(points)


def nearest(path: np.ndarray, lon: float, lat: float) -> tuple[float, float]:
    """The distance (m) from the position to the path, with shapely in an azimuthal
    equidistant projection centred on the position, and the distance along the path (m) of its
    nearest point."""
    to_local = Transformer.from_proj(
        Proj("EPSG:4326"), Proj(proj="aeqd", lon_0=lon, lat_0=lat, ellps="WGS84"), always_xy=True
    )
    x, y = to_local.transform(path[:, 0], path[:, 1])
    line = shapely.LineString(np.column_stack([x, y]))
    origin = shapely.Point(0.0, 0.0)
    projected = line.project(origin)
    foot = line.interpolate(projected)
    stretch = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    i = min(int(np.searchsorted(stretch, projected, side="right")) - 1, len(path) - 2)
    foot_lon, foot_lat = to_local.transform(foot.x, foot.y, direction="INVERSE")
    _, _, steps = GEOD.inv(path[:-1, 0], path[:-1, 1], path[1:, 0], path[1:, 1])
    _, _, beyond = GEOD.inv(path[i, 0], path[i, 1], foot_lon, foot_lat)
    return float(line.distance(origin)), float(np.sum(steps[:i]) + beyond)


def along_path(
    files: pd.DataFrame, vertices: list[tuple[float, float]], path_type: str
) -> pd.DataFrame:
    """The profiles' distance from the path and along it, computed independently."""
    path = dense(vertices, path_type)
    found = [nearest(path, lon, lat) for lon, lat in zip(files.lon, files.lat, strict=True)]
    distance, along = (np.array(v) for v in zip(*found, strict=True))
    return files.assign(distance=distance, along=along)


def wkt(vertices: list[tuple[float, float]], times: list[float] | None = None) -> str:
    if times is None:
        return "LINESTRING(" + ",".join(f"{x} {y}" for x, y in vertices) + ")"
    pairs = zip(vertices, times, strict=True)
    return "LINESTRINGM(" + ",".join(f"{x} {y} {t:.0f}" for (x, y), t in pairs) + ")"


def inside(measured: pd.DataFrame, half_width: float) -> list[str]:
    """The profile ids within the half-width, along the path; none too near the edge to tell."""
    margin = np.abs(measured.distance - half_width)
    assert margin.min() > 50, "a profile lies on the corridor's edge: choose another width"
    kept = measured[measured.distance <= half_width].sort_values(["along", "time"], kind="stable")
    return list(kept.profile_id)


def in_order(got: list[str], want: list[str], measured: pd.DataFrame) -> None:
    """The same profiles, in the order along the path: each no nearer its start than the one
    before (to 20 m: the two computations' feet differ by metres), and by time where they are
    nearest the same point (the outside of a turn)."""
    assert sorted(got) == sorted(want)
    at = measured.set_index("profile_id").loc[got]
    steps = np.diff(at.along.to_numpy())
    assert (steps >= -20).all()
    tied = np.abs(steps) <= 20
    assert (at.time.diff().dt.total_seconds().to_numpy()[1:][tied] >= 0).all()


PATH = [(106.0, -9.0), (110.0, -11.5), (114.0, -10.0), (116.0, -13.0)]


@pytest.mark.parametrize(
    ("query", "params", "half_width", "path_type"),
    [
        ("trajectory", {}, 25_000, "rhumb"),  # the default corridor: 50 km wide
        ("trajectory", {"corridor-width": "60", "width-units": "nmi"}, 30 * 1852, "geodesic"),
        ("corridor", {"corridor-width": "130", "width-units": "km"}, 65_000, "rhumb"),
        ("corridor", {"corridor-width": "90000", "width-units": "m"}, 45_000, "geodesic"),
    ],
)
def test_the_profiles_within_the_corridor_along_the_path(
    client: TestClient,
    argo: xr.Dataset,
    query: str,
    params: dict[str, str],
    half_width: float,
    path_type: str,
) -> None:
    measured = along_path(table(argo), PATH, path_type)
    want = inside(measured, half_width)
    assert 3 <= len(want) < 80
    body = get(
        client, f"{C}/{query}", coords=wkt(PATH), path_type=path_type, z="0/30", **params
    ).json()
    assert body["type"] == "CoverageCollection" and body["domainType"] == "VerticalProfile"
    in_order(ids_of(body), want, measured)
    rows = measured.set_index("profile_id").loc[ids_of(body), "row"]
    for coverage, row in zip(body["coverages"], rows, strict=True):
        levels = expected(argo, int(row))
        shallow = levels["depth"] <= 30
        axes = coverage["domain"]["axes"]
        assert axes["x"]["values"] == [pytest.approx(float(argo.LONGITUDE.values[row]))]
        np.testing.assert_allclose(axes["z"]["values"], levels["depth"][shallow], rtol=1e-12)
        for name in ("temperature", "salinity", "pressure"):
            got = numbers(coverage["ranges"][name]["values"])
            np.testing.assert_allclose(got, levels[name][shallow], rtol=1e-12)


def test_geojson_and_csv_answer_the_same_profiles_in_the_same_order(
    client: TestClient, argo: xr.Dataset
) -> None:
    params = {"coords": wkt(PATH), "corridor-width": "130", "width-units": "km"}
    covjson = ids_of(get(client, f"{C}/corridor", **params).json())
    geojson = get(client, f"{C}/corridor", f="GeoJSON", z="10", **params)
    assert geojson.headers["content-type"] == "application/geo+json"
    assert [f["id"] for f in geojson.json()["features"]] == covjson
    csv = get(client, f"{C}/corridor", f="CSV", z="10", **params).text.splitlines()
    assert [line.split(",")[0] for line in csv[1:]] == covjson  # one level each


def test_a_path_with_times_keeps_the_profiles_within_a_day_of_its_time(
    client: TestClient, argo: xr.Dataset
) -> None:
    """A path through eight of the float's positions at their times (LINESTRINGM): each of the
    eight is kept, and any other only where the path's time at its nearest point (interpolated
    in distance) is within a day of its own."""
    files = table(argo)
    through = files.iloc[20:28]
    vertices = list(zip(through.lon, through.lat, strict=True))
    seconds = (through.time - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    measured = along_path(files, vertices, "rhumb")
    path = dense(vertices, "rhumb")
    at_vertices = [nearest(path, x, y)[1] for x, y in vertices]
    path_time = np.interp(measured.along, at_vertices, seconds)
    own = (measured.time - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
    timely = measured[np.abs(own - path_time) <= 86_400]
    want = inside(timely, 40_000)
    assert set(through.profile_id) <= set(want)
    everywhere = inside(measured, 40_000)
    assert len(everywhere) > len(want)  # the times leave some out
    params = {"corridor-width": "80", "width-units": "km", "z": "10"}
    body = get(client, f"{C}/corridor", coords=wkt(vertices, list(seconds)), **params).json()
    in_order(ids_of(body), want, measured)
    plain = get(client, f"{C}/corridor", coords=wkt(vertices), **params).json()
    in_order(ids_of(plain), everywhere, measured)


def test_corridor_height_keeps_the_levels_near_the_surface(
    client: TestClient, argo: xr.Dataset
) -> None:
    params = {"coords": wkt(PATH), "corridor-width": "130", "width-units": "km"}
    body = get(
        client, f"{C}/corridor", **params, **{"corridor-height": "0.1", "height-units": "km"}
    )
    for coverage in body.json()["coverages"]:
        depths = coverage["domain"]["axes"]["z"]["values"]
        assert depths and max(depths) <= 50
    ranged = get(client, f"{C}/corridor", z="0/50", **params).json()
    assert body.json()["coverages"] == ranged["coverages"]


def test_a_path_across_the_antimeridian(
    tmp_path: Path, make_client: Callable[..., TestClient], argo: xr.Dataset
) -> None:
    """The sample moved to 180°: a path from 178°E to 177°W (crossing 180° the short way, as
    written or unwrapped to 183°) finds the profiles on both sides."""
    target = tmp_path / "moved_prof.nc"
    shutil.copy(SAMPLES / "5900865_prof.nc", target)
    with netCDF4.Dataset(target, "r+") as nc:
        lon = nc["LONGITUDE"][:].astype(float)
        moved = (lon - lon.mean() + 180.0 + 180.0) % 360.0 - 180.0
        nc["LONGITUDE"][:] = moved
    entry = {
        **{k: v for k, v in sample_entry("argo-5900865").items() if k != "source"},
        "source": {"argo": "moved_prof.nc"},
    }
    shutil.copy(SAMPLES / "sst.mnmean.nc", tmp_path / "sst.mnmean.nc")
    client = make_client(write_catalog(tmp_path, [sample_entries()[0], entry]))
    files = table(argo)
    files["lon"] = moved[files["row"]]
    path = [(176.0, -10.0), (179.0, -12.5), (-177.0, -11.0)]
    for path_type in ("rhumb", "geodesic"):
        measured = along_path(files, path, path_type)
        want = inside(measured, 60_000)
        kept = files.set_index("profile_id").loc[want]
        assert (kept.lon > 0).any() and (kept.lon < 0).any()
        for written in (path, [(176.0, -10.0), (179.0, -12.5), (183.0, -11.0)]):
            body = get(
                client,
                f"{C}/corridor",
                coords=wkt(written),
                path_type=path_type,
                z="10",
                **{"corridor-width": "120", "width-units": "km"},
            ).json()
            in_order(ids_of(body), want, measured)


def test_nothing_in_the_corridor_is_204(client: TestClient) -> None:
    response = client.get(f"{C}/trajectory", params={"coords": "LINESTRING(0 0,1 1)"})
    assert response.status_code == 204


# ----------------------------------------------------------------------------- bad input

LINE = "LINESTRING(106 -9,116 -13)"


@pytest.mark.parametrize(
    ("url", "params", "name"),
    [
        (f"{C}/trajectory", {"coords": "LINESTRING(106 -9)"}, "coords"),
        (f"{C}/trajectory", {"coords": "POLYGON((0 0,1 0,1 1,0 0))"}, "coords"),
        (f"{C}/corridor", {"coords": "LINESTRING(106 -9,116", "corridor-width": "1"}, "coords"),
        (f"{C}/trajectory", {"coords": LINE, "corridor-width": "10"}, "width-units"),
        (f"{C}/trajectory", {"coords": LINE, "width-units": "km"}, "corridor-width"),
        (f"{C}/corridor", {"coords": LINE, "width-units": "km"}, "corridor-width"),
        (f"{C}/corridor", {"coords": LINE, "corridor-width": "10"}, "width-units"),
        (
            f"{C}/corridor",
            {"coords": LINE, "corridor-width": "-5", "width-units": "km"},
            "corridor-width",
        ),
        (
            f"{C}/corridor",
            {"coords": LINE, "corridor-width": "0", "width-units": "km"},
            "corridor-width",
        ),
        (
            f"{C}/corridor",
            {"coords": LINE, "corridor-width": "5", "width-units": "furlong"},
            "width-units",
        ),
        (
            f"{C}/corridor",
            {"coords": LINE, "corridor-width": "5", "width-units": "km", "corridor-height": "9"},
            "height-units",
        ),
        (
            f"{C}/corridor",
            {"coords": LINE, "corridor-width": "5", "width-units": "km", "height-units": "m"},
            "corridor-height",
        ),
        (
            f"{C}/corridor",
            {
                "coords": LINE,
                "corridor-width": "5",
                "width-units": "km",
                "corridor-height": "9",
                "height-units": "m",
                "z": "10",
            },
            "corridor-height",
        ),
        (
            f"{C}/trajectory",
            {"coords": "LINESTRINGM(106 -9 1136073600,116 -13 1136000000)"},
            "coords",
        ),
        (
            f"{C}/trajectory",
            {
                "coords": "LINESTRINGM(106 -9 1136073600,116 -13 1136160000)",
                "datetime": "2006-01-01T00:00:00Z",
            },
            "datetime",
        ),
        (f"{C}/trajectory", {"coords": "LINESTRINGZ(106 -9 5,116 -13 5)"}, "coords"),
        (
            "/edr/collections/glorys/corridor",
            {"coords": LINE, "corridor-width": "5"},
            "collectionId",
        ),
        (
            "/edr/collections/glorys/trajectory",
            {"coords": "LINESTRING(-15 48,5 62)", "corridor-width": "5", "width-units": "km"},
            "corridor-width",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(
    client: TestClient, url: str, params: dict[str, Any], name: str
) -> None:
    response = client.get(url, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert name in [p["name"] for p in problem["invalid_params"]]
    if name == "collectionId":  # which query types the collection does answer
        assert (
            "answers position, area, cube, trajectory, radius queries, not corridor"
            in (problem["detail"])
        )


def test_the_readme_example(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("#### Profiles along a path", 1)[1].split("\n### ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    assert get(client, url).text.strip() == "\n".join(shown)


def test_the_collection_describes_its_trajectory_and_corridor(client: TestClient) -> None:
    queries = get(client, C).json()["data_queries"]
    corridor = queries["corridor"]["link"]
    assert corridor["href"] == f"http://testserver{C}/corridor"
    assert corridor["variables"]["within_units"] == ["km", "m", "mi", "nmi"]  # width-units
    assert corridor["variables"]["height_units"] == ["m", "km"]
    trajectory = queries["trajectory"]["link"]["variables"]
    assert trajectory["default_corridor_width"] == "50 km"
    assert trajectory["width_units"] == ["km", "m", "mi", "nmi"]
    assert trajectory["output_formats"] == ["CoverageJSON", "GeoJSON", "CSV"]
