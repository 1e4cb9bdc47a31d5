"""Datasets: the catalog listing, one dataset, its time instants and depth levels."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api.deps import CatalogDep, DatasetDep, DatasetIdPath
from api.responses import problem_responses
from catalog.errors import DatasetNotFound, DatasetUnavailable
from catalog.metadata import dataset_detail, dataset_summary, depth_levels, to_datetimes
from catalog.selection import check_order, parse_instant
from schemas import patterns
from schemas.datasets import DatasetDetail, DatasetList, Depths, Links, TimesPage

router = APIRouter(tags=["Datasets"])

TIMES_PAGE_MAX = 10_000


def _links(request: Request, dataset_id: str) -> Links:
    base = str(request.url_for("getDataset", dataset_id=dataset_id))
    return Links(
        self=base, variables=f"{base}/variables", times=f"{base}/times", depths=f"{base}/depths"
    )


@router.get(
    "/datasets",
    operation_id="listDatasets",
    name="listDatasets",
    summary="List datasets",
    response_model=DatasetList,
    responses=problem_responses(),
)
async def list_datasets(request: Request, catalog: CatalogDep) -> DatasetList:
    """Every dataset of the catalog with its extent, grid kind and availability.

    Unavailable datasets are listed too, with `available: false` and the reason.
    """
    if catalog.refresh_due():  # file I/O only then, and off the event loop
        await run_in_threadpool(catalog.open_all)
    return DatasetList(
        datasets=[dataset_summary(catalog, i, _links(request, i)) for i in catalog.ids]
    )


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
        str | None,
        Query(
            description="Only instants at or after this one (ISO 8601; UTC when no offset).",
            pattern=patterns.INSTANT,
            max_length=patterns.INSTANT_MAX,
            examples=["2015-01-01T00:00:00Z"],
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            description="Only instants at or before this one (ISO 8601; UTC when no offset).",
            pattern=patterns.INSTANT,
            max_length=patterns.INSTANT_MAX,
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
    low = None if start is None else parse_instant("start", start)
    high = None if end is None else parse_instant("end", end)
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
