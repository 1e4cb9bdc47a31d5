"""A pygeoapi EDR provider that answers from the service's catalog and query engine.

A pygeoapi collection serves one dataset of a catalog file::

    providers:
      - type: edr
        name: integrations.pygeoapi_edr.OceanDataEDRProvider
        data: samples/catalog.yaml   # the catalog file; relative to pygeoapi's working directory
        dataset: glorys              # the dataset id in it
        max_values: 2000000          # optional: most values one query may read (413 beyond)

Every query is one of ``catalog.query.edr_requests``, the EDR semantics the service's own EDR
facade uses: estimated first (413 before any reading, as in the service), then answered by the
service's CoverageJSON encoder (``catalog.formats``); nothing is selected, interpolated or
encoded here. pygeoapi wants a dict, so the encoded document is parsed back (orjson).
Domain errors become pygeoapi provider errors with their user-facing message.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import Any

import orjson
from pygeoapi.provider.base import (
    ProviderConnectionError,
    ProviderGenericError,
    ProviderInvalidQueryError,
    ProviderNoDataError,
    ProviderQueryError,
    ProviderRequestEntityTooLargeError,
)
from pygeoapi.provider.base_edr import BaseEDRProvider
from shapely.geometry.base import BaseGeometry

from catalog import jobs
from catalog.errors import (
    CatalogError,
    DatasetNotFound,
    DatasetUnavailable,
    InvalidParameters,
    NoData,
    OceanAPIError,
    SelectionTooLarge,
    VariableNotFound,
    parameter,
)
from catalog.geo import BBox
from catalog.query import DEFAULT_MAX_VALUES, requests, shapes
from catalog.query.edr_requests import EdrArea, EdrCube, EdrPosition, EdrRadius, EdrTrajectory
from catalog.store import Catalog
from schemas import params

log = logging.getLogger("oceanapi.pygeoapi")

SPOOL_MEMORY = 8 << 20
"""An encoded answer stays in memory up to this size, then goes to a temporary file."""

# Formats pygeoapi may ask for that a CoverageJSON document answers (it renders 'html' itself).
_COVJSON_FORMATS = {None, "", "json", "jsonld", "html", "covjson", "coveragejson"}


class ProviderUnavailableError(ProviderConnectionError):  # type: ignore[misc]
    """The dataset's source cannot be read now (503; pygeoapi's listing still answers)."""

    http_status_code = HTTPStatus.SERVICE_UNAVAILABLE
    default_msg = "dataset unavailable; try again later"


# Domain error -> pygeoapi provider error (which carries the HTTP status). First match wins.
ERROR_TABLE: tuple[tuple[type[OceanAPIError], type[ProviderGenericError]], ...] = (
    (InvalidParameters, ProviderInvalidQueryError),  # 400
    (VariableNotFound, ProviderInvalidQueryError),  # 400: parameter-name is a query parameter
    (NoData, ProviderNoDataError),  # 204, pygeoapi's convention for an empty selection
    (SelectionTooLarge, ProviderRequestEntityTooLargeError),  # 413
    (DatasetUnavailable, ProviderUnavailableError),  # 503
    (DatasetNotFound, ProviderConnectionError),  # 500: the server configuration is wrong
)

_catalogs: dict[Path, Catalog] = {}
_catalogs_lock = threading.Lock()


def shared_catalog(path: Path) -> Catalog:
    """The catalog of a file, opened once per process.

    pygeoapi builds a provider for every request; the catalog (and the open sources, their
    grids and KD-trees) must outlive them.
    """
    key = path.resolve()
    with _catalogs_lock:
        if key not in _catalogs:
            _catalogs[key] = Catalog(key)
        return _catalogs[key]


def provider_error(exc: OceanAPIError) -> ProviderGenericError:
    """The pygeoapi error for a domain error, keeping the message fit for a user."""
    for domain, provider in ERROR_TABLE:
        if isinstance(exc, domain):
            return provider(exc.detail, user_msg=_user_message(exc))
    return ProviderQueryError(exc.detail)  # 500 with pygeoapi's generic message


def _user_message(exc: OceanAPIError) -> str:
    """The detail, with each parameter's reason when several are invalid."""
    params = exc.extra.get("invalid_params") or []
    if len(params) < 2:
        return exc.detail
    reasons = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
    return f"{exc.detail} {reasons}."


