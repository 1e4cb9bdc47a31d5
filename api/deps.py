"""Dependencies shared by the routers, with their `*Dep` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from api.settings import Settings
from catalog.dataset import OpenDataset
from catalog.store import Catalog
from catalog.variables import VariableInfo
from schemas import patterns


async def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_catalog(request: Request) -> Catalog:
    """The app's catalog."""
    catalog: Catalog = request.app.state.catalog
    return catalog


SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]

DatasetIdPath = Annotated[
    str,
    Path(
        description="Dataset id, as listed by GET /api/v1/datasets.",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["ersst-v5"],
    ),
]
VariableIdPath = Annotated[
    str,
    Path(
        description="Variable id, as listed by GET /api/v1/datasets/{dataset_id}/variables.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["sst"],
    ),
]


def get_dataset(dataset_id: DatasetIdPath, catalog: CatalogDep) -> Iterator[OpenDataset]:
    """The opened dataset named in the path (404 unknown, 503 unavailable).

    The handler reads inside ``Catalog.reading``: a source that breaks while served is a 503.
    """
    with catalog.reading(dataset_id) as opened:
        yield opened


DatasetDep = Annotated[OpenDataset, Depends(get_dataset, scope="function")]


async def get_dataset_async(dataset_id: DatasetIdPath, catalog: CatalogDep) -> OpenDataset:
    """The opened dataset, without a thread hop when it is open and its source was checked
    lately (the usual case); a check (a stat) or a reopen runs in a thread."""
    if catalog.settled(dataset_id):
        return catalog.dataset(dataset_id)
    return await run_in_threadpool(catalog.dataset, dataset_id)


AsyncDatasetDep = Annotated[OpenDataset, Depends(get_dataset_async)]


def get_variable(dataset: DatasetDep, variable_id: VariableIdPath) -> VariableInfo:
    """The variable named in the path (404 unknown)."""
    return dataset.variable(variable_id)


VariableDep = Annotated[VariableInfo, Depends(get_variable)]
