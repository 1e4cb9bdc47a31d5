"""Images drawn by the plot runner, answered the same way by every facade that asks for one
(plots, tiles, WMS GetMap): a strong ETag and Cache-Control, 304 for a matching If-None-Match,
Server-Timing saying where the time went."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.encoding import CLIENT_CLOSED
from catalog.errors import DatasetUnavailable
from catalog.store import Catalog
from plotting.jobs import Job
from plotting.runner import Cached, ClientGone, PlotRunner


async def image_response(
    request: Request,
    runner: PlotRunner,
    catalog: Catalog,
    dataset_id: str,
    job: Job,
    headers: dict[str, str] | None = None,
) -> Response:
    """The job's image through the runner (shared, cached), or 304; ``headers`` added."""
    try:
        cached, source = await runner.render(job, request.is_disconnected)
    except ClientGone:
        return Response(status_code=CLIENT_CLOSED)
    except DatasetUnavailable:
        catalog.recheck(dataset_id)  # the worker saw another source: every endpoint checks
        raise
    return answer(request, runner, cached, source, headers)


def answer(
    request: Request,
    runner: PlotRunner,
    cached: Cached,
    source: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A drawn image with its ETag and Cache-Control, or 304 when If-None-Match matches."""
    sent = {
        "ETag": cached.etag,
        "Cache-Control": f"public, max-age={runner.settings.cache_seconds}",
        "Server-Timing": server_timing(cached, source),
        **(headers or {}),
    }
    if matches(request.headers.get("if-none-match"), cached.etag):
        return Response(status_code=304, headers=sent)
    return Response(cached.rendered.body, media_type=cached.rendered.media_type, headers=sent)


def server_timing(cached: Cached, source: str) -> str:
    """Render stages in ms for a fresh image; 'cache' for one served from the cache."""
    if source == "cache":
        return 'cache;desc="hit"'
    stages = [f"{name};dur={ms:.1f}" for name, ms in cached.rendered.timings.items()]
    return ", ".join([*stages, f'source;desc="{source}"'])


def matches(header: str | None, etag: str) -> bool:
    """If-None-Match against a strong ETag ('*', a list, weak forms compared weakly)."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags
