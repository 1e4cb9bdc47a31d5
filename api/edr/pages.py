"""EDR metadata: landing page, conformance, the EDR API document and the collections.

Each answers JSON by default and HTML for `f=html` or an Accept header that prefers text/html
(a browser's).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from edr_pydantic.capabilities import ConformanceModel, LandingPageModel, Provider
from edr_pydantic.collections import Collection, Collections
from edr_pydantic.link import Link
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

import api.edr.observed as observed
from api.deps import CatalogDep
from api.edr.describe import describe, describe_observations
from api.edr.examples import Examples, examples_of
from api.edr.openapi import OPENAPI_MEDIA_TYPE, edr_openapi
from api.edr.params import TAG, CollectionId, PageFormat
from api.errors import NotAcceptable
from api.negotiation import VARY_ACCEPT, negotiate
from api.responses import problem_responses
from api.routing import EDR, PrefixedRouter
from catalog.dataset import OpenDataset
from catalog.errors import DatasetNotFound, DatasetUnavailable
from catalog.store import Catalog

router = PrefixedRouter(prefix=EDR, tags=[TAG])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    *(
        f"http://www.opengis.net/spec/ogcapi-edr-1/1.1/conf/{name}"
        for name in (
            "core",
            "collections",
            "json",
            "geojson",
            "edr-geojson",
            "covjson",
            "html",
            "oas30",
            "queries",
        )
    ),
]
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(),
)
_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}},
}


@router.get(
    "/",
    operation_id="edrLandingPage",
    name="edr_landing",
    summary="EDR landing page",
    response_model=LandingPageModel,
    responses={**_PAGE_RESPONSES, **problem_responses(NotAcceptable)},
)
def landing(request: Request, catalog: CatalogDep, f: PageFormat = None) -> Response:
    """Links to the API document, the conformance classes and the collections."""
    base = str(request.url_for("edr_landing"))
    page = LandingPageModel(
        title="Ocean Data API – OGC API – Environmental Data Retrieval",  # noqa: RUF001
        description="The catalog's ocean datasets as EDR 1.1 collections: position, area, "
        "cube, trajectory and radius queries in CoverageJSON, GeoJSON, CSV and NetCDF; "
        "observation collections (Argo floats) as locations (platforms) and items (profiles).",
        links=[
            Link(href=base, rel="self", type="application/json", title="This document"),
            Link(href=f"{base}?f=html", rel="alternate", type="text/html", title="As HTML"),
            Link(
                href=str(request.url_for("edr_api")),
                rel="service-desc",
                type=OPENAPI_MEDIA_TYPE,
                title="The OpenAPI 3.0 document of the EDR API",
            ),
            Link(
                href=str(request.url_for("redoc")),
                rel="service-doc",
                type="text/html",
                title="The API reference (ReDoc)",
            ),
            Link(
                href=str(request.url_for("edr_conformance")),
                rel="conformance",
                type="application/json",
                title="Conformance classes",
            ),
            Link(
                href=str(request.url_for("edr_collections")),
                rel="data",
                type="application/json",
                title="Collections",
            ),
        ],
        keywords=["ocean", "OGC API - EDR", "CoverageJSON"],
        provider=Provider(name="Ocean Data API"),
    )
    return _page(
        request,
        f,
        page,
        "landing.html",
        page.title or "",
        lambda: {"collections": _examples_of_all(request, catalog)},
    )


@router.get(
    "/conformance",
    operation_id="edrConformance",
    name="edr_conformance",
    summary="EDR conformance classes",
    response_model=ConformanceModel,
    responses={**_PAGE_RESPONSES, **problem_responses(NotAcceptable)},
)
def conformance(request: Request, f: PageFormat = None) -> Response:
    """The conformance classes this API implements."""
    return _page(
        request, f, ConformanceModel(conformsTo=CONFORMANCE), "conformance.html", "Conformance"
    )


@router.get(
    "/api",
    operation_id="edrApi",
    name="edr_api",
    summary="The OpenAPI 3.0 document of the EDR API",
    response_class=Response,
    responses={
        200: {"content": {OPENAPI_MEDIA_TYPE: {"schema": {"type": "object"}}}},
        **problem_responses(),
    },
)
def api_document(request: Request) -> Response:
    """This API's EDR part as OpenAPI 3.0, with the catalog's collection ids."""
    return JSONResponse(edr_openapi(request.app), media_type=OPENAPI_MEDIA_TYPE)


@router.get(
    "/collections",
    operation_id="edrCollections",
    name="edr_collections",
    summary="EDR collections",
    response_model=Collections,
    responses={**_PAGE_RESPONSES, **problem_responses(NotAcceptable)},
)
def collections(request: Request, catalog: CatalogDep, f: PageFormat = None) -> Response:
    """Every dataset of the catalog that can be read now, as an EDR collection."""
    base = str(request.url_for("edr_collections"))
    if catalog.refresh_due():  # retries and source checks, as the dataset list does
        catalog.open_all()
    opened = [catalog.peek(i) for i in catalog.ids]
    listed = [describe(request, o) for o in opened if o is not None]
    for collection_id in catalog.collection_ids:
        try:
            observations = observed.profile_collection(catalog, collection_id)
        except DatasetUnavailable:
            continue  # listed again once its files can be indexed
        except DatasetNotFound:
            continue  # CF time series only: not an EDR collection
        listed.append(describe_observations(request, observations))
    document = Collections(
        links=[
            Link(href=base, rel="self", type="application/json", title="This document"),
            Link(href=f"{base}?f=html", rel="alternate", type="text/html", title="As HTML"),
        ],
        collections=listed,
    )
    return _page(request, f, document, "collections.html", "Collections")


@router.get(
    "/collections/{collectionId}",
    operation_id="edrCollection",
    name="edr_collection",
    summary="One EDR collection",
    response_model=Collection,
    responses={
        **_PAGE_RESPONSES,
        **problem_responses(DatasetNotFound, NotAcceptable, DatasetUnavailable),
    },
)
def collection(
    request: Request, catalog: CatalogDep, collection_id: CollectionId, f: PageFormat = None
) -> Response:
    """A dataset's extent, parameters and query types."""
    if collection_id in catalog.collection_ids:
        observations = describe_observations(
            request, observed.profile_collection(catalog, collection_id)
        )
        title = observations.title or observations.id
        return _page(request, f, observations, "collection.html", title)
    opened = catalog.dataset(collection_id)
    document = describe(request, opened)
    return _page(
        request,
        f,
        document,
        "collection.html",
        document.title or document.id,
        lambda: {"examples": examples_of(request, opened)},
    )


