"""Derived variables as lazy xarray arrays: only the cells a query selects are computed.

A ``DerivedArray`` is an xarray backend array. xarray composes every ``isel`` on it without
reading anything; when the values are asked for, it receives the final (outer) indexer, reads
the temperature and salinity of those cells (the whole column of each for N² and the mixed
layer depth), and computes the TEOS-10 chain on them. A point query thus computes a handful of
values, a map one level of its box, as a plain variable would read them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

from catalog.derived.roles import Roles
from catalog.derived.table import Derived, State
from catalog.units import convert


class DerivedArray(BackendArray):
    """The values of one derived variable, computed on indexing."""

    def __init__(
        self,
        derived: Derived,
        roles: Roles,
        temperature: xr.DataArray,
        salinity: xr.DataArray,
        lat: str,
        lon: str,
    ) -> None:
        assert roles.temperature.vertical is not None
        self.derived = derived
        self.roles = roles
        self.temperature = temperature
        self.salinity = salinity
        self.lat, self.lon = lat, lon
        self.vertical = roles.temperature.vertical
        self.dims = tuple(
            str(d) for d in temperature.dims if derived.levels or d != self.vertical.dim
        )
        self.shape = tuple(temperature.sizes[d] for d in self.dims)
        self.dtype = np.dtype(np.float64)

    def __getitem__(self, key: indexing.ExplicitIndexer) -> Any:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._compute
        )

    def _compute(self, key: tuple[Any, ...]) -> np.ndarray:
        vdim = self.vertical.dim
        chosen = dict(zip(self.dims, key, strict=True))
        level_key = chosen.get(vdim, slice(None))
        if self.derived.column:
            chosen[vdim] = slice(None)
        t = self.temperature.isel(chosen)
        s = self.salinity.isel(chosen)
        order = natural = [str(d) for d in t.dims]
        if self.derived.column:  # the column's axis last, for the functions along it
            order = [d for d in order if d != vdim] + [vdim]
        t, s = t.transpose(*order), s.transpose(*order)
        levels = xr.DataArray(self.vertical.depths, dims=vdim).isel({vdim: chosen[vdim]})
        lat, lon, depth = (
            da.broadcast_like(t).transpose(*order).values.astype(np.float64)
            for da in (t.coords[self.lat], t.coords[self.lon], levels)
        )
        state = State(
            temperature=convert(t.values.astype(np.float64), self.roles.temperature.units, "degC"),
            temperature_kind=self.roles.temperature_kind,
            salinity=s.values.astype(np.float64),
            salinity_kind=self.roles.salinity_kind,
            depth=depth,
            lon=lon,
            lat=lat,
            levels=self.vertical.depths,
        )
        out = np.asarray(self.derived.compute(state), dtype=np.float64)
        if not self.derived.column or not self.derived.levels:
            return out  # in the output's order already
        axis = natural.index(vdim)  # where the selection wants the levels back
        out = np.moveaxis(out, -1, axis)
        return out[(slice(None),) * axis + (level_key,)]
