"""What every grid adapter shares: stencils (cells and weights making one value) and the
footprint error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from catalog.geo import BBox

GridKind = Literal["regular", "curvilinear"]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Stencil:
    """Cells and weights that make one value: one cell with weight 1 for nearest."""

    j: Index
    i: Index
    w: npt.NDArray[np.float64]


class OutsideFootprint(Exception):
    """The location is outside the grid's footprint."""


def rounded(west: float, south: float, east: float, north: float) -> BBox:
    # Micro-degrees (about 0.1 m): hides float32 noise such as -17.62499237060547.
    return round(west, 6), round(south, 6), round(east, 6), round(north, 6)
