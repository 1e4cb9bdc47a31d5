"""EDR ``locations`` and ``items`` of an observation collection (Argo floats).

Locations are the platforms (a float's track as a GeoJSON MultiLineString split at the
antimeridian; its profiles as CoverageJSON ``VerticalProfile`` coverages); items are the
profiles, paged on the server as OGC API - Features pages them. Every search is the
collection's own (``catalog.observations.index.search``), as /api/v1 makes it.
"""

from __future__ import annotations

import io
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

import api.edr.observed as observed
from api.deps import CatalogDep
from api.edr.params import TAG
from api.edr.parsing import parse_bbox, parse_datetime
from api.edr.queries import QueryDep
from api.errors import NotAcceptable
from api.head import is_head
from api.negotiation import VARY_ACCEPT, negotiate
from api.responses import DATA_ERRORS, problem_responses
from api.routing import EDR, PrefixedRouter
from catalog.errors import ObservationNotFound, valid_values_hint
from catalog.observations import coverage, index
from catalog.observations.collection import ObservationCollection
from schemas import patterns

router = PrefixedRouter(prefix=f"{EDR}/collections/{{collectionId}}", tags=[TAG])

GEOJSON = "application/geo+json"
PAGE_MAX = 10_000
ITEM_OFFERS = {"geojson": [GEOJSON, "application/json"], **observed.OFFERS}
"""An item without `f`: GeoJSON first (OGC API - Features), else what Accept asks for."""

ObsCollectionId = Annotated[
    str,
    Path(
        alias="collectionId",
        description="Collection id: an observation collection of the catalog, as listed by "
        "/edr/collections (a gridded collection answers 400 naming its query types).",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["argo-5900865"],
    ),
]
LocId = Annotated[
    str,
    Path(
        alias="locId",
        description="A location id: a platform (float WMO number), as /locations lists them.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["5900865"],
    ),
]
ItemId = Annotated[
    str,
    Path(
        alias="itemId",
        description="An item id: a profile id (platform_cycle, D appended for a descent), as "
        "/items lists them.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["5900865_001"],
    ),
]
SearchBbox = Annotated[
    str | None,
    Query(
        description="minx,miny,maxx,maxy: lon/lat degrees, profiles positioned inside "
        "(inclusive; minlon > maxlon crosses the antimeridian).",
        pattern=r"^\s*[-+0-9.eE]+(\s*,\s*[-+0-9.eE]+){3}\s*$",
        max_length=1000,
        examples=["105,-15,120,-5"],
    ),
]
SearchDatetime = Annotated[
    str | None,
    Query(
        description="An instant (profiles at exactly that time) or an interval `start/end` "
        "with `..` for an open end (inclusive). Default: every time.",
        max_length=1000,
        pattern=r"^[ -~]*$",
        examples=["2006-01-01T00:00:00Z/2006-12-31T23:59:59Z"],
    ),
]
Limit = Annotated[
    int,
    Query(ge=1, le=PAGE_MAX, description="Items per page (at most 10,000).", examples=[10]),
]
Offset = Annotated[
    int,
    Query(ge=0, le=100_000_000, description="Items to skip (paging).", examples=[0]),
]


def _collection(
    catalog: CatalogDep, collection_id: ObsCollectionId, request: Request
) -> ObservationCollection:
    """The observation collection of a listing (/locations, /items): 404 for an unknown id,
    400 naming the queries a gridded collection answers."""
    if collection_id in catalog.collection_ids:
        return observed.profile_collection(catalog, collection_id)
    catalog.dataset(collection_id)  # 404 for an id that is no collection at all
    query_type = request.url.path.rstrip("/").rsplit("/", 1)[-1]  # locations or items
    raise observed.unsupported(collection_id, query_type, observations=False)


ObservationsDep = Annotated[ObservationCollection, Depends(_collection)]

_GEOJSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A GeoJSON FeatureCollection (RFC 7946).",
        "content": {GEOJSON: {"schema": {"type": "object"}}},
    },
}
_PROFILES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The profiles' levels as CoverageJSON (a CoverageCollection of "
        "VerticalProfile coverages, z depth in metres positive down), GeoJSON (a Feature per "
        "profile, its levels in its properties) or CSV (a row per level), as `f` asks.",
        "content": {
            "application/prs.coverage+json": {"schema": {"type": "object"}},
            GEOJSON: {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    },
    204: {"description": "No profile of the platform at `datetime`, or none with a level at `z`."},
}


