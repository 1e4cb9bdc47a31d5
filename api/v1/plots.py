"""Plots: one typed endpoint per registered plot type, rendered by the plot runner.

No ``from __future__ import annotations`` here: the endpoints are built in a loop and FastAPI
must see each plot type's parameter model as a real annotation.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import CatalogDep, SettingsDep, get_dataset_async
from api.errors import NotAcceptable
from api.images import image_response
from api.negotiation import VARY_ACCEPT, negotiate
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from api.settings import Settings
from catalog.dataset import OpenDataset
from catalog.errors import (
    DatasetNotFound,
    DatasetUnavailable,
    InvalidParameters,
    NoData,
    SelectionTooLarge,
    VariableNotFound,
    valid_values_hint,
    valid_values_sentence,
)
from catalog.geo import check_vertices
from catalog.observations.collection import ObservationCollection
from catalog.store import Catalog
from plotting.errors import PlotBusy, PlotFailed, PlotTimeout, PlotTypeNotFound
from plotting.figure import MEDIA_TYPES
from plotting.params import PlotParams
from plotting.runner import PlotRunner
from plotting.types import PlotType
from plotting.worker import ObservationRenderJob, RenderJob
from schemas import patterns


async def get_runner(request: Request) -> PlotRunner:
    """The app's plot runner."""
    runner: PlotRunner = request.app.state.runner
    return runner


RunnerDep = Annotated[PlotRunner, Depends(get_runner)]

IMAGE_OFFERS = {image_format: [media_type] for image_format, media_type in MEDIA_TYPES.items()}
"""Without `f`, what Accept chooses from, PNG first: a browser's image Accept line, which
names SVG but gives every image type the same q, still gets PNG."""


_IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The plot, in the format asked for with `f`. Sent with a strong ETag and "
        "Cache-Control; Server-Timing says where the time went.",
        "content": {
            media_type: {"schema": {"type": "string", "format": "binary"}}
            for media_type in MEDIA_TYPES.values()
        },
    },
    304: {"description": "Not modified: the image matches the If-None-Match ETag."},
    **problem_responses(
        DatasetNotFound,
        VariableNotFound,
        PlotTypeNotFound,
        NoData,
        NotAcceptable,
        SelectionTooLarge,
        PlotFailed,
        PlotBusy,
        DatasetUnavailable,
        PlotTimeout,
    ),
}


def build_router(plot_types: Mapping[str, PlotType]) -> PrefixedRouter:
    """The plot routes: one per plot type, then a catch-all naming the valid types."""
    router = PrefixedRouter(prefix=API_V1, tags=["Plots"])
    observed = [t.name for t in plot_types.values() if t.observed is not None]
    for plot_type in plot_types.values():
        router.add_api_route(
            f"/datasets/{{dataset_id}}/plots/{plot_type.name}",
            _endpoint(plot_type, observed),
            methods=["GET"],
            operation_id=f"plot{plot_type.name.title()}",
            name=f"plot_{plot_type.name}",
            summary=plot_type.summary,
            description=plot_type.description
            + "\n\nRendered in a pool of worker processes; identical requests share one "
            "render and results are cached.",
            response_class=Response,
            responses=_IMAGE_RESPONSES,
        )
    names = list(plot_types)

    @router.get("/datasets/{dataset_id}/plots/{plot_type}", include_in_schema=False)
    async def unknown_plot_type(plot_type: str) -> Response:
        raise PlotTypeNotFound(
            f"No plot type '{plot_type}'. " + valid_values_sentence(names),
            **valid_values_hint(names),
        )

    return router


SourceIdPath = Annotated[
    str,
    Path(
        description="Dataset id, as listed by GET /api/v1/datasets, or observation collection "
        "id, as listed by GET /api/v1/observations (GET /api/v1/plot-types says which each "
        "plot type draws).",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["ersst-v5"],
    ),
]


def _source(plot_type: PlotType, observed: list[str]) -> Callable[..., Any]:
    """The dependency that opens what the path names for the plot type: a gridded dataset or
    an observation collection (404 unknown, 503 unavailable), or 404 plot-type-not-found when
    the plot type does not draw that kind. A dependency, so that it answers before the plot's
    parameters are validated (a map asked of a collection is not told it lacks a bbox)."""

    async def source(
        dataset_id: SourceIdPath, catalog: CatalogDep
    ) -> OpenDataset | ObservationCollection:
        if dataset_id in catalog.collection_ids:
            if plot_type.observed is None:
                raise PlotTypeNotFound(
                    f"'{dataset_id}' is an observation collection; plot type "
                    f"'{plot_type.name}' draws gridded datasets. "
                    + valid_values_sentence(observed),
                    **valid_values_hint(observed),
                )
            _, collection, _ = catalog.collection_state(dataset_id)
            if collection is None:  # not indexed yet, or due a retry: file I/O, in a thread
                collection = await run_in_threadpool(catalog.collection, dataset_id)
            if not plot_type.applies_to_collection(collection):
                raise PlotTypeNotFound(
                    f"Collection '{dataset_id}' holds no profiles (CF time series or "
                    f"trajectories only); plot type '{plot_type.name}' draws profiles. Its "
                    "samples are at GET …/observations/{id}.",
                )
            return collection
        if plot_type.render is None and dataset_id not in catalog.ids:
            catalog.collection(dataset_id)  # 404 naming the collections, which it draws
        opened = await get_dataset_async(dataset_id, catalog)
        if plot_type.render is None:
            raise PlotTypeNotFound(
                f"Plot type '{plot_type.name}' draws observation collections "
                f"({', '.join(catalog.collection_ids) or 'none in this catalog'}); "
                f"'{dataset_id}' is a gridded dataset."
            )
        return opened

    return source


