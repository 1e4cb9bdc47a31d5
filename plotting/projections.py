"""The map projections: names, their cartopy CRS and the part of the globe each shows.

``plate-carree`` is drawn on plain matplotlib axes (``plotting.types.map``: the fast path);
the others on cartopy ``GeoAxes`` (``plotting.projected``), which projects the field, land,
coastlines and graticule from longitude/latitude. Cartopy's CRS are only built here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import cartopy.crs as ccrs
import numpy as np

from catalog.errors import InvalidParameters
from catalog.geo import BBox, normalise_lon

ProjectionName = Literal[
    "plate-carree", "mercator", "north-polar-stereo", "south-polar-stereo", "robinson"
]
NAMES: tuple[str, ...] = get_args(ProjectionName)
PLATE_CARREE: ProjectionName = "plate-carree"
LONLAT = ccrs.PlateCarree()
"""The CRS of every field, land and coastline handed to cartopy (longitude, latitude)."""
POLAR_CAP = 40.0
"""Polar views show the box clipped to the cap poleward of this latitude (40°N or 40°S)."""


@dataclass(frozen=True)
class Projection:
    """A projection: its CRS for a central longitude, and the latitudes it can show."""

    crs: Callable[[float], ccrs.Projection]
    south: float
    north: float
    cap: tuple[float, float] | None = None
    """Polar: the cap (south, north) a box is clipped to when it reaches into it."""
    whole_globe: bool = False
    """Whether a view of every longitude and nearly every latitude is the whole globe."""


PROJECTIONS: dict[str, Projection] = {
    # Mercator's own limits in cartopy: the poles are at infinity.
    "mercator": Projection(lambda lon: ccrs.Mercator(central_longitude=lon), -80.0, 84.0),
    # Stereographic is conformal everywhere but at the far pole: a box wholly outside the cap
    # (a regional map of the other hemisphere) is drawn as it is, up to 60° beyond the equator
    # (cartopy's polar stereographic domain ends at about 61°).
    "north-polar-stereo": Projection(
        lambda lon: ccrs.NorthPolarStereo(central_longitude=lon), -60.0, 90.0, (POLAR_CAP, 90.0)
    ),
    "south-polar-stereo": Projection(
        lambda lon: ccrs.SouthPolarStereo(central_longitude=lon), -90.0, 60.0, (-90.0, -POLAR_CAP)
    ),
    "robinson": Projection(
        lambda lon: ccrs.Robinson(central_longitude=lon), -90.0, 90.0, whole_globe=True
    ),
}


@dataclass(frozen=True)
class View:
    """What a projected map shows: the box read and drawn, its CRS, and how it is framed."""

    crs: ccrs.Projection
    box: BBox
    """west, south, east, north (west > east across the antimeridian), as the data query takes."""
    x0: float
    """The central longitude less 180: fields are unwrapped from here, so no cell crosses
    the projection's seam but the ones cartopy splits."""
    central_longitude: float
    all_longitudes: bool
    pole: float
    """The pole a polar view is centred on (90 or -90; 0 for the others)."""
    frame: Literal["box", "cap", "globe"]
    """``box``: the box's projected bounding rectangle; ``cap``: a disc around the pole;
    ``globe``: the projection's whole outline."""


def view(name: str, box: BBox) -> View:
    """The view of ``box`` (the bbox asked for, else the dataset's) in projection ``name``."""
    projection = PROJECTIONS[name]
    west, south, east, north = box
    all_longitudes = (west, east) == (-180.0, 180.0) or east - west >= 360
    south, north = max(south, projection.south), min(north, projection.north)
    if projection.cap is not None:
        cap_south, cap_north = projection.cap
        if max(south, cap_south) < min(north, cap_north):
            south, north = max(south, cap_south), min(north, cap_north)
    if south >= north:
        raise InvalidParameters.single(
            "projection",
            f"{name} shows latitudes {_lat(projection.south)} to {_lat(projection.north)}; "
            f"the map's box ({_lat(box[1])} to {_lat(box[3])}) lies outside them: choose "
            f"another bbox, or another projection ({', '.join(NAMES)})",
        )
    if all_longitudes:
        centre, west, east = 0.0, -180.0, 180.0
    else:
        x0 = normalise_lon(west)
        x1 = normalise_lon(east)
        x1 = x1 + 360.0 if x1 <= x0 else x1
        centre = normalise_lon((x0 + x1) / 2)
    frame: Literal["box", "cap", "globe"] = "box"
    if all_longitudes and projection.cap is not None:
        frame = "cap"  # a disc from the box's equator-side latitude to the pole
    elif all_longitudes and projection.whole_globe and north - south >= 170:
        frame = "globe"
    return View(
        crs=projection.crs(centre),
        box=(west, south, east, north),
        x0=centre - 180.0,
        central_longitude=centre,
        all_longitudes=all_longitudes,
        pole=0.0 if projection.cap is None else 90.0 if projection.cap[1] == 90.0 else -90.0,
        frame=frame,
    )


def shape(shown: View) -> float:
    """Height / width of the map the view frames (the projected box's bounding rectangle, the
    pole's disc, or the projection's whole outline): a map's natural shape, without drawing."""
    if shown.frame == "cap":
        return 1.0
    if shown.frame == "globe":
        (x0, x1), (y0, y1) = shown.crs.x_limits, shown.crs.y_limits
        return float(abs(y1 - y0) / abs(x1 - x0))
    west, south, east, north = shown.box
    span = 360.0 if shown.all_longitudes else ((east - west) % 360.0 or 360.0)
    t = np.linspace(0.0, 1.0, 50)
    lon = np.concatenate([-span / 2 + span * t, np.full(50, span / 2), span / 2 - span * t])
    lat = np.concatenate([np.full(50, south), south + (north - south) * t, np.full(50, north)])
    lon, lat = np.append(lon, np.full(50, -span / 2)), np.append(lat, north - (north - south) * t)
    frame_crs = type(LONLAT)(central_longitude=shown.central_longitude)
    xy = shown.crs.transform_points(frame_crs, lon, lat)[:, :2]
    xy = xy[np.isfinite(xy).all(axis=1)]
    width, height = np.ptp(xy[:, 0]), np.ptp(xy[:, 1])
    return float(height / width) if width > 0 else 1.0


def _lat(value: float) -> str:
    return f"{abs(value):g}°{'N' if value > 0 else 'S' if value < 0 else ''}"
