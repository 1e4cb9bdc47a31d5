"""The streaming encoders on real sample results: values equal xarray's, JSON documents validate,
bodies are written in bounded chunks, and (until they are removed) the output equals the old
``catalog.formats`` functions'."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from covjson_pydantic.coverage import Coverage, CoverageCollection
from geojson_pydantic import FeatureCollection
from shapely import wkt

from api.settings import DEFAULT_CATALOG
from catalog import formats, query
from catalog.formats import EPSG4326
from catalog.query import QueryResult, shapes
from catalog.store import Catalog
from schemas.params import parse_datetime as when
from schemas.params import parse_instant as instant
from schemas.params import parse_z as z

Query = Callable[[Catalog], QueryResult]
PLACES = [(-10, 50), (0, 60), (-5, 55)]


def along_points(results: list[QueryResult]) -> QueryResult:
    data = xr.concat([r.data for r in results], "point", coords="different", compat="equals")
    return QueryResult(results[0].kind, results[0].dataset_id, data, {"points": len(results)})


# One small result of every query kind, on regular and curvilinear grids.
CASES: dict[str, Query] = {
    "point": lambda c: query.point(c.dataset("glorys"), None, -10, 50, None, 100),
    "point-bottom": lambda c: query.point(c.dataset("glorys"), ["thetao"], -10, 50, None, "bottom"),
    "point-curvilinear": lambda c: query.point(c.dataset("wcofs"), None, -124.5, 44.5),
    "timeseries": lambda c: query.timeseries(
        c.dataset("ersst-v5"), None, -150, 10, instant("2015-01-01"), instant("2016-01-01")
    ),
    "timeseries-curvilinear": lambda c: query.timeseries(
        c.dataset("wcofs"), None, -124.5, 44.5, interp="linear"
    ),
    "profile": lambda c: query.profile(c.dataset("glorys"), None, -10, 50),
    "profile-curvilinear": lambda c: query.profile(c.dataset("giops"), None, -150, 10),
    "area": lambda c: query.area(
        c.dataset("ersst-v5"), None, (-100, 0, -70, 20), instant("2015-01-01")
    ),
    "area-bottom": lambda c: query.area(
        c.dataset("glorys"), ["thetao"], (-10, 50, 0, 60), None, "bottom"
    ),
    "area-curvilinear": lambda c: query.area(
        c.dataset("wcofs"),
        ["surface-current"],
        (-125, 43, -124, 45),
        instant("2024-10-17T02:00:00Z"),
    ),
    "area-curvilinear-level": lambda c: query.area(
        c.dataset("giops"), None, (-155, 5, -150, 10), depth=100
    ),
    "transect-section": lambda c: query.transect(
        c.dataset("glorys"), ["thetao", "so"], [(-15, 50), (5, 65)], 20
    ),
    "transect-level": lambda c: query.transect(
        c.dataset("glorys"), None, [(-15, 50), (5, 65)], 20, depth=10
    ),
    "hovmoller": lambda c: query.hovmoller(
        c.dataset("ersst-v5"),
        "sst",
        [(-170, 0), (-100, 0)],
        8,
        instant("2015-01-01"),
        instant("2016-01-01"),
    ),
    "edr-position": lambda c: shapes.position(c.dataset("glorys"), None, -10, 50, levels=z("10")),
    "edr-trajectory": lambda c: shapes.trajectory(
        c.dataset("ersst-v5"), None, [(-170, 0), (-100, 0)], when("2015-01-01")
    ),
    "edr-cube-time": lambda c: shapes.cube(
        c.dataset("ersst-v5"), None, (-100, 0, -70, 20), when("2015-01-01/2015-06-01")
    ),
    "edr-cube-depth": lambda c: shapes.cube(
        c.dataset("glorys"), ["thetao", "so"], (-10, 50, 0, 60), levels=z("0/500")
    ),
    "edr-cube-curvilinear-time": lambda c: shapes.cube(
        c.dataset("wcofs"), ["surface-current"], (-125, 44, -124.5, 45), when("../..")
    ),
    "edr-cube-curvilinear-time-depth": lambda c: shapes.cube(
        c.dataset("giops"), None, (-152, 5, -150, 7), when("../.."), z("0/10")
    ),
    "edr-polygon": lambda c: shapes.area(
        c.dataset("ersst-v5"),
        None,
        wkt.loads("POLYGON((-160 -10, -140 -10, -140 10, -160 -10))"),
        when("2015-01-01"),
    ),
    # the places of a MULTIPOINT along a `point` dimension, as JSON, CSV, GeoJSON or NetCDF
    "multipoint-combined": lambda c: along_points(
        [shapes.position(c.dataset("glorys"), None, x, y, levels=z("0/100")) for x, y in PLACES]
    ),
}
COVERAGES = [case for case in CASES if case != "multipoint-combined"]  # one place each
MULTIPOINT: dict[str, Callable[[Catalog], list[QueryResult]]] = {
    "multipoint-series": lambda c: [
        shapes.position(c.dataset("ersst-v5"), None, x, y, when("2015-01-01/2015-04-01"))
        for x, y in [(-150, 10), (-140, 0)]
    ],
    "multipoint-profile": lambda c: [
        shapes.position(c.dataset("glorys"), None, x, y, levels=z("0/200"))
        for x, y in [(-10, 50), (0, 60)]
    ],
}
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
COORD_UNITS = {"longitude": "degrees_east", "latitude": "degrees_north", "depth": "m"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    opened = Catalog(DEFAULT_CATALOG)
    opened.open_all()
    return opened


@pytest.fixture(scope="module")
def results(catalog: Catalog) -> Callable[[str], QueryResult]:
    """The result of a case, computed once."""
    cache: dict[str, QueryResult] = {}

    def get(case: str) -> QueryResult:
        if case not in cache:
            cache[case] = CASES[case](catalog)
            cache[case].data.load()  # some are dask-backed: computed once, not in every test
        return cache[case]

    return get


@pytest.fixture(scope="module")
def large(catalog: Catalog) -> QueryResult:
    """An ERSST cube of 20 global monthly fields (320,400 values)."""
    box = (-180, -80, 180, 88)
    result = shapes.cube(catalog.dataset("ersst-v5"), None, box, when("2019-01-01/2020-08-01"))
    result.data.load()
    return result


def encode(result: QueryResult, fmt: str, **options: Any) -> bytes:
    sink = io.BytesIO()
    formats.write(result, fmt, sink, **options)
    return sink.getvalue()


def collection(results: list[QueryResult], crs: str = formats.CRS84) -> bytes:
    sink = io.BytesIO()
    formats.write_collection(results, sink, crs)
    return sink.getvalue()


def read_csv(body: bytes | str) -> pd.DataFrame:
    text = body.decode() if isinstance(body, bytes) else body
    return pd.read_csv(io.StringIO(text))


def floats(values: Any) -> np.ndarray:
    """JSON numbers (null as NaN) as float64."""
    return np.asarray(values, dtype=np.float64)


def assert_same(actual: Any, expected: Any) -> None:
    """Exactly equal float64 arrays, NaN where NaN."""
    np.testing.assert_array_equal(floats(actual), np.asarray(expected, dtype=np.float64))


def table(result: QueryResult, drop: set[str]) -> pd.DataFrame:
    """xarray's rows: one per cell and time/level, in the encoders' row order."""
    data = result.data if result.data.dims else result.data.expand_dims("_row")
    return data.to_dataframe().reset_index().drop(columns=list(drop), errors="ignore")


def iso(values: Any) -> list[str]:
    return list(pd.to_datetime(np.asarray(values).ravel()).strftime("%Y-%m-%dT%H:%M:%SZ"))


# ============================================================================== values
# The encoders' output against the values of the result's dataset (xarray).


@pytest.mark.parametrize("case", CASES)
def test_json_values_are_the_datasets(case: str, results: Callable[[str], QueryResult]) -> None:
    result = results(case)
    document = json.loads(encode(result, "json"))
    assert (document["dataset_id"], document["query"]) == (result.dataset_id, result.kind)
    assert document["selection"] == json.loads(json.dumps(result.selection))
    for name, da in result.data.data_vars.items():
        variable = document["variables"][name]
        assert variable["dims"] == list(da.dims)
        assert variable["units"] == da.attrs.get("units")
        assert_same(variable["values"], da.values)
    for name, coord in result.data.coords.items():
        values = document["coords"][name]["values"]
        if np.issubdtype(coord.dtype, np.datetime64):
            assert np.ravel(values).tolist() == iso(coord.values)
        else:
            assert_same(values, coord.values)


@pytest.mark.parametrize("crs", [formats.CRS84, EPSG4326])
@pytest.mark.parametrize("case", COVERAGES)
def test_covjson_validates_and_holds_the_datasets_values(
    case: str, crs: str, results: Callable[[str], QueryResult]
) -> None:
    result = results(case)
    body = encode(result, "covjson", crs=crs)
    Coverage.model_validate_json(body)
    document = json.loads(body)
    data, axes = result.data, document["domain"]["axes"]
    horizontal = document["domain"]["referencing"][0]
    assert horizontal["system"]["id"] == crs
    assert horizontal["coordinates"] == (["y", "x"] if crs == EPSG4326 else ["x", "y"])
    if "composite" in axes:
        tuples = axes["composite"]["values"]
        x = axes["composite"]["coordinates"].index("x")
        assert_same([t[x] for t in tuples], data["longitude"].values.ravel())
        assert_same([t[x + 1] for t in tuples], data["latitude"].values.ravel())
    else:  # a point, series or profile is placed at the cell used; an area's cells are its own
        placed = result.kind != "area" and "cell_longitude" in data.coords
        lon, lat = ("cell_longitude", "cell_latitude") if placed else ("longitude", "latitude")
        assert (
            placed
            or result.kind == "area"
            or any(str(c).endswith("_cell_longitude") for c in data.coords)
        )
        assert_same(axes["x"]["values"], np.atleast_1d(data[lon].values))
        assert_same(axes["y"]["values"], np.atleast_1d(data[lat].values))
    if "t" in axes:
        assert axes["t"]["values"] == iso(data["time"].values)
    if "z" in axes:
        assert_same(axes["z"]["values"], np.atleast_1d(data["depth"].values))
    for name, values in document["ranges"].items():
        assert np.prod(values["shape"]) == data[name].size == len(values["values"])
        order = [d for d in ("time", "depth") if d in data[name].dims]
        cells = [d for d in data[name].dims if d not in order]
        assert_same(values["values"], data[name].transpose(*order, *cells).values.ravel())


@pytest.mark.parametrize("case", CASES)
def test_csv_rows_are_the_datasets(case: str, results: Callable[[str], QueryResult]) -> None:
    result = results(case)
    body = encode(result, "csv")
    assert b"nan" not in body.lower()  # no data: an empty field
    got = read_csv(body)
    expected = table(result, {"_row", "y", "x"})
    assert [c.split(" [")[0] for c in got.columns] == list(expected.columns)
    for header, name in zip(got.columns, expected.columns, strict=True):
        units = result.data[name].attrs.get("units") or COORD_UNITS.get(name)
        assert header == (f"{name} [{units}]" if units else name)
        column = expected[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            assert list(got[header]) == iso(column)
            assert got[header].str.fullmatch(ISO).all()
        else:  # the text reads back as the stored value, in its own precision
            precision = np.float32 if column.dtype.itemsize <= 4 else np.float64
            as_stored = pd.to_numeric(got[header]).to_numpy().astype(precision)
            np.testing.assert_array_equal(as_stored, column.to_numpy().astype(precision))


@pytest.mark.parametrize("case", CASES)
def test_geojson_features_are_the_datasets_cells(
    case: str, results: Callable[[str], QueryResult]
) -> None:
    result = results(case)
    body = encode(result, "geojson")
    FeatureCollection.model_validate_json(body)
    features = json.loads(body)["features"]
    expected = table(result, {"_row", "y", "x", "distance", "point"})
    assert len(features) == len(expected)
    placed = "cell_longitude" in expected  # a feature is where its value is: the cell used
    lon, lat = ("cell_longitude", "cell_latitude") if placed else ("longitude", "latitude")
    assert placed or result.kind == "area" or any(c.endswith("_cell_longitude") for c in expected)
    assert_same([f["geometry"]["coordinates"][0] for f in features], expected.pop(lon))
    assert_same([f["geometry"]["coordinates"][1] for f in features], expected.pop(lat))
    assert {tuple(f["properties"]) for f in features} == {tuple(expected.columns)}
    for name, column in expected.items():
        got = [f["properties"][name] for f in features]
        if pd.api.types.is_datetime64_any_dtype(column):
            assert got == iso(column)
        else:
            assert_same(got, column)


@pytest.mark.parametrize("case", MULTIPOINT)
def test_collection_holds_one_coverage_per_place(case: str, catalog: Catalog) -> None:
    places = MULTIPOINT[case](catalog)
    body = collection(places)
    CoverageCollection.model_validate_json(body)
    coverages = json.loads(body)["coverages"]
    assert len(coverages) == len(places)
    for coverage, place in zip(coverages, places, strict=True):
        assert coverage == json.loads(encode(place, "covjson"))


@pytest.mark.parametrize("case", ["point", "area-curvilinear", "edr-cube-time"])
def test_netcdf_holds_the_datasets_values(
    case: str, results: Callable[[str], QueryResult], tmp_path: Path
) -> None:
    result = results(case)
    path = tmp_path / "result.nc"
    path.write_bytes(encode(result, "nc", title="T", attribution="A"))
    with xr.open_dataset(path) as got:
        assert got.attrs["title"] == "T" and got.attrs["acknowledgement"] == "A"
        for name, da in result.data.data_vars.items():
            np.testing.assert_array_equal(got[name].values, da.values)


@pytest.mark.parametrize("fmt", ["json", "covjson", "geojson", "csv"])
@pytest.mark.parametrize(
    "case",
    ["timeseries", "area-curvilinear-level", "edr-cube-depth", "edr-cube-curvilinear-time-depth"],
)
def test_text_does_not_depend_on_the_chunk_size(
    case: str, fmt: str, results: Callable[[str], QueryResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = results(case)
    whole = encode(result, fmt)
    # JSON arrays split into blocks at every level; tables into batches of a few rows
    for chunk in (1, 7, 300) if fmt in {"json", "covjson"} else (40, 300):
        monkeypatch.setattr(formats.stream, "CHUNK", chunk)
        assert encode(result, fmt) == whole


class Recorder:
    """A sink that keeps the size of each write."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def write(self, piece: bytes) -> int:
        assert isinstance(piece, bytes)
        self.sizes.append(len(piece))
        return len(piece)


