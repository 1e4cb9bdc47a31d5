"""The example web maps: a Leaflet page at /maps/leaflet and an OpenLayers page at
/maps/openlayers, each showing a dataset's WebMercatorQuad tiles (through their TileJSON) and
its WMS layer, with dataset, variable, time and depth pickers and a colour legend.

Like the docs pages they are static files built by ``make docs`` (``web/build.mjs`` bundles
``web/maps`` with the pinned ``leaflet`` and ``ol`` from npm) into ``docs/site/maps``, where they
are committed so that serving needs no Node. They load nothing from another host (no base map
tiles: the map's background is plain grey), and their Content-Security-Policy holds them to
that, stricter than the docs pages': no inline script at all.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response

from api.docs import page_response, static_files

PAGES = {"leaflet": "Leaflet", "openlayers": "OpenLayers"}
"""The pages, /maps/{name}, built as docs/site/maps/{name}.html."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "frame-ancestors 'self'",
    ]
)


def build_router(docs_dir: Path) -> APIRouter:
    """Routes for the two pages built into ``docs_dir/maps``.

    A plain router, not ``api.routing.Router``: a page's query string (dataset, variable,
    time, depth, layers, lon, lat, zoom) is its own state, read by its script, not the server's.
    """
    router = APIRouter(tags=["Service"])

    for name, library in PAGES.items():

        def page(name: str = name) -> Response:
            return page_response(docs_dir / "maps" / f"{name}.html", CONTENT_SECURITY_POLICY)

        page.__doc__ = f"The {library} example map page."
        router.add_api_route(f"/maps/{name}", page, methods=["GET"], include_in_schema=False)
    return router


def mount_assets(app: FastAPI, docs_dir: Path) -> None:
    """Serve the pages' bundled scripts and styles under /maps/assets."""
    app.mount("/maps/assets", static_files(docs_dir / "maps" / "assets"), name="maps-assets")
