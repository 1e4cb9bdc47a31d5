"""TEOS-10 derived variables (density, σ0, sound speed, N², mixed layer depth, …), served as
variables of their dataset wherever a temperature and a salinity are found.

``derive`` gives each its description (a ``VariableInfo`` with ``derived`` set) and a lazy
array (``catalog.derived.lazy``) that ``OpenDataset.array`` answers like a stored variable's,
so every data query, format, plot, facade and tile works on them unchanged.
"""

from __future__ import annotations

import dataclasses

import xarray as xr
from xarray.core import indexing

from catalog.derived.lazy import DerivedArray
from catalog.derived.roles import Roles, RolesMismatch, find_roles
from catalog.derived.table import DERIVED, Derived
from catalog.derived.teos10 import REFERENCE
from catalog.variables import Derivation, VariableInfo
from schemas.catalog import DatasetEntry, VariableOverride

__all__ = ["DERIVED", "RolesMismatch", "derive"]


def derive(
    entry: DatasetEntry, ds: xr.Dataset, variables: dict[str, VariableInfo]
) -> dict[str, tuple[VariableInfo, xr.DataArray]]:
    """The derived variables the dataset offers, by id: (description, lazy array).

    RolesMismatch when the entry's ``derived`` options name variables that cannot serve.
    """
    roles = find_roles(variables, entry.derived)
    if roles is None:
        return {}
    wanted: list[str] = list(entry.derived.variables or DERIVED)
    return {
        name: _one(DERIVED[name], roles, entry, ds)
        for name in DERIVED
        if name in wanted and name not in variables
    }


def _one(
    derived: Derived, roles: Roles, entry: DatasetEntry, ds: xr.Dataset
) -> tuple[VariableInfo, xr.DataArray]:
    t = roles.temperature
    assert t.vertical is not None  # find_roles requires levels
    temperature = ds[t.id]
    backend = DerivedArray(
        derived,
        roles,
        temperature,
        ds[roles.salinity.id],
        lat=t.grid.lat_name,
        lon=t.grid.lon_name,
    )
    keep = {
        name: coord
        for name, coord in temperature.coords.items()
        if derived.levels or t.vertical.dim not in coord.dims
    }
    attrs = {
        "long_name": derived.long_name,
        "standard_name": derived.standard_name,
        "units": derived.units,
        "comment": derived.method,
        "references": REFERENCE,
    }
    variable = xr.Variable(backend.dims, indexing.LazilyIndexedArray(backend), attrs)
    array = xr.DataArray(variable, coords=keep, name=derived.id)
    own = entry.variables.get(derived.id, VariableOverride())
    override = own.model_copy(
        update={
            "colormap": own.colormap or derived.colormap,
            "display_name": own.display_name or derived.name,
        }
    )
    info = dataclasses.replace(
        t,
        id=derived.id,
        long_name=derived.long_name,
        standard_name=derived.standard_name,
        units=derived.units,
        dims=backend.dims,
        vertical=t.vertical if derived.levels else None,
        valid_range=None,
        override=override,
        vector=None,
        role=None,
        derived=Derivation(
            inputs=(t.id, roles.salinity.id), method=derived.method, reference=REFERENCE
        ),
    )
    return info, array
