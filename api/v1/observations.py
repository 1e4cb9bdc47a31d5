"""Observation collections (Argo floats): listing, profiles as GeoJSON (searched and paged),
one profile's levels, platforms and their tracks.

The collection's profile table answers every search and page in memory (``catalog.observations``);
only one profile's levels are read from its file. Paging is on the table's order (time, then
profile id), so following ``next`` returns every matching profile exactly once.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, cast

import numpy as np
import pandas as pd
from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse

from api.deps import CatalogDep, DatasetIdPath
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog.errors import DatasetNotFound, DatasetUnavailable, ObservationNotFound
from catalog.geo import normalise_lon
from catalog.observations import index
from catalog.observations.collection import ObservationCollection
from catalog.store import Catalog
from schemas import params, patterns
from schemas.catalog import DsgSource
from schemas.datasets import TimeExtent
from schemas.observations import (
    CollectionLinks,
    CollectionList,
    CollectionSummary,
    MultiLineString,
    PageLink,
    Platform,
    PlatformList,
    PlatformTrack,
    Point,
    ProfileCollection,
    ProfileData,
    ProfileFeature,
    ProfileProperties,
)

router = PrefixedRouter(prefix=API_V1, tags=["Observations"])

PAGE_MAX = 10_000
GEOJSON = "application/geo+json"
ERRORS = (DatasetNotFound, DatasetUnavailable)


class GeoJSONResponse(JSONResponse):
    """JSON answered as GeoJSON (RFC 7946)."""

    media_type = GEOJSON


ProfileIdPath = Annotated[
    str,
    Path(
        description="Profile id (platform_cycle, D appended for a descent), as listed.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["5900865_001"],
    ),
]
PlatformPath = Annotated[
    str,
    Path(
        description="Platform (float WMO number), as listed.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["5900865"],
    ),
]


def _collection_links(request: Request, collection_id: str) -> CollectionLinks:
    return CollectionLinks(
        observations=str(request.url_for("listObservations", dataset_id=collection_id)),
        platforms=str(request.url_for("listPlatforms", dataset_id=collection_id)),
    )


def _summary(catalog: Catalog, collection_id: str, request: Request) -> CollectionSummary:
    entry, opened, reason = catalog.collection_state(collection_id)
    base: dict[str, Any] = {
        "id": entry.id,
        "title": entry.title,
        "attribution": entry.attribution,
        "kind": "dsg" if isinstance(entry.source, DsgSource) else "argo",
        "available": opened is not None,
        "unavailable_reason": None if opened is not None else reason,
        "links": _collection_links(request, collection_id),
    }
    if opened is None:
        return CollectionSummary(**base)
    times = opened.table["time"].dropna()
    return CollectionSummary(
        **base,
        bbox=opened.bbox,
        time_extent=TimeExtent(
            start=_iso(times.min()), end=_iso(opened.table["time_end"].max()), count=len(times)
        )
        if len(times)
        else None,
        profile_count=len(opened.table),
        platform_count=len(opened.platforms),
    )


@router.get(
    "/observations",
    operation_id="listCollections",
    name="listCollections",
    summary="List observation collections",
    response_model=CollectionList,
    responses=problem_responses(),
)
def list_collections(request: Request, catalog: CatalogDep) -> CollectionList:
    """Every observation collection of the catalog (Argo floats, CF discrete sampling geometry
    files), with its extent, time range,
    profile and platform counts, and availability. Their profiles are at
    `/api/v1/datasets/{id}/observations`; gridded datasets are at `/api/v1/datasets`."""
    return CollectionList(
        collections=[_summary(catalog, i, request) for i in catalog.collection_ids]
    )


def _box(bbox: params.BBox | None) -> index.Box | None:
    """A box with longitudes in ±180 (west > east crossing the antimeridian)."""
    if bbox is None:
        return None
    west, south, east, north = bbox
    if east - west >= 360:
        return (-180.0, south, 180.0, north)
    return (normalise_lon(west), south, normalise_lon(east), north)


def _iso(stamp: Any) -> Any:
    return None if pd.isna(stamp) else pd.Timestamp(stamp).floor("us").to_pydatetime()


def _feature(row: Any, request: Request, collection_id: str) -> ProfileFeature:
    lon, lat = float(row.lon), float(row.lat)
    geometry = Point(type="Point", coordinates=[lon, lat]) if math.isfinite(lon + lat) else None
    return ProfileFeature(
        type="Feature",
        id=row.profile_id,
        geometry=geometry,
        properties=ProfileProperties(
            profile_id=row.profile_id,
            platform=row.platform,
            cycle=int(row.cycle),
            direction=row.direction,
            time=_iso(row.time),
            data_mode=row.data_mode,
            position_qc=row.position_qc,
            time_qc=row.time_qc,
            levels=int(row.n_levels),
            feature_type=row.feature_type,
            time_end=_iso(row.time_end),
            href=str(
                request.url_for(
                    "getObservation", dataset_id=collection_id, profile_id=row.profile_id
                )
            ),
        ),
    )


@router.get(
    "/datasets/{dataset_id}/observations",
    operation_id="listObservations",
    name="listObservations",
    summary="Search an observation collection's profiles",
    response_model=ProfileCollection,
    responses={
        200: {
            "description": "One page of the profiles found, as GeoJSON (RFC 7946): a "
            "FeatureCollection of the ProfileCollection schema.",
            "content": {GEOJSON: {"schema": {"type": "object"}}},
        },
        **problem_responses(*ERRORS),
    },
)
def list_observations(
    request: Request,
    dataset_id: DatasetIdPath,
    catalog: CatalogDep,
    bbox: Annotated[
        params.BBoxParam | None,
        Query(
            description="minlon,minlat,maxlon,maxlat: profiles positioned inside (inclusive; "
            "minlon > maxlon crosses the antimeridian).",
            examples=["105,-15,120,-5"],
        ),
    ] = None,
    start: Annotated[
        params.InstantParam | None,
        Query(description="Profiles at or after this instant (ISO 8601).", examples=["2005-06-01"]),
    ] = None,
    end: Annotated[
        params.InstantParam | None,
        Query(
            description="Profiles at or before this instant (ISO 8601).", examples=["2006-06-01"]
        ),
    ] = None,
    platform: Annotated[
        str | None,
        Query(
            description="Profiles of this platform (float WMO number) only.",
            pattern=patterns.NAME,
            max_length=64,
            examples=["5900865"],
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=PAGE_MAX, description="Profiles per page.", examples=[100])
    ] = 100,
    offset: Annotated[
        int,
        Query(ge=0, le=100_000_000, description="Profiles to skip (paging).", examples=[0]),
    ] = 0,
) -> GeoJSONResponse:
    """The collection's profiles inside the box and time range, of the platform, by time, as a
    GeoJSON FeatureCollection with `numberMatched`, `numberReturned` and `next`/`prev` links
    (OGC API - Features paging). Profiles whose time or position is flagged bad are left out of
    a time or box search. Searches read the collection's index, never its files."""
    collection = catalog.collection(dataset_id)
    start_ts = None if start is None else pd.Timestamp(start)
    end_ts = None if end is None else pd.Timestamp(end)
    found = index.search(
        collection.table, bbox=_box(bbox), start=start_ts, end=end_ts, platform=platform
    )
    page = found.iloc[offset : offset + limit]
    links = [PageLink(href=str(request.url), rel="self", type=GEOJSON)]
    if offset + limit < len(found):
        links.append(
            PageLink(
                href=str(request.url.include_query_params(offset=offset + limit, limit=limit)),
                rel="next",
                type=GEOJSON,
            )
        )
    if offset > 0:
        links.append(
            PageLink(
                href=str(
                    request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
                ),
                rel="prev",
                type=GEOJSON,
            )
        )
    body = ProfileCollection(
        type="FeatureCollection",
        features=[_feature(row, request, dataset_id) for row in page.itertuples()],
        numberMatched=len(found),
        numberReturned=len(page),
        links=links,
    )
    return GeoJSONResponse(body.model_dump(mode="json"))


