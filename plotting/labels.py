"""Labels for people: units as symbols, times at the data's cadence, depths to what the levels
resolve.

Plots only. Data answers (JSON, CSV, NetCDF, CoverageJSON) keep UDUNITS strings and ISO times;
parsing units stays in ``catalog.units`` (pint with cf-xarray's UDUNITS registry), and this
module only decides how a parsed unit, an instant or a level reads on a figure.
"""

from __future__ import annotations

import math
import re
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from catalog.axes import TimeAxis
from catalog.units import parse_units

# ----------------------------------------------------------------------------- units

_SALINITY = {"sea_water_practical_salinity", "sea_water_salinity"}
"""Standard names whose dimensionless units are practical salinity, read as 'PSU'."""
_SALINITY_UNITS = {"", "1", "1e-3", "0.001", "psu", "pss-78", "pss78"}

# Symbols of cf-xarray's 'cf' unit format that read better otherwise.
_SYMBOLS = {
    "deg": "°",
    "degrees_north": "°N",
    "degrees_east": "°E",
    "psu": "PSU",
}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_POWER = re.compile(r"^(?P<base>.*?[^\d-])(?P<power>-?\d+)$")


def display_units(units: str | None, standard_name: str | None = None) -> str:
    """Units as people write them: 'degC' -> '°C', 'm s-1' -> 'm s⁻¹', '1' -> ''.

    A dimensionless salinity ('1e-3', '0.001', 'psu', '1') of a variable whose CF standard
    name is sea_water_practical_salinity or sea_water_salinity reads 'PSU'; units that do not
    parse are shown as written.
    """
    text = (units or "").strip()
    if standard_name in _SALINITY and text.lower() in _SALINITY_UNITS:
        return "PSU"
    if not text:
        return ""
    unit = parse_units(text)
    if unit is None:
        return text
    written = f"{unit:cf}"
    if written == "1":  # a pure number
        return ""
    return " ".join(_symbol(token) for token in written.split())


def _symbol(token: str) -> str:
    """'s-1' -> 's⁻¹', 'deg' -> '°', 'm2' -> 'm²'."""
    match = _POWER.match(token)
    base, power = (match["base"], match["power"]) if match else (token, "")
    return _SYMBOLS.get(base, base) + power.translate(_SUPERSCRIPT)


def with_units(title: str, units: str | None, standard_name: str | None = None) -> str:
    """'Sea surface temperature (°C)'; the title alone when there are no units to show."""
    shown = display_units(units, standard_name)
    return f"{title} ({shown})" if shown else title


# ----------------------------------------------------------------------------- times

Cadence = Literal["month", "day", "minute"]
"""How finely a time axis's instants are worth printing."""

_DAY = np.timedelta64(1, "D")


def cadence(axis: TimeAxis | None) -> Cadence:
    """The cadence of a time axis: of the periods its steps stand for (``TimeAxis.cells``, the
    rule time selection uses too) when it has them, a month or more: 'month', a day or more:
    'day'; else of its median step, at least a day: 'day', shorter: 'minute'. One instant
    reads as a day when it is at midnight, else to the minute."""
    if axis is None:
        return "minute"
    if axis.cells is not None:
        starts, ends = axis.cells
        length = np.median(ends - starts)
        if length >= 28 * _DAY:
            return "month"
        if length >= _DAY:
            return "day"
    values = np.unique(axis.values.astype("datetime64[ns]"))
    if values.size < 2:
        at_midnight = values.size == 1 and values[0] == values[0].astype("datetime64[D]")
        return "day" if at_midnight else "minute"
    return "day" if np.median(np.diff(values)) >= _DAY else "minute"


def time_label(instant: str | np.datetime64 | pd.Timestamp, at: Cadence) -> str:
    """'2020-08' (month), '2020-08-01' (day) or '2020-08-01 12:00 UTC' (minute)."""
    if isinstance(instant, str):
        instant = instant.strip().rstrip("Z")
    stamp = pd.Timestamp(instant)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if at == "month":
        return stamp.strftime("%Y-%m")
    if at == "day":
        return stamp.strftime("%Y-%m-%d")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


