"""Streaming pieces every text format shares: the sink, gathered writes, JSON skeletons with
slots for large arrays, and numpy blocks turned into JSON text a chunk at a time.

No Python object is made per value, row or feature. Numbers and instants go from whole numpy
arrays to text by orjson (NaN and infinities as null, numbers as the float64 of the stored
value, instants as ISO 8601 with a Z), at most ``CHUNK`` values at a time. The sink receives
``bytes`` of at most a few MB each.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson

CHUNK = 65_536  # values (or table cells) turned into text at a time
FLUSH = 1 << 20  # bytes gathered before a write to the sink
Array = npt.NDArray[Any]
Out = Callable[[bytes], None]
NUMBERS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
INSTANTS = NUMBERS | orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z
COORD_UNITS = {"longitude": "degrees_east", "latitude": "degrees_north", "depth": "m"}


class Sink(Protocol):
    """Where a body goes: a binary file, a spool, anything with ``write(bytes)``."""

    def write(self, data: bytes, /) -> object: ...


class Gathered:
    """The body's pieces gathered into writes (``bytes``) of ``FLUSH`` to twice ``FLUSH`` bytes
    (the last one less); a piece of ``FLUSH`` bytes or more is written as it is."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.pending = bytearray()

    def __call__(self, piece: bytes) -> None:
        if len(piece) >= FLUSH:  # a large piece goes as it is
            self.flush()
            self.sink.write(piece)
            return
        self.pending += piece
        if len(self.pending) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.sink.write(bytes(self.pending))
            self.pending.clear()


class Slots:
    """A small JSON skeleton with slots that large arrays are written into as it goes out."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(12)
        self.fills: list[Callable[[Out], None]] = []

    def slot(self, fill: Callable[[Out], None]) -> str:
        """A placeholder (put it where the array goes) for what ``fill`` writes."""
        self.fills.append(fill)
        return f"{self.token}:{len(self.fills) - 1}"

    def write(self, skeleton: dict[str, Any], out: Out) -> None:
        text = orjson.dumps(skeleton, option=NUMBERS)
        parts = re.split(b'"' + self.token.encode() + rb':(\d+)"', text)
        out(parts[0])
        for k in range(1, len(parts), 2):
            self.fills[int(parts[k])](out)
            out(parts[k + 1])


def json_array(values: Array, unit: str = "s") -> bytes:
    """A block as a JSON array: float64 numbers (null for NaN, ±inf), instants ISO with a Z."""
    if np.issubdtype(values.dtype, np.datetime64):
        instants = np.ascontiguousarray(values, dtype=f"datetime64[{unit}]")
        return orjson.dumps(instants, option=INSTANTS)
    return orjson.dumps(np.ascontiguousarray(values, dtype=np.float64), option=NUMBERS)


def array(values: Array, out: Out, unit: str = "s", flat: bool = False) -> None:
    """``values`` as a JSON array nested by dimension, or ``flat`` in C order (a 0-d array as a
    scalar), turned into text a block of at most ``CHUNK`` values at a time."""
    if values.ndim == 0:
        text = json_array(values.reshape(1), unit)
        out(text if flat else text[1:-1])
        return
    out(b"[")
    for piece in items(values, unit, flat):
        out(piece)
    out(b"]")


def items(values: Array, unit: str, flat: bool) -> Iterator[bytes]:
    """The text between the outer brackets of ``array``, a block at a time."""
    if values.size <= CHUNK:
        yield json_array(values.reshape(-1) if flat else values, unit)[1:-1]
        return
    row = values.size // values.shape[0]
    for start in range(0, values.shape[0], max(1, CHUNK // row)):
        if row > CHUNK:  # a row is itself too large: its items a block at a time
            inner = items(values[start], unit, flat)
            yield b"," if start else b""
            yield from inner if flat else chain([b"["], inner, [b"]"])
        else:
            block = values[start : start + CHUNK // row]
            text = json_array(block.reshape(-1) if flat else block, unit)[1:-1]
            yield b"," + text if start else text


def tuples(columns: list[Array], out: Out, prefix: bytes = b"", suffix: bytes = b"") -> None:
    """Rows of the 1-D ``columns`` as JSON arrays, each with fixed text before and after."""
    out(b"[")
    step = max(1, CHUNK // len(columns))
    for start in range(0, columns[0].size, step):
        block = np.column_stack([c[start : start + step] for c in columns])
        text = json_array(block)[1:-1]
        if prefix:
            text = text.replace(b"[", b"[" + prefix)
        if suffix:
            text = text.replace(b"]", suffix + b"]")
        out(b"," + text if start else text)
    out(b"]")
