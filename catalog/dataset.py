"""An opened dataset: its xarray Dataset and what each served variable is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.axes import (
    horizontal_coordinates,
    promote_coordinates,
    time_axis,
    units_of,
    vertical_axis,
)
from catalog.derived import DERIVED, RolesMismatch, derive
from catalog.errors import VariableNotFound, valid_values_hint, valid_values_sentence
from catalog.geo import BBox
from catalog.grids import Grid, GridKind, recognize_grid
from catalog.numbers import tidy_floats
from catalog.sources import UNVERSIONED, SourceVersion
from catalog.units import convert
from catalog.variables import VariableInfo
from catalog.vectors import earth_components
from schemas.catalog import DatasetEntry, VariableOverride


class CatalogMismatch(Exception):
    """The catalog entry names variables the source does not have."""


@dataclass(eq=False)
class OpenDataset:
    """A dataset whose source is open, with its served variables described."""

    entry: DatasetEntry
    ds: xr.Dataset = field(repr=False)
    variables: dict[str, VariableInfo]
    version: SourceVersion = UNVERSIONED
    """Which opening of the source this is (the catalog's generation and the files' stamp)."""
    derived: dict[str, xr.DataArray] = field(default_factory=dict, repr=False)
    """The lazy arrays of the TEOS-10 derived variables (``catalog.derived``), by id."""

    @classmethod
    def build(
        cls, entry: DatasetEntry, ds: xr.Dataset, version: SourceVersion = UNVERSIONED
    ) -> OpenDataset:
        """Describe every servable variable of ``ds`` under the catalog ``entry``."""
        ds = promote_coordinates(ds)
        named = (set(entry.variables) - set(DERIVED)) | set(entry.hidden_variables)
        for pair in entry.vectors:
            named |= {pair.x, pair.y} | ({pair.angle} if pair.angle else set())
        missing = sorted(n for n in named if n not in ds.variables)
        if missing:
            raise CatalogMismatch(f"the catalog names variables the source lacks: {missing}")
        vectors = {name: pair for pair in entry.vectors for name in (pair.x, pair.y)}
        grids: dict[tuple[str, str], Grid] = {}
        variables: dict[str, VariableInfo] = {}
        for name, da in ds.data_vars.items():
            if name in entry.hidden_variables or not np.issubdtype(da.dtype, np.number):
                continue
            if "cf_role" in da.attrs:  # identifiers, a mesh's topology and connectivity
                continue
            coords = horizontal_coordinates(da)
            if coords is None:
                continue
            lat, lon = coords
            key = (str(lat.name), str(lon.name))
            if key not in grids:
                grid = recognize_grid(ds, lat, lon)
                if grid is None:
                    continue
                grids[key] = grid
            override = entry.variables.get(str(name), VariableOverride())
            _check_display_units(str(name), units_of(da, override.units), override)
            variables[str(name)] = VariableInfo(
                id=str(name),
                long_name=da.attrs.get("long_name"),
                standard_name=da.attrs.get("standard_name"),
                units=units_of(da, override.units),
                dims=tuple(str(d) for d in da.dims),
                grid=grids[key],
                time=time_axis(da, ds),
                vertical=vertical_axis(da),
                valid_range=_valid_range(da),
                override=override,
                vector=vectors.get(str(name)),
            )
        if not variables:
            raise CatalogMismatch(nothing_servable(ds))
        try:
            derived = derive(entry, ds, variables)
        except RolesMismatch as exc:
            raise CatalogMismatch(str(exc)) from None
        variables.update({name: info for name, (info, _) in derived.items()})
        arrays = {name: array for name, (_, array) in derived.items()}
        return cls(entry=entry, ds=ds, variables=variables, version=version, derived=arrays)

    @property
    def id(self) -> str:
        """The catalog id."""
        return self.entry.id

    def variable(self, variable_id: str) -> VariableInfo:
        """A served variable, or VariableNotFound naming the valid ones."""
        try:
            return self.variables[variable_id]
        except KeyError:
            names = list(self.variables)
            raise VariableNotFound(
                f"Dataset '{self.id}' has no variable '{variable_id}'. "
                + valid_values_sentence(names),
                **valid_values_hint(names),
            ) from None

    def times(self) -> npt.NDArray[np.datetime64]:
        """Every time instant of any served variable, sorted and unique."""
        return self._times

    def depths(self) -> npt.NDArray[np.float64]:
        """Every depth level (metres, positive down) of any served variable, sorted."""
        return self._depths

    @cached_property
    def _times(self) -> npt.NDArray[np.datetime64]:
        axes = [v.time.values for v in self.variables.values() if v.time is not None]
        if not axes:
            return np.array([], dtype="datetime64[ns]")
        return np.unique(np.concatenate(axes))

    @cached_property
    def _depths(self) -> npt.NDArray[np.float64]:
        axes = [v.vertical.depths for v in self.variables.values() if v.vertical is not None]
        if not axes:
            return np.array([], dtype=np.float64)
        return np.unique(np.concatenate(axes))

    @cached_property
    def grid_kind(self) -> GridKind | Literal["mixed"] | None:
        """The kind of every variable's grid, 'mixed' when they differ, None without any."""
        kinds = {v.grid.kind for v in self.variables.values()}
        if not kinds:
            return None
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @cached_property
    def bbox(self) -> BBox | None:
        """Union of the variables' footprints; longitudes -180..180, west > east across 180."""
        boxes = list({id(v.grid): v.grid.bbox() for v in self.variables.values()}.values())
        if not boxes:
            return None
        south = min(b[1] for b in boxes)
        north = max(b[3] for b in boxes)
        crossing = [b[0] > b[2] for b in boxes]
        everywhere = any(b[0] == -180.0 and b[2] == 180.0 for b in boxes)
        if everywhere or any(crossing) != all(crossing):
            return (-180.0, south, 180.0, north)
        return (min(b[0] for b in boxes), south, max(b[2] for b in boxes), north)

    def array(self, info: VariableInfo) -> xr.DataArray:
        """The (lazy) data of a served variable, a derived one, or a vector component."""
        if info.derived is not None:
            return self.derived[info.id]
        if info.role is None:
            return self.ds[info.id]
        return self._vector_arrays[info.id]

    def resolve(self, names: list[str] | None) -> list[VariableInfo]:
        """Variables named by id, or by vector pair id (its east and north components).

        Without names: every stored variable (derived ones are computed only when named).
        Unknown names are a 404 naming the valid ones.
        """
        if not names:
            return [v for v in self.variables.values() if v.derived is None]
        pairs = {pair.id: pair for pair in self.entry.vectors}
        chosen: list[VariableInfo] = []
        for name in dict.fromkeys(names):
            if name in pairs:
                chosen += self._vector_infos[name]
            elif name in self.variables:
                chosen.append(self.variables[name])
            else:
                valid = [*self.variables, *pairs]
                raise VariableNotFound(
                    f"Dataset '{self.id}' has no variable or vector pair '{name}'. "
                    + valid_values_sentence(valid),
                    **valid_values_hint(valid),
                )
        return chosen

    @cached_property
    def _vector_parts(
        self,
    ) -> dict[str, list[tuple[VariableInfo, xr.DataArray]]]:
        parts = {}
        for pair in self.entry.vectors:
            east, north = earth_components(
                self.ds, pair, self.variables[pair.x], self.variables[pair.y]
            )
            parts[pair.id] = [east, north]
        return parts

    @property
    def _vector_infos(self) -> dict[str, list[VariableInfo]]:
        return {pid: [info for info, _ in parts] for pid, parts in self._vector_parts.items()}

    @property
    def _vector_arrays(self) -> dict[str, xr.DataArray]:
        return {info.id: da for parts in self._vector_parts.values() for info, da in parts}

    def close(self) -> None:
        """Release the source's file handles."""
        self.ds.close()


def nothing_servable(ds: xr.Dataset) -> str:
    """Why a source with no servable variable is not served, in words a user can act on."""
    reason = "the source holds no numeric variable on a latitude/longitude grid"
    feature = ds.attrs.get("featureType")
    if feature:
        return (
            f"{reason}: it is a CF discrete sampling geometry (featureType '{feature}'), "
            "observations that are not served yet"
        )
    return f"{reason} (or every one is hidden)"


def _check_display_units(name: str, units: str | None, override: VariableOverride) -> None:
    """The catalog's display units convert from the variable's (else CatalogMismatch)."""
    if override.display_units is None:
        return
    try:
        convert(1.0, units, override.display_units)
    except ValueError as exc:
        raise CatalogMismatch(f"variable '{name}': display_units: {exc}") from None


def _valid_range(da: xr.DataArray) -> tuple[float, float] | None:
    attrs = da.attrs
    if "valid_range" in attrs and np.size(attrs["valid_range"]) == 2:
        low, high = tidy_floats(attrs["valid_range"])
        return low, high
    if "valid_min" in attrs and "valid_max" in attrs:
        (low,) = tidy_floats(attrs["valid_min"])
        (high,) = tidy_floats(attrs["valid_max"])
        return low, high
    return None
