"""The GetCapabilities documents, WMS 1.3.0 (XML Schema) and 1.1.1 (DTD).

One named layer per served variable of each available dataset, and one per vector pair (its
speed), grouped under a layer per dataset under one root layer. Each named layer has its
geographic box and a box per CRS, its TIME instants and ELEVATION depths, a style per colour
map (``raster/{colormap}``, the layer's default first) with a LegendURL to GetLegendGraphic.
Documents are kept per (version, base URL) while the catalog's state is unchanged.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from api.wms.exceptions import V111, V130, Version
from api.wms.layers import Layer, dataset_layers
from api.wms.params import INFO_FORMATS, PNG, STYLE_PREFIX, max_side
from catalog.dataset import OpenDataset
from catalog.store import Catalog
from plotting import colormaps
from plotting.webmap.targets import CRSS, mercator_box
from schemas.params import iso_text

LEGEND_SIZE = (110, 400)
"""Width and height of the legend a LegendURL gives (the colorbar plot's vertical shape)."""
Box = tuple[float, float, float, float]


def _e(tag: str, text: object = None, **attrs: object) -> str:
    """An element; text escaped, attributes quoted (a trailing _ in a name is dropped)."""
    attributes = "".join(
        f" {name.rstrip('_').replace('__', ':')}={quoteattr(str(value))}"
        for name, value in attrs.items()
        if value is not None
    )
    if text is None:
        return f"<{tag}{attributes}/>"
    return f"<{tag}{attributes}>{escape(str(text))}</{tag}>"


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _link(href: str) -> str:
    return (
        '<OnlineResource xmlns:xlink="http://www.w3.org/1999/xlink" xlink:type="simple" '
        f"xlink:href={quoteattr(href)}/>"
    )


def geographic_box(layer: Layer) -> Box:
    """The layer's footprint (west, south, east, north) in -180..180 with west < east (a
    footprint across the antimeridian is given as every longitude)."""
    west, south, east, north = layer.info.grid.bbox()
    if west > east:
        west, east = -180.0, 180.0
    return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)


def crs_box(box: Box, crs: str) -> Box:
    """The box in ``crs``'s x/y (lon, lat for the geographic ones; metres for EPSG:3857,
    clipped to Web Mercator's latitudes)."""
    return mercator_box(box) if crs == "EPSG:3857" else box


def _bounding_boxes(box: Box, version: Version) -> Iterator[str]:
    attribute = "CRS" if version == V130 else "SRS"
    for crs in CRSS:
        minx, miny, maxx, maxy = crs_box(box, crs)
        if version == V130 and crs == "EPSG:4326":  # the EPSG axis order: latitude first
            minx, miny, maxx, maxy = miny, minx, maxy, maxx
        yield _e(
            "BoundingBox",
            **{attribute: crs},
            minx=_number(minx),
            miny=_number(miny),
            maxx=_number(maxx),
            maxy=_number(maxy),
        )


def _geographic(box: Box, version: Version) -> str:
    west, south, east, north = (_number(v) for v in box)
    if version == V111:
        return _e("LatLonBoundingBox", minx=west, miny=south, maxx=east, maxy=north)
    return (
        f"<EX_GeographicBoundingBox>{_e('westBoundLongitude', west)}"
        f"{_e('eastBoundLongitude', east)}{_e('southBoundLatitude', south)}"
        f"{_e('northBoundLatitude', north)}</EX_GeographicBoundingBox>"
    )


def depth_text(depth: float) -> str:
    """A depth as ELEVATION lists it (metres, to 0.1 mm)."""
    return f"{depth:.4f}".rstrip("0").rstrip(".")


def _dimensions(layer: Layer, version: Version) -> Iterator[str]:
    info = layer.info
    dims: list[tuple[str, str, str, str, str]] = []  # name, units, symbol, default, values
    if info.time is not None and info.time.values.size:
        instants = [iso_text(t) for t in info.time.values]
        dims.append(("time", "ISO8601", "", instants[-1], ",".join(instants)))
    if info.vertical is not None and info.vertical.depths.size:
        depths = [depth_text(float(d)) for d in np.asarray(info.vertical.depths)]
        dims.append(("elevation", "m", "m", depths[0], ",".join(depths)))
    if version == V130:
        for name, units, symbol, default, values in dims:
            yield _e(
                "Dimension",
                values,
                name=name,
                units=units,
                unitSymbol=symbol or None,
                default=default,
                multipleValues="0",
                nearestValue="1",
                current="0",
            )
        return
    for name, units, _, _, _ in dims:
        yield _e("Dimension", name=name, units=units)
    for name, _, _, default, values in dims:
        yield _e("Extent", values, name=name, default=default, nearestValue="1")


