"""Query results as JSON, CSV, NetCDF and CoverageJSON; unit conversion of results."""

from __future__ import annotations

import io
import math
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr
from covjson_pydantic.coverage import Coverage
from covjson_pydantic.domain import Axes, Domain, DomainType, ValuesAxis
from covjson_pydantic.ndarray import NdArrayFloat, NdArrayInt, NdArrayStr, TiledNdArray
from covjson_pydantic.observed_property import ObservedProperty
from covjson_pydantic.parameter import Parameter, Parameters
from covjson_pydantic.reference_system import ReferenceSystem, ReferenceSystemConnectionObject
from covjson_pydantic.unit import Unit
from pydantic import AnyUrl

from catalog.errors import InvalidParameters
from catalog.queries import QueryResult
from catalog.selection import iso
from catalog.units import canonical_units, compatible_units, convert

Format = Literal["json", "csv", "nc", "covjson"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "nc": "application/x-netcdf",
    "covjson": "application/prs.coverage+json",
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
        try:
            converted = convert(da.values, source, units)
        except ValueError as exc:
            options = ", ".join(compatible_units(source)) or "none"
            raise InvalidParameters.single(
                "units", f"{exc}; '{name}' is in {source} and converts to: {options}"
            ) from None
        data[name] = da.copy(data=np.asarray(converted)).assign_attrs(units=target)
    return QueryResult(result.kind, result.dataset_id, data, result.selection)


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


def to_covjson(result: QueryResult) -> dict[str, Any]:
    """A CoverageJSON Coverage, validated by covjson-pydantic; time as `t` with `values`."""
    data = result.data
    names = [str(n) for n in data.data_vars if n != "bottom_depth" or result.kind == "area"]
    t_axis = _t_axis(data)
    z_single = _z_single(data)
    ranges: dict[str, NdArrayFloat | NdArrayInt | NdArrayStr | TiledNdArray | AnyUrl] = {}
    if result.kind in {"point", "timeseries", "profile"}:
        axes = Axes(
            x=ValuesAxis[float](values=[float(data["longitude"])]),
            y=ValuesAxis[float](values=[float(data["latitude"])]),
        )
        if result.kind == "profile":
            axes.z = ValuesAxis[float](values=_floats(data["depth"].values))
        elif z_single is not None:
            axes.z = z_single
        if t_axis is not None:
            axes.t = t_axis
        domain_type: DomainType | None = {
            "point": DomainType.point,
            "timeseries": DomainType.point_series,
            "profile": DomainType.vertical_profile,
        }[result.kind]
        axis_of = {"time": "t", "depth": "z"}
        for name in names:
            da = data[name]
            axis_names = [axis_of[str(d)] for d in da.dims]
            ranges[name] = _nd(da.values, axis_names)
    elif result.kind == "area" and "longitude" in data.dims:
        axes = Axes(
            x=ValuesAxis[float](values=_floats(data["longitude"].values)),
            y=ValuesAxis[float](values=_floats(data["latitude"].values)),
            t=t_axis,
            z=z_single,
        )
        domain_type = DomainType.grid
        for name in names:
            ranges[name] = _nd(data[name].transpose("latitude", "longitude").values, ["y", "x"])
    else:  # curvilinear areas and transects: cells as a composite (x, y) axis
        lon = np.asarray(data["longitude"].values).ravel()
        lat = np.asarray(data["latitude"].values).ravel()
        composite = ValuesAxis[tuple[float, float]](
            dataType="tuple",
            coordinates=["x", "y"],
            values=[(float(a), float(b)) for a, b in zip(lon, lat, strict=True)],
        )
        section = "depth" in data.dims
        axes = Axes(composite=composite, t=t_axis)
        if section:
            axes.z = ValuesAxis[float](values=_floats(data["depth"].values))
        elif z_single is not None:
            axes.z = z_single
        domain_type = (
            None
            if section
            else (DomainType.multi_point if result.kind == "area" else DomainType.trajectory)
        )
        if domain_type == DomainType.trajectory:
            axes.t = None  # a trajectory's time would belong in the composite axis
        for name in names:
            da = data[name]
            if section:
                ranges[name] = _nd(da.transpose("depth", "distance").values, ["z", "composite"])
            else:
                ranges[name] = _nd(np.asarray(da.values).ravel(), ["composite"])
    coverage = Coverage(
        domain=Domain(domainType=domain_type, axes=axes, referencing=_referencing(axes)),
        parameters=Parameters({name: _parameter(data[name]) for name in names}),
        ranges=ranges,
    )
    document: dict[str, Any] = coverage.model_dump(mode="json", exclude_none=True)
    return document


def _floats(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def _t_axis(data: xr.Dataset) -> ValuesAxis[Any] | None:
    if "time" not in data.coords:
        return None
    stamps = pd.to_datetime(np.atleast_1d(data["time"].values)).tz_localize("UTC")
    return ValuesAxis[Any](values=[t.to_pydatetime() for t in stamps])


def _z_single(data: xr.Dataset) -> ValuesAxis[float] | None:
    return None


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


def _referencing(axes: Axes) -> list[ReferenceSystemConnectionObject]:
    spatial = ["x", "y"]
    systems = [
        ReferenceSystemConnectionObject(
            coordinates=spatial,
            system=ReferenceSystem(
                type="GeographicCRS", id="http://www.opengis.net/def/crs/OGC/1.3/CRS84"
            ),
        )
    ]
    if axes.t is not None:
        systems.append(
            ReferenceSystemConnectionObject(
                coordinates=["t"], system=ReferenceSystem(type="TemporalRS", calendar="Gregorian")
            )
        )
    return systems