def _values(array: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(array, dtype=float)]


@router.get(
    "/datasets/{dataset_id}/observations/{profile_id}",
    operation_id="getObservation",
    name="getObservation",
    summary="One profile's levels",
    response_model=ProfileData,
    responses=problem_responses(*ERRORS, ObservationNotFound),
)
def get_observation(
    dataset_id: DatasetIdPath,
    profile_id: ProfileIdPath,
    catalog: CatalogDep,
    qc: Annotated[
        Literal["good", "all"],
        Query(
            description="'good' (the default): values flagged other than 1 (good), 2 (probably "
            "good), 5 (changed) or 8 (estimated) are null, and a level whose pressure is not "
            "good is left empty; 'all': every value. The flags come back either way.",
            examples=["good"],
        ),
    ] = "good",
) -> ProfileData:
    """One profile: pressure, depth (from pressure and latitude with gsw), temperature and
    salinity per level with their Argo QC flags. Where the profile's data mode is A (adjusted)
    or D (delayed mode) the values are the file's `*_ADJUSTED` ones, else the raw ones (R). A CF
    discrete sampling geometry collection answers its file's values (data mode '', `adjusted`
    false; pressure from depth with gsw when only depth is stored) and its flags' values, `qc=good`
    keeping those whose flag meaning is good; the id of a timeSeries or trajectory feature is a
    400 naming `profile_id` (they are listed, but only profiles' levels are served)."""
    collection = catalog.collection(dataset_id)
    p = collection.profile(profile_id, qc)
    return ProfileData(
        profile_id=p.profile_id,
        platform=p.platform,
        cycle=p.cycle,
        direction=p.direction,
        time=_iso(p.time),
        lon=p.lon if math.isfinite(p.lon) else None,
        lat=p.lat if math.isfinite(p.lat) else None,
        data_mode=p.data_mode,
        position_qc=p.position_qc,
        time_qc=p.time_qc,
        qc=qc,
        adjusted=p.data_mode in ("A", "D"),
        units={"pressure": "dbar", "depth": "m", "temperature": "degC", "salinity": "1"},
        pressure=_values(p.pressure),
        depth=_values(p.depth),
        temperature=_values(p.temperature),
        salinity=_values(p.salinity),
        pressure_qc=[str(f) for f in p.pressure_qc],
        temperature_qc=[str(f) for f in p.temperature_qc],
        salinity_qc=[str(f) for f in p.salinity_qc],
    )


