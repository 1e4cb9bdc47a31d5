"""GetFeatureInfo: the value the native point query gives at the clicked pixel's centre.

The pixel's centre (``pixel_point``) is queried through the engine the native
``/data/point`` uses (``catalog.query.requests.Point``: the nearest cell, the step holding
TIME, the level nearest ELEVATION), in the units the map is drawn in (the catalog's display
units, as ``units=`` converts them), and answered as GeoJSON, plain text or an HTML table.
Off the grid's footprint, or on land, the answer says there is no data there (200).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html import escape
from typing import Any

from api.wms.layers import Layer
from catalog.query import requests
from catalog.query.convert import convert_units
from catalog.query.sampling import stencil_or_none
from catalog.store import Catalog
from schemas.params import DepthSpec, Instant


@dataclass(frozen=True)
class FeatureInfo:
    """What the point query found at one place for one layer."""

    layer: Layer
    longitude: float
    latitude: float
    value: float | None
    no_data: str | None = None
    """Why there is no value (off the grid, or land): None when there is one."""
    time: str | None = None
    depth: float | None = None
    cell: dict[str, Any] | None = None
    """The cell used: its position (lon, lat) and index on each grid dimension."""


def feature_info(
    catalog: Catalog,
    layer: Layer,
    lon: float,
    lat: float,
    time: Instant | None,
    depth: DepthSpec | None,
    max_values: int,
) -> FeatureInfo:
    """The layer's value at (lon, lat) by the native point query (runs in a thread: it reads)."""
    with catalog.reading(layer.dataset_id) as opened:
        grids = {id(info.grid): info.grid for info in opened.resolve([layer.variable])}
        if any(stencil_or_none(g, lon, lat, "nearest") is None for g in grids.values()):
            west, south, east, north = layer.info.grid.bbox()
            return FeatureInfo(
                layer,
                lon,
                lat,
                None,
                f"outside the layer's grid ({west:g} to {east:g} E, {south:g} to {north:g} N)",
            )
        query = requests.Point([layer.variable], lon, lat, time, depth)
        query.estimate(opened, max_values)
        (result,) = query.run(opened, max_values)
    result = convert_units(result, layer.units)  # the map's and the legend's units
    name = f"{layer.variable}_speed" if layer.vector else layer.variable
    value = float(result.data[name].values)
    used = result.selection["variables"][name]
    cells = used.get("cells") or [{}]
    cell = {"longitude": cells[0].get("lon"), "latitude": cells[0].get("lat")}
    cell["index"] = cells[0].get("index")
    finite = math.isfinite(value)
    return FeatureInfo(
        layer,
        lon,
        lat,
        value if finite else None,
        None if finite else "land, or no value in this cell",
        used.get("time"),
        used.get("depth"),
        cell,
    )


def as_json(found: FeatureInfo) -> bytes:
    """A GeoJSON FeatureCollection of one Feature at the queried place."""
    properties: dict[str, Any] = {
        "layer": found.layer.name,
        "title": found.layer.title,
        "value": found.value,
        "units": found.layer.units,
    }
    if found.no_data is not None:
        properties["no_data"] = found.no_data
    properties |= {"time": found.time, "depth": found.depth, "cell": found.cell}
    feature = {
        "type": "Feature",
        "id": found.layer.name,
        "geometry": {"type": "Point", "coordinates": [found.longitude, found.latitude]},
        "properties": properties,
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _rows(found: FeatureInfo) -> list[tuple[str, str]]:
    value = (
        f"no data: {found.no_data}"
        if found.value is None
        else f"{found.value:.6g}" + (f" {found.layer.units}" if found.layer.units else "")
    )
    rows = [
        ("layer", found.layer.name),
        ("title", found.layer.title),
        ("value", value),
        ("longitude", f"{found.longitude:.6f}"),
        ("latitude", f"{found.latitude:.6f}"),
    ]
    if found.cell is not None and found.cell.get("longitude") is not None:
        rows.append(("cell", f"{found.cell['longitude']:.6f} E, {found.cell['latitude']:.6f} N"))
    if found.time is not None:
        rows.append(("time", found.time))
    if found.depth is not None:
        rows.append(("depth", f"{found.depth:g} m"))
    return rows


def as_text(found: FeatureInfo) -> bytes:
    """One 'name: value' line per field."""
    return "".join(f"{name}: {value}\n" for name, value in _rows(found)).encode()


def as_html(found: FeatureInfo) -> bytes:
    """A small HTML table (a page fragment, as WMS clients show it in a pop-up)."""
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in _rows(found)
    )
    return f'<table class="feature-info">{rows}</table>\n'.encode()


ENCODERS = {"application/json": as_json, "text/plain": as_text, "text/html": as_html}
