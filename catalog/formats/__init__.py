"""Query results written to a binary sink in chunks: JSON, CSV, GeoJSON, CoverageJSON, NetCDF.

One module per format family; ``WRITERS`` is the registry by format name (``f=``). Each writer
streams: a JSON document is a small skeleton whose large arrays are written into their slots
from numpy as it goes out, tables are made by pyarrow a batch at a time (``stream``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from catalog.formats.covjson import write_covjson
from catalog.formats.json import write_json
from catalog.formats.names import CRS84, EPSG4326, MEDIA_TYPES, Format
from catalog.formats.netcdf import write_netcdf
from catalog.formats.stream import CHUNK, Gathered, Out, Sink
from catalog.formats.tables import write_csv, write_geojson
from catalog.query.result import QueryResult

__all__ = [
    "CHUNK",
    "CRS84",
    "EPSG4326",
    "MEDIA_TYPES",
    "Format",
    "Sink",
    "write",
    "write_collection",
]


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
    writers: dict[str, Callable[[QueryResult, Out], None]] = {
        "json": write_json,
        "csv": write_csv,
        "geojson": write_geojson,
        "covjson": partial(write_covjson, crs=crs),
        "nc": partial(write_netcdf, title=title, attribution=attribution, scratch=scratch),
    }
    if fmt not in writers:
        raise ValueError(f"unknown format '{fmt}'; expected one of {', '.join(MEDIA_TYPES)}")
    out = Gathered(sink)
    writers[fmt](result, out)
    out.flush()


def write_collection(results: list[QueryResult], sink: Sink, crs: str = CRS84) -> None:
    """Write a CoverageJSON CoverageCollection (one coverage per place of an EDR MULTIPOINT)."""
    out = Gathered(sink)
    out(b'{"type":"CoverageCollection","coverages":[')
    for k, result in enumerate(results):
        if k:
            out(b",")
        write_covjson(result, out, crs)
    out(b"]}")
    out.flush()
