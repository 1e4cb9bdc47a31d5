"""Observation collections (Argo floats): listing, profiles as GeoJSON (searched and paged),
one profile's levels, platforms and their tracks.

The collection's profile table answers every search and page in memory (``catalog.observations``);
only one profile's levels are read from its file. Paging is on the table's order (time, then
profile id), so following ``next`` returns every matching profile exactly once.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, cast
from urllib.parse import quote

import numpy as np
import orjson
import pandas as pd
from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.deps import CatalogDep, DatasetIdPath
from api.encoding import answer
from api.errors import NotAcceptable
from api.negotiation import VARY_ACCEPT, negotiate
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog.errors import (
    DatasetNotFound,
    DatasetUnavailable,
    InvalidParameters,
    ObservationNotFound,
    SelectionTooLarge,
)
from catalog.observations import formats, index
from catalog.observations.collection import ObservationCollection
from catalog.observations.jobs import ObservationJob
from catalog.observations.series import SERIES_TYPES, Series
from catalog.store import Catalog
from schemas import params, patterns
from schemas.catalog import DsgSource
from schemas.datasets import TimeExtent
from schemas.observations import (
    CollectionLinks,
    CollectionList,
    CollectionSummary,
    FeatureSeries,
    MultiLineString,
    PageLink,
    Platform,
    PlatformList,
    PlatformTrack,
    ProfileCollection,
    ProfileData,
)
from schemas.observations import SeriesVariable as SeriesVariableModel  # its own: series.py

router = PrefixedRouter(prefix=API_V1, tags=["Observations"])

PAGE_MAX = 10_000
GEOJSON = "application/geo+json"
ERRORS = (DatasetNotFound, DatasetUnavailable)


def _example(model: type[BaseModel]) -> Any:
    return model.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


ProfileIdPath = Annotated[
    str,
    Path(
        description="Profile id (platform_cycle, D appended for a descent), or a CF time "
        "series' or trajectory's feature id, as listed.",
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
        feature_types=sorted(set(opened.table["feature_type"])),
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


def _iso(stamp: Any) -> Any:
    return None if pd.isna(stamp) else pd.Timestamp(stamp).floor("us").to_pydatetime()


def _instant(stamp: Any) -> str | None:
    """An instant as the JSON models write it: ISO 8601 in UTC with a Z (µs when not whole)."""
    when = _iso(stamp)
    return None if when is None else when.isoformat().replace("+00:00", "Z")


def _features(page: pd.DataFrame, request: Request, collection_id: str) -> list[dict[str, Any]]:
    """The page's profiles as GeoJSON features (the ProfileFeature schema), made as plain
    dicts from the table's columns: a page of 10,000 costs no model per feature."""
    marker = "PROFILE-ID-HERE"
    href = str(request.url_for("getObservation", dataset_id=collection_id, profile_id=marker))
    columns = {name: page[name].tolist() for name in page.columns}
    features = []
    for i, pid in enumerate(columns["profile_id"]):
        lon, lat = float(columns["lon"][i]), float(columns["lat"][i])
        features.append(
            {
                "type": "Feature",
                "id": pid,
                "geometry": {"type": "Point", "coordinates": [lon, lat]}
                if math.isfinite(lon + lat)
                else None,
                "properties": {
                    "profile_id": pid,
                    "platform": columns["platform"][i],
                    "cycle": int(columns["cycle"][i]),
                    "direction": columns["direction"][i],
                    "time": _instant(columns["time"][i]),
                    "data_mode": columns["data_mode"][i],
                    "position_qc": columns["position_qc"][i],
                    "time_qc": columns["time_qc"][i],
                    "levels": int(columns["n_levels"][i]),
                    "href": href.replace(marker, quote(pid, safe="")),
                    "feature_type": columns["feature_type"][i],
                    "time_end": _instant(columns["time_end"][i]),
                },
            }
        )
    return features