# ----------------------------------------------------------------------------- depths

MAX_DIGITS = 4
"""Significant digits a depth is printed with at most (unless two levels would then match)."""


def depth_labels(levels: npt.ArrayLike) -> list[str]:
    """Each level printed to what the levels resolve: 6.0541 -> '6', 0.494 -> '0.5'.

    A level is rounded to the coarsest decimal step (1, 0.1, 10, ...) that is at most a tenth
    of the distance to its nearest other level, so the printed depth is within 5 % of that
    distance and no two levels print the same; at most ``MAX_DIGITS`` significant digits
    (finer only where two levels would otherwise print the same). A lone level has
    ``MAX_DIGITS``.
    """
    depths = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    gaps = _nearest_gaps(depths)
    exponents = [_step_exponent(d, g) for d, g in zip(depths, gaps, strict=True)]
    texts = [
        _rounded(d, e) if math.isfinite(g) else _significant(d)
        for d, e, g in zip(depths, exponents, gaps, strict=True)
    ]
    for _ in range(12):  # finer where two levels still print the same (levels 0.01 % apart)
        shown: dict[str, set[float]] = {}
        for text, depth in zip(texts, depths, strict=True):
            shown.setdefault(text, set()).add(float(depth))
        clashes = [i for i, text in enumerate(texts) if len(shown[text]) > 1]
        if not clashes:
            break
        for i in clashes:
            exponents[i] -= 1
            texts[i] = _rounded(depths[i], exponents[i])
    return texts


def depth_label(depth: float, levels: npt.ArrayLike | None) -> str:
    """'6 m': a depth printed as its level is among ``levels``, else to 4 significant digits."""
    axis = np.atleast_1d(np.asarray(levels if levels is not None else [], dtype=np.float64))
    if axis.size:
        match = np.flatnonzero(np.isclose(axis, depth, rtol=1e-6, atol=1e-6))
        if match.size:
            return f"{depth_labels(axis)[int(match[0])]} m"
    return f"{_significant(float(depth))} m"


def _nearest_gaps(depths: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Distance from each level to its nearest other (distinct, finite) level; inf if none."""
    distinct = np.unique(depths[np.isfinite(depths)])
    gaps = np.full(depths.shape, np.inf)
    if distinct.size < 2:
        return gaps
    steps = np.diff(distinct)
    around = np.minimum(np.append(steps, np.inf), np.insert(steps, 0, np.inf))
    found = np.searchsorted(distinct, depths).clip(0, distinct.size - 1)
    ok = np.isfinite(depths)
    gaps[ok] = around[found[ok]]
    return gaps


def _step_exponent(depth: float, gap: float) -> int:
    """Power of ten of the rounding step: at most gap / 10, no finer than MAX_DIGITS digits."""
    if not math.isfinite(depth):
        return 0
    finest = math.floor(math.log10(abs(depth))) - (MAX_DIGITS - 1) if depth else -MAX_DIGITS
    if not math.isfinite(gap) or gap <= 0:
        return finest
    return max(math.floor(math.log10(gap / 10)), finest)


def _significant(depth: float) -> str:
    """A depth to ``MAX_DIGITS`` significant digits, without trailing zeros: 5.0 -> '5'."""
    text = _rounded(depth, _step_exponent(depth, math.inf))
    return text.rstrip("0").rstrip(".") if "." in text else text


def _rounded(depth: float, exponent: int) -> str:
    """The depth rounded to a step of 10**exponent, with just the decimals that step needs."""
    if not math.isfinite(depth):
        return str(depth)
    decimals = max(0, -exponent)
    value = round(depth / 10.0**exponent) * 10.0**exponent
    text = f"{value:.{decimals}f}"
    return "0" if text.strip("-0.") == "" else text
