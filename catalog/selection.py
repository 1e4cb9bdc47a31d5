"""Choosing time steps and depth levels: nearest, 'latest', 'surface', 'bottom', ranges."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from catalog.axes import TimeAxis, VerticalAxis
from catalog.errors import InvalidParameters
from schemas import params

SINGLE_STEP_TOLERANCE = np.timedelta64(1, "D")


def iso(value: np.datetime64) -> str:
    """An instant as ISO 8601 UTC with a Z."""
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# The instants datetime64[ns] can hold (1677-09-21 to 2262-04-11). Time axes are decoded to
# nanoseconds, so an instant beyond (year 1 or 9999, which parse) is held at the nearest bound:
# it still sorts before or after every step. Cast unheld, it would wrap.
_EARLIEST, _LATEST = pd.Timestamp.min.to_datetime64(), pd.Timestamp.max.to_datetime64()


def as_ns(instant: np.datetime64) -> np.datetime64:
    """A parsed instant as datetime64[ns], held to the nanosecond range; TypeError for anything
    else (the engine takes parsed instants, never text)."""
    if not isinstance(instant, np.datetime64):
        raise TypeError(f"an instant must be a parsed numpy.datetime64, not {type(instant)!r}")
    if np.datetime_data(instant.dtype)[0] == "ns":
        return instant
    seconds = instant.astype("datetime64[s]")
    if seconds < _EARLIEST.astype("datetime64[s]"):
        return _EARLIEST
    if seconds > _LATEST.astype("datetime64[s]"):
        return _LATEST
    held: np.datetime64 = instant.astype("datetime64[ns]")
    return held


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


Instant = params.Instant | None
"""A time as a query takes it: a parsed instant, or None for the last step."""


def nearest_time(axis: TimeAxis, spec: Instant, name: str = "time") -> int:
    """Index of the step that stands for ``spec`` (None: the last step).

    Where the steps stand for periods (``TimeAxis.cells``: CF bounds, monthly or daily
    cadence), the step whose period holds the instant; an instant outside every period is a
    400 naming the coverage (in a gap between periods: the nearest step). Otherwise the
    nearest step; instants further than half a step outside the coverage are a 400.
    """
    values = axis.values
    if spec is None:
        return values.size - 1
    instant = as_ns(spec)
    cells = axis.cells
    if cells is not None:
        starts, ends = cells
        if instant < starts[0] or instant >= ends[-1]:
            raise InvalidParameters.single(
                name,
                f"{params.iso_text(spec)} is outside the time coverage "
                f"{iso(starts[0])}/{iso(ends[-1])} (the periods its steps stand for)",
            )
        holder = int(np.searchsorted(starts, instant, side="right")) - 1
        if instant < ends[holder]:
            return holder
    slack = _tolerance(values)
    if instant < values[0] - slack or instant > values[-1] + slack:
        raise InvalidParameters.single(
            name, f"{params.iso_text(spec)} is outside the time coverage {_coverage(axis)}"
        )
    after = int(np.searchsorted(values, instant))
    candidates = [c for c in (after - 1, after) if 0 <= c < values.size]
    return min(candidates, key=lambda c: abs(values[c] - instant))


def time_range(axis: TimeAxis, start: Instant, end: Instant) -> slice:
    """The steps from ``start`` to ``end`` inclusive (None: that end of the axis)."""
    values = axis.values
    low = values[0] if start is None else as_ns(start)
    high = values[-1] if end is None else as_ns(end)
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


def nearest_depth(axis: VerticalAxis, depth: params.DepthSpec | None) -> DepthChoice:
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
