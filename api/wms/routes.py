"""GET /wms: the OGC Web Map Service 1.3.0 (and 1.1.1) over the web-map core.

One endpoint, four operations chosen by REQUEST: GetCapabilities, GetMap (drawn by the plot
pool's map renderer, ``plotting.webmap``, as the tiles are), GetFeatureInfo (the native point
query at the clicked pixel) and GetLegendGraphic (the colorbar plot). Every error is a WMS
ServiceExceptionReport (``api.wms.exceptions``), which WMS clients read, never problem+json.
"""

from __future__ import annotations

from contextlib import suppress

from fastapi import Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.images import image_response
from api.routing import PrefixedRouter
from api.settings import Settings
from api.wms.capabilities import LEGEND_SIZE, MEDIA_TYPES, capabilities, default_colormap
from api.wms.exceptions import V130, Version, WmsError, from_domain, invalid
from api.wms.featureinfo import ENCODERS, feature_info
from api.wms.layers import Layer, resolve
from api.wms.params import (
    WmsQuery,
    check_format,
    check_service,
    parse_boolean,
    parse_elevation,
    parse_info_format,
    parse_layer_names,
    parse_map_request,
    parse_map_style,
    parse_numcolorbands,
    parse_pixel,
    parse_request,
    parse_scale,
    parse_style,
    parse_time,
    parse_version,
)
from catalog.dataset import OpenDataset
from catalog.errors import OceanAPIError
from catalog.selection import nearest_time
from plotting.runner import PlotRunner
from plotting.types import colorbar
from plotting.webmap import render
from plotting.webmap.targets import pixel_point
from plotting.worker import RenderJob

WMS = "/wms"
"""Where the WMS is served."""
router = PrefixedRouter(prefix=WMS, tags=["WMS"])

_LAYER_PARAMS = {
    "GetMap": "LAYERS",
    "GetFeatureInfo": "QUERY_LAYERS",
    "GetLegendGraphic": "LAYER",
}


async def wms(request: Request) -> Response:
    """The WMS: GetCapabilities, GetMap, GetFeatureInfo and GetLegendGraphic (REQUEST)."""
    version: Version = V130  # the exception report's form until VERSION is read
    operation = "GetCapabilities"
    try:
        query = WmsQuery(request.query_params.multi_items())
        asked = query.get("VERSION") or query.get("WMTVER")
        with suppress(WmsError):  # an unknown VERSION is reported in 1.3.0's form
            version = parse_version(asked)
        operation = parse_request(query)
        if operation == "GetCapabilities":
            version = parse_version(asked, negotiate=True)
            return await _capabilities(request, query, version)
        version = parse_version(asked)
        check_service(query, required=False)
        if operation == "GetMap":
            return await _get_map(request, query, version)
        if operation == "GetFeatureInfo":
            return await _get_feature_info(request, query, version)
        return await _get_legend_graphic(request, query)
    except WmsError as error:
        return error.response(version)
    except OceanAPIError as error:
        return from_domain(error, _LAYER_PARAMS.get(operation, "LAYERS")).response(version)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _capabilities(request: Request, query: WmsQuery, version: Version) -> Response:
    check_service(query, required=True)
    catalog = request.app.state.catalog
    if catalog.refresh_due():  # file I/O only then, and off the event loop
        await run_in_threadpool(catalog.open_all)
    base = str(request.url_for("wms"))
    body = capabilities(catalog, base, version, _settings(request).max_image_pixels)
    return Response(body, media_type=MEDIA_TYPES[version])


async def _get_map(request: Request, query: WmsQuery, version: Version) -> Response:
    asked = parse_map_request(query, version, _settings(request).max_image_pixels)
    check_format(query)
    style = parse_map_style(query, asked.colormap)
    catalog = request.app.state.catalog
    opened, layer = await resolve(catalog, asked.layer, "LAYERS")
    _check_log_range(style.logscale, style.scale)
    job = render.MapJob(
        opened.id,
        layer.variable,
        asked.time,
        asked.depth,
        None,
        style,
        asked.target,
        opened.version,
    )
    _check_axes(opened, layer, job)
    runner: PlotRunner = request.app.state.runner
    return await image_response(request, runner, catalog, opened.id, job)


