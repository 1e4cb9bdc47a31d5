"""CoverageJSON: a Coverage (validated by covjson-pydantic in the tests) whose large arrays are
written into its skeleton as it goes out."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import xarray as xr
from covjson_pydantic.observed_property import ObservedProperty
from covjson_pydantic.parameter import Parameter
from covjson_pydantic.unit import Unit

from catalog.formats.names import EPSG4326
from catalog.formats.stream import Out, Slots, array, json_array, tuples
from catalog.query.result import QueryResult

AXIS_NAMES = {"time": "t", "depth": "z", "latitude": "y", "longitude": "x"}


def write_covjson(result: QueryResult, out: Out, crs: str) -> None:
    """A Coverage, validated by covjson-pydantic in the tests, its large arrays written into it.

    Time is a ``t`` axis. A point, time series or profile is placed where its values are: the
    grid cell used (``cell_longitude``/``cell_latitude``), or the point interpolated to; where
    the variables used different cells (a staggered grid), the point asked for. Regular areas
    are a Grid; cells of curvilinear grids and samples along a path are a ``composite`` axis of
    (x, y) tuples (with t for a trajectory, z for a single level). ``crs`` names the horizontal
    CRS (CRS84, or EPSG:4326 in latitude, longitude order).
    """
    data, kind, slots = result.data, result.kind, Slots()
    names = [str(n) for n in data.data_vars if n != "bottom_depth" or kind == "area"]
    composite = kind in {"transect", "hovmoller"} or (
        kind == "area" and "longitude" not in data.dims
    )
    several = [d for d in ("time", "depth") if d in data.dims]
    t, z = _axis(data, "time", slots), _axis(data, "depth", slots)
    x = y = tuples = None
    domain_type: str | None
    if composite:
        cell_dims = [str(d) for d in data["longitude"].dims]
        tuples = _composite(data, kind, several, slots)
        if not several and kind == "area":
            domain_type, z = "MultiPoint", None  # a single level is the tuples' third coordinate
        elif several == ["time"] and kind == "area" and z is None:
            domain_type = "MultiPointSeries"
        elif not several and kind == "transect":
            domain_type, t = "Trajectory", None  # the instant is the tuples' first coordinate
        else:
            domain_type = None  # sections and Hovmöller diagrams have no CoverageJSON type
    else:
        cell_dims = [d for d in ("latitude", "longitude") if d in data.dims]
        x, y = _axis(data, "longitude", slots), _axis(data, "latitude", slots)
        if kind != "area" and "cell_longitude" in data.coords:  # where the values are
            x, y = _axis(data, "cell_longitude", slots), _axis(data, "cell_latitude", slots)
        types = {(): "Point", ("time",): "PointSeries", ("depth",): "VerticalProfile"}
        domain_type = "Grid" if kind == "area" else types.get(tuple(several))
    axes = {"x": x, "y": y, "z": z, "t": t, "composite": tuples}
    domain: dict[str, Any] = {"type": "Domain", "domainType": domain_type}
    domain["axes"] = {k: v for k, v in axes.items() if v is not None}
    domain["referencing"] = _referencing(domain["axes"], crs)
    ranges = {}
    for name in names:
        da = data[name]
        lead = [d for d in several if d in da.dims]
        values = np.asarray(da.transpose(*lead, *cell_dims).values)
        shape, axis_names = list(values.shape), [AXIS_NAMES[d] for d in lead]
        if composite:  # the cells flattened along the composite axis
            shape = [*shape[: len(lead)], math.prod(shape[len(lead) :])]
            axis_names.append("composite")
        else:
            axis_names += [AXIS_NAMES[d] for d in cell_dims]
        ranges[name] = {"type": "NdArray", "dataType": "float", "axisNames": axis_names}
        ranges[name].update(shape=shape, values=slots.slot(partial(array, values, flat=True)))
    parameters = {name: _parameter(data[name]) for name in names}
    skeleton = {"type": "Coverage", "domain": {k: v for k, v in domain.items() if v is not None}}
    skeleton.update(parameters=parameters, ranges=ranges)
    slots.write(skeleton, out)


def _axis(data: xr.Dataset, name: str, slots: Slots) -> dict[str, Any] | None:
    """A coordinate (scalar or 1-D) as a values axis, or None when absent."""
    if name not in data.coords or data[name].ndim > 1:
        return None
    values = np.atleast_1d(np.asarray(data[name].values))
    return {"values": slots.slot(partial(array, values, unit="us", flat=True))}


def _composite(data: xr.Dataset, kind: str, several: list[str], slots: Slots) -> dict[str, Any]:
    """(x, y) per cell; (t, x, y) for a trajectory; (x, y, z) for one level of cells."""
    columns = [np.asarray(data[c].values).reshape(-1) for c in ("longitude", "latitude")]
    coordinates, prefix, suffix = ["x", "y"], b"", b""
    single_z = "depth" in data.coords and "depth" not in several and data["depth"].ndim == 0
    if kind == "transect" and not several and "time" in data.coords:
        coordinates.insert(0, "t")
        prefix = json_array(np.asarray(data["time"].values).reshape(1), "us")[1:-1] + b","
    elif kind == "area" and not several and single_z:
        coordinates.append("z")
        suffix = b"," + json_array(np.asarray(data["depth"].values).reshape(1))[1:-1]
    fill = partial(tuples, columns, prefix=prefix, suffix=suffix)
    return {"dataType": "tuple", "coordinates": coordinates, "values": slots.slot(fill)}


def _parameter(da: xr.DataArray) -> dict[str, Any]:
    label = str(da.attrs.get("long_name") or da.name)
    units = da.attrs.get("units")
    standard_name = da.attrs.get("standard_name")
    parameter = Parameter(
        description={"en": label},
        observedProperty=ObservedProperty(
            id=f"http://vocab.nerc.ac.uk/standard_name/{standard_name}/" if standard_name else None,
            label={"en": label},
        ),
        unit=Unit(symbol=units, label={"en": units}) if units else None,
    )
    described: dict[str, Any] = parameter.model_dump(mode="json", exclude_none=True)
    return described


def _referencing(axes: dict[str, Any], crs: str) -> list[dict[str, Any]]:
    """Horizontal CRS (its axis order decides the order of x and y), depth and calendar."""
    spatial = ["y", "x"] if crs == EPSG4326 else ["x", "y"]
    systems: list[dict[str, Any]] = [
        {"coordinates": spatial, "system": {"type": "GeographicCRS", "id": crs}}
    ]
    in_tuples = axes["composite"]["coordinates"] if "composite" in axes else []
    if "z" in axes or "z" in in_tuples:
        down = {"name": {"en": "Depth"}, "direction": "down", "unit": {"symbol": "m"}}
        vertical = {"type": "VerticalCRS", "cs": {"csAxes": [down]}}
        systems.append({"coordinates": ["z"], "system": vertical})
    if "t" in axes or "t" in in_tuples:
        calendar = {"type": "TemporalRS", "calendar": "Gregorian"}
        systems.append({"coordinates": ["t"], "system": calendar})
    return systems
