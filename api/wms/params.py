"""WMS parameters, parsed once at the edge into the web-map core's typed values.

Parameter names are case-insensitive (WMS 1.3.0 §6.8.1; clients send ``bbox``, ``BBOX`` and
``Bbox``); values are read as the standard writes them, with the keywords (request names,
TRUE/FALSE, CRS codes) taken in any case. Each parser returns a value (a ``Target``, a
``MapStyle``, an instant, a depth) or raises a ``WmsError`` naming the parameter and what
would be valid. Nothing below the facade sees a WMS string.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from api.wms.exceptions import V111, V130, Version, WmsError, invalid, missing
from plotting import colormaps
from plotting.webmap.style import MAX_BANDS, MapStyle
from plotting.webmap.targets import CRSS, Crs, Target
from schemas import params
from schemas.params import Overflow, Rgba

REQUESTS = ("GetCapabilities", "GetMap", "GetFeatureInfo", "GetLegendGraphic")
PNG = "image/png"
INFO_FORMATS = ("application/json", "text/plain", "text/html")
MAX_SIDE = 4096
"""The most pixels on one side of a map; width x height is also held to the service's
``max_image_pixels``."""
NUMCOLORBANDS = (2, MAX_BANDS)
STYLE_PREFIX = "raster/"
GEOGRAPHIC = ("CRS:84", "EPSG:4326")


class WmsQuery:
    """The query string, its parameter names case-insensitive."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.values: dict[str, str] = {}
        for key, value in items:
            name = key.upper()
            if name in self.values and self.values[name] != value:
                raise invalid(name, "given more than once with different values; give it once")
            self.values[name] = value

    def get(self, name: str) -> str | None:
        """The value of ``name`` (any case), or None when absent."""
        return self.values.get(name)

    def require(self, name: str, what: str) -> str:
        """The value of ``name``; MissingParameterValue saying ``what`` it must be."""
        value = self.values.get(name)
        if value is None or not value.strip():
            raise missing(name, what)
        return value


def parse_version(text: str | None, negotiate: bool = False) -> Version:
    """1.3.0 or 1.1.1 (1.1.0 is read as 1.1.1); absent: 1.3.0.

    ``negotiate`` (GetCapabilities, WMS 1.3.0 §6.2.4): any version answers, with the highest
    this service has that is not higher than it (or the lowest, below both).
    """
    if text is None or not text.strip():
        return V130
    try:
        asked = tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        raise invalid("VERSION", "must be 1.3.0 or 1.1.1") from None
    if asked in {(1, 3, 0), (1, 3)}:
        return V130
    if asked in {(1, 1, 1), (1, 1, 0), (1, 1)}:
        return V111
    if negotiate:
        return V130 if asked > (1, 3, 0) else V111
    raise invalid("VERSION", f"{text.strip()} is not served; use 1.3.0 or 1.1.1")


def parse_request(query: WmsQuery) -> str:
    """REQUEST: one of ``REQUESTS`` (any case); OperationNotSupported else."""
    text = query.require("REQUEST", f"one of {', '.join(REQUESTS)}").strip()
    if text.lower() == "capabilities":  # WMS 1.0's name, still sent by some clients
        return "GetCapabilities"
    for name in REQUESTS:
        if text.lower() == name.lower():
            return name
    raise WmsError(
        "OperationNotSupported",
        f"REQUEST={text} is not an operation of this service; use one of {', '.join(REQUESTS)}.",
        "REQUEST",
    )


def check_service(query: WmsQuery, required: bool) -> None:
    """SERVICE must be WMS (required by GetCapabilities; checked when given)."""
    text = query.get("SERVICE")
    if text is None or not text.strip():
        if required:
            raise missing("SERVICE", "WMS")
        return
    if text.strip().upper() != "WMS":
        raise invalid("SERVICE", f"{text.strip()} is not served here; use SERVICE=WMS")


def parse_layer_names(query: WmsQuery, name: str) -> str:
    """The one layer named by LAYERS / QUERY_LAYERS / LAYER (this service draws one layer per
    request: LayerLimit 1)."""
    text = query.require(name, "a layer name {dataset_id}/{variable} from GetCapabilities")
    names = [part.strip() for part in text.split(",")]
    if len(names) != 1:
        raise invalid(
            name,
            f"{len(names)} layers given; this service draws one layer per request "
            "(LayerLimit 1): give one {dataset_id}/{variable}",
        )
    return names[0]


