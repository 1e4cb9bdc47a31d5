"""A data job: a query, the dataset it reads and the answer's format, small and picklable.

Each facade (``/api/v1``, ``/edr``) parses its parameters once into one of the query classes
(``catalog.query.requests``, ``catalog.query.edr_requests``). The service asks the query for
its ``estimate`` in its own process (no data is read): above the limit it is a 413 before any
work starts; small ones are answered there (the latency path), larger ones are sent to a data
worker. The same picklable ``DataJob`` runs in either place, so both give the same bytes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import xarray as xr

from catalog.dataset import OpenDataset
from catalog.formats import CRS84, MEDIA_TYPES, Sink, write, write_collection
from catalog.query.convert import convert_or_400, convert_units
from catalog.query.requests import Query
from catalog.query.result import QueryResult
from catalog.sources import SourceVersion

if TYPE_CHECKING:
    from catalog.store import Catalog


class Job(Protocol):
    """What the data runner runs: a small, picklable description of an answer to write.

    ``source`` opens what the job reads from the catalog (a dataset at ``version``, or an
    observation collection), for the length of a block; ``estimate`` checks the job against
    it (413 above ``max_values``, 400 for what the service can refuse before reading) and
    says how many values it will read; ``answer`` writes the encoded answer to the sink.
    """

    @property
    def dataset_id(self) -> str: ...

    @property
    def format(self) -> str: ...

    @property
    def version(self) -> SourceVersion | None: ...

    @property
    def media_type(self) -> str: ...

    @property
    def filename(self) -> str | None: ...

    @property
    def kind(self) -> str:
        """What is computed, for messages ("the profile query took longer …")."""
        ...

    @property
    def advice(self) -> str:
        """How to ask for less, for messages."""
        ...

    def source(self, catalog: Catalog) -> AbstractContextManager[Any]: ...

    def estimate(self, source: Any, max_values: int) -> int: ...

    def answer(
        self, source: Any, max_values: int, sink: Sink, scratch: str | None = None
    ) -> None: ...


@dataclass(frozen=True)
class DataJob:
    """A query, the dataset it reads, and the answer's format: small and picklable.

    ``version``: set by the API process when it sends the job to a worker, the dataset's
    version the job was estimated against; the worker reads that one or answers 503.
    """

    dataset_id: str
    query: Query
    format: str = "json"
    units: str | None = None
    crs: str = CRS84
    version: SourceVersion | None = None

    @property
    def media_type(self) -> str:
        """The answer's media type."""
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str | None:
        """The attachment's file name (NetCDF only)."""
        return f"{self.dataset_id}-{self.query.kind}.nc" if self.format == "nc" else None

    @property
    def kind(self) -> str:
        return self.query.kind

    @property
    def advice(self) -> str:
        return self.query.advice

    def source(self, catalog: Catalog) -> AbstractContextManager[OpenDataset]:
        """The dataset, at the job's version when it has one (``Catalog.reading``)."""
        return catalog.reading(self.dataset_id, self.version)

    def estimate(self, opened: OpenDataset, max_values: int) -> int:
        """The query's estimate (413 above ``max_values``); ``units`` checked too (400), so
        that nothing the service could refuse before reading reaches a worker."""
        if self.units:
            for info in opened.resolve(getattr(self.query, "names", None)):
                convert_or_400(np.float64(1.0), info.units, self.units, info.id)
        return self.query.estimate(opened, max_values)

    def answer(
        self, opened: OpenDataset, max_values: int, sink: Sink, scratch: str | None = None
    ) -> None:
        """Run the query and write the encoded answer to ``sink`` (NoData: nothing written);
        ``scratch``: a folder for temporary files."""
        results = [convert_units(r, self.units) for r in self.query.run(opened, max_values)]
        if self.format == "covjson" and len(results) > 1:
            write_collection(results, sink, self.crs)
            return
        write(
            one(results),
            self.format,
            sink,
            crs=self.crs,
            title=opened.entry.title,
            attribution=opened.entry.attribution,
            scratch=scratch,
        )


def one(results: list[QueryResult]) -> QueryResult:
    """Several places as one result along a `point` dimension (for GeoJSON, CSV, NetCDF)."""
    if len(results) == 1:
        return results[0]
    data = xr.concat([r.data for r in results], dim="point", coords="different", compat="equals")
    first = results[0]
    return QueryResult(first.kind, first.dataset_id, data, {"points": len(results)})
