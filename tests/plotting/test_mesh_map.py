"""A map of the UGRID mesh shows, at every node, the colour the GLORYS map shows for the cell the
node was made from (the same values: a triangle is shaded linearly between its nodes, a grid
cell is one colour), and a map of data on faces colours each triangle by its face."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from catalog.store import Catalog
from plotting import colormaps
from plotting.common import RenderContext
from plotting.figure import encode
from plotting.types import map as map_type
from tests.conftest import SAMPLES

BBOX = "-16,47,6,69"


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    opened = Catalog(Path(SAMPLES / "catalog.yaml"))
    yield opened


def render(catalog: Catalog, dataset: str, **params: Any) -> tuple[Figure, np.ndarray]:
    with catalog.reading(dataset) as opened:
        fig = map_type.render(RenderContext(opened, 2_000_000), map_type.MapParams(**params))
    pixels = np.asarray(Image.open(io.BytesIO(encode(fig, "png"))).convert("RGB"), dtype=int)
    return fig, pixels


def distance_near(
    fig: Figure, pixels: np.ndarray, lon: np.ndarray, lat: np.ndarray, rgb: np.ndarray
) -> np.ndarray:
    """How far (largest channel difference) the colour nearest to ``rgb`` among the 3 x 3
    pixels under each place is: a place falls between pixels, and colours change fast across
    a front."""
    xy = fig.axes[0].transData.transform(np.column_stack([lon, lat]))
    cols = np.round(xy[:, 0] - 0.5).astype(int)
    rows = pixels.shape[0] - 1 - np.round(xy[:, 1] - 0.5).astype(int)
    best = np.full(lon.size, 255)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            found = np.abs(pixels[rows + dr, cols + dc] - rgb).max(axis=1)
            best = np.minimum(best, found)
    return best


def colours(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """The RGB cmocean's thermal map gives these values on the scale low..high."""
    rgba = colormaps.get("thermal")(Normalize(low, high)(values))
    return (np.asarray(rgba)[:, :3] * 255).round().astype(int)


def test_mesh_nodes_have_the_colour_of_their_glorys_cells(catalog: Catalog) -> None:
    params = {"variable": "thetao", "depth": "100", "bbox": BBOX, "scale": "2,13"}
    mesh_fig, mesh_pixels = render(catalog, "glorys-mesh", **params)
    grid_fig, grid_pixels = render(catalog, "glorys", **params)
    mesh = xr.open_dataset(SAMPLES / "glorys_mesh.nc")
    lon, lat = mesh.mesh_node_lon.values, mesh.mesh_node_lat.values
    wet = np.isfinite(mesh.thetao.isel(depth=2).values)
    inside = wet & (lon > -15.5) & (lon < 5.5) & (lat > 47.5) & (lat < 68.5)
    values = mesh.thetao.isel(depth=2).values[inside]
    expected = colours(values, 2, 13)
    on_mesh = distance_near(mesh_fig, mesh_pixels, lon[inside], lat[inside], expected)
    on_grid = distance_near(grid_fig, grid_pixels, lon[inside], lat[inside], expected)
    assert inside.sum() > 800
    # The grid's map shows each node's value there, but where land or a coastline is drawn
    # over it; wherever it does, the mesh's map does too (gradients across a pixel aside)
    shown = on_grid <= 3
    assert shown.mean() > 0.95, shown.mean()
    assert (on_mesh[shown] <= 6).mean() > 0.98, (on_mesh[shown] <= 6).mean()
    assert len(np.unique(expected, axis=0)) > 100  # a colour ramp across the map


def test_faces_are_coloured_by_their_values(catalog: Catalog) -> None:
    params = {"variable": "sst", "time": "2015-08-01", "bbox": BBOX, "scale": "5,20"}
    fig, pixels = render(catalog, "glorys-mesh", **params)
    mesh = xr.open_dataset(SAMPLES / "glorys_mesh.nc")
    sst = mesh.sst.sel(time="2015-08-01").values
    lon, lat = mesh.mesh_face_lon.values, mesh.mesh_face_lat.values
    chosen = np.isfinite(sst) & (lon > -15.5) & (lon < 5.5) & (lat > 47.5) & (lat < 68.5)
    expected = colours(sst[chosen], 5, 20)
    found = distance_near(fig, pixels, lon[chosen], lat[chosen], expected)
    assert chosen.sum() > 1500
    assert (found <= 3).mean() > 0.95, (found <= 3).mean()
