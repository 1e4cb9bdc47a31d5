"""Worked examples for the EDR HTML pages: a query of each type, in each output format, that
answers data for the collection, and a small map of it.

The place is read from the data, not guessed from the extent (whose centre may be land): the
collection's first scalar parameter at its latest time and shallowest level, the wet cell
nearest the median of the wet cells. The area, cube, trajectory and radius queries take a box
a tenth of the wet cells' span around it. The map is the WMS GetMap of that parameter in
CRS:84 over the collection's extent at the same time and level: a picture of exactly the
extent, whose pixels map linearly to longitude and latitude, drawn by the tile renderer
(cached by the plot pool).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
from fastapi import Request

from api.edr.queries import OUTPUT_FORMATS
from catalog.axes import horizontal_coordinates
from catalog.dataset import OpenDataset
from catalog.selection import iso

MAP_SIZE = 320
"""The longer side of a collection's map, in pixels."""
_KM_PER_DEGREE = 111.32
_FOUND: dict[tuple[str, object], Place | None] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Place:
    """Where and when a collection's examples ask: a wet cell and a box around it."""

    parameter: str
    lon: float
    lat: float
    half: float
    """Half the side of the examples' box, in degrees."""
    time: str | None
    z: float | None


@dataclass(frozen=True)
class Example:
    """One query type's example: its title and a URL per output format."""

    query_type: str
    title: str
    urls: dict[str, str]


@dataclass(frozen=True)
class Examples:
    """A collection's examples for its HTML page."""

    place: Place
    queries: list[Example]
    map_url: str
    map_size: tuple[int, int]
    explorer_url: str


def place_of(opened: OpenDataset) -> Place | None:
    """The examples' place for a collection (kept per opening of its source); None when its
    parameter has no data at its latest time and shallowest level."""
    key = (opened.id, opened.version)
    with _LOCK:
        if key in _FOUND:
            return _FOUND[key]
    found = _find_place(opened)
    with _LOCK:
        _FOUND[key] = found
    return found


def _find_place(opened: OpenDataset) -> Place | None:
    if not opened.variables:
        return None
    # A scalar variable rather than a vector's component (WCOFS's grid-relative u, v).
    infos = list(opened.variables.values())
    info = next((v for v in infos if v.vector is None), infos[0])
    da = opened.array(info)
    time = z = None
    if info.time is not None and info.time.values.size:
        time = iso(info.time.values[-1])
        if info.time.dim is not None and info.time.dim in da.dims:
            da = da.isel({info.time.dim: -1})
    if info.vertical is not None and info.vertical.dim in da.dims:
        top = int(np.argmin(np.abs(info.vertical.depths)))
        da = da.isel({info.vertical.dim: top})
        z = float(info.vertical.depths[top])
    coords = horizontal_coordinates(da)
    if coords is None:
        return None
    field = da.load()
    lat, lon = (c.broadcast_like(field).transpose(*field.dims) for c in coords)
    values = np.asarray(field.values, dtype=np.float64).ravel()
    lats = np.asarray(lat.values, dtype=np.float64).ravel()
    lons = (np.asarray(lon.values, dtype=np.float64).ravel() + 180.0) % 360.0 - 180.0
    wet = np.isfinite(values) & np.isfinite(lats) & np.isfinite(lons)
    if not wet.any():
        return None
    lats, lons = lats[wet], lons[wet]
    middle_lon, middle_lat = float(np.median(lons)), float(np.median(lats))
    scale = np.cos(np.deg2rad(middle_lat))
    nearest = int(np.argmin(((lons - middle_lon) * scale) ** 2 + (lats - middle_lat) ** 2))
    span = min(float(np.ptp(lons)), float(np.ptp(lats)))
    half = _round(max(span / 10.0, 1e-3))
    return Place(
        parameter=info.id,
        lon=round(float(lons[nearest]), 4),
        lat=round(float(lats[nearest]), 4),
        half=half,
        time=time,
        z=z,
    )


def _round(value: float) -> float:
    """``value`` to two significant digits, for readable URLs."""
    return float(f"{value:.2g}")


def _number(value: float) -> str:
    return f"{value:g}"


def _queries(place: Place) -> dict[str, tuple[str, dict[str, str]]]:
    """Each query type's title and parameters (without the format)."""
    x, y, h = place.lon, place.lat, place.half
    west, east = _number(x - h), _number(x + h)
    south, north = _number(max(y - h, -90.0)), _number(min(y + h, 90.0))
    common = {"parameter-name": place.parameter}
    if place.time is not None:
        common["datetime"] = place.time
    if place.z is not None:
        common["z"] = _number(place.z)
    point = f"POINT({_number(x)} {_number(y)})"
    polygon = (
        f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"
    )
    within = _round(max(h * _KM_PER_DEGREE * float(np.cos(np.deg2rad(y))), 1.0))
    return {
        "position": (f"Values at {_lonlat(x, y)}", {"coords": point, **common}),
        "area": (f"Values in a box {2 * h:g}° wide around it", {"coords": polygon, **common}),
        "cube": ("The same box as a cube", {"bbox": f"{west},{south},{east},{north}", **common}),
        "trajectory": (
            "Values along a line west to east through it",
            {"coords": f"LINESTRING({west} {_number(y)},{east} {_number(y)})", **common},
        ),
        "radius": (
            f"Values within {within:g} km of it",
            {"coords": point, "within": f"{within:g}", "within-units": "km", **common},
        ),
    }


def _lonlat(x: float, y: float) -> str:
    return f"{abs(x):g}°{'E' if x >= 0 else 'W'}, {abs(y):g}°{'N' if y >= 0 else 'S'}"


def examples_of(request: Request, opened: OpenDataset) -> Examples | None:
    """A collection's worked examples as absolute URLs of this server, or None (no data)."""
    place = place_of(opened)
    if place is None:
        return None
    queries = [
        Example(
            query_type=name,
            title=title,
            urls={
                f: f"{request.url_for(f'edr_{name}', collectionId=opened.id)}?"
                + urlencode({**params, "f": f})
                for f in OUTPUT_FORMATS
            },
        )
        for name, (title, params) in _queries(place).items()
    ]
    url, size = _map(request, opened, place)
    explorer = f"{request.base_url}?{urlencode({'dataset': opened.id})}"
    return Examples(place, queries, url, size, explorer)


def _map(request: Request, opened: OpenDataset, place: Place) -> tuple[str, tuple[int, int]]:
    """The GetMap URL of the collection's map and its size (its longer side ``MAP_SIZE``)."""
    west, south, east, north = opened.bbox or (-180.0, -90.0, 180.0, 90.0)
    width_deg = (east - west) % 360.0 or 360.0
    height_deg = north - south
    if width_deg >= height_deg:
        size = (MAP_SIZE, max(1, round(MAP_SIZE * height_deg / width_deg)))
    else:
        size = (max(1, round(MAP_SIZE * width_deg / height_deg)), MAP_SIZE)
    params = {
        "SERVICE": "WMS",
        "VERSION": "1.3.0",
        "REQUEST": "GetMap",
        "LAYERS": f"{opened.id}/{place.parameter}",
        "STYLES": "",
        "CRS": "CRS:84",
        "BBOX": ",".join(_number(v) for v in (west, south, east, north)),
        "WIDTH": str(size[0]),
        "HEIGHT": str(size[1]),
        "FORMAT": "image/png",
        "TRANSPARENT": "TRUE",
    }
    if place.time is not None:
        params["TIME"] = place.time
    if place.z is not None:
        params["ELEVATION"] = _number(place.z)
    return f"{request.url_for('wms')}?{urlencode(params)}", size
