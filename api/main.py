"""The app factory: ``uvicorn --factory api.main:create_app``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api import docs, edr, explorer, maps, observability, service, v1, wms
from api.logs import configure_logging
from api.middleware import EdgeMiddleware
from api.observability import Metrics
from api.openapi import API_DESCRIPTION, install_openapi
from api.problems import install_problem_handlers
from api.proxy import Forwarding
from api.settings import Settings
from catalog.store import Catalog
from plotting.data_runner import DataRunner
from plotting.runner import PlotRunner
from plotting.types import PLOT_TYPES, PlotType

log = logging.getLogger("oceanapi")

VERSION = "0.1.0"


def create_app(
    settings: Settings | None = None, plot_types: Mapping[str, PlotType] | None = None
) -> FastAPI:
    """Build the app. The catalog file is validated now: an invalid one raises CatalogError.

    ``plot_types`` replaces the plot type registry (plug-ins, and the tests' pool probes).
    """
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_format == "json")
    catalog = Catalog(
        settings.catalog,
        retry_seconds=settings.dataset_retry_seconds,
        check_seconds=settings.source_check_seconds,
    )
    registry = dict(PLOT_TYPES if plot_types is None else plot_types)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(catalog.open_all)
        runner = PlotRunner(settings.plot, catalog.path, settings.max_values, settings.dask)
        data = DataRunner(settings.data, catalog, settings.max_values, settings.dask)
        app.state.runner, app.state.data = runner, data
        try:
            # The document too (the metrics' route templates read it): built on the first
            # request instead, it held the event loop for half a second after /ready.
            started = await asyncio.gather(
                runner.start(), data.start(), run_in_threadpool(app.openapi), return_exceptions=True
            )
            for outcome in started:  # both have finished: neither is left starting
                if isinstance(outcome, BaseException):
                    raise outcome
            app.state.ready = True
            log.info("ready: %d datasets from %s", len(catalog.ids), catalog.path)
            yield
        finally:
            app.state.ready = False
            await asyncio.gather(runner.close(), data.close())
            catalog.close()

    app = FastAPI(
        title="Ocean Data API",
        version=VERSION,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load their scripts from a CDN: api/docs.py serves ours
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics = Metrics(app.state)
    app.state.catalog = catalog
    app.state.plot_types = registry
    app.state.ready = False
    # Each router declines a path outside its prefix at once (api.routing.PrefixedRouter), but
    # the app asks them in order: the probes (/health, /ready, /metrics) first, as they are
    # the most frequent requests; the document keeps its own order (api.openapi).
    for router in (
        service.router,
        observability.router,
        *v1.build_routers(registry),
        *edr.build_routers(),
        *wms.build_routers(),
        docs.build_router(settings.docs_dir),
        maps.build_router(settings.docs_dir),
        explorer.build_router(settings.docs_dir),
    ):
        app.include_router(router)
    docs.mount_assets(app, settings.docs_dir)
    maps.mount_assets(app, settings.docs_dir)
    explorer.mount_assets(app, settings.docs_dir)
    install_problem_handlers(app)
    install_openapi(app)
    forwarding = Forwarding(
        None if settings.public_url is None else str(settings.public_url),
        settings.forwarded_allow_ips,
        settings.allowed_hosts,
    )
    # The one middleware layer: every answer carries the request id and the CORS headers, is
    # counted and logged, and everything inside sees the trusted host and client.
    app.add_middleware(
        EdgeMiddleware,
        forwarding=forwarding,
        metrics=metrics,
        client_limit=settings.max_client_requests,
        cors_origins=settings.cors_origins,
    )
    return app