def _platform(collection: ObservationCollection, platform: str, request: Request) -> dict[str, Any]:
    row = collection.platform_summary.loc[platform]
    return {
        "platform": platform,
        "profile_count": int(cast(int, row["profiles"])),
        "first": _iso(row["first"]),
        "last": _iso(row["last"]),
        "data_modes": list(row["data_modes"]),
        "href": str(request.url_for("getPlatform", dataset_id=collection.id, platform=platform)),
    }


@router.get(
    "/datasets/{dataset_id}/platforms",
    operation_id="listPlatforms",
    name="listPlatforms",
    summary="List an observation collection's platforms",
    response_model=PlatformList,
    responses=problem_responses(*ERRORS),
)
def list_platforms(
    dataset_id: DatasetIdPath, catalog: CatalogDep, request: Request
) -> PlatformList:
    """The collection's platforms (floats), each with its profile count, first and last time
    and data modes."""
    collection = catalog.collection(dataset_id)
    return PlatformList(
        platforms=[Platform(**_platform(collection, p, request)) for p in collection.platforms]
    )


@router.get(
    "/datasets/{dataset_id}/platforms/{platform}",
    operation_id="getPlatform",
    name="getPlatform",
    summary="A platform and its track",
    response_model=PlatformTrack,
    responses=problem_responses(*ERRORS, ObservationNotFound),
)
def get_platform(
    dataset_id: DatasetIdPath, platform: PlatformPath, catalog: CatalogDep, request: Request
) -> PlatformTrack:
    """A platform with its track: its positions in time order as a GeoJSON MultiLineString,
    split where it crosses the antimeridian (never drawn across the globe)."""
    collection = catalog.collection(dataset_id)
    if platform not in collection.platforms:
        some = collection.platforms[:5]
        raise ObservationNotFound(
            f"Collection '{dataset_id}' has no platform '{platform}'. Valid values: "
            f"{', '.join(some)}.",
            valid_values=some,
        )
    lines = index.track(collection.table, platform)
    return PlatformTrack(
        **_platform(collection, platform, request),
        track=MultiLineString(
            type="MultiLineString",
            coordinates=[[[lon, lat] for lon, lat in line] for line in lines],
        ),
    )
