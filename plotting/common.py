"""What every plot type needs: the variable to draw, its colours, labels and subtitle."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import Colormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.query import QueryResult
from catalog.query.convert import convert_or_400
from catalog.variables import VariableInfo
from plotting import colormaps
from plotting.errors import PlotTypeNotFound
from plotting.figure import annotate
from plotting.labels import cadence, depth_label, time_label, with_units
from plotting.layout import colour_bar
from plotting.params import PlotParams

Needs = tuple[str, ...]
"""Axes a variable must have for a plot type: 'time' (a time axis of steps), 'vertical'."""


@dataclass(frozen=True)
class RenderContext:
    """What a render function gets besides its parameters."""

    opened: OpenDataset
    max_values: int


def _has(info: VariableInfo, need: str) -> bool:
    if need == "time":
        return info.time is not None and info.time.dim is not None
    if need == "vertical":
        return info.vertical is not None
    raise ValueError(need)


def _describe(needs: Needs) -> str:
    words = {"time": "a time axis", "vertical": "depth levels"}
    return " and ".join(words[n] for n in needs)


def candidates(opened: OpenDataset, needs: Needs) -> list[str]:
    """Variable and vector pair ids of the dataset that a plot type needing ``needs`` can draw."""
    names = [i.id for i in opened.variables.values() if all(_has(i, n) for n in needs)]
    pairs = [p.id for p in opened.entry.vectors if all(n in names for n in (p.x, p.y))]
    return names + pairs


def choose_variable(
    opened: OpenDataset, name: str | None, needs: Needs, plot_type: str, param: str = "variable"
) -> tuple[str, VariableInfo]:
    """The id to draw and its (first) variable; 400 naming ``param`` when it cannot be drawn."""
    valid = candidates(opened, needs)
    if name is None:
        if not valid:
            raise PlotTypeNotFound(
                f"Plot type '{plot_type}' needs a variable with {_describe(needs)}; dataset "
                f"'{opened.id}' has none."
            )
        name = valid[0]
    infos = opened.resolve([name])  # 404 for an unknown id, with the valid ones
    if name not in valid:
        raise InvalidParameters.single(
            param,
            f"'{name}' has no {_describe(needs)}; for a {plot_type} plot of '{opened.id}' "
            f"choose from: {', '.join(valid) or 'none'}",
        )
    return name, infos[0]


def is_speed(da: xr.DataArray) -> bool:
    """Whether the drawn field is the speed of a vector pair."""
    return str(da.name).endswith("_speed")


def pick(data: xr.Dataset, name: str) -> xr.DataArray:
    """The drawn field: the variable itself, or the speed of a vector pair."""
    return data[name] if name in data else data[f"{name}_speed"]


def label(info: VariableInfo, da: xr.DataArray, name: str) -> str:
    """'Sea surface temperature (°C)': the drawn field's name and its units as symbols."""
    title = info.display_name
    if f"{name}_speed" == da.name:
        title = f"{info.vector.title if info.vector else name} speed"
    return with_units(title, da.attrs.get("units"), info.standard_name)


def plot_units(p: PlotParams, info: VariableInfo) -> str | None:
    """The units a plot draws the variable in: the request's ``units``, else the catalog's
    ``display_units``, else None (the data's own). Data answers never use this."""
    return p.units or info.override.display_units


def preset_range(p: PlotParams, info: VariableInfo) -> tuple[float, float] | None:
    """The range set without looking at the data: the request's ``min,max``, else (no
    ``scale`` at all) the catalog's scale for the variable, in the plot's units; None when the
    range is to be fitted to the data."""
    if isinstance(p.scale, tuple):
        return p.scale
    if p.scale is None:
        return catalog_range(info, plot_units(p, info))
    return None


def catalog_range(info: VariableInfo, units: str | None) -> tuple[float, float] | None:
    """The catalog's colour range for the variable in ``units`` (None: the data's), if it
    sets one."""
    if info.override.scale is None:
        return None
    low, high = info.override.scale
    if units and info.units:
        low, high = (float(convert_or_400(v, info.units, units, info.id)) for v in (low, high))
    return low, high


FIT_PERCENTILES = (2.0, 98.0)
"""'auto' fits the colour range to these percentiles of the values drawn."""


def fitted_range(
    values: Iterable[npt.ArrayLike], signed: bool = False, speed: bool = False
) -> tuple[float, float]:
    """The 2nd to 98th percentile of the finite values; symmetric about 0 when ``signed`` and
    they straddle it; from 0 for a speed. (0, 1) when nothing is finite."""
    finite = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in values])
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 1.0
    low, high = (float(v) for v in np.percentile(finite, FIT_PERCENTILES))
    if speed:
        return 0.0, high or 1.0
    if signed and low < 0 < high:
        bound = max(-low, high)
        return -bound, bound
    if low == high:
        spread = max(abs(low) * 0.01, 0.5) if low else 0.5
        return low - spread, high + spread
    return low, high


def colour_range(
    p: PlotParams,
    info: VariableInfo,
    values: Iterable[npt.ArrayLike],
    speed: bool = False,
) -> tuple[float, float]:
    """The colour range: the request's, the catalog's when ``scale`` is absent, else fitted
    to the values drawn (``fitted_range``)."""
    preset = preset_range(p, info)
    if preset is not None:
        return preset
    return fitted_range(values, signed=colormaps.is_diverging(info), speed=speed)


