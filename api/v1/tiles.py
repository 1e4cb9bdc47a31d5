"""Map tiles of any dataset variable, for web maps: the OGC tile matrix sets WebMercatorQuad
(the XYZ tiles of Leaflet, OpenLayers, MapLibre) and WorldCRS84Quad, and a TileJSON 3.0.0
document per layer. Tiles are drawn in the plot pool (``plotting.webmap``), shared and cached
with ETags as plots are."""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import numpy as np
from fastapi import Path, Query, Request
from fastapi.responses import Response

from api.deps import AsyncDatasetDep, CatalogDep
from api.images import answer, image_response
from api.responses import problem_responses
from api.routing import API_V1, CheckedRoute, PrefixedRouter
from api.v1.plots import RunnerDep
from catalog.dataset import OpenDataset
from catalog.errors import (
    DatasetNotFound,
    DatasetUnavailable,
    InvalidParameters,
    SelectionTooLarge,
    VariableNotFound,
)
from catalog.geo import BBox
from catalog.store import Catalog
from catalog.variables import VariableInfo
from plotting.errors import PlotBusy, PlotFailed, PlotTimeout, TileNotFound
from plotting.runner import PlotRunner
from plotting.webmap import render
from plotting.webmap.params import TileParams
from plotting.webmap.style import MapStyle, palette
from plotting.webmap.targets import (
    TILE_SIZE,
    Target,
    TileMatrixSetId,
    lonlat_bounds,
    tile_matrix_set,
    tile_target,
)
from schemas.tiles import TileJSON

router = PrefixedRouter(prefix=f"{API_V1}/datasets/{{dataset_id}}/tiles", tags=["Tiles"])

FOOTPRINT_MARGIN = 2.0
"""Degrees around a footprint (of cell centres) within which a tile is drawn: a cell reaches
half its size beyond its centre. A tile wholly outside is answered transparent at once."""
ZOOM_CELL_PIXELS = 16
"""A layer's maxzoom: the zoom at which one of its cells is about this many pixels across."""

TmsPath = Annotated[
    TileMatrixSetId,
    Path(
        alias="tileMatrixSetId",
        description="The OGC tile matrix set: WebMercatorQuad (the XYZ tiles of web maps) or "
        "WorldCRS84Quad (plate carrée, two tiles at zoom 0).",
        examples=["WebMercatorQuad"],
    ),
]
ZPath = Annotated[int, Path(ge=0, le=30, description="Zoom level.", examples=[2])]
XPath = Annotated[
    int, Path(ge=0, le=2**30, description="Tile column, from the west.", examples=[1])
]
YPath = Annotated[int, Path(ge=0, le=2**30, description="Tile row, from the north.", examples=[1])]

_PNG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The tile: a 256 x 256 indexed PNG, transparent where there is no data. "
        "Sent with a strong ETag and Cache-Control.",
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    },
    304: {"description": "Not modified: the tile matches the If-None-Match ETag."},
    **problem_responses(
        DatasetNotFound,
        VariableNotFound,
        TileNotFound,
        SelectionTooLarge,
        PlotFailed,
        PlotBusy,
        DatasetUnavailable,
        PlotTimeout,
    ),
}


def checked(opened: OpenDataset, params: TileParams) -> tuple[str, VariableInfo]:
    """The variable (or vector pair) tiles of these parameters draw, and its first variable;
    400 naming ``variable``, or ``scale`` for a log scale over a range that is not positive."""
    drawn_variable = render.validate(opened, params.variable)
    if params.logscale and isinstance(params.scale, tuple) and params.scale[0] <= 0:
        raise InvalidParameters.single(
            "scale", "a logarithmic scale (logscale=true) needs a positive range: min > 0"
        )
    return drawn_variable


def map_job(opened: OpenDataset, params: TileParams, target: Target) -> render.MapJob:
    """The image job of a tile, its parameters checked (``checked``)."""
    checked(opened, params)
    return render.MapJob(
        opened.id,
        params.variable,
        params.time,
        params.depth,
        params.units,
        params.style(),
        target,
        opened.version,
    )


