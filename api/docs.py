"""The API's own documentation: the OpenAPI document, ReDoc at /docs, Swagger UI at /swagger.

The pages are static files built by ``make docs`` (``web/build.mjs``: redoc-cli and
swagger-ui-dist from npm) into ``docs/site``, where they are committed so that serving needs no
Node; they load nothing from another host, and the Content-Security-Policy sent with them tells
the browser to hold them to that.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from api.examples import EXAMPLE_IMAGES, EXAMPLE_IMAGES_URL
from api.openapi import dump
from api.pages import StaticEncodedFiles, file_response, origin_of, text_response
from api.responses import problem_responses
from api.routing import Router
from catalog.errors import NotFound

OPENAPI_YAML = "application/yaml"

# Inline scripts and styles: ReDoc's page carries its state and styled-components CSS inline;
# blob: for ReDoc's search worker and for images Swagger UI shows from responses.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' blob:",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'self'",
    ]
)

_DOCUMENT_EXAMPLE = {
    "openapi": "3.1.0",
    "info": {"title": "Ocean Data API", "version": "0.1.0"},
    "paths": {"/api/v1/datasets": {"get": {"operationId": "listDatasets"}}},
}


def build_router(docs_dir: Path) -> Router:
    """Routes for the document and the two pages built into ``docs_dir``."""
    router = Router(tags=["Service"])

    @router.get(
        "/openapi.json",
        operation_id="getOpenAPIJson",
        summary="OpenAPI document (JSON)",
        response_class=JSONResponse,
        responses={
            200: {
                "description": "The OpenAPI 3.1 document of this service.",
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "additionalProperties": True},
                        "example": _DOCUMENT_EXAMPLE,
                    }
                },
            },
            **problem_responses(),
        },
    )
    def openapi_json(request: Request) -> Response:
        """This API's OpenAPI 3.1 document, as JSON: what /docs and /swagger show."""
        app: FastAPI = request.app
        if getattr(app.state, "openapi_json", None) is None:
            app.state.openapi_json = json.dumps(
                app.openapi(), ensure_ascii=False, allow_nan=False, separators=(",", ":")
            )
        return text_response(
            app.state.openapi_json, "application/json", "openapi.json", origin_of(request)
        )

    @router.get(
        "/openapi.yaml",
        operation_id="getOpenAPIYaml",
        summary="OpenAPI document (YAML)",
        response_class=Response,
        responses={
            200: {
                "description": "The OpenAPI 3.1 document of this service, as committed in "
                "the repository's openapi.yaml.",
                "content": {
                    OPENAPI_YAML: {
                        "schema": {"type": "object"},
                        "example": dump(_DOCUMENT_EXAMPLE),
                    }
                },
            },
            **problem_responses(),
        },
    )
    def openapi_yaml(request: Request) -> Response:
        """This API's OpenAPI 3.1 document, as YAML: the same bytes as the committed file."""
        app: FastAPI = request.app
        if getattr(app.state, "openapi_yaml", None) is None:
            app.state.openapi_yaml = dump(app.openapi())
        return text_response(
            app.state.openapi_yaml, OPENAPI_YAML, "openapi.yaml", origin_of(request)
        )

    @router.get("/docs", include_in_schema=False)
    def redoc(request: Request) -> Response:
        """ReDoc: the reference, one self-contained page, embedding the document."""
        return page_response(docs_dir / "redoc.html", origin=origin_of(request))

    @router.get("/swagger", include_in_schema=False)
    def swagger() -> Response:
        """Swagger UI, with "Try it out" against this server."""
        return page_response(docs_dir / "swagger.html")

    return router


def mount_assets(app: FastAPI, docs_dir: Path) -> None:
    """Serve the pages' scripts, styles and icons under /docs/assets, and the example images
    the document shows (committed under docs/examples) under /docs/examples."""
    app.mount("/docs/assets", static_files(docs_dir / "assets"), name="docs-assets")
    app.mount(EXAMPLE_IMAGES_URL, static_files(EXAMPLE_IMAGES), name="docs-examples")


def static_files(directory: Path) -> StaticFiles:
    """The files of a folder that may not be built yet, gzip-compressed once (``api.pages``)."""
    return StaticEncodedFiles(directory=directory, check_dir=False)


def page_response(
    path: Path, policy: str = CONTENT_SECURITY_POLICY, origin: str | None = None
) -> Response:
    """A built page, sent with its Content-Security-Policy, gzip-compressed once (``api.pages``)
    and, given an ``origin``, with the document's example origin replaced by it; a 404 problem
    saying how to build it when it is not there."""
    if not path.is_file():
        raise NotFound(
            f"The documentation page {path.name} is not in the docs folder (OCEANAPI_DOCS_DIR): "
            "the checkout has the pages in docs/site, and `make docs` rebuilds them."
        )
    return file_response(
        path,
        "text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
        origin=origin,
    )