@contextmanager
def translated_errors() -> Iterator[None]:
    """Domain errors as pygeoapi provider errors; anything unexpected as a bare 500.

    pygeoapi only handles its own provider errors: any other exception would reach Starlette,
    which pygeoapi runs with ``debug=True`` and which would then send the traceback.
    """
    try:
        yield
    except ProviderGenericError:
        raise
    except OceanAPIError as exc:
        error = provider_error(exc)
        # pygeoapi logs every error with its traceback; a client error needs no second one.
        raise error from (exc if error.http_status_code >= 500 else None)
    except Exception as exc:
        log.exception("pygeoapi EDR query failed")
        raise ProviderQueryError() from exc


class OceanDataEDRProvider(BaseEDRProvider):  # type: ignore[misc]
    """One catalog dataset as a pygeoapi EDR collection: position, area, cube, radius and
    trajectory queries answered by the service's query engine."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        """Open the catalog file named by ``data`` and find the dataset named by ``dataset``."""
        super().__init__(provider_def)
        dataset_id = provider_def.get("dataset")
        if not isinstance(dataset_id, str) or not dataset_id:
            raise ProviderConnectionError(
                "the provider needs 'dataset:', the id of a dataset in the catalog file"
            )
        self.dataset_id = dataset_id
        self._fields: dict[str, dict[str, Any]] = {}  # filled by get_fields
        max_values = provider_def.get("max_values", DEFAULT_MAX_VALUES)
        if not isinstance(max_values, int) or max_values < 1:
            raise ProviderConnectionError("the provider's 'max_values:' must be a positive integer")
        self.max_values = max_values
        try:
            self.catalog = shared_catalog(Path(str(self.data)))
            self.catalog.entry(dataset_id)
        except CatalogError as exc:
            raise ProviderConnectionError(str(exc)) from exc
        except OceanAPIError as exc:
            raise provider_error(exc) from exc

    def get_fields(self) -> dict[str, dict[str, Any]]:
        """The dataset's variables as EDR parameters: JSON type, title, description, units.

        An unavailable dataset has none for now (pygeoapi's collection listing still answers).
        """
        if self._fields:  # pygeoapi's own cache, which its `fields` property reads
            return dict(self._fields)
        try:
            opened = self.catalog.dataset(self.dataset_id)
        except DatasetUnavailable as exc:
            log.warning("%s", exc.detail)
            return {}
        self._fields = {
            info.id: {
                "type": "number",
                "title": info.display_name,
                "description": info.long_name or info.display_name,
                "x-ogc-unit": info.units,
            }
            for info in opened.variables.values()
        }
        return dict(self._fields)

    def get_instance(self, instance: str) -> bool:
        """No instances: every instance id is invalid (the base class answers a truthy object)."""
        return False

    def query(self, **kwargs: Any) -> dict[str, Any]:
        """Dispatch to the query type's method (pygeoapi's own dispatch hides AttributeErrors)."""
        query_type = str(kwargs.get("query_type"))
        if query_type not in self.query_types:
            raise ProviderInvalidQueryError(
                user_msg=f"Unsupported query type; this collection answers: "
                f"{', '.join(self.query_types)}."
            )
        format_ = kwargs.get("format_")
        if format_ not in _COVJSON_FORMATS:
            raise ProviderInvalidQueryError(
                user_msg=f"Invalid parameter 'f': '{format_}' is not offered; "
                "this collection answers CoverageJSON (f=json) or HTML (f=html)."
            )
        answer: dict[str, Any] = getattr(self, query_type)(**kwargs)
        return answer

    def position(self, **kwargs: Any) -> dict[str, Any]:
        """Values at a POINT: one instant and level, a time series or a profile."""
        with translated_errors():
            point = _coords(kwargs.get("wkt"), "Point")
            place = ((float(point.x), float(point.y)),)
            when, levels = _datetime(kwargs), _z(kwargs.get("z"))
            return self._answer(EdrPosition(_names(kwargs), place, when, levels))

    def area(self, **kwargs: Any) -> dict[str, Any]:
        """Cells whose centres lie in a POLYGON (or MULTIPOLYGON)."""
        with translated_errors():
            polygon = _coords(kwargs.get("wkt"), "Polygon", "MultiPolygon")
            when, levels = _datetime(kwargs), _z(kwargs.get("z"))
            return self._answer(EdrArea.of(_names(kwargs), polygon, when, levels))

    def cube(self, **kwargs: Any) -> dict[str, Any]:
        """Cells in a bbox; a 6-number bbox (minx,miny,minz,maxx,maxy,maxz) gives a z range."""
        with translated_errors():
            bbox, levels = _cube_bbox(kwargs.get("bbox"), kwargs.get("z"))
            return self._answer(EdrCube(_names(kwargs), bbox, _datetime(kwargs), levels))

    def radius(self, **kwargs: Any) -> dict[str, Any]:
        """Cells whose centres lie within ``within`` ``within-units`` of a POINT."""
        with translated_errors():
            point = _coords(kwargs.get("wkt"), "Point")
            x, y = float(point.x), float(point.y)
            within, units = _within(kwargs.get("within")), kwargs.get("within_units")
            metres = shapes.within_metres(within, units)
            label = f"{within:g} {units}"
            when, levels = _datetime(kwargs), _z(kwargs.get("z"))
            return self._answer(
                EdrRadius.around(_names(kwargs), (x, y), metres, label, when, levels)
            )

    def trajectory(self, **kwargs: Any) -> dict[str, Any]:
        """Values sampled along a LINESTRING at one instant and level."""
        with translated_errors():
            line = _coords(kwargs.get("wkt"), "LineString")
            vertices = tuple((float(x), float(y)) for x, y in line.coords)
            when, levels = _datetime(kwargs), _z(kwargs.get("z"))
            return self._answer(EdrTrajectory(_names(kwargs), vertices, when, levels))

    def _answer(self, query: requests.Query) -> dict[str, Any]:
        """Estimate (413 before reading), run, encode as CoverageJSON, parse for pygeoapi."""
        with self.catalog.reading(self.dataset_id) as opened:
            query.estimate(opened, self.max_values)
            with SpooledTemporaryFile(SPOOL_MEMORY) as sink:
                jobs.DataJob(self.dataset_id, query, "covjson").answer(
                    opened, self.max_values, sink
                )
                sink.seek(0)
                document: dict[str, Any] = orjson.loads(sink.read())
        return document

    def __repr__(self) -> str:
        return f"<OceanDataEDRProvider> {self.data} dataset={self.dataset_id}"


def _names(kwargs: dict[str, Any]) -> list[str] | None:
    """``parameter-name`` as pygeoapi split it; None (every variable) when absent."""
    names = [str(n).strip() for n in kwargs.get("select_properties") or [] if str(n).strip()]
    return names or None


def _coords(geometry: BaseGeometry | None, *kinds: str) -> BaseGeometry:
    """pygeoapi's parsed ``coords`` as it is, checked by the same rules as the service's EDR
    facade (no WKT round trip)."""
    if geometry is None:
        raise InvalidParameters.single("coords", f"is required: WKT {' or '.join(kinds).upper()}")
    with parameter("coords"):
        return params.check_geometry(geometry, kinds)


def _datetime(kwargs: dict[str, Any]) -> params.DatetimeSelection:
    """pygeoapi's ``datetime_`` (the text as it came), parsed as the EDR facade parses it."""
    with parameter("datetime"):
        return params.parse_datetime(kwargs.get("datetime_"))


