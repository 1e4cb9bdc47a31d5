"""The profile table: its columns, an on-disk Parquet copy, searches and platform tracks.

The table has one row per profile (see ``COLUMNS``); searches and tracks read only the table,
never the files it was built from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]

from catalog.errors import InvalidParameters
from catalog.geo import normalise_lon

log = logging.getLogger("oceanapi.catalog")

COLUMNS = (
    "profile_id",
    "platform",
    "cycle",
    "direction",
    "time",
    "lon",
    "lat",
    "position_qc",
    "time_qc",
    "data_mode",
    "file",
    "row",
    "n_levels",
    "feature_type",
    "time_end",
)
"""The profile table's columns, in order. ``feature_type`` is what a row is (``profile``, or a
CF ``timeSeries`` or ``trajectory`` feature, ``catalog.observations.dsg``); ``time_end`` is its
last time (a profile's own time; a time series' or trajectory's last sample's)."""

Box = tuple[float, float, float, float]
"""(west, south, east, north) in degrees; west > east crosses the antimeridian."""

Instant = dt.datetime | np.datetime64 | pd.Timestamp
Point = tuple[float, float]
LineString = list[Point]


def to_parquet(table: pd.DataFrame, path: str | Path) -> None:
    """Write the profile table to a Parquet file (the on-disk index of a large collection)."""
    table.loc[:, list(COLUMNS)].to_parquet(path, engine="pyarrow", index=False)


def from_parquet(path: str | Path) -> pd.DataFrame:
    """Read a profile table written by ``to_parquet``."""
    table = pd.read_parquet(path, engine="pyarrow")
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path} is not a profile index: no column(s) {', '.join(missing)}")
    return table.loc[:, list(COLUMNS)]


CACHE_MIN_FILES = 20
"""Collections of at least this many files keep their table on disk (``cached``); smaller
ones are indexed from their files each time (the sample's one file: about 10 ms)."""


def stamp(files: Sequence[Path], folder: Path) -> str:
    """A key that changes when any file is added, removed, resized or rewritten, or when the
    table's columns change: a hash of the paths (relative to ``folder``, so a catalog moved
    with its files keeps its key), sizes and modification times."""
    digest = hashlib.sha256(repr(COLUMNS).encode())
    for path in files:
        info = path.stat()
        name = os.path.relpath(path, folder)
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def cached(
    files: Sequence[Path], stem: Path, build: Callable[[Sequence[Path]], pd.DataFrame]
) -> pd.DataFrame:
    """The profile table of ``files``: read from ``<stem>-<stamp>.parquet`` when it exists,
    else built (``build``) and written there for the next start (older copies removed).

    Fewer than ``CACHE_MIN_FILES`` files are always built. The Parquet copy stores the files'
    paths relative to the folder it is in, so a moved catalog keeps its index. A folder that
    cannot be written is no error: the table is built and served, only not kept.
    """
    if len(files) < CACHE_MIN_FILES:
        return build(files)
    path = stem.parent / f"{stem.name}-{stamp(files, stem.parent)}.parquet"
    if path.is_file():
        try:
            table = from_parquet(path)
        except (OSError, ValueError, pa.ArrowException):
            log.warning("profile index %s unreadable; indexing the files again", path)
        else:
            table["file"] = [os.path.normpath(path.parent / f) for f in table["file"]]
            return table
    table = build(files)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        kept = table.assign(file=[os.path.relpath(f, path.parent) for f in table["file"]])
        partial = path.with_suffix(".partial")
        to_parquet(kept, partial)
        partial.replace(path)  # a reader never sees half a file
        for old in path.parent.glob(f"{stem.name}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("profile index not kept at %s: %s", path, exc)
    return table


def box(bbox: tuple[float, float, float, float] | list[float] | None) -> Box | None:
    """A request's box (minlon, minlat, maxlon, maxlat, longitudes as given) as ``search``
    takes it: longitudes in ±180 (``geo.normalise_lon``: a value already in range kept
    exactly), west > east crossing the antimeridian, a box 360° wide or more the whole globe."""
    if bbox is None:
        return None
    west, south, east, north = bbox
    if east - west >= 360:
        return (-180.0, south, 180.0, north)
    return (normalise_lon(west), south, normalise_lon(east), north)


def _utc(value: Instant, name: str) -> pd.Timestamp:
    """An instant as a UTC timestamp (a naive one is taken to be UTC)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise InvalidParameters.single(name, "not a time") from None
    if pd.isna(stamp):
        raise InvalidParameters.single(name, "not a time")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def search(
    table: pd.DataFrame,
    bbox: Box | None = None,
    start: Instant | None = None,
    end: Instant | None = None,
    platform: str | None = None,
) -> pd.DataFrame:
    """The profiles inside the box, between start and end and of the platform (all inclusive).

    A row with a time range (``time`` to ``time_end``: a CF time series or trajectory) is found
    when its range overlaps [start, end]; its position is its first.
    A box whose west is east of its east crosses the antimeridian. A profile without a time
    (NaT) or position (NaN) is left out by any time or box condition.
    """
    keep = np.ones(len(table), dtype=bool)
    if bbox is not None:
        west, south, east, north = (float(v) for v in bbox)
        if not (-90 <= south <= north <= 90):
            raise InvalidParameters.single("bbox", "south must be ≤ north, both within ±90")
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise InvalidParameters.single("bbox", "west and east must be within ±180")
        lon = table["lon"].to_numpy()
        lat = table["lat"].to_numpy()
        in_lon = (lon >= west) & (lon <= east) if west <= east else (lon >= west) | (lon <= east)
        keep &= in_lon & (lat >= south) & (lat <= north)
    if start is not None and end is not None and _utc(start, "start") > _utc(end, "end"):
        raise InvalidParameters.single("end", "end is before start")
    if start is not None:  # a time series or trajectory overlapping [start, end] is found
        keep &= (table["time_end"] >= _utc(start, "start")).to_numpy(dtype=bool, na_value=False)
    if end is not None:
        keep &= (table["time"] <= _utc(end, "end")).to_numpy(dtype=bool, na_value=False)
    if platform is not None:
        keep &= (table["platform"] == platform).to_numpy(dtype=bool, na_value=False)
    return table.loc[keep]


def track(table: pd.DataFrame, platform: str) -> list[LineString]:
    """The platform's positions in time order as lines split at the antimeridian.

    A step whose longitude changes by more than 180° is taken to cross the antimeridian (the
    short way round): the line ends on ±180 at the latitude interpolated there and the next
    starts on ∓180 at that latitude, so a track never jumps across the globe. Profiles
    without a time or a position are left out. A platform with one position gives one line
    of one point; an unknown platform, no lines.
    """
    rows = table.loc[
        (table["platform"] == platform).to_numpy(dtype=bool, na_value=False)
        & table["time"].notna().to_numpy()
        & np.isfinite(table["lon"].to_numpy())
        & np.isfinite(table["lat"].to_numpy())
    ].sort_values(["time", "cycle"], kind="stable")
    lon = rows["lon"].to_numpy(dtype=float)
    lat = rows["lat"].to_numpy(dtype=float)
    if len(lon) == 0:
        return []
    lines: list[LineString] = [[(float(lon[0]), float(lat[0]))]]
    for i in range(1, len(lon)):
        step = lon[i] - lon[i - 1]
        if abs(step) > 180:
            edge = 180.0 if step < 0 else -180.0  # eastward over +180 has a negative step
            unwrapped = lon[i] + (360.0 if step < 0 else -360.0)
            fraction = (edge - lon[i - 1]) / (unwrapped - lon[i - 1])
            crossing = float(lat[i - 1] + fraction * (lat[i] - lat[i - 1]))
            lines[-1].append((edge, crossing))
            lines.append([(-edge, crossing)])
        lines[-1].append((float(lon[i]), float(lat[i])))
    return lines
