"""EDR data queries: position, area, cube, trajectory, corridor and radius, over
catalog.query.shapes (and, over an observation collection, its profiles: ``api.edr.observed``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Annotated, Any

import numpy as np
import shapely
from fastapi import Depends, Request
from fastapi.responses import Response
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from starlette.concurrency import run_in_threadpool

import api.edr.observed as observed
from api.deps import CatalogDep, SettingsDep
from api.edr.params import (
    TAG,
    Bbox,
    CollectionId,
    CorridorCoords,
    CorridorHeight,
    CorridorWidth,
    Crs,
    Datetime,
    HeightUnits,
    LineCoords,
    ParameterName,
    ParameterNames,
    PathType,
    PointCoords,
    PolygonCoords,
    QueryFormat,
    ResolutionX,
    ResolutionY,
    WidthUnits,
    Within,
    WithinUnits,
    Z,
)
from api.edr.parsing import parse_bbox, parse_coords, parse_datetime, parse_z
from api.encoding import answer
from api.errors import NotAcceptable
from api.head import is_head
from api.negotiation import VARY_ACCEPT, negotiate
from api.responses import DATA_ERRORS, problem_responses
from api.routing import EDR, PrefixedRouter
from catalog import jobs
from catalog.errors import InvalidParameters, NoData
from catalog.formats import CRS84, EPSG4326
from catalog.geo import check_vertices
from catalog.observations import corridor as corridors
from catalog.observations.collection import ObservationCollection
from catalog.query import requests, shapes
from catalog.query.edr_requests import EdrArea, EdrCube, EdrPosition, EdrRadius, EdrTrajectory
from schemas.params import BBox, DatetimeSelection, Levels
from schemas.params import PathType as PathTypeValue

router = PrefixedRouter(prefix=f"{EDR}/collections/{{collectionId}}", tags=[TAG])

# f value -> our format key; Accept is consulted only when f is absent (OFFERS).
FORMATS = {
    "CoverageJSON": "covjson",
    "covjson": "covjson",
    "GeoJSON": "geojson",
    "geojson": "geojson",
    "CSV": "csv",
    "csv": "csv",
    "NetCDF": "nc",
    "netcdf": "nc",
}
OUTPUT_FORMATS = ["CoverageJSON", "GeoJSON", "CSV", "NetCDF"]
OFFERS = {
    "covjson": ["application/prs.coverage+json", "application/json"],
    "geojson": ["application/geo+json"],
    "csv": ["text/csv"],
    "nc": ["application/x-netcdf", "application/netcdf"],
}
"""Without `f`, what Accept chooses from, CoverageJSON first (the default). A client that asks
for plain application/json gets CoverageJSON, as it always has."""
_TO_CRS84 = Transformer.from_crs("EPSG:4326", "OGC:CRS84")

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The values, as CoverageJSON (a Coverage; a CoverageCollection for a "
        "MULTIPOINT), GeoJSON (a FeatureCollection of points), CSV or NetCDF, as `f` asks.",
        "content": {
            "application/prs.coverage+json": {"schema": {"type": "object"}},
            "application/geo+json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/x-netcdf": {"schema": {"type": "string", "format": "binary"}},
        },
    },
    204: {"description": "The query is valid but no cell centre lies in the shape asked for."},
    **problem_responses(NotAcceptable, *DATA_ERRORS),
}


PROFILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The profiles, ordered along the path: CoverageJSON (a "
        "CoverageCollection of VerticalProfile coverages, z depth in metres positive down), "
        "GeoJSON (a Feature per profile, its levels in its properties) or CSV (a row per "
        "level), as `f` asks.",
        "content": {
            "application/prs.coverage+json": {"schema": {"type": "object"}},
            "application/geo+json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    },
    204: {"description": "No profile in the corridor (at `datetime`, with a level at `z`)."},
    **problem_responses(NotAcceptable, *DATA_ERRORS),
}


def _route(
    query_type: str, summary: str, responses: dict[int | str, dict[str, Any]] = RESPONSES
) -> Callable[[Callable[..., Awaitable[Response]]], Any]:
    name = f"edr_{query_type}"
    return router.get(
        f"/{query_type}",
        operation_id=f"edrQuery{query_type.title()}",
        name=name,
        summary=summary,
        response_class=Response,
        responses=responses,
    )


class EdrQuery:
    """What every EDR query takes: the collection, levels, instants, parameters, CRS, format."""

    def __init__(
        self,
        request: Request,
        catalog: CatalogDep,
        settings: SettingsDep,
        collection_id: CollectionId,
        z: Z = None,
        datetime: Datetime = None,
        parameter_name: ParameterName = None,
        parameter_names: ParameterNames = None,
        crs: Crs = None,
        f: QueryFormat = None,
    ) -> None:
        self.request = request
        self.names = _names(parameter_name, parameter_names)
        self.crs = EPSG4326 if crs in {EPSG4326, "EPSG:4326"} else CRS84
        self._z, self._datetime = z, datetime
        self.max_path_points = settings.max_path_points
        self.catalog, self.collection_id = catalog, collection_id
        self.observations: ObservationCollection | None = None
        if collection_id in catalog.collection_ids:
            self.observations = observed.profile_collection(catalog, collection_id)
        else:
            self.dataset = catalog.dataset(collection_id)
        offers = OFFERS if self.observations is None else observed.OFFERS
        self.negotiated = f is None
        self.format = negotiate(request, offers) if f is None else FORMATS[f]
        if self.format not in offers:
            raise InvalidParameters.single(
                "f", f"an observation collection answers {', '.join(observed.OUTPUT_FORMATS)}"
            )

    @cached_property
    def datetime(self) -> DatetimeSelection:
        """``datetime`` parsed (once, when a query first needs it: after its place)."""
        return parse_datetime(self._datetime)

    @property
    def z_given(self) -> bool:
        """Whether the request gives ``z``."""
        return self._z is not None

    @property
    def datetime_given(self) -> bool:
        """Whether the request gives ``datetime``."""
        return self._datetime is not None

    @cached_property
    def z(self) -> Levels:
        """``z`` parsed (once, as ``datetime``)."""
        return parse_z(self._z)

    def geometry(self, coords: str, *kinds: str) -> BaseGeometry:
        """``coords`` parsed, in CRS84 (EPSG:4326 lat/lon swapped by pyproj's axis rules)."""
        geometry = parse_coords(coords, kinds)
        if self.crs == EPSG4326:
            geometry = shapely.transform(
                geometry, lambda xy: np.column_stack(_TO_CRS84.transform(xy[:, 0], xy[:, 1]))
            )
        return geometry

    def gridded(self, query_type: str) -> None:
        """Refuse a query type that an observation collection does not answer (400)."""
        if self.observations is not None:
            raise observed.unsupported(self.collection_id, query_type, observations=True)

    async def profiles(
        self,
        bbox: BBox | None = None,
        keep: observed.Keep | None = None,
        pick: observed.Pick | None = None,
        z: Levels | None = None,
    ) -> Response:
        """The observation collection's profiles in the box and shape (those ``pick`` picks,
        in its order), at `datetime` (every time by default), at the `z` levels (every level by
        default; ``z`` instead when given)."""
        assert self.observations is not None
        names = observed.names_of(self.names)
        found = observed.search(self.observations, self.datetime, bbox=bbox, keep=keep)
        if pick is not None:
            found = await run_in_threadpool(pick, found)
        headers = dict(VARY_ACCEPT) if self.negotiated else {}
        return await observed.answer(
            self.observations,
            found,
            names,
            self.z if z is None else z,
            self.format,
            self.crs,
            headers,
            head=is_head(self.request),
        )

    async def answer(self, query: requests.Query) -> Response:
        """Run the query wherever its size sends it, in the format asked for; no cell in the
        shape is a 204."""
        job = jobs.DataJob(self.collection_id, query, self.format, crs=self.crs)
        try:
            return await answer(self.request, job, self.negotiated)
        except NoData:
            return Response(status_code=204)


QueryDep = Annotated[EdrQuery, Depends()]


@_route("position", "Values at a place (a point, a time series or a vertical profile)")
async def position(query: QueryDep, coords: PointCoords) -> Response:
    """The nearest cell's values at one instant and level (a Point coverage); over an interval
    of `datetime` a PointSeries, over several `z` a VerticalProfile. A MULTIPOINT gives one
    coverage per place. (Observation collections: not answered, a 400.)"""
    query.gridded("position")
    geometry = query.geometry(coords, "Point", "MultiPoint")
    points = tuple((float(p.x), float(p.y)) for p in getattr(geometry, "geoms", [geometry]))
    return await query.answer(EdrPosition(query.names, points, query.datetime, query.z))


@_route("area", "Values in a polygon")
async def area(
    query: QueryDep,
    coords: PolygonCoords,
    resolution_x: ResolutionX = None,
    resolution_y: ResolutionY = None,
) -> Response:
    """The cells whose centres lie in the polygon, at each chosen time step and level; a Grid
    coverage on regular grids, a MultiPoint on curvilinear ones (cells outside are null)."""
    polygon = query.geometry(coords, "Polygon", "MultiPolygon")
    if query.observations is not None:
        return await query.profiles(keep=observed.inside(polygon))
    resolution = _resolution(resolution_x, resolution_y)
    job = EdrArea.of(query.names, polygon, query.datetime, query.z, resolution)
    return await query.answer(job)


@_route("cube", "Values in a box")
async def cube(
    query: QueryDep,
    bbox: Bbox,
    resolution_x: ResolutionX = None,
    resolution_y: ResolutionY = None,
) -> Response:
    """The cells in the box at each chosen time step and level (a stack of the native area
    query); the box may cross the antimeridian."""
    box = parse_bbox(bbox, lat_lon=query.crs == EPSG4326)
    if query.observations is not None:
        return await query.profiles(bbox=box)
    resolution = _resolution(resolution_x, resolution_y)
    job = EdrCube(query.names, box, query.datetime, query.z, resolution)
    return await query.answer(job)


@_route("trajectory", "Values along a line; over observations, the profiles along it")
async def trajectory(
    query: QueryDep,
    coords: LineCoords,
    path_type: PathType = "rhumb",
    corridor_width: CorridorWidth = None,
    width_units: WidthUnits = None,
) -> Response:
    """Values at 100 points equally spaced along the line (rhumb lines or geodesics joining its
    vertices), at one instant and level (a Trajectory coverage).

    Over an observation collection: the profiles positioned within a corridor of the path
    (`corridor-width` in `width-units`, else 50 km wide: 25 km either side; geodesic distance
    on WGS84, the path crossing the antimeridian the short way), ordered along the path (by
    where each is nearest it), as the area query answers them. With `LINESTRINGM` (M: seconds
    since 1970-01-01T00:00:00Z at each vertex) a profile is kept only within one day of the
    path's time at its nearest point (the times interpolated in distance between vertices), and
    `datetime` is refused; else `datetime` chooses the profiles' times (every time by
    default)."""
    if query.observations is not None:
        width = corridors.DEFAULT_WIDTH_M
        if corridor_width is not None or width_units is not None:
            width = corridors.metres(corridor_width, width_units, "corridor-width", "width-units")
        return await query.profiles(pick=_along(query, coords, path_type, width))
    if corridor_width is not None or width_units is not None:
        name = "corridor-width" if corridor_width is not None else "width-units"
        raise InvalidParameters.single(
            name, "a gridded collection's trajectory samples the line itself: no corridor"
        )
    line = query.geometry(coords, "LineString")
    vertices = tuple((float(x), float(y)) for x, y in shapely.get_coordinates(line))
    check_vertices("coords", len(vertices), query.max_path_points)
    trajectory = EdrTrajectory(query.names, vertices, query.datetime, query.z, path_type)
    return await query.answer(trajectory)


@_route(
    "corridor",
    "The profiles within a corridor of a line (observation collections)",
    PROFILE_RESPONSES,
)
async def corridor(
    query: QueryDep,
    coords: CorridorCoords,
    corridor_width: CorridorWidth = None,
    width_units: WidthUnits = None,
    corridor_height: CorridorHeight = None,
    height_units: HeightUnits = None,
    path_type: PathType = "rhumb",
) -> Response:
    """The profiles positioned within `corridor-width` `width-units` of the path (the whole
    width, centred on it: half either side; geodesic distance on WGS84, legs joined as
    `path_type` says, crossing the antimeridian the short way), ordered along the path, as the
    trajectory query selects them with an explicit width (`LINESTRINGM` times too). With
    `corridor-height` the levels from the surface down to half of it (a LINESTRING lies at
    the surface). Gridded collections answer no corridor query (a 400 naming theirs)."""
    if query.observations is None:
        raise observed.unsupported(query.collection_id, "corridor", observations=False)
    width = corridors.metres(corridor_width, width_units, "corridor-width", "width-units")
    levels = None
    if corridor_height is not None or height_units is not None:
        if query.z_given:
            raise InvalidParameters.single(
                "corridor-height", "give z or corridor-height (levels near the surface), not both"
            )
        height = corridors.metres(corridor_height, height_units, "corridor-height", "height-units")
        levels = Levels(low=0.0, high=height / 2.0)
    pick = _along(query, coords, path_type, width)
    return await query.profiles(pick=pick, z=levels)


@_route("radius", "Values within a distance of a place")
async def radius(
    query: QueryDep,
    coords: PointCoords,
    within: Within = None,
    within_units: WithinUnits = None,
) -> Response:
    """The cells whose centres lie within `within` `within-units` (geodesic, WGS84) of the
    point, at each chosen time step and level."""
    point = query.geometry(coords, "Point")
    x, y = float(point.x), float(point.y)
    metres = shapes.within_metres(within, within_units)
    if query.observations is not None:
        return await query.profiles(keep=observed.within(x, y, metres))
    label = f"{within:g} {within_units}"
    job = EdrRadius.around(query.names, (x, y), metres, label, query.datetime, query.z)
    return await query.answer(job)


# ----------------------------------------------------------------------------- helpers


def _names(dashed: str | None, underscored: str | None) -> list[str] | None:
    """parameter-name or parameter_names (both only when they agree) as a list of ids."""
    if dashed is not None and underscored is not None and dashed != underscored:
        reason = "give parameter-name or parameter_names (the same ids), not two different lists"
        raise InvalidParameters(
            [("parameter-name", reason, "query"), ("parameter_names", reason, "query")]
        )
    text = dashed if dashed is not None else underscored
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise InvalidParameters.single("parameter-name", "give at least one parameter id")
    return names


def _along(query: EdrQuery, coords: str, path_type: PathTypeValue, width: float) -> observed.Pick:
    """The profiles within ``width`` (m, whole) of the path in ``coords``, ordered along it;
    a path with times (M) selects by them, so ``datetime`` is then refused."""
    parsed = parse_coords(coords, ("LineString",))
    m = shapely.get_coordinates(parsed, include_m=True)[:, -1] if parsed.has_m else None
    line = query.geometry(coords, "LineString")
    vertices = tuple((float(x), float(y)) for x, y in shapely.get_coordinates(line))
    check_vertices("coords", len(vertices), query.max_path_points)
    times = None
    if m is not None:
        if query.datetime_given:
            raise InvalidParameters.single(
                "datetime", "the path's M values give its times: give a LINESTRING, or no datetime"
            )
        times = corridors.path_times(m)
    chosen = corridors.Corridor(vertices, width / 2.0, path_type, times)
    return lambda rows: corridors.select(chosen, rows)


def _resolution(x: int | None, y: int | None) -> tuple[int, int] | None:
    if x is None and y is None:
        return None
    return (x or 100_000, y or 100_000)
