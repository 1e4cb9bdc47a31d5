"""Colour scales: `scale=auto` is fitted to what is drawn (2nd-98th percentile, symmetric about 0
for signed quantities), the catalog's scale is the default only when `scale` is absent, and a
given `min,max` is used as it is. Figures are rendered in-process and their colour bar read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from matplotlib.cm import ScalarMappable
from matplotlib.figure import Figure

from catalog import query
from catalog.store import Catalog
from plotting import colormaps
from plotting.common import RenderContext
from plotting.types import PLOT_TYPES
from schemas.params import parse_instant, parse_path
from tests.conftest import SAMPLES

ERSST = SAMPLES / "sst.mnmean.nc"
EQUATOR = "150,0;-90,0"


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    yield Catalog(Path(SAMPLES / "catalog.yaml"))


def render(catalog: Catalog, dataset: str, plot: str, **params: Any) -> Figure:
    plot_type = PLOT_TYPES[plot]
    with catalog.reading(dataset) as opened:
        parsed = plot_type.params.model_validate(params)
        return plot_type.render(RenderContext(opened, 2_000_000), parsed)


def colour_limits(fig: Figure) -> tuple[float, float]:
    """The range of the colour bar's mappable: what the colours mean."""
    mappables = [
        child
        for child in fig.axes[0].get_children()
        if isinstance(child, ScalarMappable) and child.get_array() is not None
    ]
    norm = mappables[0].norm
    assert norm.vmin is not None and norm.vmax is not None
    return float(norm.vmin), float(norm.vmax)