def default_colormap(layer: Layer) -> str:
    """The colour map a layer is drawn with when no style is asked for."""
    if layer.vector:
        return "speed"
    return colormaps.default_for(layer.info)


def _styles(layer: Layer, base: str, version: Version) -> Iterator[str]:
    first = default_colormap(layer)
    width, height = LEGEND_SIZE
    fixed = {"SERVICE": "WMS", "REQUEST": "GetLegendGraphic", "VERSION": version}
    fixed |= {"LAYER": layer.name, "FORMAT": PNG}
    legend = f"{base}?{urlencode(fixed, safe='/')}&STYLE={STYLE_PREFIX}"
    for name in dict.fromkeys([first, *colormaps.names()]):
        title = f"{name} ({colormaps.source(name)})" + (", the default" if name == first else "")
        yield (
            f"<Style>{_e('Name', STYLE_PREFIX + name)}{_e('Title', title)}"
            f'<LegendURL width="{width}" height="{height}">{_e("Format", PNG)}'
            f"{_link(legend + quote(name))}</LegendURL></Style>"
        )


def _abstract(layer: Layer, opened: OpenDataset) -> str:
    parts = [f"{layer.title}" + (f" ({layer.units})" if layer.units else "") + "."]
    if layer.vector:
        parts.append("The speed of the vector pair (the magnitude of its components).")
    if layer.info.vertical is not None:
        parts.append(
            "ELEVATION is depth below the sea surface in metres, positive down; the nearest "
            "level is drawn."
        )
    if layer.info.time is not None:
        parts.append("TIME: the step whose period holds the instant, else the nearest.")
    parts.append(f"From {opened.entry.title}.")
    return " ".join(parts)


def _layer(layer: Layer, opened: OpenDataset, base: str, version: Version) -> str:
    box = geographic_box(layer)
    return "".join(
        [
            '<Layer queryable="1" opaque="0">',
            _e("Name", layer.name),
            _e("Title", layer.title),
            _e("Abstract", _abstract(layer, opened)),
            _geographic(box, version),
            *_bounding_boxes(box, version),
            *_dimensions(layer, version),
            *_styles(layer, base, version),
            "</Layer>",
        ]
    )


def _dataset(opened: OpenDataset, base: str, version: Version) -> str:
    entry = opened.entry
    attribution = (
        f"<Attribution>{_e('Title', entry.attribution)}</Attribution>" if entry.attribution else ""
    )
    return "".join(
        [
            "<Layer>",
            _e("Title", entry.title),
            _e("Abstract", entry.summary) if entry.summary else "",
            attribution,
            *(_layer(layer, opened, base, version) for layer in dataset_layers(opened)),
            "</Layer>",
        ]
    )


def _operation(name: str, formats: list[str], base: str) -> str:
    return (
        f"<{name}>{''.join(_e('Format', f) for f in formats)}"
        f"<DCPType><HTTP><Get>{_link(base + '?')}</Get></HTTP></DCPType></{name}>"
    )


_SERVICE_TITLE = "Ocean Data API"
_SERVICE_ABSTRACT = (
    "Maps of ocean model and observation fields: one layer per dataset variable "
    "({dataset_id}/{variable}), drawn with a colour map per style (raster/{colormap}), with "
    "TIME and ELEVATION (depth in metres, positive down)."
)


def _service(base: str, version: Version, max_pixels: int) -> str:
    limits = ""
    if version == V130:
        side = max_side(max_pixels)
        limits = _e("LayerLimit", 1) + _e("MaxWidth", side) + _e("MaxHeight", side)
    return (
        f"<Service>{_e('Name', 'WMS' if version == V130 else 'OGC:WMS')}"
        f"{_e('Title', _SERVICE_TITLE)}{_e('Abstract', _SERVICE_ABSTRACT)}"
        "<KeywordList><Keyword>ocean</Keyword><Keyword>WMS</Keyword></KeywordList>"
        f"{_link(base + '?')}{_e('Fees', 'none')}{_e('AccessConstraints', 'none')}{limits}"
        "</Service>"
    )


