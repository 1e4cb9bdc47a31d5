"""What the plot runner hands a worker and gets back, whatever is drawn: a ``Job`` (a plot,
``plotting.worker.RenderJob``, or a web-map image, ``plotting.webmap.render.MapJob``) and the
``Rendered`` image."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Job(Protocol):
    """What the plot runner runs."""

    @property
    def key(self) -> str:
        """A digest of everything that decides the image's bytes (the cache key)."""
        ...

    @property
    def describe(self) -> str:
        """What is drawn, for messages."""
        ...

    def entry(self) -> Callable[[Any], Rendered]:
        """The module-level function a worker runs with the job."""
        ...


@dataclass(frozen=True)
class Rendered:
    """A rendered image and how long its stages took (ms)."""

    body: bytes
    media_type: str
    timings: dict[str, float] = field(default_factory=dict)
    pid: int = 0