def _iso(stamp: Any) -> str | None:
    return None if pd.isna(stamp) else pd.Timestamp(stamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def _geojson(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, media_type=GEOJSON)


@router.get(
    "/locations",
    operation_id="edrQueryLocations",
    name="edr_locations",
    summary="An observation collection's platforms",
    response_class=Response,
    responses={**_GEOJSON_RESPONSES, **problem_responses(*DATA_ERRORS)},
)
def locations(
    request: Request,
    collection: ObservationsDep,
    bbox: SearchBbox = None,
    datetime: SearchDatetime = None,
) -> Response:
    """The platforms (floats) with a profile in the box and time range, as a GeoJSON
    FeatureCollection: each a Feature whose id is the platform, whose geometry is its whole
    track in time order (a MultiLineString split at the antimeridian; a Point for a platform
    with one position) and whose properties give its name, profile count and first and last
    times. `/locations/{locId}` answers its profiles."""
    box = None if bbox is None else parse_bbox(bbox)
    found = observed.search(collection, parse_datetime(datetime), bbox=box)
    listed = sorted(set(found["platform"]))
    summary = collection.platform_summary
    features = []
    for platform in listed:
        row = summary.loc[platform]
        lines = index.track(collection.table, platform)
        geometry: dict[str, Any] | None
        if not lines:
            geometry = None
        elif len(lines) == 1 and len(lines[0]) == 1:
            geometry = {"type": "Point", "coordinates": list(lines[0][0])}
        else:
            coordinates = [[list(point) for point in line] for line in lines]
            geometry = {"type": "MultiLineString", "coordinates": coordinates}
        first, last = _iso(row["first"]), _iso(row["last"])
        href = str(request.url_for("edr_location", collectionId=collection.id, locId=platform))
        features.append(
            {
                "type": "Feature",
                "id": platform,
                "geometry": geometry,
                "properties": {
                    "name": f"Platform {platform}",
                    "platform": platform,
                    "profile_count": int(row["profiles"]),
                    "datetime": f"{first}/{last}" if first and last else None,
                    "first": first,
                    "last": last,
                    "data_modes": list(row["data_modes"]),
                    "href": href,
                },
            }
        )
    return _geojson({"type": "FeatureCollection", "features": features})


@router.get(
    "/locations/{locId}",
    operation_id="edrQueryLocation",
    name="edr_location",
    summary="A platform's profiles",
    response_class=Response,
    responses={
        **_PROFILES_RESPONSES,
        **problem_responses(NotAcceptable, ObservationNotFound, *DATA_ERRORS),
    },
)
async def location(query: QueryDep, loc_id: LocId) -> Response:
    """The platform's profiles at `datetime` (every time by default), by time, as a
    CoverageJSON CoverageCollection of VerticalProfile coverages: the parameters asked for
    (temperature, salinity and pressure by default) along z, depth in metres positive down
    (from pressure with gsw), at the `z` levels (every level by default). Values are the
    file's adjusted ones where the data mode is A or D; values whose Argo QC flag is not good
    (1, 2, 5 or 8) are null, as `qc=good` in /api/v1."""
    collection = _observations(query, "locations")
    if loc_id not in collection.platforms:
        some = collection.platforms[:5]
        raise ObservationNotFound(
            f"Collection '{collection.id}' has no location '{loc_id}'. Valid values: "
            f"{', '.join(some)} (GET …/locations lists them).",
            **valid_values_hint(some),
        )
    names = observed.names_of(query.names)
    found = observed.search(collection, query.datetime, platform=loc_id)
    headers = dict(VARY_ACCEPT) if query.negotiated else {}
    return await observed.answer(
        collection,
        found,
        names,
        query.z,
        query.format,
        query.crs,
        headers,
        head=is_head(query.request),
    )


def _observations(query: Any, query_type: str) -> ObservationCollection:
    if query.observations is None:
        raise observed.unsupported(query.collection_id, query_type, observations=False)
    collection: ObservationCollection = query.observations
    return collection


def _item_feature(row: Any, request: Request, collection_id: str) -> dict[str, Any]:
    lon, lat = float(row.lon), float(row.lat)
    placed = math.isfinite(lon) and math.isfinite(lat)
    href = str(request.url_for("edr_item", collectionId=collection_id, itemId=row.profile_id))
    return {
        "type": "Feature",
        "id": row.profile_id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]} if placed else None,
        "properties": {
            "profile_id": row.profile_id,
            "platform": row.platform,
            "cycle": int(row.cycle),
            "direction": row.direction,
            "datetime": _iso(row.time),
            "data_mode": row.data_mode,
            "position_qc": row.position_qc,
            "time_qc": row.time_qc,
            "levels": int(row.n_levels),
            "href": href,
        },
    }