def parse_style(text: str | None, param: str = "STYLES") -> str | None:
    """STYLES (or STYLE): empty or 'default' for the layer's default colour map, else
    'raster/{colormap}' (StyleNotDefined otherwise). Returns the colour map or None."""
    if text is None:
        return None
    names = [part.strip() for part in text.split(",")]
    if len(names) != 1:
        raise invalid(param, f"{len(names)} styles given for one layer; give one (or none)")
    name = names[0]
    if name in {"", "default", "raster"}:
        return None
    colormap = name.removeprefix(STYLE_PREFIX)
    if not name.startswith(STYLE_PREFIX) or not colormaps.is_known(colormap):
        raise WmsError(
            "StyleNotDefined",
            f"{param}: no style '{name}'; styles are raster/{{colormap}} with a colour map of "
            f"GET /api/v1/colormaps (e.g. raster/{colormaps.names()[0]}, raster/viridis), or "
            "empty for the layer's default",
            param,
        )
    return colormap


def parse_crs(query: WmsQuery, version: Version) -> Crs:
    """CRS (1.3.0) or SRS (1.1.1): CRS:84, EPSG:4326 or EPSG:3857; InvalidCRS / InvalidSRS."""
    name = "CRS" if version == V130 else "SRS"
    text = query.get(name) or query.get("SRS" if name == "CRS" else "CRS")
    if text is None or not text.strip():
        raise missing(name, f"one of {', '.join(CRSS)}")
    code = text.strip().upper()
    for crs in CRSS:
        if code == crs:
            return crs
    raise WmsError(
        "InvalidCRS" if version == V130 else "InvalidSRS",
        f"{name}={text.strip()} is not served; use one of {', '.join(CRSS)}.",
        name,
    )


def _numbers(text: str, name: str, count: int) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        values = []
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise invalid(name, f"must be {count} comma-separated finite numbers")
    return values


def parse_bbox(text: str, crs: str, version: Version) -> tuple[float, float, float, float]:
    """BBOX as (minx, miny, maxx, maxy) in the CRS's x/y, longitude first for CRS:84 and
    EPSG:4326 whatever the version: WMS 1.3.0's EPSG:4326 BBOX is minlat,minlon,maxlat,maxlon
    (the EPSG axis order) and is swapped here."""
    lat_first = version == V130 and crs == "EPSG:4326"
    form = "minlat,minlon,maxlat,maxlon" if lat_first else "minx,miny,maxx,maxy"
    values = _numbers(text, "BBOX", 4)
    if lat_first:
        values = [values[1], values[0], values[3], values[2]]
    minx, miny, maxx, maxy = values
    if not (minx < maxx and miny < maxy):
        raise invalid("BBOX", f"must be {form} with each minimum below its maximum")
    if crs in GEOGRAPHIC and not (miny >= -90 and maxy <= 90 and minx >= -360 and maxx <= 360):
        raise invalid(
            "BBOX", f"must be {form} in degrees: latitudes in -90..90, longitudes in -360..360"
        )
    return minx, miny, maxx, maxy


def parse_size(query: WmsQuery, max_pixels: int) -> tuple[int, int]:
    """WIDTH and HEIGHT: whole numbers of pixels, each at most ``MAX_SIDE`` and their product
    at most ``max_pixels``."""
    sides = []
    for name in ("WIDTH", "HEIGHT"):
        text = query.require(name, f"the image's {name.lower()} in pixels")
        try:
            side = int(text.strip())
        except ValueError:
            raise invalid(name, f"must be a whole number of pixels, 1 to {MAX_SIDE}") from None
        if not 1 <= side <= MAX_SIDE:
            raise invalid(name, f"must be 1 to {MAX_SIDE} pixels, not {side}")
        sides.append(side)
    width, height = sides
    if width * height > max_pixels:
        raise invalid(
            "HEIGHT",
            f"WIDTH x HEIGHT is {width} x {height} = {width * height:,} pixels; at most "
            f"{max_pixels:,} (e.g. {width} x {max_pixels // width})",
        )
    return width, height


