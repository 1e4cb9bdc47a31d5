"""A map image, drawn in a worker of the plot pool: the field read once (whole, at one time
and depth), its cells coloured through the style's palette, gathered into the target's pixels
by an index table, written as an indexed PNG.

Per worker process, three caches make a warm image an array gather: fields (by dataset
version, variable, time, depth and units), index tables (by grid and target; ``index``) and
the cells' palette indices (by field and palette).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from PIL import Image

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.grids import Drawing
from catalog.query.convert import convert_units
from catalog.sources import UNVERSIONED, SourceVersion
from catalog.variables import VariableInfo
from plotting import colormaps, data_worker
from plotting.common import catalog_range, choose_variable, fitted_range, is_speed, pick
from plotting.jobs import Rendered
from plotting.webmap import index
from plotting.webmap.style import MapStyle, Palette, palette
from plotting.webmap.targets import Target, pixel_lonlat, tile_target
from schemas.params import DepthSpec, Instant, iso_text

MAP_VERSION = "1"
"""Bump when the drawing changes what an identical request gives (it keys the cache)."""
PNG_LEVEL = 1
"""zlib level of the PNGs: 1 is several times faster than 6 on these images, and larger by
about a tenth."""
FIELDS = 32
"""Fields kept per worker."""
COLOURINGS = 8
"""Palettes whose cells' indices are kept per field."""


@dataclass(frozen=True)
class MapJob:
    """One map image to draw: picklable, small, with a stable cache key.

    ``version``: the dataset's version the API admitted the job against (as ``RenderJob``)."""

    dataset_id: str
    variable: str | None
    time: Instant | None
    depth: DepthSpec | None
    units: str | None
    style: MapStyle
    target: Target
    version: SourceVersion = UNVERSIONED
    describe: ClassVar[str] = "map image"

    @property
    def key(self) -> str:
        """A digest of everything that decides the image's bytes."""
        spec = {
            "v": MAP_VERSION,
            "kind": "webmap",
            "dataset": self.dataset_id,
            "generation": self.version.generation,
            "variable": self.variable,
            "time": None if self.time is None else iso_text(self.time),
            "depth": self.depth,
            "units": self.units,
            "style": asdict(self.style),
            "target": asdict(self.target),
        }
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()

    def entry(self) -> Callable[[MapJob], Rendered]:
        """What a worker runs for this job."""
        return run


def validate(
    opened: OpenDataset, variable: str | None, param: str = "variable"
) -> tuple[str, VariableInfo]:
    """The variable (or vector pair) a map draws and its first variable; 400 naming ``param``
    when the dataset has no such one (before a worker is asked)."""
    return choose_variable(opened, variable, (), "map", param)


# ----------------------------------------------------------------------------- fields


@dataclass(eq=False)
class Field:
    """A whole field at one time and depth, as its grid draws it, with what colouring needs."""

    drawing: Drawing
    grid: str
    values: npt.NDArray[np.float64]
    info: VariableInfo
    speed: bool
    ranges: dict[bool, tuple[float, float]] = field(default_factory=dict)
    colourings: dict[tuple[Any, ...], npt.NDArray[np.uint8]] = field(default_factory=dict)

    def fitted(self, log: bool) -> tuple[float, float]:
        """The 'auto' range over the whole field (of its positive values on a log scale)."""
        if log not in self.ranges:
            values = self.values[self.values > 0] if log else self.values
            fit = fitted_range([values], signed=colormaps.is_diverging(self.info), speed=self.speed)
            if log and fit[0] <= 0:
                fit = (float(np.min(values)), fit[1]) if values.size else (1.0, 10.0)
            self.ranges[log] = fit
        return self.ranges[log]


_fields: OrderedDict[tuple[Any, ...], Field] = OrderedDict()
tables = index.TableCache()


