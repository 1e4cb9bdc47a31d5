"""The OpenAPI document: generated from the app, committed as openapi.yaml.

Run ``python -m tools.openapi`` (``make openapi``) to regenerate the file.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import examples
from api.edr.params import TAG
from api.problems import PROBLEM_MEDIA_TYPE
from api.routing import API_V1, EDR
from schemas.origin import EXAMPLE_ORIGIN

_MAP_EXAMPLE = (
    "/api/v1/datasets/glorys/plots/map?variable=thetao&quiver=current&contour=thetao"
    "&bbox=-15,48,5,62"
)

# No line of the description may start with "#" or "##" and a space, not even inside a code
# block: ReDoc (2.0) cuts the API's description at the first such line, taking it for the first
# heading of sections it lists in its menu, which emptied the quick start's code block.
API_DESCRIPTION = f"""\
Query ocean model and observation data, and fetch plots of it, over HTTP.

**Quick start** (against the bundled samples: `make serve`). What is served: the datasets, then
one dataset's variables, times and depths:

```sh
curl "{EXAMPLE_ORIGIN}/api/v1/datasets"
curl "{EXAMPLE_ORIGIN}/api/v1/datasets/glorys"
```

A value: sea surface temperature at 140°W on the equator, December 2015:

```sh
curl "{EXAMPLE_ORIGIN}/api/v1/datasets/ersst-v5/data/point?lon=-140&lat=0.5&time=2015-12-01"
```

A plot: temperature with currents and isotherms around the British Isles:

```sh
curl -o map.png "{EXAMPLE_ORIGIN}{_MAP_EXAMPLE}"
```

The same data for OGC clients (CoverageJSON):

```sh
curl "{EXAMPLE_ORIGIN}/edr/collections/glorys/position?coords=POINT(-10%2050)&parameter-name=thetao"
```

**Explorer**: [the front page](./) maps any dataset; a click gives the value, time series and
profile there, a drawn line a transect, a drawn box an area plot, each with the API call
behind it.

**Web maps**: the example pages [maps/leaflet](maps/leaflet) (Leaflet) and
[maps/openlayers](maps/openlayers) (OpenLayers) show a dataset's tiles (TileJSON) and WMS layer
with a time and depth picker, served by this service alone.

Every operation below carries a worked example: its parameters' examples form a request that
works on the samples, and "Try it out" at `/swagger` sends it.

Every error is an RFC 9457 `application/problem+json` document; its `type` links to a
description under `/problems/`. Unknown or repeated query parameters are rejected with 400;
a request whose line and headers pass 64 KiB with 431 (`/problems/request-head-too-large`:
send fewer or shorter values).

Every GET operation also answers **HEAD** with the GET's status and headers and no body. A
plot's HEAD renders it once and caches it, so the GET that follows is a cache hit; a data
query's HEAD is checked and estimated as its GET would be (400, 404, 413 alike) but not
computed, so it carries no Content-Length.

