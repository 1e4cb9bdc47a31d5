"""colorbar: a standalone colour legend for a variable, scale and colour map (for web maps)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from pydantic import Field

from catalog import query
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


class ColorbarParams(PlotParams):
    """Parameters of a colour legend."""

    width: int = Field(
        default=400, ge=64, le=4096, description="Image width in pixels.", examples=[400]
    )
    height: int = Field(
        default=90, ge=32, le=4096, description="Image height in pixels.", examples=[90]
    )
    orientation: Literal["horizontal", "vertical"] = Field(
        default="horizontal", description="Direction of the colour ramp.", examples=["horizontal"]
    )
    time: Time = None
    depth: Depth = None


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
    low, high = colour_range(p, info, [values], units, speed=name != info.id)
    fig = Figure(figsize=(p.width / p.dpi, p.height / p.dpi), dpi=p.dpi, layout="constrained")
    ax = fig.add_subplot()
    mappable = ScalarMappable(
        norm=Normalize(low, high), cmap=colormap(p, info, speed=name != info.id)
    )
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
)
