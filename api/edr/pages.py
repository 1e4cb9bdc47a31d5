"""EDR metadata: landing page, conformance, the EDR API document and the collections.

Each answers JSON by default and HTML for `f=html` or an Accept header that prefers text/html
(a browser's).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from edr_pydantic.capabilities import ConformanceModel, LandingPageModel, Provider
from edr_pydantic.collections import Collection, Collections
from edr_pydantic.data_queries import DataQueries, EDRQuery
from edr_pydantic.extent import Extent, Spatial, Temporal, Vertical
from edr_pydantic.link import EDRQueryLink, Link
from edr_pydantic.observed_property import ObservedProperty
from edr_pydantic.parameter import Parameter, Parameters
from edr_pydantic.unit import Unit
from edr_pydantic.variables import CubeVariables, RadiusVariables, Variables
from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyproj import CRS

from api.deps import CatalogDep
from api.edr import observed
from api.edr.examples import Examples, examples_of
from api.edr.openapi import OPENAPI_MEDIA_TYPE, edr_openapi
from api.edr.params import TAG, CollectionId, PageFormat
from api.edr.queries import OUTPUT_FORMATS
from api.errors import NotAcceptable
from api.negotiation import VARY_ACCEPT, negotiate
from api.responses import problem_responses
from api.routing import EDR, PrefixedRouter
from catalog.dataset import OpenDataset
from catalog.errors import DatasetNotFound, DatasetUnavailable
from catalog.formats import CRS84, EPSG4326
from catalog.metadata import to_datetimes
from catalog.observations import coverage
from catalog.observations.collection import ObservationCollection
from catalog.selection import iso
from catalog.store import Catalog
from catalog.variables import VariableInfo

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
QUERY_TYPES = {
    "position": "Values at a place: a point, a time series or a vertical profile",
    "area": "Values in a polygon",
    "cube": "Values in a box",
    "trajectory": "Values along a line",
    "radius": "Values within a distance of a place",
}
WITHIN_UNITS = ["km", "m", "mi", "nmi"]
TRS = (
    'TIMECRS["DateTime",TDATUM["Gregorian Calendar"],CS[TemporalDateTime,1],'
    'AXIS["Time (T)",future]]'
)
VRS = (
    'VERTCRS["Depth",VDATUM["Mean Sea Level"],CS[vertical,1],'
    'AXIS["depth (D)",down,LENGTHUNIT["metre",1]]]'
)
MAX_LISTED_TIMES = 10_000
CRS_DETAILS = [
    {"crs": "CRS84", "wkt": CRS.from_user_input("OGC:CRS84").to_wkt()},
    {"crs": "EPSG:4326", "wkt": CRS.from_user_input("EPSG:4326").to_wkt()},
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
        "cube, trajectory and radius queries in CoverageJSON, GeoJSON, CSV and NetCDF.",
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
            observations = catalog.collection(collection_id)
        except DatasetUnavailable:
            continue  # listed again once its files can be indexed
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
        observations = describe_observations(request, catalog.collection(collection_id))
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


def describe(request: Request, opened: OpenDataset) -> Collection:
    """The EDR collection of a dataset: extent, parameters, queries and links, absolute URLs."""
    self_url = str(request.url_for("edr_collection", collectionId=opened.id))
    queries = {name: EDRQuery(link=_query_link(request, opened.id, name)) for name in QUERY_TYPES}
    return Collection(
        id=opened.id,
        title=opened.entry.title,
        description=" ".join((opened.entry.summary or "").split()) or None,
        keywords=[opened.grid_kind or "grid", "ocean"],
        links=[
            Link(href=self_url, rel="self", type="application/json", title="This collection"),
            Link(href=f"{self_url}?f=html", rel="alternate", type="text/html", title="As HTML"),
            *(q.link for q in queries.values()),
        ],
        extent=_extent(opened),
        data_queries=DataQueries(**queries),
        crs=[CRS84, EPSG4326],
        output_formats=OUTPUT_FORMATS,
        parameter_names=Parameters(
            {info.id: _parameter(info) for info in opened.variables.values()}
        ),
        distanceunits=WITHIN_UNITS,
    )


def describe_observations(request: Request, collection: ObservationCollection) -> Collection:
    """The EDR collection of an observation collection: its positions' box and time range, the
    profiles' parameters, and the queries it answers (locations, items, area, cube, radius)."""
    self_url = str(request.url_for("edr_collection", collectionId=collection.id))
    queries = {
        name: EDRQuery(
            link=_query_link(request, collection.id, name, observed.OUTPUT_FORMATS, OBS_QUERIES)
        )
        for name in observed.QUERY_TYPES
    }
    entry = collection.entry
    west, south, east, north = collection.bbox or (-180.0, -90.0, 180.0, 90.0)
    times = collection.table["time"].dropna().sort_values().unique()
    temporal = None
    if len(times):
        first, last = (pd.Timestamp(t).to_pydatetime() for t in (times[0], times[-1]))
        stamps = [pd.Timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ") for t in (times[0], times[-1])]
        listed = (
            [pd.Timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]
            if len(times) <= MAX_LISTED_TIMES
            else [f"{stamps[0]}/{stamps[1]}"]
        )
        temporal = Temporal(interval=[[first, last]], values=listed, trs=TRS)
    return Collection(
        id=collection.id,
        title=entry.title,
        description=" ".join((entry.summary or "").split()) or None,
        keywords=["observations", "profiles", "ocean"],
        links=[
            Link(href=self_url, rel="self", type="application/json", title="This collection"),
            Link(href=f"{self_url}?f=html", rel="alternate", type="text/html", title="As HTML"),
            *(q.link for q in queries.values()),
        ],
        extent=Extent(
            spatial=Spatial(bbox=[[west, south, east, north]], crs=CRS84), temporal=temporal
        ),
        data_queries=DataQueries(**queries),
        crs=[CRS84, EPSG4326],
        output_formats=observed.OUTPUT_FORMATS,
        parameter_names=Parameters(
            {v.id: _observed_parameter(v) for v in coverage.VARIABLES.values()}
        ),
        distanceunits=WITHIN_UNITS,
    )


OBS_QUERIES = {
    "locations": "The platforms (floats) and their tracks; one platform's profiles",
    "items": "The profiles, paged; one profile",
    "area": "The profiles positioned in a polygon",
    "cube": "The profiles positioned in a box, at the z levels",
    "radius": "The profiles within a distance of a place",
}


def _observed_parameter(variable: coverage.ObservedVariable) -> Parameter:
    return Parameter(
        id=variable.id,
        label=variable.long_name,
        description=variable.long_name,
        dataType="float",
        unit=Unit(label=variable.units, symbol=variable.units),
        observedProperty=ObservedProperty(
            id=f"http://vocab.nerc.ac.uk/standard_name/{variable.standard_name}/",
            label=variable.standard_name,
        ),
    )


def _query_link(
    request: Request,
    dataset_id: str,
    name: str,
    formats: list[str] = OUTPUT_FORMATS,
    titles: dict[str, str] = QUERY_TYPES,
) -> EDRQueryLink:
    common: dict[str, Any] = {
        "title": titles[name],
        "query_type": name,
        "output_formats": formats,
        "default_output_format": "GeoJSON" if name in ("locations", "items") else "CoverageJSON",
        "crs_details": CRS_DETAILS,
    }
    variables: Variables
    if name == "cube":
        variables = CubeVariables(height_units=["m"], **common)
    elif name == "radius":
        variables = RadiusVariables(within_units=WITHIN_UNITS, **common)
    else:
        variables = Variables(**common)
    geojson = name in ("locations", "items")
    return EDRQueryLink(
        href=str(request.url_for(f"edr_{name}", collectionId=dataset_id)),
        rel="data",
        type="application/geo+json" if geojson else "application/prs.coverage+json",
        title=titles[name],
        templated=False,
        variables=variables,
    )


def _extent(opened: OpenDataset) -> Extent:
    west, south, east, north = opened.bbox or (-180.0, -90.0, 180.0, 90.0)
    times, depths = opened.times(), opened.depths()
    temporal = None
    if times.size:
        first, last = to_datetimes(times[[0, -1]])
        listed = [iso(t) for t in times] if times.size <= MAX_LISTED_TIMES else []
        temporal = Temporal(
            interval=[[first, last]],
            values=listed or [f"{iso(times[0])}/{iso(times[-1])}"],
            trs=TRS,
        )
    vertical = None
    if depths.size:
        levels = [f"{d:g}" for d in np.sort(depths)]
        vertical = Vertical(interval=[[levels[0], levels[-1]]], values=levels, vrs=VRS)
    return Extent(
        spatial=Spatial(bbox=[[west, south, east, north]], crs=CRS84),
        temporal=temporal,
        vertical=vertical,
    )


def _parameter(info: VariableInfo) -> Parameter:
    label = info.display_name
    observed = ObservedProperty(
        id=f"http://vocab.nerc.ac.uk/standard_name/{info.standard_name}/"
        if info.standard_name
        else None,
        label=info.standard_name or info.long_name or info.id,
    )
    return Parameter(
        id=info.id,
        label=label,
        description=info.long_name or label,
        dataType="float",
        unit=Unit(label=info.units, symbol=info.units) if info.units else None,
        observedProperty=observed,
    )


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
