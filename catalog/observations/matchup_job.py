"""A matchup as a data job: the same engine answered inline when small, in a data worker
when large, like a large gridded query (``catalog.jobs.Job``).

The API process checks the request against the model and the collection's index (400, 404,
413 before anything is read) and sends the job, which names the model, the collection and
the search; the data runner answers it in the API process up to ``inline_max_values``
observed values, else in a data worker, which opens both from its own catalog and writes
the answer (JSON or CSV) to the spool file the API streams.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import orjson
import pandas as pd

from catalog.dataset import OpenDataset
from catalog.formats import MEDIA_TYPES, Sink
from catalog.observations import argo, index
from catalog.observations import matchup as engine
from catalog.observations.collection import ObservationCollection
from catalog.sources import SourceVersion
from schemas.matchups import (
    MatchupMethod,
    MatchupPairs,
    MatchupResult,
    SkippedProfiles,
    VariableStatistics,
)

if TYPE_CHECKING:
    from catalog.store import Catalog


@dataclass(frozen=True)
class Sources:
    """What a matchup reads: the model (at the version the job was admitted against) and the
    observation collection."""

    model: OpenDataset
    collection: ObservationCollection

    @property
    def version(self) -> SourceVersion:
        return self.model.version


@dataclass(frozen=True)
class MatchupJob:
    """A matchup request, parsed: small and picklable."""

    dataset_id: str
    """The model."""
    observations: str
    names: tuple[str, ...] | None = None
    bbox: index.Box | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    platform: str | None = None
    tolerance: pd.Timedelta = engine.DEFAULT_TOLERANCE
    qc: argo.QC = "good"
    format: Literal["json", "csv"] = "json"
    version: SourceVersion | None = None

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str | None:
        return None

    @property
    def kind(self) -> str:
        return "matchup"

    @property
    def advice(self) -> str:
        return engine.ADVICE

    def source(self, catalog: Catalog) -> AbstractContextManager[Sources]:
        @contextmanager
        def both() -> Iterator[Sources]:
            with catalog.reading(self.dataset_id, self.version) as model:
                yield Sources(model, catalog.collection(self.observations))

        return both()

    def estimate(self, source: Sources, max_values: int) -> int:
        return engine.estimate(
            source.model,
            source.collection,
            None if self.names is None else list(self.names),
            self.bbox,
            self.start,
            self.end,
            self.platform,
            max_values,
        )

    def answer(
        self, source: Sources, max_values: int, sink: Sink, scratch: str | None = None
    ) -> None:
        found = engine.matchup(
            source.model,
            source.collection,
            None if self.names is None else list(self.names),
            bbox=self.bbox,
            start=self.start,
            end=self.end,
            platform=self.platform,
            tolerance=self.tolerance,
            qc=self.qc,
            max_values=max_values,
        )
        if self.format == "csv":
            sink.write(csv_of(found).encode())
        else:
            body = result_of(found, source.model.entry.climatology).model_dump(mode="json")
            sink.write(orjson.dumps(body))


def _iso(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%dT%H:%M:%SZ") for v in values]


def _floats(values: pd.Series) -> list[float]:
    return [float(v) for v in values.to_numpy(dtype=float)]


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def result_of(found: engine.Matchup, climatology: bool) -> MatchupResult:
    """The engine's matchup as the API's answer."""
    pairs = found.pairs
    return MatchupResult(
        model=found.model_id,
        observations=found.collection_id,
        method=MatchupMethod(
            time=found.time_rule,
            horizontal=engine.HORIZONTAL,
            vertical=engine.VERTICAL,
            difference=engine.DIFFERENCE,
            tolerance=engine.words(found.tolerance),
            qc=found.qc,
            climatology=climatology,
        ),
        profiles_found=found.found,
        profiles_matched=found.matched,
        skipped=[
            SkippedProfiles(reason=reason, count=len(ids), profile_ids=ids)
            for reason, ids in found.skipped.items()
        ],
        statistics=[
            VariableStatistics(
                variable=s.pairing.info.id,
                standard_name=s.pairing.info.standard_name,
                observed=s.pairing.observed,
                conversion=s.pairing.conversion,
                units=s.pairing.units,
                n=s.n,
                bias=_finite(s.bias),
                rmse=_finite(s.rmse),
            )
            for s in found.statistics
        ],
        pairs=MatchupPairs(
            profile_id=pairs["profile_id"].astype(str).tolist(),
            platform=pairs["platform"].astype(str).tolist(),
            variable=pairs["variable"].astype(str).tolist(),
            obs_time=pairs["obs_time"].tolist(),
            model_time=[None if pd.isna(v) else v for v in pairs["model_time"]],
            **{
                name: _floats(pairs[name])
                for name in (
                    "obs_lon",
                    "obs_lat",
                    "model_lon",
                    "model_lat",
                    "depth",
                    "pressure",
                    "observed",
                    "model",
                    "difference",
                )
            },
        ),
    )


def csv_of(found: engine.Matchup) -> str:
    """One row per pair, the units of its values in the last column."""
    pairs = found.pairs.copy()
    pairs["obs_time"] = _iso(pairs["obs_time"])
    pairs["model_time"] = _iso(pairs["model_time"])
    units = {s.pairing.info.id: s.pairing.units or "" for s in found.statistics}
    pairs["units"] = pairs["variable"].map(units)
    text: str = pairs.to_csv(index=False, lineterminator="\n")
    return text
