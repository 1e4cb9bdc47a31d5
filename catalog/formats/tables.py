"""Tabular formats, one row per cell, time and level: CSV and GeoJSON (a Point per row).

Rows are made a batch at a time by pyarrow from whole numpy columns; no Python object per row.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import orjson
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import xarray as xr

import catalog.formats.stream as stream
from catalog.formats.stream import COORD_UNITS, Array, Out
from catalog.query.result import QueryResult


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
                if (
                    values.size <= stream.CHUNK
                ):  # a coordinate: its cells' positions, to take by row
                    convert = to_arrow(values.reshape(-1)).take
                    values = np.arange(values.size).reshape(values.shape)
                self.names.append(name)
                self.columns.append((values, tuple(dims.index(str(d)) for d in on), convert))

    def batches(self) -> Iterator[list[Any]]:
        """Each column's Arrow array for the next rows (about ``CHUNK`` values in all)."""
        rows, step = math.prod(self.shape), max(1, stream.CHUNK // max(1, len(self.columns)))
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


def write_csv(result: QueryResult, out: Out) -> None:
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
    units = (data[name].attrs.get("units") or COORD_UNITS.get(name)) if name in data else None
    return f"{name} [{units}]" if units else name


def _json_text(values: Array) -> Any:
    """Each value as JSON text: float64 numbers (null for NaN, ±inf), quoted ISO instants."""
    if np.issubdtype(values.dtype, np.datetime64):
        return _iso(values, '"')
    numbers = values.astype(np.float64)
    text = pc.cast(pa.array(numbers, mask=~np.isfinite(numbers)), pa.string())
    return pc.fill_null(text, "null")


def write_geojson(result: QueryResult, out: Out) -> None:
    """A FeatureCollection: one Point per cell, time and level, where the value is (the grid
    cell used, ``cell_longitude``/``cell_latitude``, when the answer says it; else its
    ``longitude``/``latitude``); properties hold the rest (the place asked for, the time, the
    depth) and one value per parameter (null where there is no data)."""
    table = _Table(result.data, {"_row", "y", "x", "distance", "point"}, _json_text)
    placed = "cell_longitude" in table.names  # the cell used, else the place asked for
    lon = table.names.index("cell_longitude" if placed else "longitude")
    lat = table.names.index("cell_latitude" if placed else "latitude")
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