def max_side(max_pixels: int) -> int:
    """The side a square map may have at most: MaxWidth and MaxHeight (any map within both is
    served)."""
    return min(MAX_SIDE, math.isqrt(max_pixels))


def parse_target(query: WmsQuery, version: Version, max_pixels: int) -> Target:
    """CRS/SRS, BBOX, WIDTH and HEIGHT as the map's ``Target``."""
    crs = parse_crs(query, version)
    text = query.require("BBOX", "minx,miny,maxx,maxy in the CRS's axis order")
    bbox = parse_bbox(text, crs, version)
    width, height = parse_size(query, max_pixels)
    return Target(crs=crs, bbox=bbox, width=width, height=height)


def check_format(query: WmsQuery, name: str = "FORMAT") -> None:
    """FORMAT: image/png (the default when absent); InvalidFormat otherwise."""
    text = query.get(name)
    if text is None or not text.strip():
        return
    if text.strip().lower().split(";")[0].strip() != PNG:
        raise WmsError(
            "InvalidFormat", f"{name}={text.strip()} is not served; use {name}={PNG}.", name
        )


def parse_info_format(query: WmsQuery) -> str:
    """INFO_FORMAT: application/json, text/plain or text/html (text/plain when absent)."""
    text = query.get("INFO_FORMAT")
    if text is None or not text.strip():
        return "text/plain"
    chosen = text.strip().lower().split(";")[0].strip()
    if chosen not in INFO_FORMATS:
        raise WmsError(
            "InvalidFormat",
            f"INFO_FORMAT={text.strip()} is not served; use one of {', '.join(INFO_FORMATS)}.",
            "INFO_FORMAT",
        )
    return chosen


def parse_time(query: WmsQuery) -> params.Instant | None:
    """TIME: one ISO 8601 instant (the step holding it, else the nearest), or 'current' /
    absent for the latest."""
    text = query.get("TIME")
    if text is None or not text.strip() or text.strip().lower() in {"current", "latest"}:
        return None
    if "/" in text or "," in text:
        raise invalid(
            "TIME",
            "give one instant (ISO 8601, e.g. 2015-12-01T00:00:00Z) or 'current'; "
            "lists and ranges are not drawn",
            "InvalidDimensionValue",
        )
    try:
        return params.parse_instant(text)
    except ValueError as exc:
        raise invalid("TIME", f"{exc} (or 'current')", "InvalidDimensionValue") from None


def parse_elevation(query: WmsQuery) -> params.DepthSpec | None:
    """ELEVATION: a depth in metres, positive down (the nearest level), 'surface' or
    'bottom'; absent: the surface."""
    text = query.get("ELEVATION")
    if text is None or not text.strip():
        return None
    try:
        return params.parse_depth(text)
    except ValueError as exc:
        raise invalid(
            "ELEVATION",
            f"{exc}; ELEVATION is depth below the surface in metres, positive down, as the "
            "layer's Dimension lists",
            "InvalidDimensionValue",
        ) from None


def parse_boolean(query: WmsQuery, name: str, default: bool = False) -> bool:
    """TRUE or FALSE (any case); ``default`` when absent."""
    text = query.get(name)
    if text is None or not text.strip():
        return default
    word = text.strip().upper()
    if word not in {"TRUE", "FALSE"}:
        raise invalid(name, "must be TRUE or FALSE")
    return word == "TRUE"


def _colour(query: WmsQuery, name: str) -> Rgba | None:
    text = query.get(name)
    if text is None or not text.strip():
        return None
    try:
        return params.parse_colour(text)
    except ValueError as exc:
        raise invalid(name, str(exc)) from None


def _overflow(query: WmsQuery, name: str) -> Overflow:
    text = query.get(name)
    if text is None or not text.strip():
        return "extend"
    try:
        return params.parse_overflow(text)
    except ValueError as exc:
        raise invalid(name, str(exc)) from None