@pytest.mark.parametrize("fmt", ["json", "covjson", "geojson", "csv", "nc"])
def test_a_large_body_is_written_in_bounded_chunks(fmt: str, large: QueryResult) -> None:
    sink = Recorder()
    formats.write(large, fmt, sink)
    assert len(sink.sizes) >= 2
    assert max(sink.sizes) <= 4 * 2**20


@pytest.mark.parametrize("fmt", ["json", "covjson", "geojson", "csv"])
def test_the_body_is_never_held_whole(
    fmt: str, large: QueryResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats.stream, "CHUNK", 4096)
    monkeypatch.setattr(formats.stream, "FLUSH", 2**16)
    sink = Recorder()
    tracemalloc.start()  # Python objects and numpy arrays (Arrow's pool is not traced)
    try:
        formats.write(large, fmt, sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < sum(sink.sizes) / 8


def test_a_dask_backed_result_is_computed_as_it_is_encoded(
    catalog: Catalog, results: Callable[[str], QueryResult]
) -> None:
    lazy = CASES["area-curvilinear"](catalog)  # vector components: dask arrays
    assert any(da.chunks for da in lazy.data.data_vars.values())
    for fmt in ("json", "covjson", "csv", "geojson"):
        assert encode(lazy, fmt) == encode(results("area-curvilinear"), fmt)


def test_an_unknown_format_is_refused(results: Callable[[str], QueryResult]) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        encode(results("point"), "xml")
