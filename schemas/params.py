"""Request parameters as typed values, parsed once where a facade receives them.

The parsers are pure functions: text in, a value out, or a ``ValueError`` whose message is the
reason a 400 gives (the facade names the parameter). The ``Annotated`` types below let a
FastAPI query parameter or a pydantic model field declare a parameter once: the OpenAPI
document shows the text form (a string with its pattern and length), the handler and the
engine get the parsed value. The engine (``catalog``) takes only these values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
import pandas as pd
import shapely
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema
from shapely.geometry.base import BaseGeometry

from schemas import patterns

Instant = np.datetime64
"""A UTC instant: datetime64[ns] in the nanosecond range (1677 to 2262); beyond it (years 1 to
9999 parse) at the precision given, day or second, never wrapped."""
BBox = tuple[float, float, float, float]
"""(west, south, east, north) in degrees; west > east when the box crosses the antimeridian."""
Vertex = tuple[float, float]
Path = tuple[Vertex, ...]
"""(lon, lat) vertices in degrees, at least two."""
PathType = Literal["geodesic", "rhumb"]
"""How a path's vertices are joined: rhumb lines (constant azimuth; the default) or geodesics."""
PATH_TYPE_DESCRIPTION = (
    "How the vertices are joined: 'rhumb' (the default: lines of constant azimuth, which keep "
    "to a parallel or a meridian, crossing the antimeridian the short way) or 'geodesic' (the "
    "shortest paths). Samples are equally spaced in distance along them (WGS84)."
)
DepthWord = Literal["surface", "bottom"]
DepthSpec = float | DepthWord
"""Metres (positive down), 'surface' or 'bottom'; None where a depth is optional: the default."""
ScaleSpec = tuple[float, float] | Literal["auto"]
"""A colour or value range (min, max), or 'auto': fitted to the values drawn."""
Rgba = tuple[int, int, int, int]
"""A colour: red, green, blue, alpha, each 0..255."""
Overflow = Literal["extend", "transparent"] | Rgba
"""What a value beyond a colour range becomes: the end band's colour ('extend'), nothing
('transparent'), or a colour."""

INSTANT_RULE = "must be an ISO 8601 date or date-time, e.g. 2015-12-01T00:00:00Z"
BBOX_RULE = (
    "must be minlon,minlat,maxlon,maxlat: finite numbers, latitudes in -90..90, "
    "minlat < maxlat, longitudes in -360..360"
)
DEPTH_RULE = "must be a depth in metres >= 0 (positive down), 'surface' or 'bottom'"
Z_RULE = (
    f"must be a depth in metres (0 to {patterns.DEPTH_MAX_M:,}, positive down), a list "
    "'z1,z2,...', a range "
    "'min/max' or a recurring list 'R{count}/{first}/{step}'"
)
MAX_LEVELS = 1000
_NS_FIRST, _NS_LAST = pd.Timestamp.min, pd.Timestamp.max


# ----------------------------------------------------------------------------- parsers


def parse_instant(text: str) -> Instant:
    """An ISO 8601 date or date-time (offsets honoured, UTC when absent)."""
    try:
        stamp = pd.Timestamp(text.strip())
    except (ValueError, TypeError, OverflowError):
        raise ValueError(INSTANT_RULE) from None
    if pd.isna(stamp) or not text.strip() or not 1 <= stamp.year <= 9999:
        raise ValueError(f"{INSTANT_RULE}, in the years 1 to 9999")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if _NS_FIRST <= stamp <= _NS_LAST:
        instant: np.datetime64 = stamp.to_datetime64().astype("datetime64[ns]")
        return instant
    unit = "D" if stamp == stamp.normalize() else "s"
    beyond: np.datetime64 = stamp.to_datetime64().astype(f"datetime64[{unit}]")
    return beyond


def parse_instant_or_latest(text: str) -> Instant | None:
    """An instant, or None for 'latest' (the last step)."""
    return None if text.strip().lower() == "latest" else parse_instant(text)


