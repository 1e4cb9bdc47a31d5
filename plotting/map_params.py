"""The map's parameters, apart from the plot type (``plotting.types.map``) so that the
projected drawing (``plotting.projected``), which the map calls, can take them without
importing the map back."""

from __future__ import annotations

from pydantic import Field

from plotting.compare import CompareParams
from plotting.params import Depth, Time
from plotting.projections import PLATE_CARREE, ProjectionName
from schemas import params, patterns


class MapParams(CompareParams):
    """Parameters of a map."""

    bbox: params.BBoxParam | None = Field(
        default=None,
        description="minlon,minlat,maxlon,maxlat as in the area data query; minlon > maxlon "
        "crosses the antimeridian. Default: the whole dataset.",
        examples=["-80,0,0,60"],
    )
    time: Time = None
    depth: Depth = None
    quiver: str | None = Field(
        default=None,
        description="Vector pair id to overlay as arrows (east/north components, rotated from "
        "grid axes where the dataset needs it).",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["current"],
    )
    quiver_density: int = Field(
        default=20, ge=4, le=80, description="Arrows across the longer side.", examples=[20]
    )
    contour: str | None = Field(
        default=None,
        description="Variable id to overlay as labelled contour lines (same time and depth).",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["thetao"],
    )
    contour_levels: int = Field(
        default=8, ge=2, le=40, description="Number of contour levels.", examples=[8]
    )
    projection: ProjectionName = Field(
        default=PLATE_CARREE,
        description="Map projection: plate-carree (longitude and latitude as they are: the "
        "fastest), mercator (80°S to 84°N), north-polar-stereo and south-polar-stereo (the "
        "box clipped to the cap poleward of 40°, a box of every longitude shown as a disc "
        "around the pole; a box outside the cap as it is, to 60° past the equator) or robinson "
        "(the whole globe when the box is global).",
        examples=["plate-carree"],
    )
