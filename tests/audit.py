"""Which files the test process opens: an audit hook (PEP 578) that records inside a block."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_opened: list[str] | None = None
_EVENTS = {"open", "os.listdir", "os.scandir", "glob.glob"}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _opened is not None and event in _EVENTS and args:
        target = args[0]
        if isinstance(target, bytes):
            target = target.decode(errors="replace")
        if isinstance(target, (str, Path)):
            _opened.append(str(target))


sys.addaudithook(_audit)  # hooks cannot be removed: this one records only inside `watching`


@contextmanager
def watching() -> Iterator[list[str]]:
    """Record every file this process (any thread) opens or lists inside the block."""
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None
