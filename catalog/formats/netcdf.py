"""NetCDF: a CF-1.8 NetCDF-4 file written by the netCDF library, then copied out in chunks."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

import catalog.formats.stream as stream
from catalog.formats.stream import Out
from catalog.query.result import QueryResult


def write_netcdf(
    result: QueryResult, out: Out, *, title: str, attribution: str, scratch: str | None
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
    if "path_type" in result.selection:  # how a path's vertices were joined
        data.attrs["path_type"] = result.selection["path_type"]
    if "time" in data.coords:
        data["time"].encoding["units"] = "seconds since 1970-01-01T00:00:00Z"
    with tempfile.TemporaryDirectory(prefix="oceanapi-nc-", dir=scratch) as folder:
        path = Path(folder) / "answer.nc"
        data.to_netcdf(path, engine="netcdf4")
        with path.open("rb") as written:
            while piece := written.read(stream.FLUSH):
                out(piece)
