"""CF axis detection: latitude, longitude, time and depth of each variable.

cf_xarray does the recognition (standard_name, units, axis, positive); the fall-backs cover
what the real sample files do: NEMO keeps ``nav_lat``/``nav_lon`` as data variables with no
standard_name and gives ``deptht`` ``positive='unknown'``; time coordinates without CF
attributes are found by their decoded dtype; GLORYS has a scalar time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import cf_xarray  # noqa: F401  (registers the .cf accessor)
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from catalog.units import canonical_units, to_metres_factor

_LAT_UNITS = {"degrees_north", "degree_north", "degree_N", "degrees_N", "degreeN", "degreesN"}
_LON_UNITS = {"degrees_east", "degree_east", "degree_E", "degrees_E", "degreeE", "degreesE"}
_VERTICAL_NAMES = re.compile(r"^(depth\w*|dept[htuvw]|nav_lev|lev|z|st_ocean|sw_ocean)$", re.I)


@dataclass(frozen=True, eq=False)
class TimeAxis:
    """A variable's time coordinate; ``dim`` is None for a scalar time (one instant).

    ``bounds``: the CF cell bounds of each step (``bounds`` attribute), (steps, 2), if any.
    """

    name: str
    dim: str | None
    values: npt.NDArray[np.datetime64] = field(repr=False)
    bounds: npt.NDArray[np.datetime64] | None = field(default=None, repr=False)

    @cached_property
    def cells(self) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]] | None:
        """(starts, ends) of the period each step stands for, [start, end), or None when the
        steps are instants (hourly, irregular, a single step without bounds).

        From the CF bounds when the file has them; else from the cadence: steps in successive
        calendar months, each stamped on the 1st at midnight or within two days of the month's
        middle, stand for their month (CF monthly means),
        steps a whole number of days apart, mostly one, for their UTC day.
        """
        return time_cells(self.values, self.bounds)


_DAY = np.timedelta64(1, "D")


def time_cells(
    values: npt.NDArray[np.datetime64], bounds: npt.NDArray[np.datetime64] | None = None
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]] | None:
    """The period of each step (see ``TimeAxis.cells``)."""
    if bounds is not None and bounds.shape == (values.size, 2):
        starts, ends = np.sort(bounds, axis=1).T
        ordered = bool(np.all(starts[1:] >= ends[:-1])) if values.size > 1 else True
        if ordered and bool(np.all((starts <= values) & (values <= ends) & (starts < ends))):
            return starts, ends
    if values.size < 2:
        return None
    steps = np.diff(values)
    if bool(np.any(steps <= np.timedelta64(0, "ns"))):
        return None
    stamps = pd.DatetimeIndex(values)
    months = np.asarray(stamps.year * 12 + stamps.month)
    month_steps = np.diff(months)
    if (
        np.all(month_steps >= 1)
        and np.median(month_steps) == 1
        and bool(np.all(steps >= 27 * _DAY))
        and _monthly_stamps(stamps)
    ):
        periods = stamps.to_period("M")
        return _ns(periods.start_time), _ns((periods + 1).start_time)
    if np.median(steps) == _DAY and bool(np.all(steps % _DAY == np.timedelta64(0, "ns"))):
        days = stamps.floor("D")
        return _ns(days), _ns(days + pd.Timedelta(days=1))
    return None


def _monthly_stamps(stamps: pd.DatetimeIndex) -> bool:
    """Every stamp is where CF monthly means are stamped: the 1st of its month at midnight, or
    within two days of the month's middle (30-day steps on arbitrary days are not months)."""
    starts = stamps.to_period("M").to_timestamp()
    middles = starts + pd.to_timedelta(stamps.days_in_month, unit="D") / 2
    first = np.asarray(stamps == starts)
    middle = np.asarray(np.abs(stamps - middles) <= pd.Timedelta(days=2))
    return bool(np.all(first | middle))


def _ns(index: pd.DatetimeIndex) -> npt.NDArray[np.datetime64]:
    return np.asarray(index.values).astype("datetime64[ns]")


@dataclass(frozen=True, eq=False)
class VerticalAxis:
    """A variable's vertical coordinate, with levels in metres, positive down."""

    name: str
    dim: str
    depths: npt.NDArray[np.float64] = field(repr=False)


def promote_coordinates(ds: xr.Dataset) -> xr.Dataset:
    """Make latitude/longitude data variables (NEMO's nav_lat, ROMS's lat_psi) coordinates."""
    names = [
        name
        for name, var in ds.data_vars.items()
        if var.attrs.get("units") in _LAT_UNITS | _LON_UNITS
        or var.attrs.get("standard_name") in {"latitude", "longitude"}
    ]
    return ds.set_coords(names) if names else ds