def _z(text: str | None) -> params.Levels:
    """pygeoapi's ``z`` (the text as it came), parsed as the EDR facade parses it."""
    with parameter("z"):
        return params.parse_z(text)


def _cube_bbox(bbox: list[float] | None, z: str | None) -> tuple[BBox, params.Levels]:
    """pygeoapi's validated bbox (4 or 6 numbers) as a BBox and the levels it implies."""
    if not bbox:
        raise InvalidParameters.single("bbox", "is required: minx,miny,maxx,maxy")
    values = [float(v) for v in bbox]
    if len(values) == 4:
        west, south, east, north = values
        return (west, south, east, north), _z(z)
    west, south, low, east, north, high = values
    if z:
        raise InvalidParameters(
            [
                ("bbox", "gives a z range with 6 numbers; use 4 numbers with z", "query"),
                ("z", "cannot be given with a 6-number bbox", "query"),
            ]
        )
    with parameter("z"):  # as the z it stands for
        return (west, south, east, north), params.z_range(low, high)


def _within(text: str | None) -> float | None:
    """``within`` as a number (pygeoapi passes the query string as it came)."""
    if text is None or not str(text).strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidParameters.single("within", "must be a positive number") from None
    if not math.isfinite(value):
        raise InvalidParameters.single("within", "must be a positive number")
    return value