ListFormat = Annotated[
    Literal["geojson", "csv", "nc"] | None,
    Query(
        description="geojson (the page's profiles as features, the default), csv (one row per "
        "level of each profile on the page, units in the header) or nc (the page's profiles as "
        "a CF discrete sampling geometry file, featureType profile, contiguous ragged array); "
        "a page holding CF time series or trajectories is a 400 naming `f` for those two (ask "
        "each at …/observations/{id}). Without `f`, the Accept header decides "
        "(application/geo+json, text/csv, application/x-netcdf).",
        examples=["geojson"],
    ),
]
LIST_OFFERS = {
    "geojson": [GEOJSON, "application/json"],
    "csv": ["text/csv"],
    "nc": ["application/x-netcdf", "application/netcdf"],
}
ProfileFormat = Annotated[
    Literal["json", "csv", "nc", "covjson"] | None,
    Query(
        description="json (the default), csv (one row per level, units in the header), nc "
        "(a CF discrete sampling geometry file, featureType profile) or covjson (a CoverageJSON "
        "VerticalProfile, z = depth in metres). Without `f`, the Accept header decides "
        "(application/json, text/csv, application/x-netcdf, application/prs.coverage+json).",
        examples=["json"],
    ),
]
PROFILE_OFFERS = {
    "json": ["application/json"],
    "csv": ["text/csv"],
    "nc": ["application/x-netcdf", "application/netcdf"],
    "covjson": ["application/prs.coverage+json"],
}
QcQuery = Annotated[
    Literal["good", "all"],
    Query(
        description="'good' (the default): values flagged other than 1 (good), 2 (probably "
        "good), 5 (changed) or 8 (estimated) are null, and a level whose pressure is not "
        "good is left empty; 'all': every value. The flags come back either way.",
        examples=["good"],
    ),
]
FILES = {
    "text/csv": {"schema": {"type": "string"}},
    "application/x-netcdf": {"schema": {"type": "string", "format": "binary"}},
}


def _page(
    catalog: Catalog,
    dataset_id: str,
    bbox: params.BBox | None,
    start: Any,
    end: Any,
    platform: str | None,
    offset: int,
    limit: int,
) -> tuple[int, pd.DataFrame]:
    """How many profiles match, and the page of them (the collection's table rows)."""
    collection = catalog.collection(dataset_id)
    found = index.search(
        collection.table,
        bbox=index.box(bbox),
        start=None if start is None else pd.Timestamp(start),
        end=None if end is None else pd.Timestamp(end),
        platform=platform,
    )
    return len(found), found.iloc[offset : offset + limit]


def _links(request: Request, matched: int, offset: int, limit: int) -> list[PageLink]:
    links = [PageLink(href=str(request.url), rel="self", type=GEOJSON)]
    if offset + limit < matched:
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
    return links


@router.get(
    "/datasets/{dataset_id}/observations",
    operation_id="listObservations",
    name="listObservations",
    summary="Search an observation collection's profiles",
    response_model=ProfileCollection,
    responses={
        200: {
            "description": "One page of the profiles found: as GeoJSON (RFC 7946), a "
            "FeatureCollection of the ProfileCollection schema; as CSV or NetCDF, the page's "
            "profiles with their levels. Large pages are read in a data worker and streamed.",
            "content": {GEOJSON: {"schema": {"type": "object"}}, **FILES},
        },
        **problem_responses(*ERRORS, NotAcceptable, SelectionTooLarge),
    },
)
async def list_observations(
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
    qc: QcQuery = "good",
    f: ListFormat = None,
) -> Response:
    """The collection's profiles inside the box and time range, of the platform, by time, as a
    GeoJSON FeatureCollection with `numberMatched`, `numberReturned` and `next`/`prev` links
    (OGC API - Features paging). Profiles whose time or position is flagged bad are left out of
    a time or box search. Searches read the collection's index, never its files. With `f=csv`
    or `f=nc` the page's profiles come with their levels (`qc` applies to those values)."""
    chosen = negotiate(request, LIST_OFFERS) if f is None else f
    matched, page = await run_in_threadpool(
        _page, catalog, dataset_id, bbox, start, end, platform, offset, limit
    )
    if chosen != "geojson":
        series = page.loc[page["feature_type"].isin(SERIES_TYPES), "profile_id"].tolist()
        if series:
            raise InvalidParameters.single(
                "f",
                f"the page holds time series or trajectories ({', '.join(series[:3])}): a page's "
                "csv and nc carry profiles' levels; ask each of them at …/observations/{id}",
            )
        job = ObservationJob(
            dataset_id, tuple(page["profile_id"]), qc, cast(Any, chosen), "observations"
        )
        return await answer(request, job, f is None)

    def features() -> bytes:
        return orjson.dumps(
            {
                "type": "FeatureCollection",
                "features": _features(page, request, dataset_id),
                "numberMatched": matched,
                "numberReturned": len(page),
                "links": [
                    link.model_dump(mode="json") for link in _links(request, matched, offset, limit)
                ],
            }
        )

    headers = VARY_ACCEPT if f is None else None
    return Response(await run_in_threadpool(features), media_type=GEOJSON, headers=headers)


def _values(array: np.ndarray) -> list[float | None]:
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(array, dtype=float)]