def read_field(opened: OpenDataset, job: MapJob, max_values: int) -> Field:
    """The job's field over the whole grid (cached per dataset version, variable, time, depth
    and units)."""
    key = (opened.id, opened.version.generation, job.variable, job.time, job.depth, job.units)
    cached = _fields.get(key)
    if cached is not None:
        _fields.move_to_end(key)
        return cached
    name, info = validate(opened, job.variable)
    units = job.units or info.override.display_units
    bbox = info.grid.bbox()
    result = convert_units(
        query.area(opened, [name], bbox, job.time, job.depth, max_values=max_values), units
    )
    da = pick(result.data, name)
    drawing = info.grid.drawing(da)
    values = np.ascontiguousarray(drawing.values, dtype=np.float64).ravel()
    entry = _fields[key] = Field(
        drawing, index.fingerprint(drawing), values, info, is_speed(da, name)
    )
    while len(_fields) > FIELDS:
        _fields.popitem(last=False)
    return entry


def style_palette(job: MapJob, found: Field) -> Palette:
    """The style's palette over its range: the request's, the catalog's (no ``scale``), or
    fitted to the whole field."""
    style = job.style
    if isinstance(style.scale, tuple):
        low, high = style.scale
    else:
        preset = None
        if style.scale is None:
            preset = catalog_range(found.info, job.units or found.info.override.display_units)
        if preset is not None and style.logscale and preset[0] <= 0:
            preset = None  # the catalog's range does not suit a log scale: fitted instead
        low, high = preset if preset is not None else found.fitted(style.logscale)
    if style.logscale and low <= 0:
        raise InvalidParameters.single(
            "scale", f"a logarithmic scale needs a positive range; {low:g},{high:g} is not"
        )
    default = "speed" if found.speed else colormaps.default_for(found.info)
    return palette(style, style.colormap or default, low, high)


def colouring(found: Field, paint: Palette) -> npt.NDArray[np.uint8]:
    """The palette index of each cell, after a 'no data' entry (index 0 of a table)."""
    key = (paint.low, paint.high, paint.bands, paint.log)
    lut = found.colourings.get(key)
    if lut is None:
        if len(found.colourings) >= COLOURINGS:
            found.colourings.clear()
        lut = np.concatenate([np.zeros(1, dtype=np.uint8), paint.indices(found.values)])
        found.colourings[key] = lut
    return lut


def encode_png(pixels: npt.NDArray[np.uint8], paint: Palette) -> bytes:
    """An indexed PNG of palette indices, the palette's alpha in its tRNS chunk."""
    image = Image.fromarray(pixels, mode="P")
    colours = paint.colours
    image.putpalette(colours[:, :3].tobytes(), rawmode="RGB")
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_LEVEL, transparency=colours[:, 3].tobytes())
    return out.getvalue()


def draw(opened: OpenDataset, job: MapJob, max_values: int) -> tuple[bytes, dict[str, float]]:
    """The PNG of a job and its stages' times (ms)."""
    t0 = time.perf_counter()
    found = read_field(opened, job, max_values)
    t1 = time.perf_counter()
    table = tables.table(found.drawing, found.grid, job.target)
    t2 = time.perf_counter()
    paint = style_palette(job, found)
    pixels = np.take(colouring(found, paint), table)
    t3 = time.perf_counter()
    body = encode_png(pixels, paint)
    t4 = time.perf_counter()
    stages = {"field": t1 - t0, "index": t2 - t1, "colour": t3 - t2, "encode": t4 - t3}
    return body, {name: ms * 1000 for name, ms in stages.items()}


def warm() -> None:
    """Make the first map image of a worker as quick as the next: the projections, a palette
    and the PNG encoder used once."""
    lon, lat = pixel_lonlat(tile_target("WebMercatorQuad", 1, 0, 0))
    paint = palette(MapStyle(), "thermal", 0.0, 1.0)
    encode_png(np.zeros((lat.size, lon.size), np.uint8), paint)


def run(job: MapJob) -> Rendered:
    """Draw one job (in a worker). Domain errors propagate to the API as they are."""
    catalog, max_values = data_worker.opened()
    with catalog.reading(job.dataset_id, job.version) as opened:
        body, timings = draw(opened, job, max_values)
    return Rendered(body, "image/png", timings, os.getpid())
