"""Worked examples: for each operation, parameter values that work together on the samples.

``build_openapi`` makes them the parameters' examples, so ReDoc shows a request that works and
Swagger UI's "Try it out" starts from one; ``tests/contract/test_openapi.py`` sends every
operation's example request. Operations not listed here take their parameters' own examples,
which work together as they stand. The answers the document shows, a plot's image and the
CSV, CoverageJSON and GeoJSON answers, are kept under ``docs/examples`` by
``python -m tools.examples`` (``make examples``); a test checks they are still what the API says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from api.edr.queries import FORMATS as EDR_FORMATS
from api.settings import REPO_ROOT
from catalog.formats import MEDIA_TYPES as DATA_MEDIA_TYPES
from plotting.figure import MEDIA_TYPES as PLOT_MEDIA_TYPES

EXAMPLE_IMAGES = REPO_ROOT / "docs" / "examples"
EXAMPLE_IMAGES_URL = "/docs/examples"


@dataclass(frozen=True)
class LeftOut:
    """A parameter the worked request leaves out, and why (it asks for another plot, or the
    operation refuses it). It is documented with its own example in words, not given an
    ``example`` that Swagger UI would fill in and send."""

    reason: str


_DIFFERENCE = LeftOut("it asks for a difference plot, whose panels are another request")
_NO_DIFFERENCE = {
    "compare_time": _DIFFERENCE,
    "compare_dataset": _DIFFERENCE,
    "compare_variable": _DIFFERENCE,
    "diff_scale": _DIFFERENCE,
}
_GLORYS_THETAO = {
    "dataset_id": "glorys",
    "variable": "thetao",
    "title": "Potential temperature",
    **_NO_DIFFERENCE,
}

_OBSERVED = LeftOut("it chooses an observation collection's profiles, another request")
_OBSERVED_PROFILES = {
    "profile_id": _OBSERVED,
    "platform": _OBSERVED,
    "start": _OBSERVED,
    "end": _OBSERVED,
}
_MEASURED = LeftOut("observed values are drawn in their measured units")
_ARGO = {"dataset_id": "argo-5900865", "units": _MEASURED, "title": "Argo float 5900865"}
_PLATFORM_CHOSEN = LeftOut("it is the other choice to profile_id")
_ALONG_PROFILES = LeftOut(
    "it widens a trajectory over an observation collection; a gridded one samples the line"
)

WORKED: dict[str, dict[str, Any]] = {
    "queryProfile": {
        "dataset_id": "glorys",
        "lon": -10.0,
        "lat": 50.0,
        "variables": "thetao",
        "time": "2021-06-29T00:00:00Z",
    },
    "plotMap": {**_GLORYS_THETAO, "bbox": "-15,48,5,62", "quiver": "current"},
    "plotTransect": {**_GLORYS_THETAO, "path": "-15,50;0,60"},
    "plotProfile": {**_GLORYS_THETAO, "lon": [-12.0, -5.0], "lat": [50.0, 55.0]},
    "plotStick": {
        "dataset_id": "wcofs",
        "variable": "surface-current",
        "title": "Surface currents off Oregon",
        "colormap": LeftOut("sticks have no colours"),
        "scale": LeftOut("sticks have no colours"),
        "units": "m s-1",
        "lon": [-124.8, -124.5],
        "lat": [44.6, 44.3],
        "start": "2024-10-17T01:00:00Z",
        "end": "2024-10-17T04:00:00Z",
    },
    "plotTs": {
        "dataset_id": "glorys",
        "lon": [-17.0, -12.0, 2.0],
        "lat": [50.0, 57.0, 66.0],
        "bbox": LeftOut("it is the other choice to points"),
        "variable": LeftOut("the diagram draws its own two variables"),
        "units": LeftOut("the isopycnals are drawn in g/kg and °C"),
        "title": "T–S diagram",  # noqa: RUF001 - the diagram's name, with its en dash
        **_OBSERVED_PROFILES,
    },
    # sound speed in m s-1: not the degC the shared units parameter shows
    "plotSoundspeed": {
        "dataset_id": "glorys",
        "lon": [-17.0, 2.0],
        "lat": [50.0, 66.0],
        "units": "m s-1",
        "title": "Sound speed",
    },
    "plotTrack": {
        **_ARGO,
        "platform": "5900865",
        "variable": LeftOut("a track draws positions coloured by time"),
        "units": LeftOut("a track draws positions coloured by time"),
        "scale": LeftOut("the colours span the times drawn"),
    },
    "plotObsprofile": {
        **_ARGO,
        "profile_id": ["5900865_001", "5900865_034", "5900865_070"],
        "platform": _PLATFORM_CHOSEN,
        "start": _PLATFORM_CHOSEN,
        "end": _PLATFORM_CHOSEN,
        "scale": LeftOut("the values' own range is drawn"),
    },
    "plotObssection": {**_ARGO, "qc": "good"},
    "listObservations": {"dataset_id": "argo-5900865", "limit": 3},
    "getObservation": {"dataset_id": "argo-5900865"},
    "getMatchups": {"dataset_id": "glorys", "observations": "glorys-matchup"},
    "plotMatchup": {
        "dataset_id": "glorys",
        "observations": "glorys-matchup",
        "title": "GLORYS against profiles made from it with known offsets",
        "units": LeftOut("the matchup is drawn in its own units"),
        "scale": LeftOut("each panel fits its values"),
        "variable": LeftOut("every matched variable is drawn, one panel each"),
        "colormap": LeftOut("the profiles take tab10's colours"),
    },
    "listPlatforms": {"dataset_id": "argo-5900865"},
    "getPlatform": {"dataset_id": "argo-5900865"},
    "edrQueryLocations": {"collectionId": "argo-5900865"},
    "edrQueryLocation": {
        "collectionId": "argo-5900865",
        "locId": "5900865",
        "datetime": "2005-08-01T00:00:00Z/2005-09-30T00:00:00Z",
        "parameter-name": "temperature,salinity",
        "parameter_names": "temperature,salinity",
        "z": "0/100",
    },
    "edrQueryItems": {"collectionId": "argo-5900865", "limit": 3},
    "edrQueryItem": {
        "collectionId": "argo-5900865",
        "itemId": "5900865_001",
        "datetime": LeftOut("an item is one profile, at its own time"),
        "parameter-name": "temperature,salinity",
        "parameter_names": "temperature,salinity",
        "z": "0/100",
    },
    "edrQueryArea": {"z": "0"},
    "edrQueryCube": {"z": "0"},
    "edrQueryTrajectory": {
        "z": "0",
        "corridor-width": _ALONG_PROFILES,
        "width-units": _ALONG_PROFILES,
    },
    "edrQueryCorridor": {
        "collectionId": "argo-5900865",
        "coords": "LINESTRING(106 -9,110 -11.5,114 -10,116 -13)",
        "corridor-width": 130,
        "width-units": "km",
        "corridor-height": LeftOut("it is the other choice to z"),
        "height-units": LeftOut("it is the other choice to z"),
        "datetime": "2006-01-01T00:00:00Z/2006-12-31T23:59:59Z",
        "parameter-name": "temperature,salinity",
        "parameter_names": "temperature,salinity",
        "z": "0/20",
    },
}


def apply(operation: dict[str, Any]) -> None:
    """Give each parameter of ``operation`` one ``example``: the worked one, else its own.

    A parameter's own examples come from its schema (pydantic's ``examples``); they move to
    the parameter, where ReDoc shows them and Swagger UI fills them in.
    """
    worked = WORKED.get(operation.get("operationId", ""), {})
    for parameter in operation.get("parameters", []):
        own = parameter["schema"].pop("examples", [None])
        value = worked.get(parameter["name"], own[0])
        if isinstance(value, LeftOut):
            example = "" if own[0] is None else f" Example: `{own[0]}`."
            parameter["description"] += f"{example} {LEFT_OUT}: {value.reason}."
        elif value is not None:
            parameter["example"] = value


LEFT_OUT = "Not in this operation's example request"
"""How the description of a parameter the worked request leaves out says so."""


def request_of(
    path: str, operation: dict[str, Any], media_type: str | None = None, brief: bool = False
) -> str:
    """The URL (path and query) of an operation's example request, asking for ``media_type``
    with its ``f`` value where the operation has one for it; ``brief`` leaves out the values
    that are the defaults anyway (for reading; Swagger UI sends them all)."""
    query: list[tuple[str, Any]] = []
    for parameter in operation.get("parameters", []):
        value = parameter.get("example")
        if parameter["name"] == "f" and media_type is not None:
            value = _format_value(parameter, media_type) or value
        if value is None or (brief and value == parameter["schema"].get("default")):
            continue
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(value))
        else:
            values = value if isinstance(value, list) else [value]
            query += [(parameter["name"], v) for v in values]
    return f"{path}?{urlencode(query, safe=',;')}" if query else path


def _format_value(parameter: dict[str, Any], media_type: str) -> str | None:
    """The value of this ``f`` parameter that asks for ``media_type``, if it has one."""
    for value in parameter["schema"].get("enum", []):
        key = EDR_FORMATS.get(value, value)  # EDR's names (CoverageJSON, ...) to ours
        if _MEDIA_TYPES.get(key, "").split(";")[0] == media_type:
            return str(value)
    return None


# Each `f` key's media type: the data formats', the plot formats' and the EDR pages' HTML.
_MEDIA_TYPES = {**DATA_MEDIA_TYPES, **PLOT_MEDIA_TYPES, "html": "text/html"}


# Answers kept as examples: text that the document can hold inline.
_KEPT_ANSWERS = {
    "text/csv": "csv",
    "application/prs.coverage+json": "covjson.json",
    "application/geo+json": "geojson.json",
}


def answer_of(operation_id: str, media_type: str) -> Path | None:
    """Where the example request's answer in ``media_type`` is kept, if it is kept."""
    suffix = _KEPT_ANSWERS.get(media_type)
    return EXAMPLE_IMAGES / f"{operation_id}.{suffix}" if suffix else None


def image_of(operation_id: str) -> Path:
    """Where a plot operation's example image is kept."""
    return EXAMPLE_IMAGES / f"{operation_id}.png"