def _check_axes(opened: OpenDataset, layer: Layer, job: render.MapJob) -> None:
    """The layer's variable and TIME, checked before a worker is asked: a time outside the
    layer's coverage is InvalidDimensionValue (within it, the step holding it is drawn; any
    ELEVATION draws the nearest level)."""
    render.validate(opened, job.variable, "LAYERS")
    if layer.info.time is not None:
        nearest_time(layer.info.time, job.time, "TIME")


async def _get_feature_info(request: Request, query: WmsQuery, version: Version) -> Response:
    if query.get("LAYERS") is None and query.get("QUERY_LAYERS") is not None:
        query.values["LAYERS"] = query.values["QUERY_LAYERS"]
    settings = _settings(request)
    asked = parse_map_request(query, version, settings.max_image_pixels)
    name = parse_layer_names(query, "QUERY_LAYERS")
    if name != asked.layer:
        raise WmsError(
            "LayerNotDefined",
            f"QUERY_LAYERS: layer '{name}' is not in LAYERS ({asked.layer}); query a layer of "
            "the map",
            "QUERY_LAYERS",
        )
    info_format = parse_info_format(query)
    i, j = parse_pixel(query, version, asked.target)
    catalog = request.app.state.catalog
    _, layer = await resolve(catalog, name, "QUERY_LAYERS")
    lon, lat = pixel_point(asked.target, i, j)
    found = await run_in_threadpool(
        feature_info,
        catalog,
        layer,
        lon,
        lat,
        asked.time,
        asked.depth,
        settings.max_values,
    )
    return Response(ENCODERS[info_format](found), media_type=info_format)


LEGEND_SIDES = {"WIDTH": (64, 4096), "HEIGHT": (32, 4096)}


def _legend_size(query: WmsQuery) -> tuple[int, int]:
    sides = list(LEGEND_SIZE)
    for k, (name, (low, high)) in enumerate(LEGEND_SIDES.items()):
        text = query.get(name)
        if text is None or not text.strip():
            continue
        try:
            side = int(text.strip())
        except ValueError:
            side = 0
        if not low <= side <= high:
            raise invalid(name, f"must be a whole number of pixels, {low} to {high}")
        sides[k] = side
    return sides[0], sides[1]


async def _get_legend_graphic(request: Request, query: WmsQuery) -> Response:
    name = parse_layer_names(query, "LAYER")
    check_format(query)
    colormap = parse_style(query.get("STYLE") or query.get("STYLES"), "STYLE")
    scale = parse_scale(query)
    bands = parse_numcolorbands(query) if query.get("NUMCOLORBANDS") else None
    logscale = parse_boolean(query, "LOGSCALE")
    _check_log_range(logscale, scale)
    width, height = _legend_size(query)
    time, depth = parse_time(query), parse_elevation(query)
    catalog = request.app.state.catalog
    opened, layer = await resolve(catalog, name, "LAYER")
    params = colorbar.ColorbarParams.model_construct(
        variable=layer.variable,
        colormap=colormap or default_colormap(layer),
        scale=scale,
        width=width,
        height=height,
        orientation="vertical" if height >= width else "horizontal",
        time=time,
        depth=depth,
        numcolorbands=bands,
        logscale=logscale,
    )
    plot_type = colorbar.PLOT_TYPE
    plot_type.validate(opened, params)
    assert plot_type.render is not None  # the colour bar draws gridded datasets
    job = RenderJob(plot_type.name, plot_type.render, opened.id, params, opened.version)
    runner: PlotRunner = request.app.state.runner
    return await image_response(request, runner, catalog, opened.id, job)


def _check_log_range(logscale: bool, scale: object) -> None:
    if logscale and isinstance(scale, tuple) and scale[0] <= 0:
        raise invalid(
            "COLORSCALERANGE",
            "LOGSCALE=TRUE needs a positive range: min > 0, e.g. COLORSCALERANGE=0.1,10",
        )


router.add_api_route(
    "",
    wms,
    methods=["GET"],
    name="wms",
    summary="OGC Web Map Service 1.3.0 / 1.1.1",
    response_class=Response,
    # Left out of the OpenAPI document: a WMS describes itself (GetCapabilities), and its
    # errors are exception reports, not the problem+json every documented operation answers.
    include_in_schema=False,
    route_class_override=APIRoute,  # WMS names are case-insensitive; vendor ones are ignored
)
