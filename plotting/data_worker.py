"""What runs inside a data worker process: the catalog, then one data job per call.

A data worker imports the catalog and the encoders, never matplotlib. It opens the catalog
itself (no array crosses a process boundary) and writes each answer to a spool file that the
API process streams to the client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from catalog.jobs import DataJob
from catalog.store import Catalog

_state: dict[str, Any] = {}

WRITE_BUFFER = 1 << 20


def warm(catalog_path: str, max_values: int) -> None:
    """Open the catalog (once per process and catalog)."""
    if _state.get("catalog_path") == catalog_path:
        return
    catalog = Catalog(Path(catalog_path), retry_seconds=5.0)
    catalog.open_all()
    _state.update(catalog=catalog, catalog_path=catalog_path, max_values=max_values)


def run(job: DataJob, path: str) -> int:
    """Answer the job into the file at ``path``; its size in bytes. Domain errors propagate
    (and leave no file)."""
    catalog: Catalog = _state["catalog"]
    spool = Path(path)
    try:
        with catalog.reading(job.dataset_id) as opened, spool.open("wb", WRITE_BUFFER) as sink:
            job.answer(opened, _state["max_values"], sink)
    except BaseException:
        spool.unlink(missing_ok=True)
        raise
    return spool.stat().st_size
