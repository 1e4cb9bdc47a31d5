"""A download of observation profiles (CSV or NetCDF): a data job like a gridded query's.

The API finds the profiles in the collection's index (cheap, in its own process) and sends
their ids; the data runner estimates the job there, answers a small one at once and sends a
large one (many profiles, many levels) to a data worker, which reads the profiles from their
files and streams the encoded answer back, as it does for a large gridded query.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from catalog.formats import MEDIA_TYPES, Sink
from catalog.formats.stream import Gathered
from catalog.observations import coverage, formats, series_formats
from catalog.observations.argo import QC
from catalog.observations.collection import ObservationCollection
from catalog.query.sampling import guard
from catalog.sources import SourceVersion

if TYPE_CHECKING:
    from catalog.store import Catalog

VALUES_PER_LEVEL = 4
"""Values a level carries (pressure, depth, temperature, salinity), for the estimate."""
FILE_COST = 2_000
"""What opening one more file costs, in values (about 4 ms, what 2,000 values cost to encode),
so that a page whose profiles lie in many files (a page by time across many floats) goes to
a data worker although it holds few values: 100 profiles from 100 files took 435 ms inline."""


@dataclass(frozen=True)
class ObservationJob:
    """Profiles of a collection by id, their levels written as CSV, CF NetCDF or CoverageJSON;
    or one time series or trajectory (``single``), its samples as CSV or CF NetCDF."""

    dataset_id: str
    profile_ids: tuple[str, ...]
    qc: QC = "good"
    format: Literal["csv", "nc", "covjson"] = "csv"
    name: str = "observations"
    """The answer's file name stem (``<collection>-<name>.nc``)."""
    single: bool = False
    """One profile asked for by id: CoverageJSON answers a Coverage, not a collection."""
    version: SourceVersion | None = None
    """Unused: a collection is indexed once; kept so the data runner treats jobs alike."""

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str | None:
        return f"{self.dataset_id}-{self.name}.nc" if self.format == "nc" else None

    @property
    def kind(self) -> str:
        return "observations"

    @property
    def advice(self) -> str:
        return "Ask for fewer profiles (a smaller limit, box or time range)."

    def source(self, catalog: Catalog) -> AbstractContextManager[ObservationCollection]:
        return nullcontext(catalog.collection(self.dataset_id))

    def rows(self, collection: ObservationCollection) -> list[int]:
        """The profiles' rows in the collection's table (ObservationNotFound: 404)."""
        return [collection.row(pid) for pid in self.profile_ids]

    def estimate(self, collection: ObservationCollection, max_values: int) -> int:
        """The answer's cost in values: the values it carries (from the index's level counts;
        413 above ``max_values``) and ``FILE_COST`` per file it opens, which decides whether
        it is answered in the API process or by a data worker."""
        rows = collection.table.iloc[self.rows(collection)]
        values = int(rows["n_levels"].sum()) * VALUES_PER_LEVEL
        guard(values, max_values, self.advice)
        return values + FILE_COST * int(rows["file"].nunique())

    def answer(
        self,
        collection: ObservationCollection,
        max_values: int,
        sink: Sink,
        scratch: str | None = None,
    ) -> None:
        if self.single and collection.is_series(self.profile_ids[0]):
            self._series(collection, sink, scratch)
            return
        profiles = collection.profiles(self.rows(collection), self.qc)
        out = Gathered(sink)
        if self.format == "covjson":  # its writers gather their own output
            names = list(coverage.VARIABLES)
            if self.single:
                coverage.write_vertical_profile(profiles[0], names, sink)
            else:
                coverage.write_vertical_profiles(profiles, names, sink)
            return
        if self.format == "csv":
            formats.write_csv(profiles, out)
        else:
            formats.write_netcdf(
                profiles,
                out,
                title=collection.entry.title,
                attribution=collection.entry.attribution,
                qc=self.qc,
                scratch=scratch,
            )
        out.flush()

    def _series(self, collection: ObservationCollection, sink: Sink, scratch: str | None) -> None:
        """One time series or trajectory: a row per sample (CSV) or its own CF DSG file."""
        series = collection.series(self.profile_ids[0], self.qc)
        out = Gathered(sink)
        if self.format == "csv":
            series_formats.write_csv(series, out)
        else:
            series_formats.write_netcdf(
                series,
                out,
                title=collection.entry.title,
                attribution=collection.entry.attribution,
                qc=self.qc,
                scratch=scratch,
            )
        out.flush()
