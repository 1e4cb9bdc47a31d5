"""EDR's own parameter syntax (WKT ``coords``, ``bbox``, ``z``, ``datetime``, ``within``)
parsed once, at the facade, into the typed values of ``schemas.params``; 400s named as EDR
names the parameters."""

from __future__ import annotations

from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from catalog.errors import InvalidParameters, parameter
from catalog.geo import BBox
from schemas import params


def parse_coords(text: str, kinds: tuple[str, ...]) -> BaseGeometry:
    """A WKT geometry of one of ``kinds`` (e.g. 'Point', 'MultiPoint') in lon/lat degrees."""
    try:
        geometry = wkt.loads(text)
    except (ShapelyError, ValueError, TypeError):
        raise InvalidParameters.single("coords", params.wkt_rule(kinds)) from None
    with parameter("coords"):
        return params.check_geometry(geometry, kinds)


def parse_bbox(text: str, lat_lon: bool = False) -> BBox:
    """minx,miny,maxx,maxy as a box (``lat_lon``: EPSG:4326's order, swapped to lon/lat)."""
    parts = text.split(",")
    if lat_lon and len(parts) == 4:
        parts = [parts[1], parts[0], parts[3], parts[2]]
    with parameter("bbox"):
        return params.check_bbox(parts)


def parse_datetime(text: str | None) -> params.DatetimeSelection:
    """An instant, an interval or nothing (the latest step)."""
    with parameter("datetime"):
        return params.parse_datetime(text)


def parse_z(text: str | None) -> params.Levels:
    """A level, a list, a range, a recurring list or nothing (the surface)."""
    with parameter("z"):
        return params.parse_z(text)
