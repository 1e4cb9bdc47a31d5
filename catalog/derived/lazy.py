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
        self.source_dims = tuple(str(d) for d in temperature.dims)
        self.coords = {
            name: (
                np.asarray(temperature.coords[name].values, dtype=np.float64),
                tuple(str(d) for d in temperature.coords[name].dims),
            )
            for name in (lat, lon)
        }
        """Latitude and longitude (read once: small) with their dimensions."""
        offset = float(convert(0.0, roles.temperature.units, "degC"))
        self.to_celsius = (float(convert(1.0, roles.temperature.units, "degC")) - offset, offset)
        """Scale and offset from the temperature's units to °C (an affine map)."""

    def __getitem__(self, key: indexing.ExplicitIndexer) -> Any:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._compute
        )

    def _compute(self, key: tuple[Any, ...]) -> np.ndarray:
        vdim = self.vertical.dim
        chosen: dict[str, Any] = dict(zip(self.dims, key, strict=True))
        level_key = chosen.get(vdim, slice(None))
        if self.derived.column:
            chosen[vdim] = slice(None)
        # Numpy from here: xarray's isel, broadcast_like and transpose on a handful of cells
        # cost several times the TEOS-10 functions themselves (bench/derived.py).
        read = tuple(chosen[d] for d in self.source_dims)
        natural = [d for d in self.source_dims if not _dropped(chosen[d])]
        order = natural
        if self.derived.column:  # the column's axis last, for the functions along it
            order = [d for d in natural if d != vdim] + [vdim]
        axes = [natural.index(d) for d in order]
        t, s = (
            np.asarray(da.variable[read].values, dtype=np.float64).transpose(axes)
            for da in (self.temperature, self.salinity)
        )
        lat, lon = (_spread(*self.coords[n], chosen, order, t.shape) for n in (self.lat, self.lon))
        depth = _spread(self.vertical.depths, (vdim,), chosen, order, t.shape)
        state = State(
            temperature=t * self.to_celsius[0] + self.to_celsius[1],
            temperature_kind=self.roles.temperature_kind,
            salinity=s,
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


def _dropped(k: Any) -> bool:
    """An integer key drops its dimension."""
    return isinstance(k, int | np.integer)


def _spread(
    values: np.ndarray,
    dims: tuple[str, ...],
    chosen: dict[str, Any],
    order: list[str],
    shape: tuple[int, ...],
) -> np.ndarray:
    """A coordinate (``values`` on ``dims``) at the chosen cells, broadcast to ``shape`` whose
    dimensions are ``order``: outer indexing, one dimension at a time."""
    kept: list[str] = []
    for d in dims:
        k = chosen[d]
        values = values[(slice(None),) * len(kept) + (k,)]
        if not _dropped(k):
            kept.append(d)
    values = values.transpose([kept.index(d) for d in order if d in kept])
    spread = [n if d in kept else 1 for d, n in zip(order, shape, strict=True)]
    return np.broadcast_to(values.reshape(spread), shape)
