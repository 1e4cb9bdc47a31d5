"""Query results written to a binary sink in chunks: JSON, CSV, GeoJSON, CoverageJSON, NetCDF.

No Python object is made per value, row or feature. Numbers and instants go from whole numpy
arrays to text by orjson (the JSON family: NaN and infinities as null, numbers as the float64 of
the stored value, instants as ISO 8601 with a Z) and by pyarrow (CSV rows, GeoJSON features),
at most ``CHUNK`` values at a time. A JSON document is a small skeleton, serialised by orjson,
whose large arrays (values, coordinates, composite tuples) are written into their slots from
numpy as it goes out. The sink receives ``bytes`` of at most a few MB each.
"""

from __future__ import annotations

import csv
import io
import math
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import xarray as xr
from covjson_pydantic.observed_property import ObservedProperty
from covjson_pydantic.parameter import Parameter
from covjson_pydantic.unit import Unit

from catalog.formats import CRS84, EPSG4326, MEDIA_TYPES
from catalog.queries import QueryResult

__all__ = ["CHUNK", "CRS84", "EPSG4326", "MEDIA_TYPES", "Sink", "write", "write_collection"]

CHUNK = 65_536  # values (or table cells) turned into text at a time
FLUSH = 1 << 20  # bytes gathered before a write to the sink
Array = npt.NDArray[Any]
Out = Callable[[bytes], None]
_NUMBERS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_INSTANTS = _NUMBERS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
_COORD_UNITS = {"longitude": "degrees_east", "latitude": "degrees_north", "depth": "m"}
_AXIS_NAMES = {"time": "t", "depth": "z", "latitude": "y", "longitude": "x"}


class Sink(Protocol):
    """Where a body goes: a binary file, a spool, anything with ``write(bytes)``."""

    def write(self, data: bytes, /) -> object: ...


def write(
    result: QueryResult,
    fmt: str,
    sink: Sink,
    *,
    crs: str = CRS84,
    title: str = "",
    attribution: str = "",
    scratch: str | None = None,
) -> None:
    """Write the result as ``fmt`` (json, csv, geojson, covjson or nc) to ``sink`` in chunks.

    ``scratch``: the folder for NetCDF's temporary file (default: the system's).
    """
    out = _Out(sink)
    if fmt == "json":
        _json(result, out)
    elif fmt == "csv":
        _csv(result, out)
    elif fmt == "geojson":
        _geojson(result, out)
    elif fmt == "covjson":
        _covjson(result, out, crs)
    elif fmt == "nc":
        _netcdf(result, title, attribution, out, scratch)
    else:
        raise ValueError(f"unknown format '{fmt}'; expected one of {', '.join(MEDIA_TYPES)}")
    out.flush()


def write_collection(results: list[QueryResult], sink: Sink, crs: str = CRS84) -> None:
    """Write a CoverageJSON CoverageCollection (one coverage per place of an EDR MULTIPOINT)."""
    out = _Out(sink)
    out(b'{"type":"CoverageCollection","coverages":[')
    for k, result in enumerate(results):
        if k:
            out(b",")
        _covjson(result, out, crs)
    out(b"]}")
    out.flush()


class _Out:
    """The body's pieces gathered into writes (``bytes``) of ``FLUSH`` to twice ``FLUSH`` bytes
    (the last one less); a piece of ``FLUSH`` bytes or more is written as it is."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.pending = bytearray()

    def __call__(self, piece: bytes) -> None:
        if len(piece) >= FLUSH:  # a large piece goes as it is
            self.flush()
            self.sink.write(piece)
            return
        self.pending += piece
        if len(self.pending) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.sink.write(bytes(self.pending))
            self.pending.clear()


class _Slots:
    """A small JSON skeleton with slots that large arrays are written into as it goes out."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(12)
        self.fills: list[Callable[[Out], None]] = []

    def slot(self, fill: Callable[[Out], None]) -> str:
        """A placeholder (put it where the array goes) for what ``fill`` writes."""
        self.fills.append(fill)
        return f"{self.token}:{len(self.fills) - 1}"

    def write(self, skeleton: dict[str, Any], out: Out) -> None:
        text = orjson.dumps(skeleton, option=_NUMBERS)
        parts = re.split(b'"' + self.token.encode() + rb':(\d+)"', text)
        out(parts[0])
        for k in range(1, len(parts), 2):
            self.fills[int(parts[k])](out)
            out(parts[k + 1])


