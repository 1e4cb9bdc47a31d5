"""How a map image colours values: the colour map cut into bands over a range (linear or
logarithmic), what values beyond the range become, opacity and the background.

A palette has at most 256 entries, so an image is one byte per pixel (an indexed PNG):
0 is "no data" (transparent, or the background), 1..N the bands, N+1 below the range,
N+2 above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from plotting import colormaps
from schemas.params import Overflow, Rgba

MAX_BANDS = 250
DEFAULT_BANDS = 250
NO_DATA = 0
TRANSPARENT: Rgba = (0, 0, 0, 0)


@dataclass(frozen=True)
class MapStyle:
    """How values become colours. ``scale``: a range, 'auto' (fitted to the whole field: its
    2nd to 98th percentile, so that neighbouring tiles agree) or None (the catalog's scale for
    the variable where it sets one, else 'auto')."""

    colormap: str | None = None
    scale: Literal["auto"] | tuple[float, float] | None = None
    numcolorbands: int = DEFAULT_BANDS
    logscale: bool = False
    above: Overflow = "extend"
    below: Overflow = "extend"
    opacity: float = 1.0
    background: Rgba | None = None


@dataclass(frozen=True)
class Palette:
    """The colours of a style over a range (``colours[k]`` for palette index k) and the
    band of each value."""

    colours: npt.NDArray[np.uint8]
    low: float
    high: float
    bands: int
    log: bool

    def indices(self, values: npt.ArrayLike) -> npt.NDArray[np.uint8]:
        """The palette index of each value: its band (1..N), N+1 below, N+2 above, 0 for NaN."""
        v = np.asarray(values, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.log:
                t = (np.log10(v) - np.log10(self.low)) / (np.log10(self.high) - np.log10(self.low))
            else:
                t = (v - self.low) / (self.high - self.low)
            band = np.floor(t * self.bands)
            out = np.clip(band, 0, self.bands - 1) + 1  # the top value in the top band
            out = np.where(band < 0, self.bands + 1, out)
            out = np.where(v > self.high, self.bands + 2, out)
            out = np.where((v <= 0) & self.log, self.bands + 1, out)
        out = np.where(np.isfinite(v), out, NO_DATA)
        return out.astype(np.uint8)

    def band_range(self, index: int) -> tuple[float, float]:
        """The values palette index ``index`` (1..N) stands for."""
        k = index - 1
        if self.log:
            low, high = np.log10(self.low), np.log10(self.high)
            step = (high - low) / self.bands
            return float(10 ** (low + k * step)), float(10 ** (low + (k + 1) * step))
        step = (self.high - self.low) / self.bands
        return self.low + k * step, self.low + (k + 1) * step


@lru_cache(maxsize=256)
def palette(style: MapStyle, colormap: str, low: float, high: float) -> Palette:
    """The palette of a style over ``low``..``high`` with the colour map ``colormap`` (the last
    256 kept: a layer's tiles share one)."""
    n = style.numcolorbands
    cmap = colormaps.get(colormap)
    bands = np.asarray(cmap((np.arange(n) + 0.5) / n, bytes=True), dtype=np.uint8)
    bands[:, 3] = np.round(bands[:, 3] * style.opacity).astype(np.uint8)
    colours = np.zeros((n + 3, 4), dtype=np.uint8)
    colours[NO_DATA] = style.background or TRANSPARENT
    colours[1 : n + 1] = bands
    colours[n + 1] = _overflow(style.below, bands[0], style)
    colours[n + 2] = _overflow(style.above, bands[-1], style)
    return Palette(colours, low, high, n, style.logscale)


def _overflow(rule: Overflow, end: npt.NDArray[np.uint8], style: MapStyle) -> npt.NDArray[np.uint8]:
    """A value beyond the range: the end band, no colour (the background, if any) or its own."""
    if rule == "extend":
        return end
    if rule == "transparent":
        return np.array(style.background or TRANSPARENT, dtype=np.uint8)
    r, g, b, a = rule
    return np.array([r, g, b, round(a * style.opacity)], dtype=np.uint8)
