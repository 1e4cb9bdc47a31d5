"""Colour maps by name: cmocean's first (made for ocean data), then matplotlib's.

Any name may end in ``_r`` for the reversed map.
"""

from __future__ import annotations

import io
from functools import cache

import cmocean
import matplotlib as mpl
import numpy as np
from matplotlib.colors import Colormap
from PIL import Image

from catalog.variables import VariableInfo

_CMOCEAN = sorted(
    name for name in cmocean.cm.cmap_d if not name.endswith(("_r", "_i"))
)  # 'thermal', 'haline', ...


@cache
def names() -> tuple[str, ...]:
    """Every colour map name: cmocean's, then matplotlib's (reversed forms not listed)."""
    matplotlib_names = sorted(
        (n for n in mpl.colormaps if not n.endswith("_r") and not n.startswith("cmo.")),
        key=str.lower,
    )
    return (*_CMOCEAN, *(n for n in matplotlib_names if n not in _CMOCEAN))


def source(name: str) -> str:
    """'cmocean' or 'matplotlib'."""
    return "cmocean" if name.removesuffix("_r") in _CMOCEAN else "matplotlib"


def is_known(name: str) -> bool:
    """Whether ``name`` (or its base, for a reversed ``_r`` map) is a colour map here."""
    return name.removesuffix("_r") in names()


def check(name: str | None) -> str | None:
    """``name`` if it is a colour map here (None passes); else ValueError, the reason a 400
    gives for a ``colormap`` parameter."""
    if name is not None and not is_known(name):
        examples = ", ".join(names()[:5])
        raise ValueError(
            f"unknown colour map '{name}'; GET /api/v1/colormaps lists the "
            f"{len(names())} names (e.g. {examples}, viridis)"
        )
    return name


def get(name: str) -> Colormap:
    """The colour map of that name (cmocean names take precedence)."""
    base = name.removesuffix("_r")
    key = f"cmo.{base}" if base in _CMOCEAN else base
    cmap = mpl.colormaps[key]
    return cmap.reversed() if name.endswith("_r") else cmap


_BY_STANDARD_NAME = {
    "sea_water_temperature": "thermal",
    "sea_water_potential_temperature": "thermal",
    "sea_surface_temperature": "thermal",
    "sea_water_conservative_temperature": "thermal",
    "sea_water_salinity": "haline",
    "sea_water_practical_salinity": "haline",
    "sea_water_absolute_salinity": "haline",
    "sea_surface_height_above_geoid": "balance",
    "sea_surface_height_above_sea_level": "balance",
    "sea_water_speed": "speed",
    "sea_ice_area_fraction": "ice",
    "mass_concentration_of_chlorophyll_a_in_sea_water": "algae",
}


def default_for(info: VariableInfo) -> str:
    """The catalog's colour map for the variable, else one chosen from its meaning."""
    if info.override.colormap:
        return info.override.colormap
    if info.standard_name in _BY_STANDARD_NAME:
        return _BY_STANDARD_NAME[info.standard_name]
    if is_diverging(info):
        return "balance"
    text = f"{info.id} {info.long_name or ''}".lower()
    if "temp" in text or "sst" in text:
        return "thermal"
    if "sal" in text:
        return "haline"
    if "speed" in text:
        return "speed"
    return "viridis"


def is_diverging(info: VariableInfo) -> bool:
    """Whether the variable's values are signed around zero (velocity components, anomalies)."""
    name = info.standard_name or ""
    return (
        info.role in ("east", "north")
        or info.vector is not None
        or "velocity" in name
        or "anomaly" in name
        or "sea_surface_height" in name
    )


@cache
def preview_png(name: str, width: int = 256, height: int = 20) -> bytes:
    """A horizontal strip of the colour map as PNG (no figure: numpy and Pillow only)."""
    rgba = get(name)(np.linspace(0.0, 1.0, width), bytes=True)
    strip = np.repeat(rgba[np.newaxis, :, :], height, axis=0)
    out = io.BytesIO()
    Image.fromarray(strip).save(out, format="PNG")
    return out.getvalue()