def percentiles(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    low, high = np.percentile(finite, [2, 98])
    return float(low), float(high)


def test_map_without_scale_uses_the_catalog_scale(catalog: Catalog) -> None:
    fig = render(catalog, "ersst-v5", "map", variable="sst", time="2015-12-01")
    assert colour_limits(fig) == (-2.0, 32.0)  # samples/catalog.yaml: scale [-2, 32]


def test_map_auto_is_the_percentiles_of_the_field_drawn(catalog: Catalog) -> None:
    fig = render(catalog, "ersst-v5", "map", variable="sst", time="2015-12-01", scale="auto")
    with xr.open_dataset(ERSST) as ds:
        expected = percentiles(ds.sst.sel(time="2015-12-01").values)
    assert colour_limits(fig) == pytest.approx(expected, rel=1e-6)


def test_regional_map_auto_fits_the_box_not_the_globe(catalog: Catalog) -> None:
    bbox = "-40,20,-10,45"  # the subtropical North Atlantic
    fig = render(
        catalog, "ersst-v5", "map", variable="sst", time="2015-08-01", scale="auto", bbox=bbox
    )
    with xr.open_dataset(ERSST) as ds:
        box = ds.sst.sel(time="2015-08-01", lat=slice(45, 20))
        box = box.sel(lon=(box.lon >= 320) & (box.lon <= 350))
        expected = percentiles(box.values)
    assert colour_limits(fig) == pytest.approx(expected, rel=1e-6)
    assert expected[1] - expected[0] < 15  # much narrower than the catalog's -2..32


def test_given_scale_is_used_as_it_is(catalog: Catalog) -> None:
    fig = render(catalog, "ersst-v5", "map", variable="sst", scale="5, 20")
    assert colour_limits(fig) == (5.0, 20.0)


def test_hovmoller_auto_fits_the_window_so_enso_shows(catalog: Catalog) -> None:
    """The ERSST Hovmoller along the equator: on the catalog's -2..32 ENSO vanishes."""
    params = {"path": EQUATOR, "start": "2014-01-01", "end": "2016-12-01", "variable": "sst"}
    fig = render(catalog, "ersst-v5", "hovmoller", scale="auto", **params)
    with catalog.reading("ersst-v5") as opened:
        drawn = query.hovmoller(
            opened,
            "sst",
            parse_path(EQUATOR),
            200,
            parse_instant("2014-01-01"),
            parse_instant("2016-12-01"),
            None,
        ).data["sst"]
    with xr.open_dataset(ERSST) as ds:  # the equatorial row, over the same months
        row = ds.sst.sel(lat=0, time=slice("2014-01-01", "2016-12-01"))
        assert np.isin(drawn.values[np.isfinite(drawn.values)], row.values).all()
    low, high = colour_limits(fig)
    assert (low, high) == pytest.approx(percentiles(drawn.values), rel=1e-6)
    assert low > 15 and high < 31  # fitted to the equatorial Pacific, not -2..32
    assert colour_limits(render(catalog, "ersst-v5", "hovmoller", **params)) == (-2.0, 32.0)


def test_transect_auto_fits_the_depths_shown(catalog: Catalog) -> None:
    """GIOPS to 500 m: the range comes from the upper 500 m, not the whole 5,500 m column."""
    path = "-160,2;-140,15"
    fig = render(catalog, "giops", "transect", path=path, depth_max=500, scale="auto")
    with catalog.reading("giops") as opened:
        name = PLOT_TYPES["transect"].params.model_validate({"path": path}).variable
        result = query.transect(opened, None if name is None else [name], parse_path(path), 200)
        first = next(iter(result.selection["variables"]))
        section = result.data[first]
    celsius = section.values - 273.15  # the file's K, drawn in the catalog's display_units
    shown = np.where(section["depth"].values[:, None] <= 500, celsius, np.nan)
    whole = percentiles(celsius)
    expected = percentiles(shown)
    assert colour_limits(fig) == pytest.approx(expected, rel=1e-6)
    assert expected != pytest.approx(whole, rel=1e-3)


def test_signed_quantity_auto_is_symmetric_about_zero(catalog: Catalog) -> None:
    fig = render(catalog, "glorys", "map", variable="uo", scale="auto")
    low, high = colour_limits(fig)
    with catalog.reading("glorys") as opened:
        fitted = query.area(opened, ["uo"], opened.bbox, None, None, max_cells=240_000).data["uo"]
    p2, p98 = percentiles(fitted.values)
    assert p2 < 0 < p98
    assert (low, high) == pytest.approx((-max(-p2, p98), max(-p2, p98)), rel=1e-6)


def test_colorbar_auto_fits_the_whole_map_and_absent_takes_the_catalog(catalog: Catalog) -> None:
    fitted = render(
        catalog, "ersst-v5", "colorbar", variable="sst", time="2015-12-01", scale="auto"
    )
    with xr.open_dataset(ERSST) as ds:
        expected = percentiles(ds.sst.sel(time="2015-12-01").values)
    limits = fitted.axes[0].get_xlim()
    assert limits == pytest.approx(expected, rel=1e-6)
    catalog_bar = render(catalog, "ersst-v5", "colorbar", variable="sst", time="2015-12-01")
    assert catalog_bar.axes[0].get_xlim() == pytest.approx((-2.0, 32.0))


def test_a_speed_auto_runs_from_zero(catalog: Catalog) -> None:
    fig = render(catalog, "glorys", "map", variable="current", scale="auto")
    with catalog.reading("glorys") as opened:
        pair = query.area(opened, ["current"], opened.bbox, None, None, max_cells=240_000).data
    speed = np.hypot(pair["current_east"].values, pair["current_north"].values)
    assert colour_limits(fig) == pytest.approx((0.0, percentiles(speed)[1]), rel=1e-6)


@pytest.mark.parametrize("plot", ["map", "transect"])
def test_sound_speed_is_not_a_vector_speed(catalog: Catalog, plot: str) -> None:
    """The derived `sound_speed` ends in '_speed' like a vector pair's speed, but its range is
    fitted to its values (about 1,480 to 1,530 m/s), not run from zero."""
    where = {"path": "-15,48;5,62"} if plot == "transect" else {}
    fig = render(catalog, "glorys", plot, variable="sound_speed", scale="auto", **where)
    low, high = colour_limits(fig)
    assert 1400 < low < high < 1600


def test_colorbar_bands_and_log_scale(catalog: Catalog) -> None:
    """numcolorbands: the bar's colours are the bands' (each the colour map at its middle, as
    the web-map palette); logscale: a logarithmic axis over a positive range."""
    banded = render(
        catalog,
        "glorys",
        "colorbar",
        variable="so",
        scale="30,36",
        colormap="haline",
        numcolorbands=6,
    )
    solids = [
        child
        for child in banded.axes[0].get_children()
        if isinstance(child, ScalarMappable) and child.get_array() is not None
    ]
    cmap = solids[0].get_cmap()
    assert cmap.N == 6
    expected = colormaps.get("haline")((np.arange(6) + 0.5) / 6)
    np.testing.assert_allclose(cmap(np.arange(6)), expected)
    logged = render(catalog, "glorys", "colorbar", variable="so", scale="0.1,100", logscale=True)
    assert logged.axes[0].get_xscale() == "log"
    assert logged.axes[0].get_xlim() == pytest.approx((0.1, 100))
    assert colour_limits(logged) == pytest.approx((0.1, 100))