# ----------------------------------------------------------------------------- JSON


def _json_array(values: Array, unit: str = "s") -> bytes:
    """A block as a JSON array: float64 numbers (null for NaN, ±inf), instants ISO with a Z."""
    if np.issubdtype(values.dtype, np.datetime64):
        instants = np.ascontiguousarray(values, dtype=f"datetime64[{unit}]")
        return orjson.dumps(instants, option=_INSTANTS)
    return orjson.dumps(np.ascontiguousarray(values, dtype=np.float64), option=_NUMBERS)


def _array(values: Array, out: Out, unit: str = "s", flat: bool = False) -> None:
    """``values`` as a JSON array nested by dimension, or ``flat`` in C order (a 0-d array as a
    scalar), turned into text a block of at most ``CHUNK`` values at a time."""
    if values.ndim == 0:
        text = _json_array(values.reshape(1), unit)
        out(text if flat else text[1:-1])
        return
    out(b"[")
    for piece in _items(values, unit, flat):
        out(piece)
    out(b"]")


def _items(values: Array, unit: str, flat: bool) -> Iterator[bytes]:
    """The text between the outer brackets of ``_array``, a block at a time."""
    if values.size <= CHUNK:
        yield _json_array(values.reshape(-1) if flat else values, unit)[1:-1]
        return
    row = values.size // values.shape[0]
    for start in range(0, values.shape[0], max(1, CHUNK // row)):
        if row > CHUNK:  # a row is itself too large: its items a block at a time
            inner = _items(values[start], unit, flat)
            yield b"," if start else b""
            yield from inner if flat else chain([b"["], inner, [b"]"])
        else:
            block = values[start : start + CHUNK // row]
            text = _json_array(block.reshape(-1) if flat else block, unit)[1:-1]
            yield b"," + text if start else text


def _tuples(columns: list[Array], out: Out, prefix: bytes = b"", suffix: bytes = b"") -> None:
    """Rows of the 1-D ``columns`` as JSON arrays, each with fixed text before and after."""
    out(b"[")
    step = max(1, CHUNK // len(columns))
    for start in range(0, columns[0].size, step):
        block = np.column_stack([c[start : start + step] for c in columns])
        text = _json_array(block)[1:-1]
        if prefix:
            text = text.replace(b"[", b"[" + prefix)
        if suffix:
            text = text.replace(b"]", suffix + b"]")
        out(b"," + text if start else text)
    out(b"]")


def _json(result: QueryResult, out: Out) -> None:
    """Coordinates and variables, each with dims, units and nested values; the selection."""
    data, slots = result.data, _Slots()

    def entry(da: xr.DataArray, **attrs: Any) -> dict[str, Any]:
        values = slots.slot(partial(_array, np.asarray(da.values)))
        return {"dims": [str(d) for d in da.dims], **attrs, "values": values}

    coords = {
        str(name): entry(c, units=c.attrs.get("units", _COORD_UNITS.get(str(name))))
        for name, c in data.coords.items()
    }
    described = ("units", "long_name", "standard_name")
    variables = {
        str(name): entry(da, **{key: da.attrs.get(key) for key in described})
        for name, da in data.data_vars.items()
    }
    head = {"dataset_id": result.dataset_id, "query": result.kind}
    slots.write(
        {**head, "coords": coords, "variables": variables, "selection": result.selection}, out
    )


# ----------------------------------------------------------------------------- tables


class _Table:
    """The rows of ``Dataset.to_dataframe().reset_index()`` less ``drop``, a batch at a time,
    each column made an Arrow array by ``to_arrow`` (a small variable once, then taken by row)."""

    def __init__(self, data: xr.Dataset, drop: set[str], to_arrow: Callable[[Array], Any]) -> None:
        data = data if data.dims else data.expand_dims("_row")
        dims = [str(d) for d in data.dims]
        self.shape = tuple(int(data.sizes[d]) for d in dims)
        levels = [  # the index levels first, as reset_index puts them
            (d, data[d].values if d in data.xindexes else np.arange(n), (d,))
            for d, n in zip(dims, self.shape, strict=True)
        ]
        others = [(str(k), v.values, v.dims) for k, v in data.variables.items()]
        self.names: list[str] = []
        self.columns: list[tuple[Array, tuple[int, ...], Callable[[Array], Any]]] = []
        for name, values, on in [*levels, *(o for o in others if o[0] not in data.xindexes)]:
            if name not in drop:
                values, convert = np.asarray(values), to_arrow
                if values.size <= CHUNK:  # a coordinate: its cells' positions, to take by row
                    convert = to_arrow(values.reshape(-1)).take
                    values = np.arange(values.size).reshape(values.shape)
                self.names.append(name)
                self.columns.append((values, tuple(dims.index(str(d)) for d in on), convert))

    def batches(self) -> Iterator[list[Any]]:
        """Each column's Arrow array for the next rows (about ``CHUNK`` values in all)."""
        rows, step = math.prod(self.shape), max(1, CHUNK // max(1, len(self.columns)))
        for start in range(0, rows, step):
            index = np.unravel_index(np.arange(start, min(rows, start + step)), self.shape)
            yield [
                convert(
                    values[tuple(index[a] for a in axes)] if axes else values.repeat(len(index[0]))
                )
                for values, axes, convert in self.columns
            ]


def _iso(values: Array, quote: str = "") -> Any:
    """Instants as ISO 8601 text with a Z (whole seconds), between ``quote`` marks."""
    text = pa.array(np.datetime_as_string(values.astype("datetime64[s]"), unit="s"))
    return pc.binary_join_element_wise(quote, text, "Z" + quote, "")


def _cells(values: Array) -> Any:
    """A column for the CSV writer: numbers in their own precision (the shortest text that reads
    back as the stored float32 or float64; NaN: empty), instants as ISO text."""
    if np.issubdtype(values.dtype, np.datetime64):
        return _iso(values)
    if np.issubdtype(values.dtype, np.floating):
        precision = np.float32 if values.dtype.itemsize <= 4 else np.float64
        return pa.array(values.astype(precision), from_pandas=True)
    return pa.array(values)


def _csv(result: QueryResult, out: Out) -> None:
    """A tidy table: one row per cell and time/level, units in the column headers."""
    table = _Table(result.data, {"_row", "y", "x"}, _cells)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(
        [_header(result.data, name) for name in table.names]
    )
    out(header.getvalue().encode())
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    for batch in table.batches():
        buffer = pa.BufferOutputStream()
        pa_csv.write_csv(pa.Table.from_arrays(batch, names=table.names), buffer, options)
        out(buffer.getvalue().to_pybytes())


def _header(data: xr.Dataset, name: str) -> str:
    units = (data[name].attrs.get("units") or _COORD_UNITS.get(name)) if name in data else None
    return f"{name} [{units}]" if units else name


def _json_text(values: Array) -> Any:
    """Each value as JSON text: float64 numbers (null for NaN, ±inf), quoted ISO instants."""
    if np.issubdtype(values.dtype, np.datetime64):
        return _iso(values, '"')
    numbers = values.astype(np.float64)
    text = pc.cast(pa.array(numbers, mask=~np.isfinite(numbers)), pa.string())
    return pc.fill_null(text, "null")


def _geojson(result: QueryResult, out: Out) -> None:
    """A FeatureCollection: one Point per cell, time and level; properties hold the time, the
    depth and one value per parameter (null where there is no data)."""
    table = _Table(result.data, {"_row", "y", "x", "distance", "point"}, _json_text)
    lon, lat = table.names.index("longitude"), table.names.index("latitude")
    properties = [k for k in range(len(table.names)) if k not in (lon, lat)]
    out(b'{"type":"FeatureCollection","features":[')
    for n, batch in enumerate(table.batches()):
        head = '{"type":"Feature","geometry":{"type":"Point","coordinates":['
        pieces = [head, batch[lon], ",", batch[lat], ']},"properties":{']
        for j, k in enumerate(properties):
            key = orjson.dumps(table.names[k]).decode()
            pieces += [f",{key}:" if j else f"{key}:", batch[k]]
        pieces.append("}}")
        features = pc.binary_join_element_wise(*pieces, "")
        text = pc.binary_join(pa.ListArray.from_arrays([0, len(features)], features), ",")
        out((b"," if n else b"") + text[0].as_buffer().to_pybytes())
    out(b"]}")


# ----------------------------------------------------------------------------- CoverageJSON


def _covjson(result: QueryResult, out: Out, crs: str) -> None:
    """A Coverage, validated by covjson-pydantic in the tests, its large arrays written into it.

    Time is a ``t`` axis. Regular areas are a Grid; cells of curvilinear grids and samples along
    a path are a ``composite`` axis of (x, y) tuples (with t for a trajectory, z for a single
    level). ``crs`` names the horizontal CRS (CRS84, or EPSG:4326 in latitude, longitude order).
    """
    data, kind, slots = result.data, result.kind, _Slots()
    names = [str(n) for n in data.data_vars if n != "bottom_depth" or kind == "area"]
    composite = kind in {"transect", "hovmoller"} or (
        kind == "area" and "longitude" not in data.dims
    )
    several = [d for d in ("time", "depth") if d in data.dims]
    t, z = _axis(data, "time", slots), _axis(data, "depth", slots)
    x = y = tuples = None
    domain_type: str | None
    if composite:
        cell_dims = [str(d) for d in data["longitude"].dims]
        tuples = _composite(data, kind, several, slots)
        if not several and kind == "area":
            domain_type, z = "MultiPoint", None  # a single level is the tuples' third coordinate
        elif several == ["time"] and kind == "area" and z is None:
            domain_type = "MultiPointSeries"
        elif not several and kind == "transect":
            domain_type, t = "Trajectory", None  # the instant is the tuples' first coordinate
        else:
            domain_type = None  # sections and Hovmöller diagrams have no CoverageJSON type
    else:
        cell_dims = [d for d in ("latitude", "longitude") if d in data.dims]
        x, y = _axis(data, "longitude", slots), _axis(data, "latitude", slots)
        types = {(): "Point", ("time",): "PointSeries", ("depth",): "VerticalProfile"}
        domain_type = "Grid" if kind == "area" else types.get(tuple(several))
    axes = {"x": x, "y": y, "z": z, "t": t, "composite": tuples}
    domain: dict[str, Any] = {"type": "Domain", "domainType": domain_type}
    domain["axes"] = {k: v for k, v in axes.items() if v is not None}
    domain["referencing"] = _referencing(domain["axes"], crs)
    ranges = {}
    for name in names:
        da = data[name]
        lead = [d for d in several if d in da.dims]
        values = np.asarray(da.transpose(*lead, *cell_dims).values)
        shape, axis_names = list(values.shape), [_AXIS_NAMES[d] for d in lead]
        if composite:  # the cells flattened along the composite axis
            shape = [*shape[: len(lead)], math.prod(shape[len(lead) :])]
            axis_names.append("composite")
        else:
            axis_names += [_AXIS_NAMES[d] for d in cell_dims]
        ranges[name] = {"type": "NdArray", "dataType": "float", "axisNames": axis_names}
        ranges[name].update(shape=shape, values=slots.slot(partial(_array, values, flat=True)))
    parameters = {name: _parameter(data[name]) for name in names}
    skeleton = {"type": "Coverage", "domain": {k: v for k, v in domain.items() if v is not None}}
    skeleton.update(parameters=parameters, ranges=ranges)
    slots.write(skeleton, out)


def _axis(data: xr.Dataset, name: str, slots: _Slots) -> dict[str, Any] | None:
    """A coordinate (scalar or 1-D) as a values axis, or None when absent."""
    if name not in data.coords or data[name].ndim > 1:
        return None
    values = np.atleast_1d(np.asarray(data[name].values))
    return {"values": slots.slot(partial(_array, values, unit="us", flat=True))}


def _composite(data: xr.Dataset, kind: str, several: list[str], slots: _Slots) -> dict[str, Any]:
    """(x, y) per cell; (t, x, y) for a trajectory; (x, y, z) for one level of cells."""
    columns = [np.asarray(data[c].values).reshape(-1) for c in ("longitude", "latitude")]
    coordinates, prefix, suffix = ["x", "y"], b"", b""
    single_z = "depth" in data.coords and "depth" not in several and data["depth"].ndim == 0
    if kind == "transect" and not several and "time" in data.coords:
        coordinates.insert(0, "t")
        prefix = _json_array(np.asarray(data["time"].values).reshape(1), "us")[1:-1] + b","
    elif kind == "area" and not several and single_z:
        coordinates.append("z")
        suffix = b"," + _json_array(np.asarray(data["depth"].values).reshape(1))[1:-1]
    fill = partial(_tuples, columns, prefix=prefix, suffix=suffix)
    return {"dataType": "tuple", "coordinates": coordinates, "values": slots.slot(fill)}


def _parameter(da: xr.DataArray) -> dict[str, Any]:
    label = str(da.attrs.get("long_name") or da.name)
    units = da.attrs.get("units")
    standard_name = da.attrs.get("standard_name")
    parameter = Parameter(
        description={"en": label},
        observedProperty=ObservedProperty(
            id=f"http://vocab.nerc.ac.uk/standard_name/{standard_name}/" if standard_name else None,
            label={"en": label},
        ),
        unit=Unit(symbol=units, label={"en": units}) if units else None,
    )
    described: dict[str, Any] = parameter.model_dump(mode="json", exclude_none=True)
    return described


def _referencing(axes: dict[str, Any], crs: str) -> list[dict[str, Any]]:
    """Horizontal CRS (its axis order decides the order of x and y), depth and calendar."""
    spatial = ["y", "x"] if crs == EPSG4326 else ["x", "y"]
    systems: list[dict[str, Any]] = [
        {"coordinates": spatial, "system": {"type": "GeographicCRS", "id": crs}}
    ]
    in_tuples = axes["composite"]["coordinates"] if "composite" in axes else []
    if "z" in axes or "z" in in_tuples:
        down = {"name": {"en": "Depth"}, "direction": "down", "unit": {"symbol": "m"}}
        vertical = {"type": "VerticalCRS", "cs": {"csAxes": [down]}}
        systems.append({"coordinates": ["z"], "system": vertical})
    if "t" in axes or "t" in in_tuples:
        calendar = {"type": "TemporalRS", "calendar": "Gregorian"}
        systems.append({"coordinates": ["t"], "system": calendar})
    return systems


# ----------------------------------------------------------------------------- NetCDF


def _netcdf(
    result: QueryResult, title: str, attribution: str, out: Out, scratch: str | None
) -> None:
    """A CF-1.8 NetCDF-4 file, written by the netCDF library to a temporary file (no copy of
    it in memory), then copied to the sink in chunks."""
    data = result.data.drop_encoding()
    for name, attrs in (
        ("longitude", {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}),
        ("latitude", {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}),
        ("depth", {"standard_name": "depth", "units": "m", "positive": "down", "axis": "Z"}),
        ("time", {"standard_name": "time", "axis": "T"}),
    ):
        if name in data.coords:
            data[name].attrs.update(attrs)
    for da in data.data_vars.values():
        da.attrs = {k: v for k, v in da.attrs.items() if v is not None}
        da.encoding["_FillValue"] = np.float32(np.nan) if da.dtype == np.float32 else np.nan
    data.attrs = {
        "Conventions": "CF-1.8",
        "title": title,
        "source": f"Ocean Data API, dataset '{result.dataset_id}', {result.kind} query",
        "acknowledgement": attribution,
    }
    if "time" in data.coords:
        data["time"].encoding["units"] = "seconds since 1970-01-01T00:00:00Z"
    with tempfile.TemporaryDirectory(prefix="oceanapi-nc-", dir=scratch) as folder:
        path = Path(folder) / "answer.nc"
        data.to_netcdf(path, engine="netcdf4")
        with path.open("rb") as written:
            while piece := written.read(FLUSH):
                out(piece)
