"""colorbar: a standalone colour legend for a variable, scale and colour map (for web maps)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, LogNorm, Normalize
from matplotlib.figure import Figure
from pydantic import Field

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.query.convert import convert_units
from plotting.common import (
    RenderContext,
    choose_variable,
    colormap,
    colour_range,
    label,
    pick,
    plot_units,
    preset_range,
)
from plotting.labels import with_units
from plotting.params import Depth, PlotParams, Time
from plotting.plot_type import PlotType
from plotting.webmap.style import MAX_BANDS


class ColorbarParams(PlotParams):
    """Parameters of a colour legend."""

    width: int | None = Field(
        default=None,
        ge=64,
        le=4096,
        description="Image width in pixels. Default: 400 (horizontal) or 110 (vertical), or, "
        "when only `height` is given, the width keeping that shape.",
        examples=[400],
    )
    height: int | None = Field(
        default=None,
        ge=32,
        le=4096,
        description="Image height in pixels. Default: 90 (horizontal) or 400 (vertical), or, "
        "when only `width` is given, the height keeping that shape.",
        examples=[90],
    )
    orientation: Literal["horizontal", "vertical"] = Field(
        default="horizontal", description="Direction of the colour ramp.", examples=["horizontal"]
    )
    time: Time = None
    depth: Depth = None
    numcolorbands: int | None = Field(
        default=None,
        ge=2,
        le=MAX_BANDS,
        description="Colour bands the range is cut into, as map tiles and WMS maps draw them "
        "(each band the colour map's colour at its middle). Default: a continuous ramp.",
        examples=[20],
    )
    logscale: bool = Field(
        default=False,
        description="Bands evenly spaced in log10 of the value (the range must be positive; "
        "'auto' fits the positive values).",
        examples=[False],
    )


NATURAL = {"horizontal": (400, 90), "vertical": (110, 400)}
"""Width and height of a colour legend when neither is given; one given keeps this shape."""


def size(opened: OpenDataset, p: ColorbarParams) -> tuple[int, int]:
    """The legend's size: as asked, a missing side keeping the orientation's shape."""
    natural_w, natural_h = NATURAL[p.orientation]
    if p.width is not None and p.height is not None:
        return p.width, p.height
    if p.width is not None:
        return p.width, max(32, min(4096, round(p.width * natural_h / natural_w)))
    if p.height is not None:
        return max(64, min(4096, round(p.height * natural_w / natural_h))), p.height
    return natural_w, natural_h


def render(ctx: RenderContext, p: ColorbarParams) -> Figure:
    """Draw the legend (runs in a worker). An 'auto' scale is the range of the whole map."""
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, (), "colorbar")
    units = plot_units(p, info) or info.units
    if preset_range(p, info) is None and opened.bbox is not None:
        result = query.area(
            opened,
            [name],
            opened.bbox,
            p.time,
            p.depth,
            max_cells=200_000,
            max_values=ctx.max_values,
        )
        field = pick(convert_units(result, plot_units(p, info)).data, name)
        values = field.values
        text = label(info, field, name)
    else:
        values = np.array([np.nan])
        text = with_units(info.display_name, units, info.standard_name)
    if p.logscale:
        values = np.where(np.asarray(values) > 0, values, np.nan)
    low, high = colour_range(p, info, [values], speed=name != info.id)
    if p.logscale and low <= 0:
        raise InvalidParameters.single(
            "scale", f"a logarithmic scale needs a positive range; {low:g},{high:g} is not"
        )
    width, height = size(opened, p)
    fig = Figure(figsize=(width / p.dpi, height / p.dpi), dpi=p.dpi, layout="constrained")
    ax = fig.add_subplot()
    cmap = colormap(p, info, speed=name != info.id)
    if p.numcolorbands is not None:
        n = p.numcolorbands
        cmap = ListedColormap(cmap((np.arange(n) + 0.5) / n))
    norm = LogNorm(low, high) if p.logscale else Normalize(low, high)
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(mappable, cax=ax, orientation=p.orientation, label=p.title or text)
    return fig


PLOT_TYPE = PlotType(
    name="colorbar",
    summary="Colour legend",
    description="A standalone colour bar for a variable with a scale and colour map, to put "
    "beside map tiles or plots made elsewhere. With `scale=auto` (or no `scale` where the "
    "catalog sets none) the range is fitted to a map of the whole dataset at the same time and "
    "depth.",
    params=ColorbarParams,
    render=render,
    sizer=size,
)