class _Drawn:
    """Tile URLs answered lately and the image each was drawn as: a web map asks for the same
    tiles again and again (panning back, other clients), and a repeated URL is answered from
    the plot runner's cache before its parameters are validated again (a millisecond of the
    two a cached tile took). Only a URL that was answered in full is kept, with the dataset's
    generation its image was drawn from; a dataset opened again since, or due for its check,
    goes the whole way."""

    size = 4096

    def __init__(self) -> None:
        self.urls: OrderedDict[tuple[str, bytes], tuple[str, int, str]] = OrderedDict()

    def remember(self, request: Request, opened: OpenDataset, key: str) -> None:
        url = (request.url.path, request.scope.get("query_string", b""))
        self.urls[url] = (opened.id, opened.version.generation, key)
        while len(self.urls) > self.size:
            self.urls.popitem(last=False)

    def answer(self, request: Request) -> Response | None:
        """The cached image of a URL drawn before, if it is still the dataset's."""
        found = self.urls.get((request.url.path, request.scope.get("query_string", b"")))
        if found is None:
            return None
        dataset_id, generation, key = found
        catalog: Catalog = request.app.state.catalog
        if not catalog.settled(dataset_id):
            return None
        if catalog.dataset(dataset_id).version.generation != generation:
            return None
        runner: PlotRunner = request.app.state.runner
        cached = runner.cached(key)
        if cached is None:
            return None
        runner.stats.cache_hits += 1
        return answer(request, runner, cached, "cache")


def drawn(request: Request) -> _Drawn:
    """The app's memory of drawn tile URLs."""
    state = request.app.state
    if getattr(state, "drawn_tiles", None) is None:
        state.drawn_tiles = _Drawn()
    memory: _Drawn = state.drawn_tiles
    return memory


