"""Datasets: the catalog listing, one dataset, its time instants and depth levels."""

from __future__ import annotations

import weakref
from typing import Annotated

import numpy as np
from fastapi import Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from api.deps import CatalogDep, DatasetDep, DatasetIdPath
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog.errors import DatasetNotFound, DatasetUnavailable
from catalog.metadata import dataset_detail, dataset_summary, depth_levels, to_datetimes
from catalog.selection import as_ns, check_order
from catalog.store import Catalog
from schemas import params
from schemas.datasets import DatasetDetail, DatasetList, Depths, Links, TimesPage

router = PrefixedRouter(prefix=API_V1, tags=["Datasets"])

TIMES_PAGE_MAX = 10_000


def _links(request: Request, dataset_id: str) -> Links:
    base = str(request.url_for("getDataset", dataset_id=dataset_id))
    return Links(
        self=base, variables=f"{base}/variables", times=f"{base}/times", depths=f"{base}/depths"
    )


class _Listings:
    """The listing's JSON, kept per base URL while the catalog's state is unchanged.

    The listing is the most requested document and changes only when a dataset opens, breaks
    or is reopened; building it (a summary and four links per dataset, validated and
    serialised) cost five times what sending it does. A handful of base URLs are kept (a
    public URL, localhost, a proxy's name): Host ports are the client's to choose.
    """

    size = 8

    def __init__(self) -> None:
        self.bodies: dict[tuple[object, ...], tuple[tuple[object, ...], bytes]] = {}

    def body(self, request: Request, catalog: Catalog) -> bytes:
        """The listing as JSON bytes, built when the catalog or the base URL is new."""
        base = _base_key(request.scope)
        state = _catalog_state(catalog)
        kept = self.bodies.get(base)
        if kept is not None and kept[0] == state:
            return kept[1]
        listing = DatasetList(
            datasets=[dataset_summary(catalog, i, _links(request, i)) for i in catalog.ids]
        )
        body = listing.model_dump_json().encode()
        self.bodies.pop(base, None)
        if len(self.bodies) >= self.size:
            del self.bodies[next(iter(self.bodies))]  # the oldest
        self.bodies[base] = (state, body)
        return body


def _base_key(scope: Scope) -> tuple[object, ...]:
    """What the links' base URL is made of (scheme, Host or socket, path prefix): the key of a
    kept listing, read from the scope without building the URL."""
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    if host is None:
        server = scope.get("server")
        host = tuple(server) if server else None
    return (scope["scheme"], host, scope.get("root_path", ""))


def _catalog_state(catalog: Catalog) -> tuple[object, ...]:
    """What the listing shows of each dataset's state: why it is unavailable, or its opening
    (compared by identity: a reopened source is a new one)."""
    state: list[object] = []
    for dataset_id in catalog.ids:
        reason = catalog.unavailable_reason(dataset_id)
        state.append(reason if reason is not None else catalog.peek(dataset_id))
    return tuple(state)


_LISTINGS: weakref.WeakKeyDictionary[Catalog, _Listings] = weakref.WeakKeyDictionary()
"""One per catalog (tests build many apps), gone with it."""


@router.get(
    "/datasets",
    operation_id="listDatasets",
    name="listDatasets",
    summary="List datasets",
    response_model=DatasetList,
    responses=problem_responses(),
)
async def list_datasets(request: Request) -> Response:
    """Every dataset of the catalog with its extent, grid kind and availability.

    Unavailable datasets are listed too, with `available: false` and the reason.
    """
    # The app's catalog read here, not through CatalogDep: the most requested document need
    # not pay for FastAPI solving a dependency on every request.
    catalog: Catalog = request.app.state.catalog
    if catalog.refresh_due():  # file I/O only then, and off the event loop
        await run_in_threadpool(catalog.open_all)
    listings = _LISTINGS.get(catalog) or _LISTINGS.setdefault(catalog, _Listings())
    return Response(listings.body(request, catalog), media_type="application/json")


@router.get(
    "/datasets/{dataset_id}",
    operation_id="getDataset",
    name="getDataset",
    summary="Describe a dataset",
    response_model=DatasetDetail,
    responses=problem_responses(DatasetNotFound, DatasetUnavailable),
)
def get_dataset(dataset_id: DatasetIdPath, request: Request, catalog: CatalogDep) -> DatasetDetail:
    """Everything about one dataset: licence, variables, vector pairs, time and depth axes."""
    return dataset_detail(catalog, dataset_id, _links(request, dataset_id))


@router.get(
    "/datasets/{dataset_id}/times",
    operation_id="listTimes",
    name="listTimes",
    summary="List time instants",
    response_model=TimesPage,
    responses=problem_responses(DatasetNotFound, DatasetUnavailable),
)
def list_times(
    request: Request,
    dataset: DatasetDep,
    start: Annotated[
        params.InstantParam | None,
        Query(
            description="Only instants at or after this one (ISO 8601; UTC when no offset).",
            examples=["2015-01-01T00:00:00Z"],
        ),
    ] = None,
    end: Annotated[
        params.InstantParam | None,
        Query(
            description="Only instants at or before this one (ISO 8601; UTC when no offset).",
            examples=["2015-12-31T00:00:00Z"],
        ),
    ] = None,
    offset: Annotated[
        int,
        Query(ge=0, le=100_000_000, description="Instants to skip (paging).", examples=[0]),
    ] = 0,
    limit: Annotated[
        int,
        Query(ge=1, le=TIMES_PAGE_MAX, description="Instants per page.", examples=[100]),
    ] = 1000,
) -> TimesPage:
    """The dataset's time instants (ISO 8601 UTC, ascending), filtered and paged.

    Follow `next` for the following page; it is null on the last one.
    """
    low = None if start is None else as_ns(start)
    high = None if end is None else as_ns(end)
    if low is not None and high is not None:
        check_order(low, high)
    times = dataset.times()
    first = 0 if low is None else int(np.searchsorted(times, low, side="left"))
    stop = times.size if high is None else int(np.searchsorted(times, high, side="right"))
    matching = times[first:stop]
    page = matching[offset : offset + limit]
    more = offset + limit < matching.size
    return TimesPage(
        dataset_id=dataset.id,
        total=int(matching.size),
        offset=offset,
        limit=limit,
        times=to_datetimes(page),
        next=str(request.url.include_query_params(offset=offset + limit)) if more else None,
    )


@router.get(
    "/datasets/{dataset_id}/depths",
    operation_id="listDepths",
    name="listDepths",
    summary="List depth levels",
    response_model=Depths,
    responses=problem_responses(DatasetNotFound, DatasetUnavailable),
)
def list_depths(dataset: DatasetDep) -> Depths:
    """The dataset's depth levels in metres, positive down; empty for surface-only data."""
    return Depths(dataset_id=dataset.id, levels=depth_levels(dataset))