def colormap(p: PlotParams, info: VariableInfo, speed: bool = False) -> Colormap:
    """The requested colour map, else the variable's default; NaN drawn transparent."""
    default = "speed" if speed else colormaps.default_for(info)
    cmap = colormaps.get(p.colormap or default)
    return cmap.with_extremes(bad=(0, 0, 0, 0))


def used_in(result: QueryResult) -> dict[str, Any]:
    """What the query used for the drawn variable (time, depth): the first one's record."""
    used: dict[str, Any] = next(iter(result.selection["variables"].values()))
    return used


def shade(
    fig: Figure,
    ax: Axes,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    field: xr.DataArray,
    p: PlotParams,
    info: VariableInfo,
    name: str,
    shown: npt.ArrayLike | None = None,
) -> None:
    """The field (dims y, x) as cells coloured by the plot's colour map and range, with a bar.

    ``shown``: the values inside the axes' limits, which a fitted range fits (default: all)."""
    speed = is_speed(field)
    fit = field.values if shown is None else shown
    low, high = colour_range(p, info, [fit], speed)
    values = np.ma.masked_invalid(np.asarray(field.values, dtype=np.float64))
    mesh = ax.pcolormesh(
        x, y, values, shading="nearest", cmap=colormap(p, info, speed), vmin=low, vmax=high
    )
    colour_bar(fig, mesh, label(info, field, name))


MONTH_TICKS = 12
"""Up to this many monthly steps, a time axis is ticked at each step, labelled '2014-05'."""


def date_axis(
    axis: Axis, info: VariableInfo | None = None, times: npt.ArrayLike | None = None
) -> None:
    """Concise date ticks (2019, Feb, Mar, ...) on a time axis; a short monthly series (a
    variable whose axis has a monthly cadence) ticked at its steps and labelled by month."""
    steps = np.atleast_1d(np.asarray(times if times is not None else [], dtype="datetime64[ns]"))
    if info is not None and 0 < steps.size <= MONTH_TICKS and cadence(info.time) == "month":
        axis.set_major_locator(FixedLocator(date2num(steps)))  # type: ignore[no-untyped-call]
        axis.set_major_formatter(DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
        return
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axis.set_major_locator(locator)
    axis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def no_data_note(ax: Axes, lines: list[npt.NDArray[Any]], where: str) -> bool:
    """Say so on the axes when every line drawn is empty (all NaN: land, or outside the data),
    rather than leave a blank frame a reader could take for a failure; True then."""
    empty = all(not np.isfinite(np.asarray(values, dtype=float)).any() for values in lines)
    if empty:
        ax.text(
            0.5,
            0.5,
            f"No data at {where}\n(land, or outside the dataset)",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.3",
        )
    return empty


def finish(
    fig: Figure, p: PlotParams, info: VariableInfo, name: str, opened: OpenDataset, what: str
) -> Figure:
    """Title, the dataset and what was drawn, and the dataset's credit line."""
    annotate(
        fig,
        default_title(p, info, name, opened),
        opened.entry.title,
        what,
        opened.entry.attribution,
    )
    return fig


def subtitle(used: dict[str, Any], info: VariableInfo, extra: str | None = None) -> str:
    """'2020-08 · depth 0.5 m': the time and depth actually drawn, at the time axis's cadence
    and to what the depth levels resolve."""
    parts = []
    if used.get("time"):
        parts.append(time_label(str(used["time"]), cadence(info.time)))
    if used.get("depth_rule") == "bottom" or used.get("depth") == "bottom":
        parts.append("bottom")
    elif used.get("depth") is not None:
        parts.append(f"depth {level_label(info, float(used['depth']))}")
    if extra:
        parts.append(extra)
    return " · ".join(parts)


def level_label(info: VariableInfo, depth: float) -> str:
    """'6 m': a depth of the variable, printed to what its levels resolve."""
    return depth_label(depth, info.vertical.depths if info.vertical is not None else None)


def time_span(info: VariableInfo, times: npt.NDArray[np.datetime64]) -> str:
    """'2010-01 to 2020-08': the first and last instants drawn, at the axis's cadence."""
    at = cadence(info.time)
    return f"{time_label(times[0], at)} to {time_label(times[-1], at)}"


def default_title(p: PlotParams, info: VariableInfo, name: str, opened: OpenDataset) -> str:
    """The requested title, else the variable's name (a vector pair's: its title and 'speed')."""
    if p.title:
        return p.title
    if name != info.id and info.vector is not None:
        return f"{info.vector.title} speed"
    return info.display_name


def _hemisphere(value: float, positive: str, negative: str) -> str:
    if abs(value) < 1e-9:
        return "0°"
    return f"{abs(value):g}°{positive if value > 0 else negative}"


def _longitude(x: float) -> str:
    """'140°E', '120°W', '0°' and '180°' (neither east nor west), for any multiple of 360."""
    wrapped = ((x + 180.0) % 360.0) - 180.0
    return "180°" if abs(abs(wrapped) - 180.0) < 1e-9 else _hemisphere(wrapped, "E", "W")


LON_FORMAT = FuncFormatter(lambda x, _: _longitude(x))
LAT_FORMAT = FuncFormatter(lambda y, _: _hemisphere(y, "N", "S"))


def aspect_for(south: float, north: float) -> float:
    """Plate carrée aspect that keeps shapes right at the box's middle latitude."""
    middle = math.radians((south + north) / 2)
    return 1.0 / max(math.cos(middle), 0.2)