def _examples_of_all(request: Request, catalog: Catalog) -> list[tuple[OpenDataset, Examples]]:
    """Each collection that can be read now, with its examples (those with data)."""
    opened = [catalog.peek(i) for i in catalog.ids]
    found = [(o, examples_of(request, o)) for o in opened if o is not None]
    return [(o, e) for o, e in found if e is not None]


PAGE_OFFERS = {"json": ["application/json"], "html": ["text/html"]}
"""Without `f`, what Accept chooses from: JSON first, so HTML goes to clients that prefer it
(browsers, whose Accept gives text/html q=1 and */* less). An Accept that names neither gets
JSON (`text/html;q=0` alone, or a harvester's `application/ld+json`): these pages are how
clients find the data, and JSON is their required encoding (OGC API Common); only one that
refuses JSON too is a 406."""


def _page(
    request: Request,
    f: str | None,
    model: Any,
    template: str,
    title: str,
    extra: Callable[[], dict[str, Any]] = dict,
) -> Response:
    """The document as JSON, or as HTML from ``template`` with what ``extra`` gives (asked
    only for HTML: the examples read data)."""
    headers = dict(VARY_ACCEPT) if f is None else {}
    document = model.model_dump(mode="json", exclude_none=True, by_alias=True)
    if (f or negotiate(request, PAGE_OFFERS, lenient=True)) == "html":
        html = _TEMPLATES.get_template(template).render(
            title=title,
            doc=document,
            url_root=str(request.url_for("edr_landing")),
            **extra(),
        )
        return HTMLResponse(html, headers=headers)
    return JSONResponse(document, headers=headers)
