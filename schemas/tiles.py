"""The tiles API's documents: TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.origin import EXAMPLE_ORIGIN


class TileJSON(BaseModel):
    """A tile layer as TileJSON 3.0.0 describes it, for Leaflet, OpenLayers, MapLibre, QGIS."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tilejson": "3.0.0",
                    "name": "NOAA ERSST v5 global monthly sea surface temperature (2010-01 to "
                    "2020-08): Sea surface temperature",
                    "description": "Sea surface temperature, 250 colour bands, fitted to the "
                    "whole field; transparent where there is no data.",
                    "version": "1.0.0",
                    "attribution": "NOAA/NESDIS/NCEI ERSST v5 (Huang et al., 2017, "
                    "doi:10.1175/JCLI-D-16-0836.1), via NOAA PSL",
                    "scheme": "xyz",
                    "tiles": [
                        f"{EXAMPLE_ORIGIN}/api/v1/datasets/ersst-v5/tiles/WebMercatorQuad/"
                        "{z}/{x}/{y}.png?scale=auto"
                    ],
                    "minzoom": 0,
                    "maxzoom": 4,
                    "bounds": [-180.0, -88.0, 180.0, 88.0],
                    "center": [0.0, 0.0, 0],
                    "tileMatrixSet": "WebMercatorQuad",
                }
            ]
        },
    )

    tilejson: Literal["3.0.0"] = Field(default="3.0.0", description="The TileJSON version.")
    name: str = Field(description="The dataset and variable.")
    description: str = Field(description="What the tiles show and how they are coloured.")
    version: str = Field(default="1.0.0", description="The tile set's version.")
    attribution: str = Field(description="The dataset's credit line.")
    scheme: Literal["xyz"] = Field(default="xyz", description="Rows counted from the north.")
    tiles: list[str] = Field(
        description="URL template of the tiles, with the request's parameters: {z}/{x}/{y}."
    )
    minzoom: int = Field(ge=0, le=30, description="The shallowest zoom served.")
    maxzoom: int = Field(
        ge=0,
        le=30,
        description="The zoom at which a cell of the data is about 16 pixels across; deeper "
        "zooms are served too (each pixel takes its nearest cell) but show nothing new.",
    )
    bounds: list[float] = Field(
        min_length=4,
        max_length=4,
        description="The data's footprint: west, south, east, north (degrees).",
    )
    center: list[float] = Field(
        min_length=3,
        max_length=3,
        description="Longitude, latitude and zoom (a whole number) to open a map at.",
    )
    tile_matrix_set: str = Field(
        alias="tileMatrixSet",
        description="The OGC tile matrix set of the tiles (WebMercatorQuad: the XYZ scheme of "
        "web maps; WorldCRS84Quad: plate carrée, two tiles at zoom 0).",
    )
