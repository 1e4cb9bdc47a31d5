"""EDR queries over an observation collection: which profiles a query selects, and its answer.

The profiles are found by the collection's own search (``catalog.observations.index.search``:
box, time, platform), the same engine as ``/api/v1/datasets/{id}/observations``; a polygon or
a radius then keeps those whose position falls inside. The answer is the selected profiles'
levels (``qc=good``: values flagged bad are null) as CoverageJSON ``VerticalProfile``
coverages, GeoJSON features or CSV rows (``catalog.observations.coverage``).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import orjson
import pandas as pd
import shapely
from fastapi.responses import Response
from shapely.geometry.base import BaseGeometry
from starlette.concurrency import run_in_threadpool

from catalog.errors import DatasetNotFound, InvalidParameters, SelectionTooLarge
from catalog.formats import CRS84
from catalog.observations import coverage, index
from catalog.observations.collection import ObservationCollection
from catalog.query.result import GEOD
from catalog.store import Catalog
from schemas.params import BBox, DatetimeSelection, Levels

QUERY_TYPES = ("locations", "items", "area", "cube", "trajectory", "corridor", "radius")
"""The EDR queries an observation collection answers."""
GRIDDED_QUERY_TYPES = ("position", "area", "cube", "trajectory", "radius")
"""The EDR queries a gridded collection answers."""
OUTPUT_FORMATS = ["CoverageJSON", "GeoJSON", "CSV"]
OFFERS = {
    "covjson": ["application/prs.coverage+json", "application/json"],
    "geojson": ["application/geo+json"],
    "csv": ["text/csv"],
}
"""Without `f`, what Accept chooses from for profiles, CoverageJSON first (the default)."""
MEDIA_TYPES = {
    "covjson": "application/prs.coverage+json",
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
}
MAX_PROFILES = 1000
"""The most profiles one answer holds (a platform's, or those in a shape); more is a 413."""

Keep = Callable[[pd.DataFrame], np.ndarray]
"""Which rows of a search's result a shape keeps (a boolean mask)."""
Pick = Callable[[pd.DataFrame], pd.DataFrame]
"""The rows of a search's result a path picks, in its order (``catalog.observations.corridor``)."""


def profile_collection(catalog: Catalog, collection_id: str) -> ObservationCollection:
    """The observation collection, if it holds profiles (EDR answers profiles); a collection
    of CF time series or trajectories only is a 404 saying where its samples are."""
    collection = catalog.collection(collection_id)
    if not (collection.table["feature_type"] == "profile").any():
        raise DatasetNotFound(
            f"Collection '{collection_id}' holds CF time series or trajectories, no profiles; "
            f"EDR serves profile collections here. Its samples are at "
            f"/api/v1/datasets/{collection_id}/observations."
        )
    return collection


def unsupported(collection_id: str, query_type: str, observations: bool) -> InvalidParameters:
    """The 400 for a query type the collection does not answer, naming those it does."""
    kind, answered = (
        ("an observation collection", QUERY_TYPES)
        if observations
        else ("a gridded collection", GRIDDED_QUERY_TYPES)
    )
    return InvalidParameters.single(
        "collectionId",
        f"'{collection_id}' is {kind}: it answers {', '.join(answered)} queries, not {query_type}",
        "path",
    )


def names_of(names: list[str] | None) -> list[str]:
    """The parameters asked for (every one by default), each checked."""
    if names is None:
        return list(coverage.VARIABLES)
    unknown = [n for n in names if n not in coverage.VARIABLES]
    if unknown:
        raise InvalidParameters.single(
            "parameter-name",
            f"no parameter {', '.join(repr(n) for n in unknown)} in an observation collection; "
            f"valid: {', '.join(coverage.VARIABLES)}",
        )
    return list(dict.fromkeys(names))


def search(
    collection: ObservationCollection,
    when: DatetimeSelection,
    bbox: BBox | None = None,
    platform: str | None = None,
    keep: Keep | None = None,
) -> pd.DataFrame:
    """The collection's profiles in the box, at the instant or in the interval (every time
    when none is given), of the platform, that ``keep`` keeps; by time."""
    start, end = (
        (when.instant, when.instant) if when.instant is not None else (when.start, when.end)
    )
    found = index.search(
        collection.table,
        bbox=None if bbox is None else index.box(bbox),
        start=start,
        end=end,
        platform=platform,
    )
    if keep is not None and len(found):
        found = found.loc[keep(found)]
    return found


def inside(polygon: BaseGeometry) -> Keep:
    """Profiles positioned in the polygon (its boundary included); a polygon drawn past ±180°
    holds the positions one turn round the globe too."""

    def keep(rows: pd.DataFrame) -> np.ndarray:
        lon, lat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
        hits = np.zeros(len(rows), dtype=bool)
        for turn in (0.0, 360.0, -360.0):
            hits |= shapely.intersects_xy(polygon, lon + turn, lat)
        placed: np.ndarray = hits & np.isfinite(lon) & np.isfinite(lat)
        return placed

    return keep


def within(lon: float, lat: float, metres: float) -> Keep:
    """Profiles within ``metres`` of the point (geodesic distance, WGS84)."""

    def keep(rows: pd.DataFrame) -> np.ndarray:
        plon, plat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
        placed = np.isfinite(plon) & np.isfinite(plat)
        distance = np.full(len(rows), np.inf)
        if placed.any():
            n = int(placed.sum())
            _, _, metres_away = GEOD.inv(
                np.full(n, lon), np.full(n, lat), plon[placed], plat[placed]
            )
            distance[placed] = metres_away
        return distance <= metres

    return keep


def too_many(found: pd.DataFrame) -> None:
    """413 when an answer would hold more than ``MAX_PROFILES`` profiles."""
    if len(found) > MAX_PROFILES:
        raise SelectionTooLarge(
            f"This query selects {len(found):,} profiles; one answer holds at most "
            f"{MAX_PROFILES:,}. Ask for a smaller shape or a shorter datetime interval, or page "
            "through them with the items query.",
            estimate=len(found),
            limit=MAX_PROFILES,
        )


def write(
    collection: ObservationCollection,
    found: pd.DataFrame,
    names: list[str],
    z: Levels,
    fmt: str,
    crs: str,
) -> bytes | None:
    """The profiles' levels in the format (blocking: it reads their files); the profiles
    without a level at ``z`` are left out, and None says none has one."""
    profiles = [
        p
        for p in collection.profiles(found.index.tolist(), qc="good")
        if coverage.levels_of(p, z).size
    ]
    if not profiles:
        return None
    sink = io.BytesIO()
    if fmt == "covjson":
        coverage.write_vertical_profiles(profiles, names, sink, z, crs)
    elif fmt == "csv":
        coverage.write_profiles_csv(profiles, names, sink, z)
    else:
        features = [coverage.profile_feature(p, names, z) for p in profiles]
        sink.write(orjson.dumps({"type": "FeatureCollection", "features": features}))
    return sink.getvalue()


async def answer(
    collection: ObservationCollection,
    found: pd.DataFrame,
    names: list[str],
    z: Levels,
    fmt: str,
    crs: str = CRS84,
    headers: dict[str, str] | None = None,
    head: bool = False,
) -> Response:
    """The found profiles as a CoverageCollection of VerticalProfiles (or GeoJSON, CSV); no
    profile (or none with a level at ``z``) is a 204, more than ``MAX_PROFILES`` a 413. A
    HEAD (``head``) is checked as the GET is, and answered without reading a file (so
    without a Content-Length, and a 200 where the GET finds no level at ``z``)."""
    too_many(found)
    if found.empty:
        return Response(status_code=204, headers=headers)
    if head:
        response = Response(media_type=MEDIA_TYPES[fmt], headers=headers)
        del response.headers["content-length"]
        return response
    body = await run_in_threadpool(write, collection, found, names, z, fmt, crs)
    if body is None:
        return Response(status_code=204, headers=headers)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers=headers)
