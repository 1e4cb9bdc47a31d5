"""Query results as JSON, CSV, NetCDF and CoverageJSON; unit conversion of results."""

from __future__ import annotations

import io
import math
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from covjson_pydantic.coverage import Coverage, CoverageCollection
from covjson_pydantic.domain import Axes, Domain, DomainType, ValuesAxis
from covjson_pydantic.ndarray import NdArrayFloat, NdArrayInt, NdArrayStr, TiledNdArray
from covjson_pydantic.observed_property import ObservedProperty
from covjson_pydantic.parameter import Parameter, Parameters
from covjson_pydantic.reference_system import ReferenceSystem, ReferenceSystemConnectionObject
from covjson_pydantic.unit import Unit
from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import AnyUrl

from catalog.errors import InvalidParameters
from catalog.queries import QueryResult
from catalog.selection import iso
from catalog.units import canonical_units, compatible_units, convert

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
Format = Literal["json", "csv", "nc", "covjson"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "nc": "application/x-netcdf",
    "covjson": "application/prs.coverage+json",
    "geojson": "application/geo+json",
}


def convert_units(result: QueryResult, units: str | None) -> QueryResult:
    """Every data variable with units converted to ``units`` (pint, UDUNITS names)."""
    if not units:
        return result
    data = result.data.copy()
    target = canonical_units(units) or units
    for name, da in result.data.data_vars.items():
        source = da.attrs.get("units")
        if str(name).endswith("_direction") or name == "bottom_depth":
            continue
        converted = convert_or_400(da.values, source, units, str(name))
        data[name] = da.copy(data=np.asarray(converted)).assign_attrs(units=target)
    return QueryResult(result.kind, result.dataset_id, data, result.selection)


def convert_or_400(values: Any, source: str | None, units: str, name: str) -> Any:
    """``values`` of variable ``name`` converted to ``units``; a 400 naming `units` if not."""
    try:
        return convert(values, source, units)
    except ValueError as exc:
        options = ", ".join(compatible_units(source)) or "none"
        raise InvalidParameters.single(
            "units", f"{exc}; '{name}' is in {source} and converts to: {options}"
        ) from None


def _plain(values: np.ndarray) -> Any:
    """Nested lists with NaN as None and instants as ISO strings."""
    if np.issubdtype(values.dtype, np.datetime64):
        flat = [iso(v) for v in values.ravel()]
        return (
            np.array(flat, dtype=object).reshape(values.shape).tolist() if values.ndim else flat[0]
        )
    as_float = values.astype(np.float64)
    listed = np.where(np.isfinite(as_float), as_float, np.nan).tolist()
    return _none_for_nan(listed)


