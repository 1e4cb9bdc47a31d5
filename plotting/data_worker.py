"""What runs inside a data worker process: the catalog, then one data job per call.

A data worker needs the catalog and the encoders, not matplotlib (a local one is forked from the
fork server the plot workers share, so the plotting code's pages are there, shared). It opens
the catalog itself (no array crosses a process boundary) and writes each answer to a spool file
that the API process streams to the client.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any

import xarray as xr

from catalog.errors import StorageFailed
from catalog.jobs import Job
from catalog.store import Catalog

_state: dict[str, Any] = {}

WRITE_BUFFER = 1 << 20


def warm(catalog_path: str, max_values: int) -> None:
    """Open the catalog and write a tiny NetCDF file (the netCDF library's first write costs
    about a second), once per process and catalog.

    The worker's catalog never checks its sources on its own (``check_seconds=None``): each job
    carries the version the API process saw, which the worker opens or refuses.
    """
    if _state.get("catalog_path") == catalog_path:
        return
    catalog = Catalog(Path(catalog_path), retry_seconds=5.0, check_seconds=None)
    catalog.open_all()
    with tempfile.TemporaryDirectory(prefix="oceanapi-warm-") as folder:
        xr.Dataset({"x": ("x", [0.0])}).to_netcdf(Path(folder) / "warm.nc", engine="netcdf4")
    _state.update(catalog=catalog, catalog_path=catalog_path, max_values=max_values)


class SpoolSink:
    """A spool file as an encoder's sink: a failed write (a full or vanished disk) is
    StorageFailed, never an OSError, which ``Catalog.reading`` would take for a broken source."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file

    def write(self, data: bytes, /) -> int:
        try:
            return self.file.write(data)
        except OSError as exc:
            raise StorageFailed.writing(exc) from None

    def flush(self) -> None:
        try:
            self.file.flush()
        except OSError as exc:
            raise StorageFailed.writing(exc) from None


def opened() -> tuple[Catalog, int]:
    """The process's catalog and the service's value limit (after ``warm``)."""
    return _state["catalog"], _state["max_values"]


def run(job: Job, path: str) -> int:
    """Answer the job into the spool file at ``path``, which the API made empty; its size in
    bytes. The file is not created here: a job whose client left (the API removed the file)
    fails at once. Domain errors propagate (the API removes the file)."""
    catalog, max_values = opened()
    spool = Path(path)
    try:
        file = os.fdopen(os.open(spool, os.O_WRONLY | os.O_TRUNC), "wb", WRITE_BUFFER)
    except FileNotFoundError:
        raise StorageFailed("The query was cancelled before it started.") from None
    with file:
        sink = SpoolSink(file)
        with job.source(catalog) as source:
            job.answer(source, max_values, sink, scratch=str(spool.parent))
        sink.flush()
        return file.tell()