Where an operation answers in several formats, `f` chooses; without `f` the **Accept** header
does (q-values honoured, `q=0` meaning "not acceptable", ties to the operation's default) and
the answer carries `Vary: Accept`. An Accept that allows none of the formats on offer is 406
(`/problems/not-acceptable`, naming them).
"""

TAGS = [
    {"name": "Datasets", "description": "The catalog: datasets, variables, times and depths."},
    {
        "name": "Data",
        "description": "Values at a point, as time series and profiles, in a box and along a "
        "path, as JSON, CSV, NetCDF or CoverageJSON.",
    },
    {
        "name": "Plots",
        "description": "Maps, transects, profiles, time series and Hovmöller diagrams as PNG, "
        "SVG or PDF, rendered in a pool of worker processes; the plot types and colormaps on "
        "offer.",
    },
    {
        "name": "Tiles",
        "description": "Map tiles of any variable for web maps (Leaflet, OpenLayers, MapLibre, "
        "QGIS): the OGC tile matrix sets WebMercatorQuad and WorldCRS84Quad, and TileJSON.",
    },
    {
        "name": "Observations",
        "description": "In-situ observation collections (Argo floats): profiles searched by "
        "box, time and platform as paged GeoJSON, one profile's levels with their QC flags, "
        "platforms and their tracks; model-observation matchups (a gridded dataset sampled at "
        "the profiles, with bias, RMSE and N).",
    },
    {
        "name": TAG,
        "description": "OGC API – Environmental Data Retrieval 1.1 (under /edr): the "  # noqa: RUF001
        "datasets as collections, queried by position, area, cube, trajectory and radius, "
        "answered as CoverageJSON, GeoJSON, CSV or NetCDF by the same engine as /api/v1; "
        "observation collections (Argo floats) by locations, items, area, cube, trajectory, "
        "corridor and radius.",
    },
    {
        "name": "Service",
        "description": "Liveness, readiness, problem-type descriptions and this document "
        "(as JSON and YAML; read it at /docs, try it at /swagger).",
    },
]


def _section(path: str) -> int:
    """Where a path goes in the document: /api/v1, then /edr, then the rest."""
    return 0 if path.startswith(API_V1) else 1 if path.startswith(EDR) else 2


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app``, with problem+json errors and no 422s."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=TAGS,
    )
    # The routers are included in the order requests are best matched (api.main: the service's
    # probes first); the document lists the native API, then EDR, then the service's paths.
    doc["paths"] = dict(sorted(doc.get("paths", {}).items(), key=lambda item: _section(item[0])))
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, path_item in doc.get("paths", {}).items():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)  # validation failures are 400 problems here
            for status, response in responses.items():
                content = response.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _not_null(parameter["schema"])
            examples.apply(operation)
            _answer_examples(path, operation, schemas)
    return doc


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter's schema without its ``null`` branch: a query has no null."""
    options = schema.get("anyOf", [])
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) != 1 or len(options) != 2:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest}


_OTHER_IMAGES = {"image/svg+xml": "SVG", "application/pdf": "PDF"}


def _answer_examples(path: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Every success answer gets an example: its schema's, or the worked request's answer
    kept under docs/examples (CSV, CoverageJSON, GeoJSON), or the worked request named in the
    response's description, with the image it gives for PNG.
    """
    response = operation["responses"].get("200", {})
    operation_id = operation.get("operationId", "")
    for media_type, content in response.get("content", {}).items():
        if "example" in content or "examples" in content:
            continue
        ref = content.get("schema", {}).get("$ref", "")
        if ref and schemas.get(ref.rsplit("/", 1)[-1], {}).get("examples"):
            continue  # the schema's own example
        kept = examples.answer_of(operation_id, media_type)
        if kept is not None and kept.is_file():
            text = kept.read_text(encoding="utf-8")
            content["example"] = json.loads(text) if kept.suffix == ".json" else text
            continue
        # Binary answers (images, PDF, NetCDF) and HTML pages: the response's description
        # names the example request, and shows a plot's image (ReDoc 2 cannot show an example
        # that has no literal value, nor resolve a relative externalValue).
        brief = examples.request_of(path, operation, media_type, brief=True)
        if media_type in _OTHER_IMAGES:
            response["description"] += f" As {_OTHER_IMAGES[media_type]}: `GET {brief}`."
            continue
        response["description"] += f"\n\nExample: `GET {brief}`."
        if media_type == "image/png":
            image = f"{examples.EXAMPLE_IMAGES_URL}/{operation_id}.png"
            shown = image if examples.image_of(operation_id).is_file() else brief
            response["description"] += f"\n\n![The example request's image]({shown})\n\n"


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` return (and cache) ``build_openapi(app)``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings as literal blocks, so descriptions read as written."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    """Lists of plain values on one line (enums, coordinates), others as blocks."""
    flat = all(isinstance(item, str | int | float | bool) or item is None for item in value)
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=flat and bool(value)
    )


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def dump(doc: dict[str, Any]) -> str:
    """The document as YAML, in the document's own key order."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
