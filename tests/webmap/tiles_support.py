"""What the web-map tests share: decoding an indexed PNG, and the cells xarray says a pixel
falls in, computed independently of the renderer."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from plotting.webmap.targets import Target, pixel_lonlat


def decode(png: bytes) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """(palette index of each pixel, RGBA of each palette entry) of an indexed PNG."""
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P", image.mode
    indices = np.asarray(image, dtype=np.uint8)
    rgb = np.frombuffer(bytes(image.getpalette() or []), dtype=np.uint8).reshape(-1, 3)
    alpha = np.full(rgb.shape[0], 255, dtype=np.uint8)
    transparency = image.info.get("transparency", b"")
    if isinstance(transparency, int):  # Pillow's reading of a tRNS with one 0 and all 255
        alpha[transparency] = 0
    else:
        alpha[: len(transparency)] = np.frombuffer(transparency, dtype=np.uint8)
    return indices, np.column_stack([rgb, alpha])


def opaque(png: bytes) -> npt.NDArray[np.bool_]:
    """Which pixels show something (alpha > 0)."""
    indices, colours = decode(png)
    return colours[indices, 3] > 0


def ersst_cells(
    target: Target, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Row and column of the ERSST cell (2° grid, centres 88N..88S, 0..358E) holding each
    pixel of the target, and whether the pixel is on the grid at all (within 1° of a row)."""
    px_lon, px_lat = pixel_lonlat(target)
    rows = np.rint((lat[0] - px_lat) / (lat[0] - lat[1])).astype(np.intp)
    on = (rows >= 0) & (rows < lat.size)
    rows = np.clip(rows, 0, lat.size - 1)
    on &= np.abs(lat[rows] - px_lat) <= 1.0 + 1e-9
    cols = (np.rint((px_lon % 360.0) / 2.0).astype(np.intp)) % lon.size
    grid_rows, grid_cols = np.meshgrid(rows, cols, indexing="ij")
    return grid_rows, grid_cols, np.broadcast_to(on[:, None], grid_rows.shape)


def band_bounds(
    indices: npt.NDArray[np.uint8], low: float, high: float, bands: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The values each palette index stands for, widened by one band each way (1..N: the
    bands; N+1: below ``low``; N+2: above ``high``)."""
    width = (high - low) / bands
    k = indices.astype(np.float64)
    lower = np.where(k == bands + 1, -np.inf, low + (k - 2) * width)
    upper = np.where(k == bands + 2, np.inf, low + (k + 1) * width)
    lower = np.where(k == bands + 2, high, lower)
    upper = np.where(k == bands + 1, low, upper)
    return lower, upper
