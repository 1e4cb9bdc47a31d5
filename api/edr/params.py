"""Query parameters of the EDR facade, named and documented as OGC API - EDR 1.1 names them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query

from catalog.formats import CRS84, EPSG4326
from schemas import params, patterns

TAG = "OGC API – EDR"  # noqa: RUF001 - the standard's name, with its en dash

CollectionId = Annotated[
    str,
    Path(
        alias="collectionId",
        description="Collection id: a dataset id of the catalog, as listed by /edr/collections.",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["glorys"],
    ),
]

# Loose on purpose: the exact grammar is checked by the parser, which names what is wrong.
_WKT = r"^\s*[A-Za-z]+\s*(Z|M|ZM)?\s*\([ -~]*\)\s*$"
# Printable ASCII: what these parameters are made of, and what keeps a request line within
# the 64 KiB an HTTP server reads (uvicorn answers longer ones itself, in plain text).
_ASCII = r"^[ -~]*$"

Coords = Annotated[
    str,
    Query(
        description="Well Known Text in lon/lat degrees (CRS84; lat/lon when crs is EPSG:4326).",
        pattern=_WKT,
        max_length=16_000,
    ),
]
PointCoords = Annotated[
    str,
    Query(
        description="Where: `POINT(lon lat)`, or `MULTIPOINT((lon lat),(lon lat))` for several "
        "places (one coverage each). In lon/lat degrees (CRS84; lat lon with crs=EPSG:4326).",
        pattern=_WKT,
        max_length=16_000,
        examples=["POINT(-10 50)"],
    ),
]
PolygonCoords = Annotated[
    str,
    Query(
        description="`POLYGON((lon lat, ...))` or `MULTIPOLYGON`: the cells whose centres lie "
        "inside (on the boundary included). Polygons may extend past 180° to cross the "
        "antimeridian.",
        pattern=_WKT,
        max_length=16_000,
        examples=["POLYGON((-12 48,-8 48,-8 52,-12 52,-12 48))"],
    ),
]
LineCoords = Annotated[
    str,
    Query(
        description="`LINESTRING(lon lat, lon lat, ...)`: values at 100 points equally spaced "
        "along the lines joining the vertices (`path_type`; at most 1000 vertices). Over an "
        "observation collection the profiles within a corridor of it; there `LINESTRINGM` "
        "too, M the seconds since 1970-01-01T00:00:00Z at each vertex (not decreasing).",
        pattern=_WKT,
        max_length=16_000,
        examples=["LINESTRING(-15 48,5 62)"],
    ),
]
CorridorCoords = Annotated[
    str,
    Query(
        description="The corridor's centre line: `LINESTRING(lon lat, lon lat, ...)` (at most "
        "1000 vertices, joined as `path_type` says), or `LINESTRINGM(lon lat t, ...)` with t "
        "the seconds since 1970-01-01T00:00:00Z at each vertex (not decreasing): then only the "
        "profiles within a day of the path's time at their nearest point.",
        pattern=_WKT,
        max_length=16_000,
        examples=["LINESTRING(106 -9,110 -11.5,114 -10,116 -13)"],
    ),
]
Z = Annotated[
    str | None,
    Query(
        description="Depth in metres, positive down: a level `10`, a list `0,50,100`, a range "
        "`0/100` (every level in it) or `R{count}/{first}/{step}` (`R5/0/20`). Each value picks "
        "the nearest level. Default: the surface level. Several levels make a position query a "
        "vertical profile, an area or cube query a stack of levels.",
        max_length=1000,
        pattern=_ASCII,
        examples=["0/100"],
    ),
]
Datetime = Annotated[
    str | None,
    Query(
        description="An instant (the step whose period holds it, else the nearest), or an "
        "interval `start/end` with `..` for an open end (every step in it). Default: the latest "
        "time step. An interval makes a position query a time series, an area or cube query a "
        "stack of time steps.",
        max_length=1000,
        pattern=_ASCII,
        examples=["2021-06-29T00:00:00Z"],
    ),
]
ParameterName = Annotated[
    str | None,
    Query(
        alias="parameter-name",
        description="Comma-separated parameter ids (`parameter_names` of the collection), or "
        "a vector pair id. Default: every parameter the query applies to.",
        max_length=1000,
        pattern=_ASCII,
        examples=["thetao"],
    ),
]
ParameterNames = Annotated[
    str | None,
    Query(
        alias="parameter_names",
        description="The same as `parameter-name` (the spelling OWSLib sends).",
        max_length=1000,
        pattern=_ASCII,
        examples=["thetao"],
    ),
]
CRS_VALUES = (CRS84, "CRS84", "OGC:CRS84", EPSG4326, "EPSG:4326")
Crs = Annotated[
    Literal[
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        "CRS84",
        "OGC:CRS84",
        "http://www.opengis.net/def/crs/EPSG/0/4326",
        "EPSG:4326",
    ]
    | None,
    Query(
        description="CRS of `coords` and `bbox`, and of the response's coordinates: CRS84 "
        "(lon, lat; the default) or EPSG:4326 (lat, lon). GeoJSON is always lon, lat.",
        examples=["CRS84"],
    ),
]
QueryFormat = Annotated[
    Literal["CoverageJSON", "GeoJSON", "CSV", "NetCDF", "covjson", "geojson", "csv", "netcdf"]
    | None,
    Query(
        description="Output format: CoverageJSON (the default), GeoJSON, CSV or NetCDF "
        "(CF-1.8). Without `f`, the Accept header decides (application/prs.coverage+json or "
        "application/json, application/geo+json, text/csv, application/x-netcdf), else "
        "CoverageJSON.",
        examples=["CoverageJSON"],
    ),
]
PageFormat = Annotated[
    Literal["json", "html"] | None,
    Query(
        description="json, or html for a browser. Without `f`, the Accept header decides "
        "(application/json, text/html; JSON when it does not mind).",
        examples=["json"],
    ),
]
Bbox = Annotated[
    str,
    Query(
        description="minx,miny,maxx,maxy: lon/lat degrees (lat/lon with crs=EPSG:4326); "
        "minlon > maxlon crosses the antimeridian.",
        pattern=r"^\s*[-+0-9.eE]+(\s*,\s*[-+0-9.eE]+){3,5}\s*$",
        max_length=1000,
        examples=["-12,48,-8,52"],
    ),
]


def _resolution(axis: str) -> Any:
    return Query(
        alias=f"resolution-{axis}",
        ge=1,
        le=100_000,
        description=f"At most this many cells along {axis}: the box is thinned by the "
        "smallest even stride (the same along both axes) that honours both resolutions.",
        examples=[50],
    )


ResolutionX = Annotated[int | None, _resolution("x")]
ResolutionY = Annotated[int | None, _resolution("y")]
PathType = Annotated[
    params.PathType,
    Query(
        description=f"{params.PATH_TYPE_DESCRIPTION} (An extension: EDR does not say how a "
        "trajectory's vertices are joined.)",
        examples=["rhumb"],
    ),
]
Within = Annotated[
    float | None,
    Query(
        gt=0,
        le=20_037_509,
        allow_inf_nan=False,
        description="Radius around `coords`, in `within-units` (required for radius queries).",
        examples=[100],
    ),
]
WithinUnits = Annotated[
    Literal["km", "m", "mi", "nmi"] | None,
    Query(
        alias="within-units",
        description="Units of `within`: km, m, mi (statute miles) or nmi (nautical miles).",
        examples=["km"],
    ),
]
CorridorWidth = Annotated[
    float | None,
    Query(
        alias="corridor-width",
        gt=0,
        le=40_075_017,
        allow_inf_nan=False,
        description="The corridor's whole width in `width-units`, centred on the path (half of "
        "it either side): the profiles positioned within it (geodesic distance, WGS84). "
        "Required for corridor queries; over an observation collection a trajectory query "
        "takes it too (an extension), else 50 km. Observation collections only: a gridded "
        "collection answers no corridor query.",
        examples=[100],
    ),
]
WidthUnits = Annotated[
    Literal["km", "m", "mi", "nmi"] | None,
    Query(
        alias="width-units",
        description="Units of `corridor-width`: km, m, mi (statute miles) or nmi (nautical miles).",
        examples=["km"],
    ),
]
CorridorHeight = Annotated[
    float | None,
    Query(
        alias="corridor-height",
        gt=0,
        le=24_000,
        allow_inf_nan=False,
        description="The corridor's whole height in `height-units`, centred on the path. A "
        "LINESTRING path lies at the surface (as EDR says), so over profiles this keeps their "
        "levels down to half the height (0 to height/2 m deep); instead of `z`, not with it. "
        "Optional here (EDR lists it as required): without it, every level (or the `z` ones).",
        examples=[200],
    ),
]
HeightUnits = Annotated[
    Literal["m", "km"] | None,
    Query(
        alias="height-units",
        description="Units of `corridor-height`: m or km.",
        examples=["m"],
    ),
]