class TileRoute(CheckedRoute):
    """The tile route: a URL drawn before is answered from the cache first (``_Drawn``)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def cached_first(request: Request) -> Response:
            return drawn(request).answer(request) or await handler(request)

        return cached_first


async def get_tile(
    request: Request,
    opened: AsyncDatasetDep,
    runner: RunnerDep,
    catalog: CatalogDep,
    tms_id: TmsPath,
    z: ZPath,
    x: XPath,
    y: YPath,
    params: Annotated[TileParams, Query()],
) -> Response:
    """One 256 x 256 PNG tile of a variable (a vector pair: its speed) at a time and depth.

    Each pixel takes the value of the source cell nearest its centre (curvilinear grids and
    meshes included: no wet cell larger than a pixel is lost), coloured in `numcolorbands` bands
    of the colour map over `scale` (`auto`: fitted to the whole field, so neighbouring tiles
    agree). Transparent where there is no data (land, off the grid)."""
    target = tile_target(tms_id, z, x, y)
    job = map_job(opened, params, target)
    if not _overlaps(lonlat_bounds(target), opened.bbox):
        return _blank(request, runner.settings.cache_seconds)
    response = await image_response(request, runner, catalog, opened.id, job)
    if response.status_code in (200, 304):
        drawn(request).remember(request, opened, job.key)
    return response


router.add_api_route(
    "/{tileMatrixSetId}/{z}/{x}/{y}.png",
    get_tile,
    methods=["GET"],
    operation_id="getTile",
    summary="A map tile of a variable",
    response_class=Response,
    responses=_PNG_RESPONSES,
    route_class_override=TileRoute,
)


@router.get(
    "/{tileMatrixSetId}/tilejson.json",
    operation_id="getTileJson",
    summary="TileJSON of a variable's tiles",
    response_model=TileJSON,
    response_model_by_alias=True,
    responses=problem_responses(DatasetNotFound, VariableNotFound),
)
def get_tilejson(
    request: Request,
    opened: AsyncDatasetDep,
    tms_id: TmsPath,
    params: Annotated[TileParams, Query()],
) -> TileJSON:
    """TileJSON 3.0.0 for the tiles of a variable with these parameters: their URL template
    (the same query), the data's bounds, a zoom range and centre, the dataset's credit line."""
    tms = tms_id
    name, info = checked(opened, params)
    bbox = opened.bbox or (-180.0, -90.0, 180.0, 90.0)
    base = str(request.url_for("getDataset", dataset_id=opened.id))
    query = f"?{request.url.query}" if request.url.query else ""
    cell = _cell_degrees(opened, name, bbox)
    maxzoom = min(tile_matrix_set(tms).maxzoom, _zoom_for(cell / ZOOM_CELL_PIXELS, tms))
    west, south, east, north = bbox
    span = (east - west) % 360.0 or 360.0
    centre_lon = ((west + span / 2 + 180.0) % 360.0) - 180.0
    centre_zoom = max(0, min(maxzoom, _zoom_for(span / TILE_SIZE, tms)))
    shown = info.vector.title if name != info.id and info.vector else info.display_name
    style = params.style()
    return TileJSON(
        name=f"{opened.entry.title}: {shown}",
        description=_describe(shown, style),
        attribution=opened.entry.attribution,
        tiles=[f"{base}/tiles/{tms}/{{z}}/{{x}}/{{y}}.png{query}"],
        minzoom=0,
        maxzoom=maxzoom,
        bounds=list(bbox),
        center=[round(centre_lon, 6), round((south + north) / 2, 6), centre_zoom],
        tileMatrixSet=tms,
    )


def _describe(shown: str, style: MapStyle) -> str:
    scale = style.scale
    fitted = (
        f"{scale[0]:g} to {scale[1]:g}" if isinstance(scale, tuple) else "fitted to the whole field"
    )
    return (
        f"{shown}, {style.numcolorbands} colour bands"
        f"{' (logarithmic)' if style.logscale else ''}, {fitted}; transparent where there is "
        "no data."
    )


def _cell_degrees(opened: OpenDataset, name: str, bbox: BBox) -> float:
    """The typical size of a cell of the variable's grid, in degrees."""
    grid = opened.resolve([name])[0].grid
    cells = math.prod(int(opened.ds.sizes[d]) for d in grid.dims)
    west, south, east, north = bbox
    area = ((east - west) % 360.0 or 360.0) * max(north - south, 1e-6)
    return math.sqrt(area / max(cells, 1))


def _zoom_for(degrees_per_pixel: float, tms: TileMatrixSetId) -> int:
    """The deepest zoom whose pixels (at the equator) are at least this many degrees."""
    top = 360.0 / TILE_SIZE / (2 if tms == "WorldCRS84Quad" else 1)
    return max(0, math.ceil(math.log2(top / max(degrees_per_pixel, 1e-9))))


def _overlaps(tile: BBox, footprint: BBox | None) -> bool:
    """Whether a tile's box comes within ``FOOTPRINT_MARGIN`` of a footprint (which may cross
    the antimeridian: west > east)."""
    if footprint is None:
        return True
    west, south, east, north = footprint
    if tile[1] > north + FOOTPRINT_MARGIN or tile[3] < south - FOOTPRINT_MARGIN:
        return False
    if east < west:
        east += 360.0
    if east - west + 2 * FOOTPRINT_MARGIN >= 360.0:
        return True
    low, high = west - FOOTPRINT_MARGIN, east + FOOTPRINT_MARGIN
    return any(tile[0] + shift <= high and tile[2] + shift >= low for shift in (-360.0, 0.0, 360.0))


_BLANK: dict[str, bytes] = {}


def _blank(request: Request, max_age: int) -> Response:
    """A transparent tile, without asking a worker."""
    if "png" not in _BLANK:
        paint = palette(MapStyle(numcolorbands=2), "gray", 0.0, 1.0)
        _BLANK["png"] = render.encode_png(np.zeros((TILE_SIZE, TILE_SIZE), np.uint8), paint)
    body = _BLANK["png"]
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="image/png", headers=headers)
