"""The plot types: what each draws, the datasets it applies to, its parameters."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api.deps import CatalogDep
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from plotting.types import PlotType
from schemas.plots import PlotTypeInfo, PlotTypeList

router = PrefixedRouter(prefix=API_V1, tags=["Plots"])


@router.get(
    "/plot-types",
    operation_id="listPlotTypes",
    name="listPlotTypes",
    summary="List plot types",
    response_model=PlotTypeList,
    responses=problem_responses(),
)
async def list_plot_types(request: Request, catalog: CatalogDep) -> PlotTypeList:
    """Every plot type with the datasets and observation collections it applies to and the JSON
    Schema of its parameters."""
    registry: Mapping[str, PlotType] = request.app.state.plot_types
    if catalog.refresh_due():  # file I/O only then, and off the event loop
        await run_in_threadpool(catalog.open_all)
    opened = [o for o in map(catalog.peek, catalog.ids) if o is not None]
    indexed = [catalog.collection_state(i)[1] for i in catalog.collection_ids]
    collections = [c for c in indexed if c is not None]
    return PlotTypeList(
        plot_types=[
            PlotTypeInfo(
                name=t.name,
                summary=t.summary,
                description=t.description,
                location=t.location,
                needs=list(t.needs),
                datasets=[o.id for o in opened if t.applies_to(o)]
                + [c.id for c in collections if t.applies_to_collection(c)],
                kinds=list(t.kinds),
                url=f"/api/v1/datasets/{{dataset_id}}/plots/{t.name}",
                parameters=t.params.model_json_schema(),
            )
            for t in registry.values()
        ]
    )