def _endpoint(plot_type: PlotType, observed: list[str]) -> Callable[..., Any]:
    """The plot's endpoint: drawn from a gridded dataset or an observation collection."""
    params_model = plot_type.params

    async def plot(
        request: Request,
        source: Annotated[
            OpenDataset | ObservationCollection, Depends(_source(plot_type, observed))
        ],
        runner: RunnerDep,
        settings: SettingsDep,
        catalog: CatalogDep,
        params: Annotated[params_model, Query()],  # type: ignore[valid-type]
    ) -> Response:
        negotiated = "f" not in request.query_params
        params = _in_format(request, params) if negotiated else params
        vary = VARY_ACCEPT if negotiated else None
        if isinstance(source, ObservationCollection):
            return await _observed(
                request, plot_type, source, runner, catalog, settings, params, vary
            )
        opened = source
        assert plot_type.render is not None  # _source: the plot type draws gridded datasets
        _check_limits(plot_type.size(opened, params), params, settings)
        others = await _other_datasets(catalog, opened, params)
        plot_type.validate(opened, params, others)
        versions = tuple((dataset_id, o.version) for dataset_id, o in others.items())
        job = RenderJob(
            plot_type.name, plot_type.render, opened.id, params, opened.version, versions
        )
        try:
            return await image_response(request, runner, catalog, opened.id, job, vary)
        except DatasetUnavailable:
            for dataset_id in others:  # as image_response does for the plot's own
                catalog.recheck(dataset_id)
            raise

    plot.__doc__ = plot_type.summary
    return plot


async def _observed(
    request: Request,
    plot_type: PlotType,
    collection: ObservationCollection,
    runner: PlotRunner,
    catalog: Catalog,
    settings: Settings,
    params: PlotParams,
    vary: dict[str, str] | None,
) -> Response:
    """The plot drawn from an observation collection: checked against its index here, its
    profiles read in a worker."""
    assert plot_type.observed is not None  # _source: the plot type draws observations
    _check_limits(plot_type.observed_size(collection, params), params, settings)
    plot_type.validate_observed(collection, params)
    job = ObservationRenderJob(plot_type.name, plot_type.observed.render, collection.id, params)
    return await image_response(request, runner, catalog, collection.id, job, vary)


async def _other_datasets(
    catalog: Catalog, opened: OpenDataset, params: PlotParams
) -> dict[str, OpenDataset]:
    """The other datasets the parameters name, opened (a 400 naming the parameter for an
    unknown id, 503 for one unavailable); the plot's own is not repeated."""
    others: dict[str, OpenDataset] = {}
    for param, dataset_id in params.other_datasets().items():
        if dataset_id == opened.id or dataset_id in others:
            continue
        if dataset_id not in catalog.ids:
            raise InvalidParameters.single(
                param,
                f"no dataset '{dataset_id}'; " + valid_values_sentence(catalog.ids),
            )
        if catalog.settled(dataset_id):
            others[dataset_id] = catalog.dataset(dataset_id)
        else:
            others[dataset_id] = await run_in_threadpool(catalog.dataset, dataset_id)
    return others


def _in_format(request: Request, params: PlotParams) -> PlotParams:
    """The parameters with the format the Accept header prefers (406 if it allows none)."""
    return params.model_copy(update={"f": negotiate(request, IMAGE_OFFERS)})


def _check_limits(size: tuple[int, int], params: PlotParams, settings: Settings) -> None:
    """The service's limits on image size (``size``: as the render will draw it, a missing
    side derived) and path length (400 naming the parameter)."""
    width, height = size
    pixels = width * height
    if pixels > settings.max_image_pixels:
        only_width = params.width is not None and params.height is None
        raise InvalidParameters.single(
            "width" if only_width else "height",
            f"width x height is {width} x {height} = {pixels:,} pixels; at most "
            f"{settings.max_image_pixels:,} (e.g. {width} x {settings.max_image_pixels // width})",
        )
    path = getattr(params, "path", None)
    if path is not None:
        check_vertices("path", len(path), settings.max_path_points)
