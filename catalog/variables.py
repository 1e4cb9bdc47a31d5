"""What a served variable is made of: axes, grid, units and presentation defaults."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.axes import TimeAxis, VerticalAxis
from catalog.grids import Grid
from schemas.catalog import VariableOverride, VectorPair


@dataclass(frozen=True, eq=False)
class VariableInfo:
    """One served variable: its axes, grid, units and catalog presentation defaults."""

    id: str
    long_name: str | None
    standard_name: str | None
    units: str | None
    dims: tuple[str, ...]
    grid: Grid
    time: TimeAxis | None
    vertical: VerticalAxis | None
    valid_range: tuple[float, float] | None
    override: VariableOverride
    vector: VectorPair | None
    role: str | None = None
    """For a derived vector component: 'east' or 'north'."""
    derived: Derivation | None = None
    """For a TEOS-10 derived variable: its inputs and method (``catalog.derived``)."""

    @property
    def display_name(self) -> str:
        """Name to show people: the catalog's, the file's long name, or the id."""
        return self.override.display_name or self.long_name or self.id

    @property
    def vector_partner(self) -> str | None:
        """The other component of this variable's vector pair, if any."""
        if self.vector is None:
            return None
        return self.vector.y if self.vector.x == self.id else self.vector.x


@dataclass(frozen=True)
class Derivation:
    """How a derived variable is computed: from which served variables, by what method."""

    inputs: tuple[str, ...]
    method: str
    reference: str
