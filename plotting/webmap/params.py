"""The tiles API's query parameters: the field (variable, time, depth, units) and its style,
declared once, documented, delivered parsed (``schemas.params``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plotting import colormaps
from plotting.params import Depth, Time
from plotting.webmap.style import DEFAULT_BANDS, MAX_BANDS, MapStyle
from schemas import params, patterns


class TileParams(BaseModel):
    """What a tile shows and how it is coloured."""

    model_config = ConfigDict(frozen=True)

    variable: str | None = Field(
        default=None,
        description="Variable id (or vector pair id: its speed is drawn). Default: the "
        "dataset's first variable.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["sst"],
    )
    time: Time = None
    depth: Depth = None
    units: str | None = Field(
        default=None,
        description="Convert values to these units (UDUNITS) before colouring; default: the "
        "variable's `display_units` from the catalog, else the data's own.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
        examples=["degC"],
    )
    colormap: str | None = Field(
        default=None,
        description="Colour map name from GET /api/v1/colormaps (append _r to reverse); "
        "default: the variable's.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["thermal"],
    )
    scale: params.ScaleParam | None = Field(
        default=None,
        description="Colour range 'min,max', or 'auto': the 2nd to 98th percentile of the WHOLE "
        "field at this time and depth (not of the tile, so neighbouring tiles agree; symmetric "
        "about 0 for signed quantities, from 0 for a speed). Without `scale`: the catalog's "
        "scale for the variable where it sets one, else 'auto'.",
        examples=["auto"],
    )
    numcolorbands: int = Field(
        default=DEFAULT_BANDS,
        ge=2,
        le=MAX_BANDS,
        description="Colour bands the range is cut into (as ncWMS's NUMCOLORBANDS).",
        examples=[20],
    )
    logscale: bool = Field(
        default=False,
        description="Bands evenly spaced in log10 of the value (the range must be positive).",
        examples=[False],
    )
    above_max: params.OverflowParam = Field(
        default="extend",
        description="Values above the range: 'extend' (the top band's colour), 'transparent', "
        "or a colour '#RRGGBB' / '0xRRGGBB' ('#AARRGGBB' with alpha).",
        examples=["extend"],
    )
    below_min: params.OverflowParam = Field(
        default="extend",
        description="Values below the range: 'extend' (the bottom band's colour), "
        "'transparent', or a colour.",
        examples=["transparent"],
    )
    opacity: float = Field(
        default=1.0,
        ge=0.0,
        le=1.0,
        description="Opacity of the data's colours, 0 to 1.",
        examples=[1.0],
    )

    @field_validator("colormap")
    @classmethod
    def _known_colormap(cls, name: str | None) -> str | None:
        return colormaps.check(name)

    def style(self) -> MapStyle:
        """The colouring these parameters ask for."""
        return MapStyle(
            colormap=self.colormap,
            scale=self.scale,
            numcolorbands=self.numcolorbands,
            logscale=self.logscale,
            above=self.above_max,
            below=self.below_min,
            opacity=self.opacity,
        )