@router.get(
    "/items",
    operation_id="edrQueryItems",
    name="edr_items",
    summary="An observation collection's profiles, paged",
    response_class=Response,
    responses={**_GEOJSON_RESPONSES, **problem_responses(*DATA_ERRORS)},
)
def items(
    request: Request,
    collection: ObservationsDep,
    bbox: SearchBbox = None,
    datetime: SearchDatetime = None,
    limit: Limit = 10,
    offset: Offset = 0,
) -> Response:
    """The profiles in the box and time range, by time then id, one page of `limit` from
    `offset` as a GeoJSON FeatureCollection (OGC API - Features): a Point Feature per profile
    (id: the profile id; properties: platform, cycle, time, data mode, QC flags of its time
    and position, level count, its item URL), `numberMatched`, `numberReturned` and
    `self`/`next`/`prev` links. Paging is on the server, over the collection's index: following
    `next` gives every profile once."""
    box = None if bbox is None else parse_bbox(bbox)
    found = observed.search(collection, parse_datetime(datetime), bbox=box)
    page = found.iloc[offset : offset + limit]
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if offset + limit < len(found):
        after = request.url.include_query_params(offset=offset + limit, limit=limit)
        links.append({"href": str(after), "rel": "next", "type": GEOJSON})
    if offset > 0:
        before = request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
        links.append({"href": str(before), "rel": "prev", "type": GEOJSON})
    return _geojson(
        {
            "type": "FeatureCollection",
            "features": [_item_feature(row, request, collection.id) for row in page.itertuples()],
            "numberMatched": len(found),
            "numberReturned": len(page),
            "links": links,
        }
    )


@router.get(
    "/items/{itemId}",
    operation_id="edrQueryItem",
    name="edr_item",
    summary="One profile",
    response_class=Response,
    responses={
        200: {
            "description": "The profile as a GeoJSON Feature (its levels in its properties: "
            "depth and each parameter with its QC flags; the default), a CoverageJSON "
            "VerticalProfile coverage, or CSV (a row per level), as `f` asks.",
            "content": {
                GEOJSON: {"schema": {"type": "object"}},
                "application/prs.coverage+json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        204: {"description": "The profile has no level at `z`."},
        **problem_responses(NotAcceptable, ObservationNotFound, *DATA_ERRORS),
    },
)
async def item(query: QueryDep, item_id: ItemId) -> Response:
    """One profile at its position: as GeoJSON (the default) a Feature with its metadata and,
    level by level, depth (m, from pressure with gsw), temperature, salinity and pressure
    with their Argo QC flags; with `f=CoverageJSON` a VerticalProfile coverage. Adjusted
    values where the data mode is A or D; values not flagged good are null (`qc=good`)."""
    collection = _observations(query, "items")
    fmt = negotiate(query.request, ITEM_OFFERS) if query.negotiated else query.format
    names = observed.names_of(query.names)
    profile = await run_in_threadpool(collection.profile, item_id)  # 404 naming valid ids
    headers = dict(VARY_ACCEPT) if query.negotiated else {}
    if not coverage.levels_of(profile, query.z).size:
        return Response(status_code=204, headers=headers)  # no level at z
    if fmt == "geojson":
        links = {
            "self": str(query.request.url),
            "coverage": str(query.request.url.include_query_params(f="CoverageJSON")),
            "collection": str(query.request.url_for("edr_items", collectionId=collection.id)),
        }
        feature = coverage.profile_feature(profile, names, query.z, **links)
        return JSONResponse(feature, media_type=GEOJSON, headers=headers)
    sink = io.BytesIO()
    if fmt == "covjson":
        coverage.write_vertical_profile(profile, names, sink, query.z, query.crs)
    else:
        coverage.write_profiles_csv([profile], names, sink, query.z)
    return Response(sink.getvalue(), media_type=observed.MEDIA_TYPES[fmt], headers=headers)