def horizontal_coordinates(da: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray] | None:
    """The (latitude, longitude) coordinates of a variable, the highest-dimensional pair."""
    found = da.cf.coordinates
    lats = [da.coords[n] for n in found.get("latitude", []) if n in da.coords]
    lons = [da.coords[n] for n in found.get("longitude", []) if n in da.coords]
    if not lats or not lons:
        return None
    lat = max(lats, key=lambda c: c.ndim)
    lon = max(lons, key=lambda c: c.ndim)
    return lat, lon


def time_axis(da: xr.DataArray, ds: xr.Dataset | None = None) -> TimeAxis | None:
    """The time coordinate of a variable: CF first, then any datetime-valued coordinate; with
    its CF bounds when ``ds`` (the variable's dataset) holds them."""
    names = [n for n in da.cf.coordinates.get("time", []) if n in da.coords]
    names += [n for n, c in da.coords.items() if _is_datetime(c) and n not in names]
    candidates = [da.coords[n] for n in names if da.coords[n].ndim <= 1]
    if not candidates:
        return None
    coord = max(candidates, key=lambda c: c.ndim)  # a dimension beats a scalar
    values = _as_datetime64(coord)
    return TimeAxis(
        name=str(coord.name),
        dim=str(coord.dims[0]) if coord.ndim else None,
        values=values,
        bounds=_bounds(coord, ds, values.size),
    )


def _bounds(
    coord: xr.DataArray, ds: xr.Dataset | None, steps: int
) -> npt.NDArray[np.datetime64] | None:
    """The CF bounds of a time coordinate as (steps, 2) instants; None without usable ones."""
    name = coord.attrs.get("bounds") or coord.encoding.get("bounds")
    if ds is None or not name or name not in ds.variables:
        return None
    bounds = ds[name]
    if not _is_datetime(bounds) or bounds.size != 2 * steps:
        return None
    return _as_datetime64(bounds).reshape(steps, 2)


def vertical_axis(da: xr.DataArray) -> VerticalAxis | None:
    """The vertical coordinate of a variable, as depths in metres, positive down."""
    names = [n for n in da.cf.coordinates.get("vertical", []) if n in da.coords]
    names += [n for n in da.cf.axes.get("Z", []) if n in da.coords and n not in names]
    names += [
        str(dim)
        for dim in da.dims
        if dim in da.coords and str(dim) not in names and _looks_vertical(da.coords[dim])
    ]
    for name in names:
        coord = da.coords[name]
        if coord.ndim != 1 or coord.dims[0] not in da.dims:
            continue
        factor = to_metres_factor(coord.attrs.get("units", "m"))
        if factor is None:  # pressure, sigma or density coordinates are not depths
            continue
        values = np.asarray(coord.values, dtype=np.float64) * factor
        if _points_up(coord, values):
            values = -values
        return VerticalAxis(name=str(name), dim=str(coord.dims[0]), depths=values)
    return None


def _looks_vertical(coord: xr.DataArray) -> bool:
    text = f"{coord.attrs.get('long_name', '')} {coord.attrs.get('standard_name', '')}".lower()
    return bool(_VERTICAL_NAMES.match(str(coord.name))) or "depth" in text or "vertical" in text


def _points_up(coord: xr.DataArray, values: npt.NDArray[np.float64]) -> bool:
    positive = str(coord.attrs.get("positive", "")).lower()
    if positive == "up":
        return True
    if positive == "down":
        return False
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all(finite <= 0)) and bool(np.any(finite < 0))


def _is_datetime(coord: xr.DataArray) -> bool:
    if np.issubdtype(coord.dtype, np.datetime64):
        return True
    return coord.dtype == object and coord.size > 0 and hasattr(coord.values.flat[0], "calendar")


def _as_datetime64(coord: xr.DataArray) -> npt.NDArray[np.datetime64]:
    values = np.atleast_1d(coord.values)
    if np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[ns]")
    # cftime instants of non-standard calendars: map to the nearest proleptic Gregorian instants.
    index = xr.CFTimeIndex(values).to_datetimeindex(time_unit="ns")  # type: ignore[no-untyped-call]
    return pd.DatetimeIndex(index).values.astype("datetime64[ns]")


def units_of(da: xr.DataArray, override: str | None) -> str | None:
    """The variable's units in UDUNITS spelling, after any catalog correction."""
    return canonical_units(override if override is not None else da.attrs.get("units"))
