"""The explorer: the service's front page at ``/``.

One static page (``web/explorer``, bundled with the pinned ``leaflet`` from npm by ``make docs``
into ``docs/site/explorer`` and committed, so serving needs no Node). It maps any dataset's
tiles with dataset, variable, depth, time, colour map, range and opacity pickers, turns a click
into the value there and the time series and profile plots of that point, a drawn line into a
transect and Hovmöller diagram, a drawn box into an area plot and download, draws an
observation collection's profile positions and platform tracks over the map (a click opens the
profile's facts and plots), shows the API call behind every picture (URL, curl, Python) with a
download per format, animates time, and keeps its whole state in its URL. Everything it asks
for is an API request any client could make; it loads nothing from another host, and its
Content-Security-Policy holds it to that.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

from api.docs import page_response, static_files
from api.maps import CONTENT_SECURITY_POLICY


def build_router(docs_dir: Path) -> APIRouter:
    """The route of the page built into ``docs_dir/explorer``.

    A plain router, not ``api.routing.Router``: the page's query string (dataset, variable,
    time, depth, colour scale, view, open panels) is its own state, read by its script.
    """
    router = APIRouter(tags=["Service"])

    @router.get("/", include_in_schema=False)
    def explorer() -> Response:
        """The explorer page."""
        return page_response(docs_dir / "explorer" / "index.html", CONTENT_SECURITY_POLICY)

    return router


def mount_assets(app: FastAPI, docs_dir: Path) -> None:
    """Serve the page's bundled script, styles and coastlines under /explorer/assets."""
    app.mount(
        "/explorer/assets", static_files(docs_dir / "explorer" / "assets"), name="explorer-assets"
    )
