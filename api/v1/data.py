"""Data queries: point, time series, profile, area and transect, in four formats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query, Request
from fastapi.responses import Response

from api.deps import AsyncDatasetDep, SettingsDep
from api.encoding import answer
from api.errors import NotAcceptable
from api.negotiation import negotiate
from api.responses import DATA_ERRORS, problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog import jobs
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData
from catalog.geo import check_vertices
from catalog.query import requests
from schemas import params, patterns
from schemas.data import DataResult

router = PrefixedRouter(prefix=API_V1, tags=["Data"])
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Response]])

MAX_SAMPLES = 2000

Variables = Annotated[
    str | None,
    Query(
        description="Comma-separated variable ids, or a vector pair id (gives east, north, speed "
        "and direction). Default: every variable that has the axes the query needs.",
        pattern=patterns.NAME_LIST,
        max_length=patterns.LIST_MAX,
        examples=["sst"],
    ),
]
Lon = Annotated[
    float,
    Query(
        ge=-360,
        le=360,
        allow_inf_nan=False,
        description="Longitude, degrees east (-180..180 or 0..360).",
        examples=[-140.0],
    ),
]
Lat = Annotated[
    float,
    Query(
        ge=-90, le=90, allow_inf_nan=False, description="Latitude, degrees north.", examples=[0.5]
    ),
]
Time = Annotated[
    params.TimeParam,
    Query(
        description="ISO 8601 instant or 'latest' (the default): the step whose period holds it "
        "(monthly means: its calendar month; CF bounds; daily: its day), else the nearest step.",
        examples=["2015-12-01T00:00:00Z"],
    ),
]
Depth = Annotated[
    params.DepthParam | None,
    Query(
        description="Metres, positive down (nearest level), 'surface' (the default) or "
        "'bottom' (the deepest level with data at that place).",
        examples=["surface"],
    ),
]
Interp = Annotated[
    Literal["nearest", "linear"],
    Query(
        description="'nearest' cell, or 'linear': bilinear on regular grids, barycentric in "
        "the triangle of surrounding cell centres on curvilinear grids and in the mesh's own "
        "triangle on UGRID meshes (values on faces: the face holding the point); land cells "
        "are left out and the weights renormalised.",
        examples=["nearest"],
    ),
]
PathTypeQuery = Annotated[
    params.PathType,
    Query(description=params.PATH_TYPE_DESCRIPTION, examples=["rhumb"]),
]
Format = Annotated[
    Literal["json", "csv", "nc", "covjson"] | None,
    Query(
        description="json, csv (tidy, units in the header), nc (CF NetCDF) or covjson "
        "(CoverageJSON). Without `f`, the Accept header decides (application/json, text/csv, "
        "application/x-netcdf, application/prs.coverage+json), else json.",
        examples=["json"],
    ),
]
OFFERS = {
    "json": ["application/json"],
    "csv": ["text/csv"],
    "nc": ["application/x-netcdf", "application/netcdf"],
    "covjson": ["application/prs.coverage+json"],
}
"""The formats a data query answers in, json first (the default), and the media types each
satisfies in an Accept header."""
Units = Annotated[
    str | None,
    Query(
        description="Convert values to these units (UDUNITS), e.g. degF, K, knot, cm s-1.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
        examples=["degC"],
    ),
]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The selected values, in the format asked for with `f`. Small queries "
        "are answered at once; larger ones run in a data worker and are streamed "
        '(`Server-Timing: source;desc="inline"` or `"worker"`).',
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-netcdf": {"schema": {"type": "string", "format": "binary"}},
            "application/prs.coverage+json": {"schema": {"type": "object"}},
        },
    },
    **problem_responses(NoData, NotAcceptable, *DATA_ERRORS),
}


def _query(path: str, operation_id: str, summary: str) -> Callable[[Handler], Handler]:
    """The route decorator every data query shares: its model, responses and names."""
    return router.get(
        path,
        operation_id=operation_id,
        name=operation_id,
        summary=summary,
        response_model=DataResult,
        responses=_RESPONSES,
    )


def _names(variables: str | None) -> list[str] | None:
    if variables is None:
        return None
    names = [n.strip() for n in variables.split(",") if n.strip()]
    if not names:
        raise InvalidParameters.single("variables", "give at least one variable id")
    return names


async def _respond(
    request: Request, dataset: OpenDataset, query: requests.Query, f: str | None, units: str | None
) -> Response:
    """The answer in the format asked for with `f`, else the one Accept prefers (406 if none)."""
    chosen = negotiate(request, OFFERS) if f is None else f
    return await answer(request, jobs.DataJob(dataset.id, query, chosen, units), f is None)


@_query("/datasets/{dataset_id}/data/point", "queryPoint", "Values at a point")
async def point(
    request: Request,
    dataset: AsyncDatasetDep,
    lon: Lon,
    lat: Lat,
    variables: Variables = None,
    time: Time = None,
    depth: Depth = None,
    interp: Interp = "nearest",
    f: Format = None,
    units: Units = None,
) -> Response:
    """Values of one or more variables at a place, at the step holding `time`, nearest level.

    The response reports the time, depth and grid cells (with weights) actually used, and
    each row the cell's position (`cell_longitude`, `cell_latitude`), the level and the step. A
    point on land gives null with `on_land: true`.
    """
    query = requests.Point(_names(variables), lon, lat, time, depth, interp)
    return await _respond(request, dataset, query, f, units)


@_query("/datasets/{dataset_id}/data/timeseries", "queryTimeseries", "Time series at a point")
async def timeseries(
    request: Request,
    dataset: AsyncDatasetDep,
    lon: Lon,
    lat: Lat,
    variables: Variables = None,
    start: Annotated[
        params.InstantParam | None,
        Query(
            description="First instant (ISO 8601); default: the start of the data.",
            examples=["2015-01-01"],
        ),
    ] = None,
    end: Annotated[
        params.InstantParam | None,
        Query(
            description="Last instant (ISO 8601); default: the end of the data.",
            examples=["2015-12-31"],
        ),
    ] = None,
    depth: Depth = None,
    interp: Interp = "nearest",
    f: Format = None,
    units: Units = None,
) -> Response:
    """Values at a place and level over a time range (the whole axis by default)."""
    query = requests.Timeseries(_names(variables), lon, lat, start, end, depth, interp)
    return await _respond(request, dataset, query, f, units)


@_query("/datasets/{dataset_id}/data/profile", "queryProfile", "Vertical profile at a point")
async def profile(
    request: Request,
    dataset: AsyncDatasetDep,
    lon: Lon,
    lat: Lat,
    variables: Variables = None,
    time: Time = None,
    depth_min: Annotated[
        float | None,
        Query(
            ge=0,
            le=patterns.DEPTH_MAX_M,
            allow_inf_nan=False,
            description="Shallowest level to include (m).",
            examples=[0],
        ),
    ] = None,
    depth_max: Annotated[
        float | None,
        Query(
            ge=0,
            le=patterns.DEPTH_MAX_M,
            allow_inf_nan=False,
            description="Deepest level to include (m).",
            examples=[1000],
        ),
    ] = None,
    interp: Interp = "nearest",
    f: Format = None,
    units: Units = None,
) -> Response:
    """Values at a place and time over every level, or the levels in a depth range."""
    query = requests.Profile(_names(variables), lon, lat, time, depth_min, depth_max, interp)
    return await _respond(request, dataset, query, f, units)


@_query("/datasets/{dataset_id}/data/area", "queryArea", "Values in a box")
async def area(
    request: Request,
    dataset: AsyncDatasetDep,
    bbox: Annotated[
        params.BBoxParam,
        Query(
            description="minlon,minlat,maxlon,maxlat in degrees; minlon > maxlon crosses the "
            "antimeridian (170,-10,-170,10).",
            examples=["-170,-5,-120,5"],
        ),
    ],
    variables: Variables = None,
    time: Time = None,
    depth: Depth = None,
    stride: Annotated[
        int,
        Query(ge=1, le=1000, description="Take every n-th cell in each direction.", examples=[1]),
    ] = 1,
    max_cells: Annotated[
        int | None,
        Query(
            ge=1,
            le=100_000_000,
            description="Thin the box (a larger stride) until it has at most this many cells.",
            examples=[10000],
        ),
    ] = None,
    f: Format = None,
    units: Units = None,
) -> Response:
    """Cell values inside a box at one time and level (the box may cross the antimeridian).

    Regular grids give a latitude x longitude grid; curvilinear grids the index box holding
    the cells inside, with 2-D coordinates and null outside the box.
    """
    query = requests.Area(_names(variables), bbox, time, depth, stride, max_cells)
    return await _respond(request, dataset, query, f, units)


@_query("/datasets/{dataset_id}/data/transect", "queryTransect", "Values along a path")
async def transect(
    request: Request,
    dataset: AsyncDatasetDep,
    settings: SettingsDep,
    path: Annotated[
        params.PathParam,
        Query(
            description="Vertices as lon,lat;lon,lat;... (at least two; at most 1000 unless "
            "the service sets another limit).",
            examples=["-15,50;0,60"],
        ),
    ],
    variables: Variables = None,
    n: Annotated[
        int,
        Query(
            ge=2,
            le=MAX_SAMPLES,
            description="Samples, equally spaced in distance along the path.",
            examples=[100],
        ),
    ] = 100,
    path_type: PathTypeQuery = "rhumb",
    time: Time = None,
    depth: Annotated[
        params.DepthParam | None,
        Query(
            description="One level (metres, 'surface' or 'bottom'); default: every level "
            "(a vertical section).",
            examples=["10"],
        ),
    ] = None,
    interp: Interp = "nearest",
    f: Format = None,
    units: Units = None,
) -> Response:
    """Values along a path: a vertical section (distance x depth) or one level."""
    check_vertices("path", len(path), settings.max_path_points)
    query = requests.Transect(_names(variables), path, n, time, depth, interp, path_type)
    return await _respond(request, dataset, query, f, units)
