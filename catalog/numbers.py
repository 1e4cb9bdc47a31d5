"""Turning numpy numbers into the plain floats a JSON reader expects."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def tidy_float(value: float | np.floating) -> float:
    """The shortest float that round-trips in the value's own precision (float32 6.054 -> 6.054)."""
    if isinstance(value, np.floating) and value.dtype.itemsize < 8:
        return float(np.format_float_positional(value, unique=True, trim="-"))
    return float(value)


def tidy_floats(values: npt.ArrayLike) -> list[float]:
    """``tidy_float`` of each value."""
    return [tidy_float(v) for v in np.asarray(values).ravel()]


def narrowest(values: npt.NDArray[np.floating]) -> npt.NDArray[np.floating]:
    """The values as float32 when that loses nothing (values read from a float32 variable and
    widened), else as they are: so a table writes ``26.506``, not ``26.506000518798828``."""
    narrow = values.astype(np.float32)
    same = np.array_equal(narrow.astype(values.dtype), values, equal_nan=True)
    return narrow if same else values