@router.get(
    "/datasets/{dataset_id}/observations/{profile_id}",
    operation_id="getObservation",
    name="getObservation",
    summary="One profile's levels, or one time series' or trajectory's samples",
    response_model=ProfileData | FeatureSeries,
    responses={
        200: {
            "description": "A profile's levels (ProfileData), or a CF timeSeries' or "
            "trajectory's samples (FeatureSeries), in the format asked for.",
            "content": {
                "application/json": {
                    "examples": {
                        "profile": {
                            "summary": "A profile (Argo, CF profile or trajectoryProfile)",
                            "value": _example(ProfileData),
                        },
                        "series": {
                            "summary": "A CF trajectory (a timeSeries: lon and lat numbers)",
                            "value": _example(FeatureSeries),
                        },
                    }
                },
                **FILES,
                "application/prs.coverage+json": {"schema": {"type": "object"}},
            },
        },
        **problem_responses(*ERRORS, ObservationNotFound, NotAcceptable),
    },
)
async def get_observation(
    request: Request,
    dataset_id: DatasetIdPath,
    profile_id: ProfileIdPath,
    catalog: CatalogDep,
    qc: QcQuery = "good",
    f: ProfileFormat = None,
) -> Any:
    """One profile: pressure, depth (from pressure and latitude with gsw), temperature and
    salinity per level with their Argo QC flags. Where the profile's data mode is A (adjusted)
    or D (delayed mode) the values are the file's `*_ADJUSTED` ones, else the raw ones (R). A CF
    discrete sampling geometry collection answers its file's values (data mode '', `adjusted`
    false; pressure from depth with gsw when only depth is stored) and its flags' values, `qc=good`
    keeping those whose flag meaning is good.

    A CF `timeSeries` (a station) or `trajectory` (a drifter) feature answers its samples in
    time order (FeatureSeries): their times, the position (the station's, or each sample's),
    pressure and depth when it has a vertical coordinate, temperature and salinity as for
    profiles and every other numeric data variable with a CF standard name, with units and
    flags; `qc=good` nulls values whose flag meaning is not good (and a sample's values whose
    vertical coordinate's is not) and leaves out samples whose time is flagged bad. `f=csv` is a
    row per sample, `f=nc` a CF file of that one feature (its own featureType); `f=covjson` is
    a 400 naming `f`, and a time series with several depths at one time (a timeSeriesProfile)
    a 400 naming `profile_id`."""
    chosen = negotiate(request, PROFILE_OFFERS) if f is None else f
    if chosen != "json":
        collection = await run_in_threadpool(catalog.collection, dataset_id)
        if collection.is_series(profile_id) and chosen == "covjson":  # 404 before any work
            raise InvalidParameters.single(
                "f",
                f"'{profile_id}' is a time series or trajectory: its samples come as json, csv "
                "or nc (CoverageJSON serves profiles)",
            )
        job = ObservationJob(
            dataset_id, (profile_id,), qc, cast(Any, chosen), profile_id, single=True
        )
        return await answer(request, job, f is None)
    data = await run_in_threadpool(_profile_data, catalog, dataset_id, profile_id, qc)
    if f is None:
        return JSONResponse(data.model_dump(mode="json"), headers=VARY_ACCEPT)
    return data


def _optional(values: np.ndarray) -> list[str] | None:
    return [str(f) for f in values] if len(values) and any(values) else None


def _series_data(series: Series, qc: Any) -> FeatureSeries:
    station = series.feature_type == "timeSeries"
    lon, lat = _values(series.lon), _values(series.lat)
    position_qc = _optional(series.position_qc) if series.position_meanings else None
    return FeatureSeries(
        feature_type=cast(Any, series.feature_type),
        id=series.feature_id,
        platform=series.platform,
        qc=qc,
        samples=len(series),
        times=[t.to_pydatetime() for t in series.time.floor("us")],
        lon=(lon[0] if lon else None) if station else lon,
        lat=(lat[0] if lat else None) if station else lat,
        time_qc=[str(f) for f in series.time_qc] if series.time_meanings else None,
        position_qc=(position_qc[0] if position_qc else None) if station else position_qc,
        variables={
            name: SeriesVariableModel(
                standard_name=v.standard_name,
                units=v.units,
                values=_values(v.values),
                qc=[str(f) for f in v.qc] if v.flag_meanings else None,
            )
            for name, v in series.variables.items()
        },
    )


def _profile_data(
    catalog: Catalog, dataset_id: str, profile_id: str, qc: Any
) -> ProfileData | FeatureSeries:
    collection = catalog.collection(dataset_id)
    if collection.is_series(profile_id):
        return _series_data(collection.series(profile_id, qc), qc)
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
        units=dict(formats.UNITS),
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
    split where it crosses the antimeridian (never drawn across the globe); a CF trajectory's
    track is its every sample's position, read from its file."""
    collection = catalog.collection(dataset_id)
    if platform not in collection.platforms:
        some = collection.platforms[:5]
        raise ObservationNotFound(
            f"Collection '{dataset_id}' has no platform '{platform}'. Valid values: "
            f"{', '.join(some)}.",
            valid_values=some,
        )
    lines = collection.track(platform)
    return PlatformTrack(
        **_platform(collection, platform, request),
        track=MultiLineString(
            type="MultiLineString",
            coordinates=[[[lon, lat] for lon, lat in line] for line in lines],
        ),
    )
