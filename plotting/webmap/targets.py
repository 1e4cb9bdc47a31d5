"""What a map image covers: a CRS, a box in it and a size in pixels; tiles of the OGC tile
matrix sets (morecantile) as targets; the longitude and latitude of each pixel's centre.

Every CRS served is cylindrical (longitude depends on the column only, latitude on the row
only), so a target's pixel centres are one row of longitudes and one column of latitudes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import morecantile
import numpy as np
import numpy.typing as npt
from pyproj import Transformer

from catalog.geo import BBox
from plotting.errors import TileNotFound

Crs = Literal["CRS:84", "EPSG:4326", "EPSG:3857"]
CRSS: tuple[Crs, ...] = ("CRS:84", "EPSG:4326", "EPSG:3857")
"""The CRSs a map is drawn in. A box in CRS:84 or EPSG:4326 is always (lon, lat) here: the WMS
facade turns WMS 1.3.0's (lat, lon) order for EPSG:4326 around before it builds a target."""

TileMatrixSetId = Literal["WebMercatorQuad", "WorldCRS84Quad"]
TILE_MATRIX_SETS: tuple[TileMatrixSetId, ...] = ("WebMercatorQuad", "WorldCRS84Quad")
TILE_SIZE = 256
MERCATOR_MAX_LAT = 85.0511287798066
"""The latitude of WebMercatorQuad's top edge: Web Mercator maps nothing beyond it."""

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Target:
    """A map image: ``width`` x ``height`` pixels covering ``bbox`` (minx, miny, maxx, maxy)
    in ``crs`` (lon, lat for the geographic CRSs; metres for EPSG:3857). A geographic box may
    reach past ±180 (west > -180 - 360 ... east < 540); it is never wrapped here."""

    crs: Crs
    bbox: BBox
    width: int
    height: int


@cache
def _to_lonlat() -> Transformer:
    return Transformer.from_crs("EPSG:3857", "OGC:CRS84", always_xy=True)


@cache
def _from_lonlat() -> Transformer:
    return Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)


def _centres(low: float, high: float, count: int) -> Floats:
    step = (high - low) / count
    return low + step * (np.arange(count, dtype=np.float64) + 0.5)


def pixel_lonlat(target: Target) -> tuple[Floats, Floats]:
    """Longitude of each column's centre (west to east) and latitude of each row's (row 0 at
    the top, north)."""
    minx, miny, maxx, maxy = target.bbox
    x = _centres(minx, maxx, target.width)
    y = _centres(maxy, miny, target.height)
    if target.crs != "EPSG:3857":
        return x, y
    lon, _ = _to_lonlat().transform(x, np.zeros_like(x))
    _, lat = _to_lonlat().transform(np.zeros_like(y), y)
    # x beyond the projection's world wraps: keep the longitudes continuous, as the box is
    span = 2 * 20037508.342789244
    turns = np.floor((x + span / 2) / span)
    return np.asarray(lon, dtype=np.float64) + 360.0 * turns, np.asarray(lat, dtype=np.float64)


def pixel_point(target: Target, i: int, j: int) -> tuple[float, float]:
    """(lon, lat) of the centre of pixel column ``i``, row ``j`` (0 at the top left)."""
    lon, lat = pixel_lonlat(target)
    return float(lon[i]), float(lat[j])


def lonlat_bounds(target: Target) -> BBox:
    """The target's box in longitude and latitude (west, south, east, north)."""
    minx, miny, maxx, maxy = target.bbox
    if target.crs != "EPSG:3857":
        return minx, miny, maxx, maxy
    west, south = _to_lonlat().transform(minx, miny)
    east, north = _to_lonlat().transform(maxx, maxy)
    return float(west), float(south), float(east), float(north)


def mercator_box(bbox: BBox) -> BBox:
    """A (lon, lat) box in EPSG:3857 metres, latitudes clipped to Web Mercator's range."""
    west, south, east, north = bbox
    south, north = (max(min(v, MERCATOR_MAX_LAT), -MERCATOR_MAX_LAT) for v in (south, north))
    minx, miny = _from_lonlat().transform(west, south)
    maxx, maxy = _from_lonlat().transform(east, north)
    return float(minx), float(miny), float(maxx), float(maxy)


@cache
def tile_matrix_set(tms_id: TileMatrixSetId) -> morecantile.TileMatrixSet:
    """morecantile's definition of an OGC tile matrix set."""
    return morecantile.tms.get(tms_id)


def tile_target(tms_id: TileMatrixSetId, z: int, x: int, y: int) -> Target:
    """The 256 x 256 target of tile (z, x, y) of a tile matrix set; TileNotFound (404) when the
    set has no such tile."""
    tms = tile_matrix_set(tms_id)
    if not tms.minzoom <= z <= tms.maxzoom:
        raise TileNotFound(
            f"{tms_id} has zoom levels {tms.minzoom} to {tms.maxzoom}; there is no zoom {z}."
        )
    matrix = tms.matrix(z)
    if not (0 <= x < matrix.matrixWidth and 0 <= y < matrix.matrixHeight):
        raise TileNotFound(
            f"At zoom {z}, {tms_id} has columns 0 to {matrix.matrixWidth - 1} and rows 0 to "
            f"{matrix.matrixHeight - 1}; there is no tile {z}/{x}/{y}."
        )
    box = tms.xy_bounds(morecantile.Tile(x, y, z))
    crs: Crs = "EPSG:3857" if tms_id == "WebMercatorQuad" else "CRS:84"
    return Target(crs, (box.left, box.bottom, box.right, box.top), TILE_SIZE, TILE_SIZE)
