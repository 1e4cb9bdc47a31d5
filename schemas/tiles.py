"""The tiles API's documents: TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TileJSON(BaseModel):
    """A tile layer as TileJSON 3.0.0 describes it, for Leaflet, OpenLayers, MapLibre, QGIS."""

    model_config = ConfigDict(extra="forbid")

    tilejson: Literal["3.0.0"] = "3.0.0"
    name: str = Field(description="The dataset and variable.")
    description: str = Field(description="What the tiles show and how they are coloured.")
    version: str = Field(default="1.0.0", description="The tile set's version.")
    attribution: str = Field(description="The dataset's credit line.")
    scheme: Literal["xyz"] = "xyz"
    tiles: list[str] = Field(
        description="URL template of the tiles, with the request's parameters: {z}/{x}/{y}."
    )
    minzoom: int = Field(ge=0, le=30)
    maxzoom: int = Field(
        ge=0,
        le=30,
        description="The zoom at which a cell of the data is about 16 pixels across; deeper "
        "zooms are served too (each pixel takes its nearest cell) but show nothing new.",
    )
    bounds: tuple[float, float, float, float] = Field(
        description="The data's footprint: west, south, east, north (degrees)."
    )
    center: tuple[float, float, int] = Field(
        description="Longitude, latitude and zoom to open a map at."
    )
    tile_matrix_set: str = Field(
        alias="tileMatrixSet",
        description="The OGC tile matrix set of the tiles (WebMercatorQuad: the XYZ scheme of "
        "web maps; WorldCRS84Quad: plate carrée, two tiles at zoom 0).",
    )