def parse_scale(query: WmsQuery) -> params.ScaleSpec | None:
    """COLORSCALERANGE: 'min,max' or 'auto' (fitted to the whole field); absent: the
    catalog's scale where it sets one, else auto."""
    text = query.get("COLORSCALERANGE")
    if text is None or not text.strip() or text.strip().lower() == "default":
        return None
    try:
        return params.parse_scale(text)
    except ValueError as exc:
        raise invalid("COLORSCALERANGE", str(exc)) from None


def parse_numcolorbands(query: WmsQuery) -> int:
    """NUMCOLORBANDS: 2 to 250 (default 250)."""
    low, high = NUMCOLORBANDS
    text = query.get("NUMCOLORBANDS")
    if text is None or not text.strip():
        return high
    try:
        bands = int(text.strip())
    except ValueError:
        bands = 0
    if not low <= bands <= high:
        raise invalid("NUMCOLORBANDS", f"must be a whole number from {low} to {high}")
    return bands


def parse_opacity(query: WmsQuery) -> float:
    """OPACITY: 0 to 100 per cent, as ncWMS (default 100)."""
    text = query.get("OPACITY")
    if text is None or not text.strip():
        return 1.0
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:
        raise invalid("OPACITY", "must be a number from 0 (transparent) to 100 (opaque)")
    return value / 100


def parse_map_style(query: WmsQuery, colormap: str | None) -> MapStyle:
    """The drawing: colour map (from STYLES), COLORSCALERANGE, NUMCOLORBANDS, LOGSCALE,
    ABOVEMAXCOLOR, BELOWMINCOLOR, OPACITY, and TRANSPARENT / BGCOLOR (WMS's default is an
    opaque map on BGCOLOR, white unless given)."""
    transparent = parse_boolean(query, "TRANSPARENT", False)
    bgcolor = _colour(query, "BGCOLOR") or (255, 255, 255, 255)
    return MapStyle(
        colormap=colormap,
        scale=parse_scale(query),
        numcolorbands=parse_numcolorbands(query),
        logscale=parse_boolean(query, "LOGSCALE", False),
        above=_overflow(query, "ABOVEMAXCOLOR"),
        below=_overflow(query, "BELOWMINCOLOR"),
        opacity=parse_opacity(query),
        background=None if transparent else bgcolor,
    )


def parse_pixel(query: WmsQuery, version: Version, target: Target) -> tuple[int, int]:
    """I/J (1.3.0) or X/Y (1.1.1): the pixel's column and row, counted from the top left;
    InvalidPoint outside the map."""
    names = ("I", "J") if version == V130 else ("X", "Y")
    limits = (target.width, target.height)
    pixel = []
    others = ("X", "Y") if version == V130 else ("I", "J")
    for name, other, limit in zip(names, others, limits, strict=True):
        text = query.get(name) or query.get(other)
        if text is None or not text.strip():
            raise missing(
                name, f"the pixel's {'column' if name in 'IX' else 'row'}, 0 to {limit - 1}"
            )
        try:
            value = int(text.strip())
        except ValueError:
            raise WmsError(
                "InvalidPoint",
                f"{name}={text.strip()} must be a whole number 0 to {limit - 1}.",
                name,
            ) from None
        if not 0 <= value < limit:
            raise WmsError(
                "InvalidPoint",
                f"{name}={value} is outside the map: 0 to {limit - 1} "
                f"({'WIDTH' if name in 'IX' else 'HEIGHT'} is {limit}).",
                name,
            )
        pixel.append(value)
    return pixel[0], pixel[1]


@dataclass(frozen=True)
class MapRequest:
    """What GetMap (and GetFeatureInfo's map part) asks for, parsed."""

    layer: str
    colormap: str | None
    target: Target
    time: params.Instant | None
    depth: params.DepthSpec | None


def parse_map_request(
    query: WmsQuery, version: Version, max_pixels: int, layers: str = "LAYERS"
) -> MapRequest:
    """LAYERS, STYLES, CRS/SRS, BBOX, WIDTH, HEIGHT, TIME and ELEVATION."""
    return MapRequest(
        layer=parse_layer_names(query, layers),
        colormap=parse_style(query.get("STYLES")),
        target=parse_target(query, version, max_pixels),
        time=parse_time(query),
        depth=parse_elevation(query),
    )