def _none_for_nan(value: Any) -> Any:
    if isinstance(value, list):
        return [_none_for_nan(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def to_json(result: QueryResult) -> dict[str, Any]:
    """The result as a JSON document: coordinates and variables, each with dims and units."""
    data = result.data
    coords = {
        str(name): {
            "dims": [str(d) for d in c.dims],
            "units": c.attrs.get("units", _coord_units(str(name))),
            "values": _plain(c.values),
        }
        for name, c in data.coords.items()
    }
    variables = {
        str(name): {
            "dims": [str(d) for d in da.dims],
            "units": da.attrs.get("units"),
            "long_name": da.attrs.get("long_name"),
            "standard_name": da.attrs.get("standard_name"),
            "values": _plain(np.asarray(da.values)),
        }
        for name, da in data.data_vars.items()
    }
    return {
        "dataset_id": result.dataset_id,
        "query": result.kind,
        "coords": coords,
        "variables": variables,
        "selection": result.selection,
    }


def _coord_units(name: str) -> str | None:
    return {"longitude": "degrees_east", "latitude": "degrees_north", "depth": "m"}.get(name)


def to_csv(result: QueryResult) -> str:
    """A tidy table: one row per cell and time/level, units in the column headers."""
    data = result.data if result.data.dims else result.data.expand_dims("_row")
    frame = data.to_dataframe().reset_index().drop(columns=["_row", "y", "x"], errors="ignore")
    renamed = {}
    for column in frame.columns:
        units = None
        if column in result.data.variables:
            units = result.data[column].attrs.get("units") or _coord_units(str(column))
        renamed[column] = f"{column} [{units}]" if units else str(column)
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    buffer = io.StringIO()
    frame.rename(columns=renamed).to_csv(buffer, index=False, float_format="%.9g")
    return buffer.getvalue()


def to_geojson(result: QueryResult) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (RFC 7946, lon/lat): one Point per cell, time and level.

    Each feature's properties hold the time, the depth and one value per parameter (null where
    there is no data).
    """
    data = result.data
    frame = (data if data.dims else data.expand_dims("_row")).to_dataframe().reset_index()
    frame = frame.drop(columns=["_row", "y", "x", "distance", "point"], errors="ignore")
    if "time" in frame.columns:
        frame["time"] = pd.to_datetime(frame["time"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    lon = frame.pop("longitude").to_numpy(dtype=np.float64)
    lat = frame.pop("latitude").to_numpy(dtype=np.float64)
    columns = list(frame.columns)
    rows = frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
    features: list[Feature[Point, dict[str, Any]]] = [
        Feature(
            type="Feature",
            geometry=Point(type="Point", coordinates=(float(x), float(y))),
            properties=dict(zip(columns, row, strict=True)),
        )
        for x, y, row in zip(lon, lat, rows, strict=True)
    ]
    collection: FeatureCollection[Feature[Point, dict[str, Any]]] = FeatureCollection(
        type="FeatureCollection", features=features
    )
    document: dict[str, Any] = collection.model_dump(mode="json", exclude_none=True)
    return document


def to_netcdf(result: QueryResult, title: str, attribution: str) -> bytes:
    """A CF-1.8 NetCDF-4 file."""
    data = result.data.drop_encoding()
    for name, attrs in (
        ("longitude", {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}),
        ("latitude", {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}),
        ("depth", {"standard_name": "depth", "units": "m", "positive": "down", "axis": "Z"}),
        ("time", {"standard_name": "time", "axis": "T"}),
    ):
        if name in data.coords:
            data[name].attrs.update(attrs)
    for da in data.data_vars.values():
        da.attrs = {k: v for k, v in da.attrs.items() if v is not None}
        da.encoding["_FillValue"] = np.float32(np.nan) if da.dtype == np.float32 else np.nan
    data.attrs = {
        "Conventions": "CF-1.8",
        "title": title,
        "source": f"Ocean Data API, dataset '{result.dataset_id}', {result.kind} query",
        "acknowledgement": attribution,
    }
    if "time" in data.coords:
        data["time"].encoding["units"] = "seconds since 1970-01-01T00:00:00Z"
    payload = data.to_netcdf()
    return bytes(payload) if payload is not None else b""


def to_covjson(result: QueryResult, crs: str = CRS84) -> dict[str, Any]:
    """A CoverageJSON Coverage, validated by covjson-pydantic.

    Time is a ``t`` axis with ``values``. Regular areas are a Grid; cells of curvilinear grids
    and samples along a path are a ``composite`` axis of (x, y) tuples (with t for a
    trajectory, z for a single level). ``crs`` names the horizontal CRS (CRS84 or EPSG:4326,
    whose axis order is latitude, longitude).
    """
    data = result.data
    names = [str(n) for n in data.data_vars if n != "bottom_depth" or result.kind == "area"]
    composite = result.kind in {"transect", "hovmoller"} or (
        result.kind == "area" and "longitude" not in data.dims
    )
    several = [d for d in ("time", "depth") if d in data.dims]
    t_axis, z_axis = _values(data, "time"), _values(data, "depth")
    if composite:
        cell_dims = [str(d) for d in data["longitude"].dims]
        axes = Axes(composite=_composite(data, result.kind, several), t=t_axis, z=z_axis)
        if not several and result.kind == "area":
            domain_type: DomainType | None = DomainType.multi_point
            axes.z = None  # a single level is the composite's third coordinate
        elif several == ["time"] and result.kind == "area" and z_axis is None:
            domain_type = DomainType.multi_point_series
        elif not several and result.kind == "transect":
            domain_type = DomainType.trajectory
            axes.t = None  # the instant is the composite's first coordinate
        else:
            domain_type = None  # sections and Hovmöller diagrams have no CoverageJSON type
    else:
        cell_dims = [d for d in ("latitude", "longitude") if d in data.dims]
        axes = Axes(x=_values(data, "longitude"), y=_values(data, "latitude"), t=t_axis, z=z_axis)
        if result.kind == "area":
            domain_type = DomainType.grid
        else:
            domain_type = {
                (): DomainType.point,
                ("time",): DomainType.point_series,
                ("depth",): DomainType.vertical_profile,
            }.get(tuple(several))
    ranges: dict[str, NdArrayFloat | NdArrayInt | NdArrayStr | TiledNdArray | AnyUrl] = {}
    for name in names:
        da = data[name]
        lead = [d for d in several if d in da.dims]
        values = np.asarray(da.transpose(*lead, *cell_dims).values)
        axis_names = [_AXIS_NAMES[d] for d in lead]
        if composite:
            values = values.reshape(*values.shape[: len(lead)], -1)
            axis_names.append("composite")
        else:
            axis_names += [_AXIS_NAMES[d] for d in cell_dims]
        ranges[name] = _nd(values, axis_names)
    coverage = Coverage(
        domain=Domain(domainType=domain_type, axes=axes, referencing=_referencing(axes, crs)),
        parameters=Parameters({name: _parameter(data[name]) for name in names}),
        ranges=ranges,
    )
    document: dict[str, Any] = coverage.model_dump(mode="json", exclude_none=True)
    return document


_AXIS_NAMES = {"time": "t", "depth": "z", "latitude": "y", "longitude": "x"}


def to_covjson_collection(results: list[QueryResult], crs: str = CRS84) -> dict[str, Any]:
    """Several coverages (one per place of a MULTIPOINT) as a CoverageJSON CoverageCollection."""
    coverages = [Coverage.model_validate(to_covjson(r, crs)) for r in results]
    collection = CoverageCollection(coverages=coverages)
    document: dict[str, Any] = collection.model_dump(mode="json", exclude_none=True)
    return document


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _instants(values: np.ndarray) -> list[Any]:
    stamps = pd.to_datetime(np.atleast_1d(values)).tz_localize("UTC")
    return [t.to_pydatetime() for t in stamps]


def _values(data: xr.Dataset, name: str) -> ValuesAxis[Any] | None:
    """A coordinate (scalar or 1-D) as a values axis, or None when absent."""
    if name not in data.coords or data[name].ndim > 1:
        return None
    if name == "time":
        return ValuesAxis[Any](values=_instants(data[name].values))
    return ValuesAxis[float](values=_floats(data[name].values))


def _composite(data: xr.Dataset, kind: str, several: list[str]) -> ValuesAxis[tuple[Any, ...]]:
    """(x, y) per cell; (t, x, y) for a trajectory; (x, y, z) for one level of cells."""
    lon = _floats(data["longitude"].values)
    lat = _floats(data["latitude"].values)
    columns: list[list[Any]] = [lon, lat]
    coordinates = ["x", "y"]
    single_z = "depth" in data.coords and "depth" not in several and data["depth"].ndim == 0
    if kind == "transect" and not several and "time" in data.coords:
        columns.insert(0, _instants(data["time"].values) * len(lon))
        coordinates.insert(0, "t")
    elif kind == "area" and not several and single_z:
        columns.append([float(data["depth"])] * len(lon))
        coordinates.append("z")
    return ValuesAxis[tuple[Any, ...]](
        dataType="tuple", coordinates=coordinates, values=list(zip(*columns, strict=True))
    )


def _nd(values: np.ndarray, axis_names: list[str]) -> NdArrayFloat:
    array = np.asarray(values, dtype=np.float64)
    return NdArrayFloat(
        axisNames=axis_names,
        shape=list(array.shape),
        values=[None if not math.isfinite(v) else float(v) for v in array.ravel()],
    )


def _parameter(da: xr.DataArray) -> Parameter:
    label = str(da.attrs.get("long_name") or da.name)
    units = da.attrs.get("units")
    return Parameter(
        description={"en": label},
        observedProperty=ObservedProperty(
            id=f"http://vocab.nerc.ac.uk/standard_name/{da.attrs['standard_name']}/"
            if da.attrs.get("standard_name")
            else None,
            label={"en": label},
        ),
        unit=Unit(symbol=units, label={"en": units}) if units else None,
    )


def _referencing(axes: Axes, crs: str) -> list[ReferenceSystemConnectionObject]:
    """Horizontal CRS (its axis order decides the order of x and y), and the calendar."""
    spatial = ["y", "x"] if crs == EPSG4326 else ["x", "y"]
    systems = [
        ReferenceSystemConnectionObject(
            coordinates=spatial, system=ReferenceSystem(type="GeographicCRS", id=crs)
        )
    ]
    if axes.z is not None or (
        axes.composite is not None and "z" in (axes.composite.coordinates or [])
    ):
        systems.append(
            ReferenceSystemConnectionObject(
                coordinates=["z"],
                system=ReferenceSystem(
                    type="VerticalCRS",
                    cs={
                        "csAxes": [
                            {
                                "name": {"en": "Depth"},
                                "direction": "down",
                                "unit": {"symbol": "m"},
                            }
                        ]
                    },
                ),
            )
        )
    t_in_composite = axes.composite is not None and "t" in (axes.composite.coordinates or [])
    if axes.t is not None or t_in_composite:
        systems.append(
            ReferenceSystemConnectionObject(
                coordinates=["t"], system=ReferenceSystem(type="TemporalRS", calendar="Gregorian")
            )
        )
    return systems
