"""EDR collection documents: a gridded dataset's or an observation collection's extent,
parameters and the queries it answers, with absolute links (``describe``,
``describe_observations``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from edr_pydantic.collections import Collection
from edr_pydantic.data_queries import DataQueries, EDRQuery
from edr_pydantic.extent import Extent, Spatial, Temporal, Vertical
from edr_pydantic.link import EDRQueryLink, Link
from edr_pydantic.observed_property import ObservedProperty
from edr_pydantic.parameter import Parameter, Parameters
from edr_pydantic.unit import Unit
from edr_pydantic.variables import CorridorVariables, CubeVariables, RadiusVariables, Variables
from fastapi import Request
from pyproj import CRS

import api.edr.observed as observed
from api.edr.queries import OUTPUT_FORMATS
from catalog.dataset import OpenDataset
from catalog.formats import CRS84, EPSG4326
from catalog.metadata import to_datetimes
from catalog.observations import coverage
from catalog.observations.collection import ObservationCollection
from catalog.observations.corridor import DEFAULT_WIDTH_M
from catalog.selection import iso
from catalog.variables import VariableInfo

QUERY_TYPES = {
    "position": "Values at a place: a point, a time series or a vertical profile",
    "area": "Values in a polygon",
    "cube": "Values in a box",
    "trajectory": "Values along a line",
    "radius": "Values within a distance of a place",
}
WITHIN_UNITS = ["km", "m", "mi", "nmi"]
HEIGHT_UNITS = ("m", "km")
DEFAULT_CORRIDOR = f"{DEFAULT_WIDTH_M / 1000:g} km"
"""An observation trajectory's corridor without corridor-width."""
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
    profiles' parameters, and the queries it answers (``observed.QUERY_TYPES``)."""
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
    "trajectory": f"The profiles within a {DEFAULT_CORRIDOR} corridor of a path, along it",
    "corridor": "The profiles within a corridor of a path, along it",
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
    elif name == "corridor":  # width units as EDR's corridor variables name them: within_units
        variables = CorridorVariables(
            height_units=list(HEIGHT_UNITS), within_units=WITHIN_UNITS, **common
        )
    elif name == "trajectory" and titles is OBS_QUERIES:  # over profiles: a corridor
        variables = Variables(
            width_units=WITHIN_UNITS, default_corridor_width=DEFAULT_CORRIDOR, **common
        )
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