def _root_layer(datasets: list[OpenDataset], base: str, version: Version) -> str:
    world = (-180.0, -90.0, 180.0, 90.0)
    crs_tag = "CRS" if version == V130 else "SRS"
    return "".join(
        [
            "<Layer>",
            _e("Title", _SERVICE_TITLE),
            _e("Abstract", _SERVICE_ABSTRACT),
            *(_e(crs_tag, crs) for crs in CRSS),
            _geographic(world, version),
            *_bounding_boxes(world, version),
            *(_dataset(opened, base, version) for opened in datasets),
            "</Layer>",
        ]
    )


def document(datasets: list[OpenDataset], base: str, version: Version, max_pixels: int) -> str:
    """The capabilities document of ``version`` for the available ``datasets``; ``base``: the
    service's URL (…/wms), which every OnlineResource gives."""
    if version == V130:
        request = "".join(
            [
                _operation("GetCapabilities", ["text/xml"], base),
                _operation("GetMap", [PNG], base),
                _operation("GetFeatureInfo", list(INFO_FORMATS), base),
                _operation("sld:GetLegendGraphic", [PNG], base),
            ]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<WMS_Capabilities version="1.3.0" xmlns="http://www.opengis.net/wms" '
            'xmlns:sld="http://www.opengis.net/sld" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.opengis.net/wms '
            "http://schemas.opengis.net/wms/1.3.0/capabilities_1_3_0.xsd "
            "http://www.opengis.net/sld "
            'http://schemas.opengis.net/sld/1.1.0/sld_capabilities.xsd">'
            f"{_service(base, version, max_pixels)}"
            f"<Capability><Request>{request}</Request>"
            f"<Exception>{_e('Format', 'XML')}</Exception>"
            f"{_root_layer(datasets, base, version)}</Capability></WMS_Capabilities>\n"
        )
    request = "".join(
        [
            _operation("GetCapabilities", ["application/vnd.ogc.wms_xml"], base),
            _operation("GetMap", [PNG], base),
            _operation("GetFeatureInfo", list(INFO_FORMATS), base),
            _operation("GetLegendGraphic", [PNG], base),
        ]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE WMT_MS_Capabilities SYSTEM "http://schemas.opengis.net/wms/1.1.1/'
        'WMS_MS_Capabilities.dtd">\n'
        '<WMT_MS_Capabilities version="1.1.1">'
        f"{_service(base, version, max_pixels)}"
        f"<Capability><Request>{request}</Request>"
        f"<Exception>{_e('Format', 'application/vnd.ogc.se_xml')}</Exception>"
        f"{_root_layer(datasets, base, version)}</Capability></WMT_MS_Capabilities>\n"
    )


MEDIA_TYPES = {V130: "text/xml", V111: "application/vnd.ogc.wms_xml"}


def available(catalog: Catalog) -> list[OpenDataset]:
    """The datasets open now, in catalog order (unavailable ones are left out)."""
    found = []
    for dataset_id in catalog.ids:
        opened = catalog.peek(dataset_id)
        if opened is not None and catalog.unavailable_reason(dataset_id) is None:
            found.append(opened)
    return found


class _Documents:
    """Documents kept per (version, base URL, limit), rebuilt when the catalog's state (which
    datasets are open, and which opening of each) changes."""

    size = 8

    def __init__(self) -> None:
        self.kept: dict[tuple[object, ...], tuple[tuple[object, ...], bytes]] = {}

    def body(self, catalog: Catalog, base: str, version: Version, max_pixels: int) -> bytes:
        datasets = available(catalog)
        state = tuple(datasets)  # openings compared by identity: a reopened source is new
        key = (version, base, max_pixels)
        kept = self.kept.get(key)
        if kept is not None and kept[0] == state:
            return kept[1]
        body = document(datasets, base, version, max_pixels).encode()
        self.kept.pop(key, None)
        if len(self.kept) >= self.size:
            del self.kept[next(iter(self.kept))]  # the oldest
        self.kept[key] = (state, body)
        return body


_DOCUMENTS: weakref.WeakKeyDictionary[Catalog, _Documents] = weakref.WeakKeyDictionary()
"""One per catalog (tests build many apps), gone with it."""


def capabilities(catalog: Catalog, base: str, version: Version, max_pixels: int) -> bytes:
    """The capabilities document as bytes (kept while the catalog's state is unchanged)."""
    documents = _DOCUMENTS.get(catalog) or _DOCUMENTS.setdefault(catalog, _Documents())
    return documents.body(catalog, base, version, max_pixels)
