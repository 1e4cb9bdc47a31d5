"""Query parameters every plot type shares, and the location parameters some of them take.

Each plot type's parameter model subclasses ``PlotParams``; FastAPI turns its fields into typed,
documented query parameters.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from plotting import colormaps
from schemas import params, patterns

MAX_PIXELS = 8_000_000
"""The default limit on width x height (OCEANAPI_MAX_IMAGE_PIXELS); the API checks it."""
ImageFormat = Literal["png", "svg", "pdf"]


class PlotParams(BaseModel):
    """Presentation parameters shared by every plot type."""

    model_config = ConfigDict(frozen=True)

    variable: str | None = Field(
        default=None,
        description="Variable id (or vector pair id: its speed is drawn). Default: the "
        "dataset's first variable this plot type applies to.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["sst"],
    )
    f: ImageFormat = Field(
        default="png",
        description="Image format: png, svg or pdf. Without `f`, the Accept header decides "
        "(image/png, image/svg+xml, application/pdf), else png.",
        examples=["png"],
    )
    width: int | None = Field(
        default=None,
        ge=64,
        le=4096,
        description="Image width in pixels. Default: 800, or, when only `height` is given, "
        "what the plot's natural shape gives (a map: its box's aspect with room for the "
        "title, colour bar and credit line; other plots: 4:3).",
        examples=[800],
    )
    height: int | None = Field(
        default=None,
        ge=64,
        le=4096,
        description="Image height in pixels. Default: what the plot's natural shape gives "
        "for its width (a map: its box's aspect with room for the title, colour bar and "
        "credit line; other plots: 4:3, so 600 for 800 wide). width x height is at most "
        f"{MAX_PIXELS:,} unless the service sets another limit.",
        examples=[600],
    )
    dpi: int = Field(
        default=100,
        ge=50,
        le=300,
        description="Dots per inch: the size of text and lines relative to the image.",
        examples=[100],
    )
    colormap: str | None = Field(
        default=None,
        description="Colour map name from GET /api/v1/colormaps (append _r to reverse). "
        "Default: the catalog's, else one suited to the variable (cmocean thermal, haline...).",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["thermal"],
    )
    scale: params.ScaleParam | None = Field(
        default=None,
        description="Colour range (or a line plot's value range) 'min,max', or 'auto': fitted "
        "to the values drawn (their 2nd to 98th percentile; symmetric about 0 for signed "
        "quantities, from 0 for a speed). Without `scale`: the catalog's scale for the "
        "variable where it sets one, else 'auto'. A line plot's 'auto' is the whole range.",
        examples=["auto"],
    )
    title: str | None = Field(
        default=None,
        max_length=200,
        description="Title; default: the variable's name and the dataset's title.",
        examples=["Sea surface temperature"],
    )
    units: str | None = Field(
        default=None,
        description="Convert values to these units (UDUNITS), e.g. degF, K, knot, cm s-1. "
        "Default: the variable's `display_units` from the catalog, else the "
        "data's own. Labels show units as symbols (°C, m s⁻¹, PSU).",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
        examples=["degC"],
    )

    def other_datasets(self) -> dict[str, str]:
        """Datasets the parameters name besides the plot's own, by parameter (opened for the
        check and the render: a difference plot's ``compare_dataset``)."""
        return {}

    @field_validator("colormap")
    @classmethod
    def _known_colormap(cls, name: str | None) -> str | None:
        return colormaps.check(name)


# The location parameters, declared once each: sent as text, held parsed (schemas.params), so
# a render job reaches its worker with typed values, pickled, and is never parsed there.
Time = Annotated[
    params.TimeParam,
    Field(
        description="ISO 8601 instant (the step whose period holds it is drawn, else the nearest) "
        "or 'latest' (the default).",
        examples=["latest"],
    ),
]
Depth = Annotated[
    params.DepthParam | None,
    Field(
        description="Metres, positive down (nearest level), 'surface' (the default) or "
        "'bottom' (the deepest level with data at each place).",
        examples=["surface"],
    ),
]
DepthMin = Annotated[
    float | None,
    Field(
        ge=0,
        le=patterns.DEPTH_MAX_M,
        allow_inf_nan=False,
        description="Shallowest depth (m).",
        examples=[0],
    ),
]
DepthMax = Annotated[
    float | None,
    Field(
        ge=0,
        le=patterns.DEPTH_MAX_M,
        allow_inf_nan=False,
        description="Deepest depth (m).",
        examples=[1000],
    ),
]
Start = Annotated[
    params.InstantParam | None,
    Field(
        description="First instant (ISO 8601); default: the start of the data.",
        examples=["2019-01-01"],
    ),
]
End = Annotated[
    params.InstantParam | None,
    Field(
        description="Last instant (ISO 8601); default: the end of the data.",
        examples=["2020-08-01"],
    ),
]
Path = Annotated[
    params.PathParam,
    Field(
        description="Vertices as lon,lat;lon,lat;... (at least two; at most 1000 unless the "
        "service sets another limit), as in the transect data query.",
        examples=["-20,45;-10,55"],
    ),
]
Samples = Annotated[
    int,
    Field(
        ge=2,
        le=2000,
        description="Samples, equally spaced in distance along the path (see `path_type`).",
        examples=[200],
    ),
]
PathType = Annotated[
    params.PathType,
    Field(description=params.PATH_TYPE_DESCRIPTION, examples=["rhumb"]),
]
