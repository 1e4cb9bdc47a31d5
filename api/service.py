"""Service endpoints: liveness, readiness and the problem-type descriptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, Response

from api.deps import CatalogDep
from api.problems import PROBLEM_TYPES, problem_type_uri
from api.responses import problem_responses
from api.routing import Router
from catalog.errors import NotFound, OceanAPIError
from plotting.errors import NotReady
from schemas import patterns
from schemas.datasets import Health
from schemas.problems import ProblemType

router = Router(tags=["Service"])


@router.get(
    "/health",
    operation_id="getHealth",
    summary="Liveness",
    response_model=Health,
    responses=problem_responses(limited=False),
)
async def health() -> Response:
    """200 while the process is alive and answering."""
    # The same bytes every time, built once: a probe's answer should cost nothing to make.
    return Response(_ALIVE, media_type="application/json")


_ALIVE = Health(status="ok").model_dump_json().encode()


@router.get(
    "/ready",
    operation_id="getReadiness",
    summary="Readiness",
    response_model=Health,
    responses=problem_responses(NotReady, limited=False),
)
async def ready(request: Request, catalog: CatalogDep) -> Health:
    """200 once the catalog is loaded and each worker pool has a worker answering; 503 before
    that, and while a pool has none (every worker stopped, being replaced, or a pool starting
    again).

    The body counts each pool's healthy workers: 'degraded' (still 200) while some, not all,
    answer; the pool serves on with fewer at once and the stale ones are being replaced.
    Unavailable datasets do not make the service unready: they are counted, and each answers
    503 on its own.
    """
    if not getattr(request.app.state, "ready", False):
        raise NotReady("The service is starting or stopping.", retry_after=1)
    pools = [request.app.state.runner.health(), request.app.state.data.health()]
    down = [p.pool for p in pools if p.healthy == 0]
    if down:
        raise NotReady(
            f"No {' or '.join(down)} worker is answering; they are being replaced.",
            retry_after=1,
            pools=[p.model_dump() for p in pools],
        )
    unavailable = sum(catalog.unavailable_reason(i) is not None for i in catalog.ids)
    return Health(
        status="ready" if all(p.healthy >= p.workers for p in pools) else "degraded",
        datasets_available=len(catalog.ids) - unavailable,
        datasets_unavailable=unavailable,
        pools=pools,
    )


def _describe(error: type[OceanAPIError]) -> ProblemType:
    return ProblemType(
        type=problem_type_uri(error),
        title=error.title,
        status=error.status,
        description=error.description,
    )


@router.get(
    "/problems",
    operation_id="listProblemTypes",
    summary="List problem types",
    response_model=list[ProblemType],
    responses=problem_responses(),
)
def list_problem_types() -> list[ProblemType]:
    """Every problem type an error response can carry in its `type` field."""
    return [_describe(e) for e in PROBLEM_TYPES.values()]


@router.get(
    "/problems/{slug}",
    operation_id="getProblemType",
    summary="Describe a problem type",
    response_model=ProblemType,
    responses=problem_responses(NotFound),
)
def get_problem_type(
    slug: Annotated[
        str,
        Path(
            description="Problem type name.",
            pattern=patterns.NAME,
            max_length=patterns.NAME_MAX,
            examples=["dataset-not-found"],
        ),
    ],
) -> ProblemType:
    """What a problem type means; error responses link here from their `type` field."""
    error = PROBLEM_TYPES.get(slug)
    if error is None:
        raise NotFound(f"No problem type '{slug}'. GET /problems lists them.")
    return _describe(error)
