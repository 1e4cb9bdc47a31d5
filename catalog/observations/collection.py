"""An observation collection of the catalog: its profile table, indexed once when opened.

Searches, pages and tracks read the table only (``catalog.observations.index``); one
profile's levels are read from its file when asked for (``argo.read_profile``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from catalog.errors import ObservationNotFound, valid_values_hint
from catalog.observations import argo, dsg, index
from catalog.observations.dsg_file import DsgUnreadable
from catalog.observations.series import SERIES_TYPES, Series
from schemas.catalog import ArgoSource, DatasetEntry, DsgSource

INDEX_FOLDER = ".index"
"""Where, beside the catalog file, a large collection's profile table is kept as Parquet."""


class CollectionUnreadable(Exception):
    """The collection's files are missing or cannot be indexed; the message is for users."""


def _files(base_dir: Path, pattern: str) -> list[Path]:
    """The files of a source: a glob's matches, sorted, or the one file named."""
    files = sorted(base_dir.glob(pattern)) if any(c in pattern for c in "*?[") else []
    if not files and (base_dir / pattern).is_file():
        files = [base_dir / pattern]
    return files


@dataclass(eq=False)
class ObservationCollection:
    """The profiles of an observation entry, as a table sorted by time then profile id."""

    entry: DatasetEntry
    table: pd.DataFrame

    @classmethod
    def open(cls, entry: DatasetEntry, base_dir: Path) -> ObservationCollection:
        """Index the entry's files (CollectionUnreadable when there are none, or one is not an
        Argo profile file, or not a CF discrete sampling geometry file served here)."""
        if isinstance(entry.source, DsgSource):
            return cls._open_dsg(entry, base_dir)
        assert isinstance(entry.source, ArgoSource)
        pattern = entry.source.argo
        files = _files(base_dir, pattern)
        if not files:
            raise CollectionUnreadable(f"no Argo profile file matches '{pattern}'")
        try:
            table = index.cached(
                files, base_dir / INDEX_FOLDER / f"{entry.id}", argo.index_profiles
            )
        except (KeyError, OSError, ValueError) as exc:
            raise CollectionUnreadable(
                f"not an Argo profile file, or unreadable ({type(exc).__name__})"
            ) from exc
        return cls._sorted(entry, table)

    @classmethod
    def _open_dsg(cls, entry: DatasetEntry, base_dir: Path) -> ObservationCollection:
        assert isinstance(entry.source, DsgSource)
        pattern = entry.source.dsg
        files = _files(base_dir, pattern)
        if not files:
            raise CollectionUnreadable(f"no CF discrete sampling geometry file matches '{pattern}'")
        try:
            table = index.cached(files, base_dir / INDEX_FOLDER / f"{entry.id}", dsg.index_features)
        except DsgUnreadable as exc:
            raise CollectionUnreadable(str(exc)) from exc
        except (KeyError, OSError, ValueError) as exc:
            raise CollectionUnreadable(
                f"not a CF discrete sampling geometry file, or unreadable ({type(exc).__name__})"
            ) from exc
        return cls._sorted(entry, table)

    @classmethod
    def _sorted(cls, entry: DatasetEntry, table: pd.DataFrame) -> ObservationCollection:
        if table.empty:
            raise CollectionUnreadable("the files hold no profile")
        table = table.sort_values(["time", "profile_id"], kind="stable", na_position="last")
        return cls(entry, table.reset_index(drop=True))

    @property
    def id(self) -> str:
        return self.entry.id

    @cached_property
    def by_id(self) -> dict[str, int]:
        """The table's row of each profile id."""
        return {pid: i for i, pid in enumerate(self.table["profile_id"])}

    def profile(self, profile_id: str, qc: argo.QC = "good") -> argo.Profile:
        """One profile's levels; ObservationNotFound (404) naming a few valid ids."""
        return self.profiles([self.row(profile_id)], qc)[0]

    def row(self, profile_id: str) -> int:
        """The table's row of a profile; ObservationNotFound (404) naming a few valid ids."""
        row = self.by_id.get(profile_id)
        if row is None:
            some = list(self.by_id)[:5]
            raise ObservationNotFound(
                f"Collection '{self.id}' has no profile '{profile_id}'. Its ids look like "
                f"{', '.join(some)} (GET …/observations lists them).",
                **valid_values_hint(some),
            )
        return row

    def profiles(self, rows: Sequence[int], qc: argo.QC = "good") -> list[argo.Profile]:
        """The profiles at these rows of the table, in that order, each file opened once
        (Argo files; a DSG file's profiles are read one by one)."""
        picked = self.table.iloc[list(rows)]
        found: dict[int, argo.Profile] = {}
        for file, group in picked.groupby("file", sort=False):
            read = self._read(str(file), group["row"].astype(int).tolist(), qc)
            found.update(zip(group.index.tolist(), read, strict=True))
        return [found[i] for i in picked.index]

    def is_series(self, profile_id: str) -> bool:
        """Whether the feature is a CF time series or trajectory (read by ``series``)."""
        return str(self.table["feature_type"].iat[self.row(profile_id)]) in SERIES_TYPES

    def series(self, profile_id: str, qc: argo.QC = "good") -> Series:
        """A time series' or trajectory's samples in time order (``dsg.read_series``);
        ObservationNotFound (404) for an unknown id, InvalidParameters (400) for a profile."""
        at = self.table.iloc[self.row(profile_id)]
        return dsg.read_series(str(at["file"]), int(at["row"]), qc)

    def track(self, platform: str) -> list[index.LineString]:
        """The platform's positions in time order, split at the antimeridian
        (``index.track``): a trajectory's every sample (positions flagged bad left out), a
        profile's or time series' position in the table."""
        mine = self.table.loc[(self.table["platform"] == platform).to_numpy(dtype=bool)]
        moving = mine["feature_type"] == "trajectory"
        if not moving.any():
            return index.track(self.table, platform)
        parts = [mine.loc[~moving, ["platform", "time", "cycle", "lon", "lat"]]]
        for pid in mine.loc[moving, "profile_id"]:
            s = self.series(str(pid))
            parts.append(
                pd.DataFrame(
                    {"platform": platform, "time": s.time, "cycle": -1, "lon": s.lon, "lat": s.lat}
                )
            )
        return index.track(pd.concat([p for p in parts if len(p)], ignore_index=True), platform)

    def _read(self, file: str, rows: list[int], qc: argo.QC) -> list[argo.Profile]:
        if isinstance(self.entry.source, DsgSource):
            return [dsg.read_profile(file, row, qc) for row in rows]
        return argo.read_profiles(file, rows, qc)

    @cached_property
    def bbox(self) -> list[float] | None:
        """(west, south, east, north) of the positions, or None without any."""
        lon = self.table["lon"].to_numpy(dtype=float)
        lat = self.table["lat"].to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if not ok.any():
            return None
        return [
            float(lon[ok].min()),
            float(lat[ok].min()),
            float(lon[ok].max()),
            float(lat[ok].max()),
        ]

    @cached_property
    def platforms(self) -> list[str]:
        """The platforms, sorted."""
        return self.platform_summary.index.tolist()

    @cached_property
    def platform_summary(self) -> pd.DataFrame:
        """Per platform (the index, sorted): its profile count, first and last time and its
        data modes (sorted), computed once from the table."""
        grouped = self.table.groupby("platform", sort=True)
        return pd.DataFrame(
            {
                "profiles": grouped.size(),
                "first": grouped["time"].min(),
                "last": grouped["time_end"].max(),
                "data_modes": grouped["data_mode"].agg(lambda modes: sorted(set(modes))),
            }
        )