def iso_text(instant: Instant) -> str:
    """An instant as ISO 8601 UTC with a Z (beyond the nanosecond range: as precise as given)."""
    if np.datetime_data(instant.dtype)[0] != "ns":
        return str(np.datetime_as_string(instant))
    return pd.Timestamp(instant).strftime("%Y-%m-%dT%H:%M:%SZ")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError
    return value


def parse_depth(text: str) -> DepthSpec:
    """'surface', 'bottom' or a depth in metres (0 to ``DEPTH_MAX_M``)."""
    word = text.strip().lower()
    if word == "surface":
        return "surface"
    if word == "bottom":
        return "bottom"
    try:
        value = _finite(word)
    except ValueError:
        raise ValueError(DEPTH_RULE) from None
    if value < 0:
        raise ValueError(DEPTH_RULE)
    if value > patterns.DEPTH_MAX_M:
        raise ValueError(
            f"{value:g} m is deeper than any ocean; at most {patterns.DEPTH_MAX_M:,} m, or "
            "'bottom' for the deepest level"
        )
    return value


SCALE_RULE = "must be 'auto' or 'min,max': two finite numbers with min < max, e.g. -2,30"


def parse_scale(text: str) -> ScaleSpec:
    """'auto', or 'min,max' with finite min < max."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        low, high = (_finite(part) for part in text.split(","))
    except ValueError:
        raise ValueError(SCALE_RULE) from None
    if not low < high:
        raise ValueError(SCALE_RULE)
    return low, high


COLOUR_RULE = "must be a colour '#RRGGBB' or '0xRRGGBB' (or with alpha first: '#AARRGGBB')"
_HEX = re.compile(r"(?:#|0x)([0-9a-f]{6}|[0-9a-f]{8})", re.IGNORECASE)


def parse_colour(text: str) -> Rgba:
    """'#RRGGBB', '0xRRGGBB', '#AARRGGBB' or '0xAARRGGBB' (ncWMS's forms) as RGBA."""
    match = _HEX.fullmatch(text.strip())
    if match is None:
        raise ValueError(COLOUR_RULE)
    digits = match.group(1)
    alpha = int(digits[:2], 16) if len(digits) == 8 else 255
    r, g, b = (int(digits[-6:][k : k + 2], 16) for k in (0, 2, 4))
    return r, g, b, alpha


def parse_overflow(text: str) -> Overflow:
    """'extend', 'transparent' or a colour (``parse_colour``)."""
    word = text.strip().lower()
    if word == "extend":
        return "extend"
    if word == "transparent":
        return "transparent"
    try:
        return parse_colour(text)
    except ValueError:
        raise ValueError(f"must be 'extend', 'transparent' or a colour ({COLOUR_RULE})") from None


def check_bbox(box: Sequence[float | str]) -> BBox:
    """Four numbers as a box, by the rules of ``parse_bbox``."""
    try:
        west, south, east, north = (_finite(str(v)) for v in box)
    except ValueError:
        raise ValueError(BBOX_RULE) from None
    if not (-90 <= south < north <= 90) or not all(-360 <= v <= 360 for v in (west, east)):
        raise ValueError(BBOX_RULE)
    if west == east:
        raise ValueError("minlon and maxlon must differ")
    return west, south, east, north


def parse_bbox(text: str) -> BBox:
    """minlon,minlat,maxlon,maxlat."""
    return check_bbox(text.split(","))


def parse_path(text: str) -> Path:
    """lon,lat;lon,lat;... (the service's limit on vertices is checked where it is known)."""
    vertices = []
    for part in text.split(";"):
        try:
            lon, lat = (_finite(p) for p in part.split(","))
        except ValueError:
            raise ValueError("must be lon,lat;lon,lat;... with finite numbers") from None
        if not (-90 <= lat <= 90 and -360 <= lon <= 360):
            raise ValueError(
                f"({lon:g}, {lat:g}): latitude must be in -90..90 and longitude in -360..360"
            )
        vertices.append((lon, lat))
    if len(vertices) < 2:
        raise ValueError("needs at least two vertices")
    return tuple(vertices)


# ----------------------------------------------------------------------------- EDR values


@dataclass(frozen=True)
class Levels:
    """An EDR ``z``: explicit levels (a value, a list, ``R{n}/{min}/{step}``) or a range."""

    values: tuple[float, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def given(self) -> bool:
        return bool(self.values) or self.low is not None

    @property
    def multiple(self) -> bool:
        return len(self.values) > 1 or self.low is not None


def _depths(values: list[float], deepest: float = patterns.DEPTH_MAX_M) -> tuple[float, ...]:
    if any(v < 0 or v > deepest for v in values):
        raise ValueError
    return tuple(values)


def parse_z(text: str | None) -> Levels:
    """``10``, ``10,50,100``, ``0/100`` or ``R5/0/10`` (None or blank: no levels given)."""
    if text is None or not text.strip():
        return Levels()
    text = text.strip()
    try:
        if text[0] in "Rr":
            count_text, first_text, step_text = text[1:].split("/")
            count, first, step = int(count_text), _finite(first_text), _finite(step_text)
            if not 1 <= count <= MAX_LEVELS or step <= 0:
                raise ValueError
            return Levels(values=_depths([first + k * step for k in range(count)]))
        if "/" in text:
            low, high = (_finite(p) for p in text.split("/"))
        else:
            values = [_finite(p) for p in text.split(",")]
            if len(values) > MAX_LEVELS:
                raise ValueError
            return Levels(values=_depths(values))
    except ValueError:
        raise ValueError(Z_RULE) from None
    return z_range(low, high)


def z_range(low: float, high: float) -> Levels:
    """Every level from ``low`` to ``high`` metres (``min/max``; a 6-number bbox's z)."""
    if not low <= high:
        raise ValueError(f"{Z_RULE}; in 'min/max' min <= max")
    try:
        _depths([low, high], deepest=math.inf)  # a range may reach past every level
    except ValueError:
        raise ValueError(Z_RULE) from None
    return Levels(low=low, high=high)


@dataclass(frozen=True)
class DatetimeSelection:
    """An EDR ``datetime``: nothing (the latest step), an instant, or a (half-open) interval."""

    instant: Instant | None = None
    start: Instant | None = None
    end: Instant | None = None
    interval: bool = False


def parse_datetime(text: str | None) -> DatetimeSelection:
    """``2020-01-01T00:00:00Z``, ``start/end``, ``../end``, ``start/..`` (None: the latest)."""
    if text is None or not text.strip():
        return DatetimeSelection()
    parts = text.strip().split("/")
    if len(parts) == 1:
        return DatetimeSelection(instant=parse_instant(parts[0]))
    if len(parts) != 2:
        raise ValueError("must be an instant or an interval 'start/end' ('..' for an open end)")
    start, end = (None if p.strip() in {"", ".."} else parse_instant(p) for p in parts)
    if start is not None and end is not None and _later(start, end):
        raise ValueError("the interval's start is after its end")
    return DatetimeSelection(start=start, end=end, interval=True)


def _later(a: Instant, b: Instant) -> bool:
    """a > b, safely across units (seconds hold every instant that parses)."""
    return bool(a.astype("datetime64[s]") > b.astype("datetime64[s]"))


def check_geometry(geometry: BaseGeometry, kinds: tuple[str, ...]) -> BaseGeometry:
    """A geometry of one of ``kinds`` (e.g. 'Point', 'MultiPoint') in lon/lat degrees, 2-D."""
    rule = wkt_rule(kinds)
    if geometry.geom_type not in kinds or geometry.is_empty:
        raise ValueError(f"{rule}, not {geometry.geom_type.upper()}")
    xy = shapely.get_coordinates(geometry)
    if not np.all(np.isfinite(xy)):
        raise ValueError(f"{rule}; coordinates must be finite")
    if np.any(np.abs(xy[:, 1]) > 90) or np.any(np.abs(xy[:, 0]) > 360):
        raise ValueError("latitudes must be in -90..90 and longitudes in -360..360")
    if shapely.get_coordinates(geometry, include_z=True).shape[1] > 2 and geometry.has_z:
        raise ValueError("give 2-D coordinates; choose levels with z and instants with datetime")
    return geometry


def wkt_rule(kinds: tuple[str, ...]) -> str:
    """What a WKT ``coords`` of ``kinds`` must be."""
    return f"must be WKT: {' or '.join(k.upper() for k in kinds)}, with lon lat in degrees"


# ----------------------------------------------------------------------------- pydantic types


@dataclass(frozen=True)
class Parsed:
    """``Annotated`` metadata: a parameter sent as text of a form, delivered parsed.

    Validation: the text's form (``pattern``, ``max_length``: pydantic's own errors, which the
    API words from ``patterns.FORMS``), then the parser of this module named ``parser`` (its
    ValueError is the reason; looked up when called, so that a test can wrap it and count). The
    JSON schema is the text's; ``dump`` gives the value's JSON form (a plot's cache key).
    """

    parser: str
    dump: Callable[[Any], Any]
    pattern: str
    max_length: int

    def parse(self, text: str) -> Any:
        """The text parsed by ``parser``."""
        return globals()[self.parser](text)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.str_schema(pattern=self.pattern, max_length=self.max_length)
        return core_schema.chain_schema(
            [text, core_schema.no_info_plain_validator_function(self.parse)],
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: None if value is None else self.dump(value)
            ),
        )


def _plain(value: Any) -> Any:
    return value


def _scale_text(scale: ScaleSpec) -> str:
    return scale if isinstance(scale, str) else f"{scale[0]!r},{scale[1]!r}"


def _overflow_text(rule: Overflow) -> str:
    if isinstance(rule, str):
        return rule
    r, g, b, a = rule
    return f"#{a:02x}{r:02x}{g:02x}{b:02x}"


def _path_json(path: Path) -> list[list[float]]:
    return [list(vertex) for vertex in path]


INSTANT = Parsed("parse_instant", iso_text, patterns.INSTANT, patterns.INSTANT_MAX)
"""An instant: ISO 8601 text, delivered as an ``Instant``."""
INSTANT_OR_LATEST = Parsed(
    "parse_instant_or_latest", iso_text, patterns.INSTANT_OR_LATEST, patterns.INSTANT_MAX
)
"""An instant or 'latest' (None)."""
DEPTH = Parsed("parse_depth", _plain, patterns.DEPTH, patterns.NAME_MAX)
"""A ``DepthSpec``."""
BBOX = Parsed("parse_bbox", list, patterns.BBOX, patterns.NUMBERS_MAX)
"""A ``BBox``."""
PATH = Parsed("parse_path", _path_json, patterns.PATH, patterns.PATH_MAX)
"""A ``Path``."""
SCALE = Parsed("parse_scale", _scale_text, patterns.SCALE, patterns.NUMBERS_MAX)
"""A ``ScaleSpec``."""
OVERFLOW = Parsed("parse_overflow", _overflow_text, patterns.OVERFLOW, patterns.NAME_MAX)
"""An ``Overflow``."""


class Text:
    """What FastAPI is told a parsed parameter is: one text (a tuple would read as a list of
    repeated parameters). Only the annotation sees it; values are the parsed types."""


InstantParam = Annotated[Instant, INSTANT]
TimeParam = Annotated[Instant | None, INSTANT_OR_LATEST]
DepthParam = Annotated[DepthSpec, DEPTH]
if TYPE_CHECKING:
    BBoxParam = Annotated[BBox, BBOX]
    PathParam = Annotated[Path, PATH]
    ScaleParam = Annotated[ScaleSpec, SCALE]
    OverflowParam = Annotated[Overflow, OVERFLOW]
else:
    BBoxParam = Annotated[Text, BBOX]
    PathParam = Annotated[Text, PATH]
    ScaleParam = Annotated[Text, SCALE]
    OverflowParam = Annotated[Text, OVERFLOW]
