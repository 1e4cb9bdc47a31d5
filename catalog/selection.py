"""Choosing time steps and depth levels: nearest, 'latest', 'surface', 'bottom', ranges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from catalog.axes import TimeAxis, VerticalAxis
from catalog.errors import InvalidParameters
from schemas import patterns

SINGLE_STEP_TOLERANCE = np.timedelta64(1, "D")


def iso(value: np.datetime64) -> str:
    """An instant as ISO 8601 UTC with a Z."""
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# The instants datetime64[ns] can hold (1677-09-21 to 2262-04-11). Time axes are decoded to
# nanoseconds, so an instant beyond (year 1 or 9999, which pandas parses) is kept at the
# nearest bound: it still sorts before or after every step. Cast unclamped, it would wrap.
_EARLIEST, _LATEST = pd.Timestamp.min, pd.Timestamp.max


def parse_instant(name: str, text: str) -> np.datetime64:
    """An ISO 8601 date or date-time (offsets honoured, UTC when absent) as datetime64[ns],
    held to the nanosecond range."""
    rule = "must be an ISO 8601 date or date-time, e.g. 2015-12-01T00:00:00Z"
    try:
        stamp = pd.Timestamp(text.strip())
    except (ValueError, TypeError, OverflowError):
        raise InvalidParameters.single(name, rule) from None
    if pd.isna(stamp) or not text.strip() or not 1 <= stamp.year <= 9999:
        raise InvalidParameters.single(name, f"{rule}, in the years 1 to 9999")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    stamp = min(max(stamp, _EARLIEST), _LATEST)
    instant: np.datetime64 = stamp.to_datetime64().astype("datetime64[ns]")
    return instant


def check_order(low: np.datetime64, high: np.datetime64) -> None:
    """A 400 naming `start` and `end` when the range runs backwards."""
    if low > high:
        raise InvalidParameters(
            [
                ("start", "must not be after end", "query"),
                ("end", "must not be before start", "query"),
            ]
        )


def _coverage(axis: TimeAxis) -> str:
    values = axis.values
    return f"{iso(values[0])}/{iso(values[-1])}"


def _tolerance(values: npt.NDArray[np.datetime64]) -> np.timedelta64:
    if values.size < 2:
        return SINGLE_STEP_TOLERANCE
    return np.median(np.diff(values)) / 2


Instant = str | np.datetime64 | None
"""A time as a query takes it: ISO 8601 text as the client gave it ('latest' or None: the last
step), or an instant already parsed (a step of an axis, as an EDR cube walks them)."""


def is_latest(spec: Instant) -> bool:
    """Whether a time asks for the last step: None, or the text 'latest'."""
    return spec is None or (isinstance(spec, str) and spec.strip().lower() == "latest")


def nearest_time(axis: TimeAxis, spec: Instant, name: str = "time") -> int:
    """Index of the step nearest to ``spec`` (ISO 8601, or 'latest'/None for the last step; a
    parsed instant is used as it is).

    Instants further than half a step outside the coverage are a 400 naming the coverage.
    """
    values = axis.values
    if is_latest(spec):
        return values.size - 1
    if isinstance(spec, np.datetime64):
        instant = spec.astype("datetime64[ns]")
    else:
        assert spec is not None  # None is the latest
        instant = parse_instant(name, spec)
    slack = _tolerance(values)
    if instant < values[0] - slack or instant > values[-1] + slack:
        held = instant in (_EARLIEST.to_datetime64(), _LATEST.to_datetime64())
        asked = spec.strip() if held and isinstance(spec, str) else iso(instant)
        raise InvalidParameters.single(
            name, f"{asked} is outside the time coverage {_coverage(axis)}"
        )
    after = int(np.searchsorted(values, instant))
    candidates = [c for c in (after - 1, after) if 0 <= c < values.size]
    return min(candidates, key=lambda c: abs(values[c] - instant))


def time_range(axis: TimeAxis, start: str | None, end: str | None) -> slice:
    """The steps from ``start`` to ``end`` inclusive (the whole axis by default)."""
    values = axis.values
    low = parse_instant("start", start) if start else values[0]
    high = parse_instant("end", end) if end else values[-1]
    check_order(low, high)
    first = int(np.searchsorted(values, low, side="left"))
    stop = int(np.searchsorted(values, high, side="right"))
    if first >= stop:
        raise InvalidParameters(
            [
                ("start", f"no time step in range; the coverage is {_coverage(axis)}", "query"),
                ("end", f"no time step in range; the coverage is {_coverage(axis)}", "query"),
            ]
        )
    return slice(first, stop)


@dataclass(frozen=True)
class DepthChoice:
    """A depth request: a level index, or the deepest valid level (bottom)."""

    index: int | None
    bottom: bool = False


def parse_depth(text: str | None) -> float | str | None:
    """'surface', 'bottom', a depth in metres (>= 0), or None."""
    if text is None:
        return None
    word = text.strip().lower()
    if word in {"surface", "bottom"}:
        return word
    try:
        value = float(word)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise InvalidParameters.single(
            "depth", "must be a depth in metres >= 0 (positive down), 'surface' or 'bottom'"
        )
    if value > patterns.DEPTH_MAX_M:
        raise InvalidParameters.single(
            "depth",
            f"{value:g} m is deeper than any ocean; at most {patterns.DEPTH_MAX_M:,} m, or "
            "'bottom' for the deepest level",
        )
    return value


def nearest_depth(axis: VerticalAxis, depth: float | str | None) -> DepthChoice:
    """The nearest level; 'surface' (default) is the shallowest, 'bottom' the deepest valid."""
    if depth is None or depth == "surface":
        return DepthChoice(int(np.argmin(axis.depths)))
    if depth == "bottom":
        return DepthChoice(None, bottom=True)
    return DepthChoice(int(np.argmin(np.abs(axis.depths - float(depth)))))


def nearest_levels(axis: VerticalAxis, depths: list[float]) -> npt.NDArray[np.intp]:
    """Indices of the levels nearest to each depth, without repeats, shallow first."""
    wanted = np.asarray(depths, dtype=np.float64)
    nearest = np.argmin(np.abs(axis.depths[None, :] - wanted[:, None]), axis=1)
    indices = np.unique(nearest)
    return indices[np.argsort(axis.depths[indices])]


def depth_range(axis: VerticalAxis, low: float | None, high: float | None) -> npt.NDArray[np.intp]:
    """Indices of the levels between ``low`` and ``high`` metres (inclusive), shallow first."""
    if low is not None and high is not None and low > high:
        raise InvalidParameters(
            [
                ("depth_min", "must not be greater than depth_max", "query"),
                ("depth_max", "must not be less than depth_min", "query"),
            ]
        )
    depths = axis.depths
    keep = np.ones(depths.size, dtype=bool)
    if low is not None:
        keep &= depths >= low
    if high is not None:
        keep &= depths <= high
    indices = np.flatnonzero(keep)
    if indices.size == 0:
        raise InvalidParameters.single(
            "depth_min",
            f"no level in that range; levels run from {depths.min():g} to {depths.max():g} m",
        )
    return indices[np.argsort(depths[indices])]
